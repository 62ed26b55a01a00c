#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: modelarts_dataset_import_task_info
short_description: Gather facts about the import tasks of a ModelArts dataset
version_added: 1.1.0
description:
  - Lists the import tasks of a ModelArts dataset on Open Telekom Cloud or Huawei Cloud, or returns one task.
  - By default every page is fetched and the result holds every task exactly once, in the API's order
    (newest first). A list that cannot be shown to be complete makes the module fail instead.
  - With O(wait=true) it waits until every selected task is V(COMPLETED), V(FAILED) or V(NOT_EXIST).
    Few unfinished tasks are polled one by one (one request each), more by listing again.
  - With O(require_status) it is a gate, for example to release a version only once the samples are in. The module
    fails, naming each selected task not in a required state with its error, unless every selected task is in one.
    With O(wait), waiting ends as soon as a finished task makes that impossible.
  - Changes nothing. Runs the same in check mode.
notes:
  - The tasks are returned as the API gives them. For a table import from GaussDB(DWS) the API's
    C(data_source.source_info) may hold C(user_password); do not print such tasks in logs.
author:
  - mlops.cloud maintainers (@mlops-cloud)
extends_documentation_fragment:
  - mlops.cloud.dataset_parent
  - mlops.cloud.import_tasks
  - mlops.cloud.gate
  - mlops.cloud.connection
  - mlops.cloud.paging
  - mlops.cloud.wait
  - mlops.cloud.info_module
seealso:
  - module: mlops.cloud.modelarts_dataset_version_info
    description: The versions of a dataset, released from the samples the imports brought.
  - module: mlops.cloud.modelarts_dataset_export_tasks_info
    description: The export tasks of a dataset.
  - plugin: mlops.cloud.modelarts_dataset_import_tasks
    plugin_type: lookup
    description: The same list as a lookup, to use in vars, templates and asserts.
  - name: Querying the Dataset Import Task List (ModelArts API, Open Telekom Cloud)
    description: The API the module lists the tasks with.
    link: https://docs.otc.t-systems.com/modelarts/api-ref/data_management/data_import_task/querying_the_dataset_import_task_list.html
  - name: Querying Details About a Dataset Import Task (ModelArts API, Open Telekom Cloud)
    description: The API the module gets one task with (O(task_id), and polling while it waits).
    link: https://docs.otc.t-systems.com/modelarts/api-ref/data_management/data_import_task/querying_details_about_a_dataset_import_task.html
  - name: Querying the Dataset Import Task List (ModelArts API, Huawei Cloud)
    description: The same API on Huawei Cloud.
    link: https://support.huaweicloud.com/intl/en-us/api-modelarts/ListImportTasks.html
'''

EXAMPLES = r'''
- name: Gather every import task of a dataset (password authentication from OS_* variables)
  mlops.cloud.modelarts_dataset_import_task_info:
    region: eu-de
    dataset_id: gfghHSokody6AJigS5A
  delegate_to: localhost
  register: imports

- name: Only the failed imports of a dataset found by name
  mlops.cloud.modelarts_dataset_import_task_info:
    region: eu-de
    dataset_name: dataset-example
    status: [FAILED]
  delegate_to: localhost
  register: failed_imports

- name: Gate - wait for the newest import of the dataset; fail with its error unless it completes
  mlops.cloud.modelarts_dataset_import_task_info:
    region: eu-de
    dataset_id: gfghHSokody6AJigS5A
    latest: true
    wait: true
    wait_timeout: 3600
    wait_sleep: 30
    require_status: [COMPLETED]
  delegate_to: localhost

- name: Audit - every import since the start of December completed (none at all fails too)
  mlops.cloud.modelarts_dataset_import_task_info:
    region: eu-de
    dataset_name: dataset-example
    created_after: "2026-12-01T00:00:00Z"
    require_status: [COMPLETED]
  delegate_to: localhost

- name: How many samples each import brought
  ansible.builtin.debug:
    msg: "{{ imports.import_tasks | items2dict(key_name='task_id', value_name='imported_sample_count') }}"
