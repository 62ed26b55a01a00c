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
options:
  dataset_id:
    description:
      - ID of the dataset whose export tasks to return.
      - Give O(dataset_id) or O(dataset_name).
    type: str
  dataset_name:
    description:
      - Name of the dataset whose export tasks to return, instead of O(dataset_id).
      - Resolved to an ID through the dataset list API (a fuzzy search, then an exact match on the name)
        before the tasks are listed. The module fails when no dataset has this name, or when several do
        (naming their IDs, so that one can be given as O(dataset_id)).
    type: str
  task_id:
    description:
      - Return just this export task, as a one-element list.
      - Cannot be combined with O(offset) or O(export_type).
    type: str
  export_type:
    description:
      - Server-side filter on the export type.
      - V(0) labeled, V(1) unlabeled, V(2) all, V(3) conditional search.
    type: int
    choices: [0, 1, 2, 3]
  status:
    description:
      - Keep only the tasks in these states. Applied by the module after fetching; RV(total_count) is not affected.
      - With O(wait), the tasks selected at the first fetch are waited for and returned in their final state.
    type: list
    elements: str
    choices: [INIT, RUNNING, SUCCESSED, FAILED]
  require_status:
    description:
      - Fail unless every selected task is in one of these states, checked after fetching and, with O(wait),
        after waiting. Usually V([SUCCESSED]).
      - >-
        The failure message is one line naming each task that is not, with its state, and for a V(FAILED) task its
        C(error_code) and C(error_msg), for an unfinished one its progress, for example
        "Export task TZMuy7OKbClkGCAc3gb of dataset WxCREuCkBSAlQr9xrde is FAILED (ModelArts.4358: Invalid export
        path); required: SUCCESSED". The result still holds every return value.
      - With O(wait), waiting ends as soon as a selected task has finished in a state not listed here, since the
        requirement can then no longer be met. Without O(wait), it checks the tasks as they are now (an audit).
      - The selected tasks are those O(task_id) or O(status) choose. When none is selected (no task in the states
        O(status) names, or a dataset without exports), the requirement holds and the module does not fail;
        "every running export finished well" is true when none was running. To require at least one task,
        check RV(export_tasks) in the play.
    type: list
    elements: str
    choices: [INIT, RUNNING, SUCCESSED, FAILED]
extends_documentation_fragment:
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

- name: Gate on every running export of a dataset, found by name; fails at the first FAILED one, naming it
  mlops.cloud.modelarts_dataset_export_tasks_info:
    region: eu-de
    dataset_name: dataset-example
    status: [INIT, RUNNING]
    wait: true
    require_status: [SUCCESSED]
  delegate_to: localhost
  register: running_exports

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

from ansible_collections.mlops.cloud.plugins.module_utils.datasets import resolve_dataset_id
from ansible_collections.mlops.cloud.plugins.module_utils.errors import RequiredStatusError, WaitTimeoutError
from ansible_collections.mlops.cloud.plugins.module_utils.export_tasks import (
    EXPORT_TASK_STATES,
    EXPORT_TYPES,
    ExportTaskApi,
    count_by_status,
    describe_unfinished,
    describe_unmet_requirement,
    is_terminal,
    not_in_states,
)
from ansible_collections.mlops.cloud.plugins.module_utils.module import ModelArtsModule
from ansible_collections.mlops.cloud.plugins.module_utils.paging import (
    pages_needed,
    paging_argument_spec,
    validate_paging_options,
)
from ansible_collections.mlops.cloud.plugins.module_utils.waiting import (
    Poller,
    validate_wait_options,
    wait_argument_spec,
)

# Unfinished tasks up to this many are polled one by one while waiting; more, by listing again.
POLL_ONE_BY_ONE_MAX = 5

# Without require_status, waiting still ends at the first FAILED task, as if SUCCESSED were required.
WAIT_FOR_WITHOUT_GATE = ('SUCCESSED',)


def argument_spec():
    spec = dict(
        dataset_id=dict(type='str'),
        dataset_name=dict(type='str'),
        task_id=dict(type='str'),
        export_type=dict(type='int', choices=list(EXPORT_TYPES)),
        status=dict(type='list', elements='str', choices=list(EXPORT_TASK_STATES)),
        require_status=dict(type='list', elements='str', choices=list(EXPORT_TASK_STATES)),
    )
    spec.update(paging_argument_spec())
    spec.update(wait_argument_spec())
    return spec


