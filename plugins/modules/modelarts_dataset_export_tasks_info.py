#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: modelarts_dataset_export_tasks_info
short_description: Gather facts about the export tasks of a ModelArts dataset
version_added: 1.0.0
description:
  - Lists the export tasks of a ModelArts dataset on Open Telekom Cloud or Huawei Cloud, or returns one task.
  - By default every page is fetched and the result holds every task exactly once, in the API's order
    (newest first). A list that cannot be shown to be complete makes the module fail instead.
  - With O(wait=true) it waits until every selected task is V(SUCCESSED) or V(FAILED).
    Few unfinished tasks are polled one by one (one request each), more by listing again.
  - With O(require_status) it is a gate, to stop a deployment on a failed export. The module fails, naming
    each selected task not in a required state with its error, unless every selected task is in one.
    With O(wait), waiting ends as soon as a finished task makes that impossible.
  - Changes nothing. Runs the same in check mode.
author:
  - mlops.cloud maintainers (@mlops-cloud)
extends_documentation_fragment:
  - mlops.cloud.dataset_parent
  - mlops.cloud.export_tasks
  - mlops.cloud.gate
  - mlops.cloud.connection
  - mlops.cloud.paging
  - mlops.cloud.wait
  - mlops.cloud.info_module
seealso:
  - module: mlops.cloud.modelarts_dataset_info
    description: The datasets of a project, to find the ones whose exports to gather.
  - name: Gate a deployment on a dataset export
    description: The guide, with playbooks the tests run against the local emulator.
    link: https://github.com/mlops-cloud/mlops.cloud/blob/main/docs/gate-on-export.md
  - name: Querying the Dataset Export Task List (ModelArts API, Open Telekom Cloud)
    description: The API the module lists the tasks with.
    link: https://docs.otc.t-systems.com/modelarts/api-ref/data_management/data_export_task/querying_the_dataset_export_task_list.html
  - name: Querying the Status of a Dataset Export Task (ModelArts API, Open Telekom Cloud)
    description: The API the module gets one task with (O(task_id), and polling while it waits).
    link: https://docs.otc.t-systems.com/modelarts/api-ref/data_management/data_export_task/querying_the_status_of_a_dataset_export_task.html
  - name: Querying the Dataset Export Task List (ModelArts API, Huawei Cloud)
    description: The same API on Huawei Cloud.
    link: https://support.huaweicloud.com/intl/en-us/api-modelarts/GetExportTasksStatusOfDataset.html
'''

EXAMPLES = r'''
- name: Gather every export task of a dataset (password authentication from OS_* variables)
  mlops.cloud.modelarts_dataset_export_tasks_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
  delegate_to: localhost
  register: exports

- name: The same, naming the dataset instead of giving its ID
  mlops.cloud.modelarts_dataset_export_tasks_info:
    region: eu-de
    dataset_name: dataset-example
  delegate_to: localhost
  register: exports

- name: Only failed tasks, with AK/SK authentication on Huawei Cloud
  mlops.cloud.modelarts_dataset_export_tasks_info:
    access_key: "{{ hw_access_key }}"
    secret_key: "{{ hw_secret_key }}"
    region: ap-southeast-1
    cloud_domain: myhuaweicloud.com
    dataset_id: WxCREuCkBSAlQr9xrde
    status:
      - FAILED
  delegate_to: localhost
  register: failed_exports

- name: Gate - wait for one export; fail with its error message unless it SUCCESSED
  mlops.cloud.modelarts_dataset_export_tasks_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
    task_id: TZMuy7OKbClkGCAc3gb
    wait: true
    wait_timeout: 1800
    wait_sleep: 15
    require_status: [SUCCESSED]
  delegate_to: localhost
  register: export

- name: Gate on the newest export of a dataset, found by name; fails at once if it FAILED, even before the play
  mlops.cloud.modelarts_dataset_export_tasks_info:
    region: eu-de
    dataset_name: dataset-example
    latest: true
    wait: true
    require_status: [SUCCESSED]
  delegate_to: localhost
  register: newest_export

- name: Where to deploy from - the newest successful export (empty, not failing, if there is none)
  mlops.cloud.modelarts_dataset_export_tasks_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
    latest: true
    status: [SUCCESSED]
  delegate_to: localhost
  register: deploy_from

- name: Gate on every export this pipeline started; fails when there is none, or one FAILED
  mlops.cloud.modelarts_dataset_export_tasks_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
    created_after: "{{ pipeline_started }}"  # for example 2026-12-06T08:00:00Z, saved at the start of the run
    wait: true
    require_status: [SUCCESSED]
  delegate_to: localhost

- name: Audit gate - fail unless every export of the dataset SUCCESSED (no waiting)
  mlops.cloud.modelarts_dataset_export_tasks_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
    require_status: [SUCCESSED]
  delegate_to: localhost

- name: Audit - where did the successful exports write to?
  ansible.builtin.debug:
    msg: "{{ exports.export_tasks | selectattr('status', 'equalto', 'SUCCESSED') | map(attribute='path') | list }}"