'''

RETURN = r'''
import_tasks:
  description:
    - The import tasks, exactly as the API returns them, in the API's order, each task once.
    - Fields the API adds later are passed through unchanged.
    - When the module fails after the tasks were fetched (O(require_status) not met, O(wait_timeout) ran out,
      a request failed while waiting), the tasks as last fetched. A failure before that (bad options, credentials,
      an unknown dataset, a failed listing) returns none of RV(import_tasks), RV(dataset_id), RV(total_count)
      and RV(status_counts).
  returned: success, and on failure once the tasks were fetched
  type: list
  elements: dict
  contains:
    task_id:
      description: ID of the import task.
      type: str
      sample: gfghHSokody6AJigS5A_RHJ1zOkIoI3Nzwxj8nh
    status:
      description: Task state, one of V(QUEUING), V(STARTING), V(RUNNING), V(COMPLETED), V(FAILED), V(NOT_EXIST).
      type: str
      sample: COMPLETED
    dataset_id:
      description: ID of the dataset, as the API gives it.
      type: str
      sample: gfghHSokody6AJigS5A
    import_path:
      description: OBS path or manifest path imported.
      type: str
      sample: obs://test-obs/daoLu_images/animals/
    import_type:
      description: Import mode. V(0) by directory, V(1) by manifest file.
      type: int
      sample: 0
    total_sample_count:
      description: Total number of samples.
      type: int
      sample: 20
    imported_sample_count:
      description: Number of samples imported.
      type: int
      sample: 20
    annotated_sample_count:
      description: Number of labeled samples.
      type: int
      sample: 20
    create_time:
      description: Creation time, milliseconds since the epoch.
      type: int
      sample: 1606114833874
    elapsed_time:
      description: Running time, in seconds.
      type: int
      sample: 2
    error_code:
      description: Error code of a failed task.
      type: str
      sample: ModelArts.4340
    error_msg:
      description: Error message of a failed task.
      type: str
      sample: Import path does not contain valid file
dataset_id:
  description:
    - ID of the dataset, as given in O(dataset_id) or resolved from O(dataset_name).
  returned: success, and on failure once the tasks were fetched
  type: str
  sample: gfghHSokody6AJigS5A
dataset_name:
  description:
    - Name of the dataset, when the play gave O(dataset_name).
  returned: when O(dataset_name) is given, on success and on failure once the tasks were fetched
  type: str
  sample: dataset-example
violations:
  description:
    - When O(require_status) fails the run, every import task that broke it (failed ones first), or, for an empty
      selection, one entry with C(id) and C(status) null and C(error) saying nothing matched.
    - The message names only the first five; this list has them all.
  returned: when O(require_status) fails
  type: list
  elements: dict
  sample:
    - {"resource": "import task", "dataset_id": "gfghHSokody6AJigS5A", "dataset_name": null,
       "id": "gfghHSokody6AJigS5A_RHJ1zOkIoI3Nzwxj8nh", "status": "FAILED", "error": "ModelArts.4340: Import path does not contain valid file"}
  contains:
    resource:
      description: What broke the gate, V(import task).
      type: str
    dataset_id:
      description: ID of the dataset.
      type: str
    dataset_name:
      description: Name of the dataset, when known, else null.
      type: str
    id:
      description: ID of the import task (null for an empty selection).
      type: str
    status:
      description: Its state, by name (null for an empty selection).
      type: str
    error:
      description: C(error_code) and C(error_msg) of a failed or vanished task, or why an empty selection broke the gate; else null.
      type: str
total_count:
  description:
    - The API's own count of the dataset's import tasks, before the O(status) filter. With O(task_id), V(1).
  returned: success, and on failure once the tasks were fetched
  type: int
  sample: 1
status_counts:
  description:
    - How many of the returned tasks (RV(import_tasks)) are in each state; all six keys are always present.
  returned: success, and on failure once the tasks were fetched
  type: dict
  sample: {"QUEUING": 0, "STARTING": 0, "RUNNING": 0, "COMPLETED": 1, "FAILED": 0, "NOT_EXIST": 0}
'''


from ansible_collections.mlops.cloud.plugins.module_utils.catalog import IMPORT_TASKS
from ansible_collections.mlops.cloud.plugins.module_utils.module import run_info_module


def main():
    run_info_module(IMPORT_TASKS)


if __name__ == '__main__':
    main()
