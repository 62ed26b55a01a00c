# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""modelarts_dataset_export_tasks: an event when a ModelArts dataset export task finishes.

An ansible-rulebook event source plugin. Polls the export tasks of one dataset (dataset_id or
dataset_name) or of every dataset of the project, and puts one event on the queue for each task
entering one of the wanted states (status, default SUCCESSED and FAILED), once per task and state.
The polling loop is the collection's (plugins/plugin_utils/event_source.py); docs/eda.md is the guide.
"""

DOCUMENTATION = r'''
---
version_added: 1.1.0
short_description: An event when a ModelArts dataset export task finishes
description:
  - An ansible-rulebook event source plugin. Polls the export tasks of one dataset, or of every dataset of the
    project, and emits one event for each task entering one of the O(status) states, once per task and state.
  - What is already in such a state when the source starts is the baseline, not an event (see O(emit_existing)).
  - Between full scans only the datasets the dataset list reports with a running export task (or that had one
    at the last poll) are listed. An idle project of up to 100 datasets costs one request per O(interval).
  - Takes every connection option of the modules (see M(mlops.cloud.modelarts_dataset_export_tasks_info)), and
    reads credentials from them, a C(clouds.yaml) profile (O(cloud)) or the C(OS_*), C(HW_*) and
    C(HUAWEICLOUD_SDK_*) environment variables exactly as the modules do.
  - "Event: C({modelarts: {resource: export_task, dataset_id, dataset_name, id, status, previous_status, item}});
    C(item) is the API's task verbatim (C(path), C(error_code), C(error_msg)...); C(previous_status) is null when
    the task was first seen in that state."
  - Bad arguments, refused credentials or an unknown dataset stop the source (and ansible-rulebook) at start with
    one message naming the cause; later failures are retried, said once, and polled through with backoff.
options:
  dataset_id:
    description: The dataset to watch. Neither O(dataset_id) nor O(dataset_name) watches every dataset.
    type: str
  dataset_name:
    description: The dataset to watch, by its exact name (resolved once, at start).
    type: str
  status:
    description: The states whose entry emits an event.
    type: list
    elements: str
    choices: [INIT, RUNNING, SUCCESSED, FAILED]
    default: [SUCCESSED, FAILED]
  interval:
    description: Seconds between polls, 1 to 3600.
    type: int
    default: 30
  full_scan_interval:
    description:
      - Seconds between full scans (every dataset's tasks listed), from O(interval) to 86400. A task that starts
        and finishes between two polls is reported by the next full scan.
    type: int
    default: 300
  emit_existing:
    description: Emit an event at start for every task already in one of the O(status) states.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Deploy what an export produced
  hosts: localhost
  sources:
    - mlops.cloud.modelarts_dataset_export_tasks:
        dataset_name: flowers
        region: eu-de
        interval: 30
  rules:
    - name: Export finished
      condition: event.modelarts.status == "SUCCESSED"
      action:
        run_playbook:
          name: deploy.yml
          extra_vars:
            export_path: "{{ event.modelarts.item.path }}"
'''

import os
import sys

# ansible-rulebook runs this file by path (runpy.run_path): the collection's code is importable once the
# directory holding ansible_collections/ is on sys.path.
_COLLECTIONS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), *['..'] * 7))
if os.path.isdir(os.path.join(_COLLECTIONS_DIR, 'ansible_collections')) and _COLLECTIONS_DIR not in sys.path:
    sys.path.append(_COLLECTIONS_DIR)

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import EXPORT_TASKS  # noqa: E402
from ansible_collections.mlops.cloud.plugins.plugin_utils.event_source import WatchedResource, run_source  # noqa: E402

# The dataset list reports running exports under running_task_type 2 (export).
WATCHED = WatchedResource(EXPORT_TASKS, 'export_task', running_task_type=2)


async def main(queue, args):
    await run_source(WATCHED, queue, args, 'mlops.cloud.modelarts_dataset_export_tasks')