- name: One page of 20 tasks (the third page)
  mlops.cloud.modelarts_dataset_export_tasks_info:
    region: eu-de
    dataset_id: WxCREuCkBSAlQr9xrde
    limit: 20
    offset: 2
  delegate_to: localhost
'''

RETURN = r'''
export_tasks:
  description:
    - The export tasks, exactly as the API returns them, in the API's order, each task once.
    - Fields the API adds later are passed through unchanged.
    - When the module fails after the tasks were fetched (O(require_status) not met, O(wait_timeout) ran out,
      a request failed while waiting), the tasks as last fetched. A failure before that (bad options, credentials,
      an unknown dataset, a failed listing) returns none of RV(export_tasks), RV(dataset_id), RV(total_count)
      and RV(status_counts).
  returned: success, and on failure once the tasks were fetched
  type: list
  elements: dict
  contains:
    task_id:
      description: ID of the export task.
      type: str
      sample: TZMuy7OKbClkGCAc3gb
    status:
      description: Task state, one of V(INIT), V(RUNNING), V(SUCCESSED), V(FAILED) (the API's spelling).
      type: str
      sample: SUCCESSED
    progress:
      description: Progress in percent.
      type: float
      sample: 100.0
    path:
      description: Export output path (OBS).
      type: str
      sample: /test-obs/daoChu/
    export_type:
      description: Export type. V(0) labeled, V(1) unlabeled, V(2) all, V(3) conditional search.
      type: int
      sample: 3
    export_format:
      description: Format of the exported directory. V(1) tree structure, V(2) tile structure.
      type: int
      sample: 2
    export_params:
      description: Parameters the task was created with (destination, sample state, ratios...).
      type: dict
      sample: {"export_dest": "DIR", "sample_state": "", "clear_hard_property": true}
    total_sample_count:
      description: Total number of samples.
      type: int
      sample: 20
    finished_sample_count:
      description: Number of samples exported so far.
      type: int
      sample: 20
    create_time:
      description: Creation time, milliseconds since the epoch.
      type: int
      sample: 1606103424662
    update_time:
      description: Last update time, milliseconds since the epoch.
      type: int
      sample: 1606103497519
    version_format:
      description: Format of the dataset version, for example V(Default).
      type: str
      sample: Default
    version_id:
      description: ID of the dataset version, when the export is of a version.
      type: str
      sample: 6fXJeD0B7t9AhMylKE6
    error_code:
      description: Error code of a failed task.
      type: str
      sample: ModelArts.4370
    error_msg:
      description: Error message of a failed task.
      type: str
      sample: OBS path is not accessible.
dataset_id:
  description:
    - ID of the dataset, as given in O(dataset_id) or resolved from O(dataset_name).
  returned: success, and on failure once the tasks were fetched
  type: str
  sample: WxCREuCkBSAlQr9xrde
dataset_name:
  description:
    - Name of the dataset, when the play gave O(dataset_name).
  returned: when O(dataset_name) is given, on success and on failure once the tasks were fetched
  type: str
  sample: dataset-example
violations:
  description:
    - When O(require_status) fails the run, every export task that broke it (failed tasks first), or, for an empty
      selection, one entry with C(id) and C(status) null and C(error) saying nothing matched.
    - The message names only the first five; this list has them all.
  returned: when O(require_status) fails
  type: list
  elements: dict
  sample:
    - {"resource": "export task", "dataset_id": "WxCREuCkBSAlQr9xrde", "dataset_name": "dataset-example",
       "id": "TZMuy7OKbClkGCAc3gb", "status": "FAILED", "error": "ModelArts.4358: Invalid export path"}
  contains:
    resource:
      description: What broke the gate, V(export task).
      type: str
    dataset_id:
      description: ID of the dataset.
      type: str
    dataset_name:
      description: Name of the dataset, when known, else null.
      type: str
    id:
      description: ID of the task (null for an empty selection).
      type: str
    status:
      description: Its state (null for an empty selection).
      type: str
    error:
      description: C(error_code) and C(error_msg) of a failed task, or why an empty selection broke the gate; else null.
      type: str
total_count:
  description:
    - The API's own count of the tasks matching the server-side query (dataset and O(export_type)),
      before the O(status) filter. With O(task_id), V(1).
  returned: success, and on failure once the tasks were fetched
  type: int
  sample: 2
status_counts:
  description:
    - How many of the returned tasks (RV(export_tasks)) are in each state; all four keys are always present.
  returned: success, and on failure once the tasks were fetched
  type: dict
  sample: {"INIT": 0, "RUNNING": 1, "SUCCESSED": 12, "FAILED": 0}
'''


from ansible_collections.mlops.cloud.plugins.module_utils.catalog import EXPORT_TASKS
from ansible_collections.mlops.cloud.plugins.module_utils.module import run_info_module


def main():
    run_info_module(EXPORT_TASKS)


if __name__ == '__main__':
    main()
