#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: modelarts_dataset_version_info
short_description: Gather facts about the versions of a ModelArts dataset
version_added: 1.1.0
description:
  - Lists the versions of a ModelArts dataset on Open Telekom Cloud or Huawei Cloud, or returns one version.
  - By default every page is fetched (pages of up to 1000 versions) and the result holds every version exactly
    once, in the API's order (newest first). A list that cannot be shown to be complete makes the module fail instead.
  - >-
    The API gives a version's state as a number; the module's options take it by name or by number, and
    RV(status_counts) and messages use the names: V(CREATING) (V(0), being released), V(RUNNING) (V(1), the API's
    word for ready to use), V(DELETING) (V(2)), V(DELETED) (V(3)), V(ERROR) (V(4), the release failed; C(message)
    says why). The versions themselves are returned as the API gives them, with the number.
  - With O(wait=true) it waits until every selected version is V(RUNNING), V(DELETED) or V(ERROR).
    Few unfinished versions are polled one by one (one request each), more by listing again.
  - With O(require_status) it is a gate, for example to deploy only from a version that is ready. The module fails,
    naming each selected version not in a required state with its C(message), unless every selected version is in one.
    With O(wait), waiting ends as soon as a finished version makes that impossible.
  - Changes nothing. Runs the same in check mode.
author:
  - mlops.cloud maintainers (@mlops-cloud)
extends_documentation_fragment:
  - mlops.cloud.dataset_parent
  - mlops.cloud.dataset_versions
  - mlops.cloud.gate
  - mlops.cloud.connection
  - mlops.cloud.wait
  - mlops.cloud.info_module
seealso:
  - module: mlops.cloud.modelarts_dataset_export_tasks_info
    description: The export tasks of a dataset; an export to a new version names it in C(export_params.export_dataset_version_name).
  - module: mlops.cloud.modelarts_dataset_import_task_info
    description: The import tasks of a dataset, which bring the samples a version is released from.
  - plugin: mlops.cloud.modelarts_dataset_versions
    plugin_type: lookup
    description: The same list as a lookup, to use in vars, templates and asserts.
  - name: Gate a deployment on the dataset version an export created
    description: The guide, with a playbook the tests run against the local emulator.
    link: https://github.com/mlops-cloud/mlops.cloud/blob/main/docs/gate-on-dataset-version.md
  - name: Querying the Dataset Version List (ModelArts API, Open Telekom Cloud)
    description: The API the module lists the versions with.
    link: https://docs.otc.t-systems.com/modelarts/api-ref/data_management/dataset_version_management/querying_the_dataset_version_list.html
  - name: Querying Details About a Dataset Version (ModelArts API, Open Telekom Cloud)
    description: The API the module gets one version with (O(version_id), and polling while it waits).
    link: https://docs.otc.t-systems.com/modelarts/api-ref/data_management/dataset_version_management/querying_details_about_a_dataset_version.html
  - name: Querying the Dataset Version List (ModelArts API, Huawei Cloud)
    description: The same API on Huawei Cloud.
    link: https://support.huaweicloud.com/intl/en-us/api-modelarts/ListDatasetVersions.html
'''

EXAMPLES = r'''
- name: Gather every version of a dataset (password authentication from OS_* variables)
  mlops.cloud.modelarts_dataset_version_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
  delegate_to: localhost
  register: versions

- name: The current version of a dataset found by name
  ansible.builtin.debug:
    msg: "{{ versions.versions | selectattr('is_current') | map(attribute='version_name') | first }}"

- name: Only failed releases, named by state (the same as status ['4'])
  mlops.cloud.modelarts_dataset_version_info:
    region: eu-de
    dataset_name: dataset-example
    status: [ERROR]
  delegate_to: localhost
  register: failed_versions

- name: Gate - wait for one version to be released; fail with its message unless it is ready
  mlops.cloud.modelarts_dataset_version_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
    version_id: 54IXbeJhfttGpL46lbv
    wait: true
    wait_timeout: 1800
    wait_sleep: 15
    require_status: [RUNNING]
  delegate_to: localhost
  register: version

- name: Gate - the newest version of the dataset must be ready; waits while it is created, fails on ERROR
  mlops.cloud.modelarts_dataset_version_info:
    region: eu-de
    dataset_name: dataset-example
    latest: true
    wait: true
    require_status: [RUNNING]
  delegate_to: localhost

- name: The CSV versions with a split ratio from 0.8 to 1.0, newest 100 only
  mlops.cloud.modelarts_dataset_version_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
    version_format: 2
    train_evaluate_ratio: "0.8,1.0"
    limit: 100
    offset: 0
  delegate_to: localhost
