# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""modelarts_dataset_export_tasks: an ansible-rulebook event source, documented below; its loop is plugins/plugin_utils/event_source.py."""

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
extends_documentation_fragment:
  - mlops.cloud.event_source
options:
  status:
    description: The states whose entry emits an event.
    type: list
    elements: str
    choices: [INIT, RUNNING, SUCCESSED, FAILED]
    default: [SUCCESSED, FAILED]
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

# ansible-rulebook runs this file by path (runpy.run_path): put the directory of ansible_collections/ on sys.path.
_COLLECTIONS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), *['..'] * 7))
if os.path.isdir(os.path.join(_COLLECTIONS_DIR, 'ansible_collections')) and _COLLECTIONS_DIR not in sys.path:
    sys.path.append(_COLLECTIONS_DIR)

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import EXPORT_TASKS  # noqa: E402
from ansible_collections.mlops.cloud.plugins.plugin_utils.event_source import WatchedResource, run_source  # noqa: E402

# The dataset list reports running exports under running_task_type 2 (export).
WATCHED = WatchedResource(EXPORT_TASKS, 'export_task', running_task_type=2)


async def main(queue, args):
    await run_source(WATCHED, queue, args, 'mlops.cloud.modelarts_dataset_export_tasks')
