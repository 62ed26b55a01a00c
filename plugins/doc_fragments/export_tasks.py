# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The options that select export tasks, shared by the module modelarts_dataset_export_tasks_info and the lookup modelarts_dataset_export_tasks.
    DOCUMENTATION = r'''
options:
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
      - Keep only the tasks in these states. Applied after fetching; C(total_count) is not affected.
      - With C(wait) (modules only), the tasks selected at the first fetch are waited for and returned in their final state.
    type: list
    elements: str
    choices: [INIT, RUNNING, SUCCESSED, FAILED]
  require_status:
    description:
      - Fail unless every selected task is in one of these states, checked after fetching and, with C(wait),
        after waiting. Usually V([SUCCESSED]).
      - >-
        One task not in these states fails the gate with its state, and for a V(FAILED) task its C(error_code) and
        C(error_msg), for an unfinished one its progress, for example "Export task TZMuy7OKbClkGCAc3gb of dataset
        model-inputs (WxCREuCkBSAlQr9xrde) is FAILED (ModelArts.4358: Invalid export path); required: SUCCESSED".
        The dataset is named as the play named it: by O(dataset_name) with its id, or by O(dataset_id).
      - With C(wait), waiting ends as soon as a selected task has finished in a state not listed here, since the
        requirement can then no longer be met. Without C(wait) (and always in a lookup), it checks the tasks as they
        are now (an audit).
      - Several offenders, an empty selection and the fail-safe selections are described in the notes.
    type: list
    elements: str
    choices: [INIT, RUNNING, SUCCESSED, FAILED]
'''
