#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: modelarts_dataset_info
short_description: Gather facts about ModelArts datasets
version_added: 1.0.0
description:
  - Lists the datasets of a project in ModelArts on Open Telekom Cloud or Huawei Cloud, or returns one dataset.
  - By default every page is fetched and the result holds every dataset exactly once, in the API's order
    (newest first). A list that cannot be shown to be complete makes the module fail instead.
  - With O(dataset_id), the dataset's details are returned, as a one-element list.
  - Changes nothing. Runs the same in check mode.
author:
  - mlops.cloud maintainers (@mlops-cloud)
extends_documentation_fragment:
  - mlops.cloud.datasets
  - mlops.cloud.connection
  - mlops.cloud.paging
  - mlops.cloud.info_module
seealso:
  - module: mlops.cloud.modelarts_dataset_export_tasks_info
    description: The export tasks of a dataset, optionally after waiting for them, to gate a deployment.
  - name: Audit dataset exports
    description: The guide that audits the exports of every dataset of a project, with both modules.
    link: https://github.com/mlops-cloud/mlops.cloud/blob/main/docs/audit-exports.md
  - name: Querying the Dataset List (ModelArts API, Open Telekom Cloud)
    description: The API the module lists datasets with.
    link: https://docs.otc.t-systems.com/modelarts/api-ref/data_management/dataset_management/querying_the_dataset_list.html
  - name: Querying Details About a Dataset (ModelArts API, Open Telekom Cloud)
    description: The API the module gets one dataset with (O(dataset_id)).
    link: https://docs.otc.t-systems.com/modelarts/api-ref/data_management/dataset_management/querying_details_about_a_dataset.html
  - name: Querying the Dataset List (ModelArts API, Huawei Cloud)
    description: The same API on Huawei Cloud.
    link: https://support.huaweicloud.com/intl/en-us/api-modelarts/ListDatasets.html
'''

EXAMPLES = r'''
- name: Every dataset of the project (password authentication from OS_* variables)
  mlops.cloud.modelarts_dataset_info:
    region: eu-de
  delegate_to: localhost
  register: all_datasets

- name: The datasets named exactly dataset-example
  mlops.cloud.modelarts_dataset_info:
    region: eu-de
    dataset_name: dataset-example
  delegate_to: localhost
  register: named

- name: One dataset by ID, with its running export tasks detected
  mlops.cloud.modelarts_dataset_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
    check_running_task: true
    running_task_type: 2
  delegate_to: localhost
  register: one

- name: Audit - exportable object detection datasets that have a task running
  mlops.cloud.modelarts_dataset_info:
    region: eu-de
    dataset_type: 1
    support_export: true
    check_running_task: true
  delegate_to: localhost
  register: detection

- name: Their names
  ansible.builtin.debug:
    msg: "{{ detection.datasets | selectattr('exist_running_task') | map(attribute='dataset_name') | list }}"

- name: Project-wide gate - every export of every dataset SUCCESSED; each dataset must have one
  mlops.cloud.modelarts_dataset_info:
    region: eu-de
    include: [export_tasks]
    require_export_status: [SUCCESSED]
  delegate_to: localhost
  register: audit

- name: One page of 10 datasets (the second page)
  mlops.cloud.modelarts_dataset_info:
    region: eu-de
    limit: 10
    offset: 1
  delegate_to: localhost
