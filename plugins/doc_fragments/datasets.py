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
'''
