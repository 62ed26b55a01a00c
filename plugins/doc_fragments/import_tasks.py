# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The options that select import tasks, shared by the module modelarts_dataset_import_task_info and the lookup
    # modelarts_dataset_import_tasks.
    DOCUMENTATION = r'''
options:
  task_id:
    description:
      - Return just this import task, as a one-element list.
      - Cannot be combined with O(offset).
    type: str
  status:
    description:
      - Keep only the tasks in these states (the API's names). Applied after fetching; C(total_count) is not affected.
      - V(NOT_EXIST) is the API's state of a task it cannot find any more.
      - With C(wait) (modules only), the tasks selected at the first fetch are waited for and returned in their final state.
    type: list
    elements: str
    choices: [QUEUING, STARTING, RUNNING, COMPLETED, FAILED, NOT_EXIST]
  require_status:
    description:
      - Fail unless every selected task is in one of these states, checked after fetching and, with C(wait),
        after waiting. Usually V([COMPLETED]).
      - >-
        One task not in these states fails the gate with its state, and for a V(FAILED) or V(NOT_EXIST) task its
        C(error_code) and C(error_msg), for example "Import task gfghHSokody6AJigS5A_RHJ1zOkIoI3Nzwxj8nh of dataset
        WxCREuCkBSAlQr9xrde is FAILED (ModelArts.4340: Import path does not contain valid file); required: COMPLETED".
        A dataset given by O(dataset_name) is named with its id, C(flowers (WxCREuCkBSAlQr9xrde)).
      - With C(wait), waiting ends as soon as a selected task has finished in a state not listed here, since the
        requirement can then no longer be met. Without C(wait) (and always in a lookup), it checks the tasks as they
        are now (an audit).
      - Several offenders, an empty selection and the fail-safe selections are described in the notes.
    type: list
    elements: str
    choices: [QUEUING, STARTING, RUNNING, COMPLETED, FAILED, NOT_EXIST]
'''