'''

RETURN = r'''
datasets:
  description:
    - The datasets, exactly as the API returns them, in the API's order, each dataset once.
    - Fields the API adds later are passed through unchanged.
  returned: always
  type: list
  elements: dict
  contains:
    dataset_id:
      description: ID of the dataset.
      type: str
      sample: WxCREuCkBSAlQr9xrde
    dataset_name:
      description: Name of the dataset.
      type: str
      sample: dataset-example
    dataset_type:
      description: Dataset type, see O(dataset_type).
      type: int
      sample: 0
    status:
      description: Dataset status. V(0) creating, V(1) normal, V(2) deleting, V(3) deleted, V(4) abnormal, V(5) synchronizing,
        V(6) releasing, V(7) version switching, V(8) importing.
      type: int
      sample: 1
    description:
      description: Description of the dataset.
      type: str
      sample: Images of animals
    data_sources:
      description: Where the dataset's data comes from.
      type: list
      elements: dict
      sample: [{"data_type": 0, "data_path": "/test-obs/classify/input/animals/"}]
    work_path:
      description: Output directory of the dataset (OBS).
      type: str
      sample: /test-obs/classify/output/
    create_time:
      description: Creation time, milliseconds since the epoch.
      type: int
      sample: 1605690595404
    update_time:
      description: Last update time, milliseconds since the epoch.
      type: int
      sample: 1605690595404
    total_sample_count:
      description: Number of samples.
      type: int
      sample: 10
    annotated_sample_count:
      description: Number of labeled samples.
      type: int
      sample: 10
    current_version_id:
      description: ID of the current version.
      type: str
      sample: 54IXbeJhfttGpL46lbv
    workspace_id:
      description: Workspace of the dataset.
      type: str
      sample: "0"
    exist_running_task:
      description: Whether a task is running in the dataset; meaningful with O(check_running_task=true).
      type: bool
      sample: false
    running_tasks_id:
      description: IDs of the running tasks; filled with O(check_running_task=true).
      type: list
      elements: str
      sample: []
    export_tasks:
      description:
        - Added by the collection, not by the API, when O(include) names V(export_tasks). Every export task of the
          dataset, as M(mlops.cloud.modelarts_dataset_export_tasks_info) returns them.
      returned: when O(include) names export_tasks
      type: list
      elements: dict
    export_tasks_status_counts:
      description: Added by the collection. How many of RV(datasets[].export_tasks) are in each state.
      returned: when O(include) names export_tasks
      type: dict
      sample: {"INIT": 0, "RUNNING": 1, "SUCCESSED": 5, "FAILED": 1}
    versions:
      description:
        - Added by the collection, not by the API, when O(include) names V(versions). Every version of the dataset,
          as M(mlops.cloud.modelarts_dataset_version_info) returns them.
      returned: when O(include) names versions
      type: list
      elements: dict
    versions_status_counts:
      description: Added by the collection. How many of RV(datasets[].versions) are in each state, by name.
      returned: when O(include) names versions
      type: dict
      sample: {"CREATING": 0, "RUNNING": 3, "DELETING": 0, "DELETED": 0, "ERROR": 0}
    import_tasks:
      description:
        - Added by the collection, not by the API, when O(include) names V(import_tasks). Every import task of the
          dataset, as M(mlops.cloud.modelarts_dataset_import_task_info) returns them.
      returned: when O(include) names import_tasks
      type: list
      elements: dict
    import_tasks_status_counts:
      description: Added by the collection. How many of RV(datasets[].import_tasks) are in each state.
      returned: when O(include) names import_tasks
      type: dict
      sample: {"QUEUING": 0, "STARTING": 0, "RUNNING": 0, "COMPLETED": 2, "FAILED": 0, "NOT_EXIST": 0}
violations:
  description:
    - >-
      When a C(require_*_status) gate fails the run, every offending item of every selected dataset (failures first):
      a child item not in a required state, or a dataset without items of that child (C(id) and C(status) null).
      When no dataset is selected at all, the message says so and the list is empty.
    - The message names only the first five; this list has them all.
  returned: when a C(require_*_status) gate fails
  type: list
  elements: dict
  sample:
    - {"resource": "export task", "dataset_id": "WxCREuCkBSAlQr9xrde", "dataset_name": "flowers",
       "id": "TZMuy7OKbClkGCAc3gb", "status": "FAILED", "error": "ModelArts.4358: Invalid export path"}
    - {"resource": "export task", "dataset_id": "gfghHSokody6AJigS5A", "dataset_name": "cars",
       "id": null, "status": null, "error": "no export task"}
  contains:
    resource:
      description: The child that broke the gate, V(export task), V(dataset version) or V(import task).
      type: str
    dataset_id:
      description: ID of the dataset.
      type: str
    dataset_name:
      description: Name of the dataset.
      type: str
    id:
      description: ID of the child item (null for a dataset without any).
      type: str
    status:
      description: Its state, by name (null for a dataset without any).
      type: str
    error:
      description: >-
        The API's error text of a failed item, or V(no export task) (and so on) for a dataset without any; else
        null.
      type: str
total_count:
  description:
    - The API's own count of the datasets matching the server-side query, before the O(dataset_name) match.
      With O(dataset_id), V(1).
    - The dataset list documents that its count cannot exceed 100. When it answers exactly 100 and the last page
      is full, the module reads on until a page comes back short, and this is the number of datasets it read.
  returned: always
  type: int
  sample: 4
'''


from ansible_collections.mlops.cloud.plugins.module_utils.catalog import DATASETS
from ansible_collections.mlops.cloud.plugins.module_utils.module import run_info_module


def main():
    run_info_module(DATASETS)


if __name__ == '__main__':
    main()