'''

RETURN = r'''
versions:
  description:
    - The versions, exactly as the API returns them, in the API's order, each version once.
      With O(version_id), the version's details (which may hold more fields, for example C(label_stats)).
    - Fields the API adds later are passed through unchanged.
    - When the module fails after the versions were fetched (O(require_status) not met, O(wait_timeout) ran out,
      a request failed while waiting), the versions as last fetched. A failure before that (bad options,
      credentials, an unknown dataset, a failed listing) returns none of RV(versions), RV(dataset_id),
      RV(total_count) and RV(status_counts).
  returned: success, and on failure once the versions were fetched
  type: list
  elements: dict
  contains:
    version_id:
      description: ID of the version.
      type: str
      sample: 54IXbeJhfttGpL46lbv
    version_name:
      description: Name of the version.
      type: str
      sample: V003
    status:
      description: State, the API's number. V(0) creating, V(1) running (ready), V(2) deleting, V(3) deleted, V(4) error.
      type: int
      sample: 1
    message:
      description: What the release recorded, for example the error of a version in state V(4).
      type: str
      sample: Dataset publish version failed
    is_current:
      description: Whether this is the dataset's current version.
      type: bool
      sample: true
    version_format:
      description: Format of the version, V(Default), V(CarbonData) or V(CSV).
      type: str
      sample: Default
    previous_version_id:
      description: ID of the parent version.
      type: str
      sample: eSOKEQaXhKzxN00WKoV
    manifest_path:
      description: OBS path of the version's manifest file.
      type: str
      sample: /test-obs/classify/output/dataset-f9e8-gfghHSokody6AJigS5A/annotation/V003/V003.manifest
    data_path:
      description: OBS path of the version's data.
      type: str
      sample: /test-obs/classify/output/dataset-f9e8-gfghHSokody6AJigS5A/annotation/V003/data/
    train_evaluate_sample_ratio:
      description: Split ratio between training and validation at release.
      type: str
      sample: "0.8"
    total_sample_count:
      description: Number of samples in the version.
      type: int
      sample: 10
    annotated_sample_count:
      description: Number of labeled samples in the version.
      type: int
      sample: 10
    create_time:
      description: Creation time, milliseconds since the epoch.
      type: int
      sample: 1605930512183
dataset_id:
  description:
    - ID of the dataset, as given in O(dataset_id) or resolved from O(dataset_name).
  returned: success, and on failure once the versions were fetched
  type: str
  sample: WxCREuCkBSAlQr9xrde
dataset_name:
  description:
    - Name of the dataset, when the play gave O(dataset_name).
  returned: when O(dataset_name) is given, on success and on failure once the versions were fetched
  type: str
  sample: dataset-example
violations:
  description:
    - When O(require_status) fails the run, every dataset version that broke it (failed ones first), or, for an empty
      selection, one entry with C(id) and C(status) null and C(error) saying nothing matched.
    - The message names only the first five; this list has them all.
  returned: when O(require_status) fails
  type: list
  elements: dict
  sample:
    - {"resource": "dataset version", "dataset_id": "WxCREuCkBSAlQr9xrde", "dataset_name": "dataset-example",
       "id": "eSOKEQaXhKzxN00WKoV", "status": "ERROR", "error": "Dataset publish version failed"}
  contains:
    resource:
      description: What broke the gate, V(dataset version).
      type: str
    dataset_id:
      description: ID of the dataset.
      type: str
    dataset_name:
      description: Name of the dataset, when known, else null.
      type: str
    id:
      description: ID of the dataset version (null for an empty selection).
      type: str
    status:
      description: Its state, by name (null for an empty selection).
      type: str
    error:
      description: The API's C(message) of a version in V(ERROR) or V(DELETED), or why an empty selection broke the gate; else null.
      type: str
total_count:
  description:
    - The API's own count (C(total_number)) of the versions matching the server-side query (dataset,
      O(version_format), O(train_evaluate_ratio)), before the O(status) filter. With O(version_id), V(1).
  returned: success, and on failure once the versions were fetched
  type: int
  sample: 3
status_counts:
  description:
    - How many of the returned versions (RV(versions)) are in each state, keyed by the state's name (not the
      API's number); all five keys are always present.
  returned: success, and on failure once the versions were fetched
  type: dict
  sample: {"CREATING": 0, "RUNNING": 3, "DELETING": 0, "DELETED": 0, "ERROR": 0}
'''


from ansible_collections.mlops.cloud.plugins.module_utils.catalog import DATASET_VERSIONS
from ansible_collections.mlops.cloud.plugins.module_utils.module import run_info_module


def main():
    run_info_module(DATASET_VERSIONS)


if __name__ == '__main__':
    main()