def validate(params):
    """A message naming the bad option and what is allowed, or None. Runs before any request."""
    for option in ('dataset_id', 'dataset_name'):
        if params[option] is not None and not params[option].strip():
            return '%s must not be empty' % option
    if params['task_id'] is not None and not params['task_id'].strip():
        return 'task_id must not be empty'
    if params['require_status'] == []:
        return 'require_status must name at least one of %s' % ', '.join(EXPORT_TASK_STATES)
    return validate_paging_options(params) or validate_wait_options(params)


class ExportTaskFacts:
    """What one module run fetches: the selection, and how to refresh it while waiting."""

    def __init__(self, api, params):
        self.api = api
        self.params = params

    def fetch(self):
        """(tasks, total_count) for the selection, before the status filter."""
        params = self.params
        if params['task_id']:
            return [self.api.get(params['task_id'])], 1
        if params['offset'] is not None:
            return self.api.list_page(params['offset'], params['limit'])
        return self.api.list_all(params['limit'])

    def select(self, tasks):
        wanted = self.params['status']
        return [task for task in tasks if not wanted or task.get('status') in wanted]

    def refresh(self, tasks, total_count):
        """The same tasks, as they are now. Costs one request per unfinished task when few are."""
        unfinished = [task for task in tasks if not is_terminal(task)]
        if len(unfinished) <= min(POLL_ONE_BY_ONE_MAX, pages_needed(total_count, self.params['limit'])) \
                or self.params['task_id']:
            fresh = dict((task['task_id'], self.api.get(task['task_id'])) for task in unfinished)
        else:
            fresh = dict((task['task_id'], task) for task in self.fetch()[0])
        return [fresh.get(task['task_id'], task) for task in tasks]


def main():
    module = ModelArtsModule(argument_spec=argument_spec(), supports_check_mode=True,
                             mutually_exclusive=[('dataset_id', 'dataset_name'), ('task_id', 'offset'),
                                                 ('task_id', 'export_type')],
                             required_one_of=[('dataset_id', 'dataset_name')])
    problem = validate(module.params)
    if problem:
        module.fail(problem)
    module.run(lambda: gather(module))


def gather(module):
    """The result: the selected tasks, after waiting when asked, each in a state require_status allows."""
    params = module.params
    deadline = module.started + params['wait_timeout'] if params['wait'] else None
    connection = module.connect(deadline=deadline)
    dataset_id = params['dataset_id'] or resolve_dataset_id(connection, params['dataset_name'])
    facts = ExportTaskFacts(ExportTaskApi(connection, dataset_id, params['export_type']), params)
    tasks, total_count = facts.fetch()

    def known(current):
        """``current``, remembered: a failure from here on returns it in the result."""
        module.remember(**result_of(dataset_id, current, total_count))
        return current

    tasks = known(facts.select(tasks))
    if params['wait']:
        tasks = wait_for(module, dataset_id, tasks, poll=lambda current: known(facts.refresh(current, total_count)))
    required = params['require_status']
    unmet = not_in_states(tasks, required) if required else []
    if unmet:
        raise RequiredStatusError(describe_unmet_requirement(dataset_id, unmet, required))
    return result_of(dataset_id, tasks, total_count)


def result_of(dataset_id, tasks, total_count):
    return dict(dataset_id=dataset_id, export_tasks=tasks, total_count=total_count,
                status_counts=count_by_status(tasks))


def wait_for(module, dataset_id, tasks, poll):
    """``tasks`` once finished, or as soon as one can no longer be in a required state."""
    params = module.params
    required = params['require_status'] or WAIT_FOR_WITHOUT_GATE
    tasks, finished = Poller(params['wait_timeout'], params['wait_sleep']).wait(
        tasks, poll=poll, done=lambda current: _wait_is_over(current, required), start=module.started)
    if not finished:
        raise WaitTimeoutError(
            'Timed out after %ss waiting for export tasks of dataset %s to finish; still unfinished: %s'
            % (params['wait_timeout'], dataset_id, describe_unfinished(tasks)))
    return tasks


def _wait_is_over(tasks, required):
    """All terminal, or one terminal in a state not ``required``: a gate has its answer."""
    return all(is_terminal(task) for task in tasks) or \
        any(is_terminal(task) for task in not_in_states(tasks, required))


if __name__ == '__main__':
    main()
