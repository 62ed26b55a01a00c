# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The options that select datasets, shared by the module modelarts_dataset_info and the lookup modelarts_datasets.
    DOCUMENTATION = r'''
options:
  dataset_id:
    description:
      - Return just this dataset (the dataset details API), as a one-element list.
      - Cannot be combined with the options that select from the list (O(dataset_name), O(search_content),
        O(dataset_type), O(support_export), O(workspace_id), O(offset)).
    type: str
  dataset_name:
    description:
      - Keep only the datasets named exactly this. The API is asked for names containing it (O(search_content)),
        and only the exact matches are kept; C(total_count) is the API's count before that.
      - Names are not unique in a project, so more than one dataset may be returned.
    type: str
  search_content:
    description:
      - Server-side fuzzy search, for the datasets whose name contains this text.
    type: str
  dataset_type:
    description:
      - Server-side filter on the dataset type.
      - V(0) image classification, V(1) object detection, V(3) image segmentation, V(100) text classification,
        V(101) named entity recognition, V(102) text triplet, V(200) sound classification, V(201) speech content,
        V(202) speech paragraph labeling, V(400) table, V(600) video labeling, V(900) custom format.
    type: int
    choices: [0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900]
  support_export:
    description:
      - Server-side filter. V(true) returns only the datasets that can be exported
        (image classification, object detection and custom format).
    type: bool
  workspace_id:
    description:
      - Server-side filter on the workspace. The API's default workspace is V(0).
    type: str
  check_running_task:
    description:
      - Ask the API to detect the tasks running in each dataset (initialization included),
        shown in C(datasets[].exist_running_task) and C(datasets[].running_tasks_id).
    type: bool
  running_task_type:
    description:
      - With O(check_running_task), the kind of running task to detect.
      - V(0) auto labeling, V(1) pre-labeling, V(2) export, V(3) version switch, V(4) manifest file export,
        V(5) manifest file import, V(6) version publishing, V(7) auto grouping.
    type: int
    choices: [0, 1, 2, 3, 4, 5, 6, 7]
  include:
    description:
      - Child resources to fetch with every returned dataset, in the same call. Each dataset dict gains one key per
        child, holding every item of that child (complete, the API's dicts verbatim, in the API's order, as the child's
        own module returns it), and C(<child>_status_counts), the number of items in each state.
      - These keys are added by the collection, not by the ModelArts API.
      - V(export_tasks) as M(mlops.cloud.modelarts_dataset_export_tasks_info) returns them, V(versions) as
        M(mlops.cloud.modelarts_dataset_version_info), V(import_tasks) as M(mlops.cloud.modelarts_dataset_import_task_info).
      - The dataset list's own filters (O(dataset_name), O(search_content), ...) apply first, so only the selected
        datasets' children are fetched.
      - Every page of every child goes through one pool of O(max_concurrent_requests) requests, with the checks,
        bounds and retries of a single listing; the first failure stops the rest and fails the run.
    type: list
    elements: str
    choices: [export_tasks, versions, import_tasks]
  require_export_status:
    description:
      - With V(export_tasks) in O(include), fail unless every export task of every selected dataset is in one of
        these states, for example V([SUCCESSED]), a project-wide gate.
      - >-
        The message counts the violations and the datasets they are in, names the first five with their dataset and
        error (failures first) and how many more, under 1000 characters, for example "2 violations in 2 datasets:
        export task TZMuy7OKbClkGCAc3gb of dataset flowers (WxCREuCkBSAlQr9xrde) is FAILED (ModelArts.4358: Invalid
        export path); dataset cars (gfghHSokody6AJigS5A) has no export task; require_export_status: SUCCESSED". The
        module returns every one in C(violations).
      - A selected dataset without export tasks breaks the gate, and so does a selection with no dataset at all,
        unless O(allow_empty=true).
    type: list
    elements: str
    choices: [INIT, RUNNING, SUCCESSED, FAILED]
  require_version_status:
    description:
      - With V(versions) in O(include), fail unless every version of every selected dataset is in one of these states
        (by name, or by the API's number as text), for example V([RUNNING]).
      - Violations are reported as for O(require_export_status); a dataset without versions is one unless O(allow_empty).
    type: list
    elements: str
    choices: [CREATING, RUNNING, DELETING, DELETED, ERROR, '0', '1', '2', '3', '4']
  require_import_status:
    description:
      - With V(import_tasks) in O(include), fail unless every import task of every selected dataset is in one of these
        states, for example V([COMPLETED]).
      - Violations are reported as for O(require_export_status); a dataset without import tasks is one unless
        O(allow_empty).
    type: list
    elements: str
    choices: [QUEUING, STARTING, RUNNING, COMPLETED, FAILED, NOT_EXIST]
  allow_empty:
    description:
      - >-
        With a C(require_*_status) gate, let a selected dataset without items of that child, and a selection with no
        dataset at all, pass. By default both break the gate: "nothing there" is not "everything is fine".
    type: bool
    default: false
'''
