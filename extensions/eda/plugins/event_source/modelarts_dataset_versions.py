# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""modelarts_dataset_versions: an ansible-rulebook event source, documented below; its loop is plugins/plugin_utils/event_source.py."""

DOCUMENTATION = r'''
---
version_added: 1.1.0
short_description: An event when a ModelArts dataset version is released, fails or is deleted
description:
  - An ansible-rulebook event source plugin. Polls the versions of one dataset, or of every dataset of the
    project, and emits one event for each version entering one of the O(status) states, once per version and state.
  - What is already in such a state when the source starts is the baseline, not an event (see O(emit_existing)).
  - Between full scans only the datasets the dataset list reports publishing a version (or that had one
    at the last poll) are listed. An idle project of up to 100 datasets costs one request per O(interval).
  - Takes every connection option of the modules (see M(mlops.cloud.modelarts_dataset_version_info)), and
    reads credentials from them, a C(clouds.yaml) profile (O(cloud)) or the C(OS_*), C(HW_*) and
    C(HUAWEICLOUD_SDK_*) environment variables exactly as the modules do.
  - "Event: C({modelarts: {resource: dataset_version, dataset_id, dataset_name, id, status, previous_status, item}});
    C(item) is the API's version verbatim (integer C(status), C(message) for an error...); C(previous_status) is null when
    the version was first seen in that state."
  - Bad arguments, refused credentials or an unknown dataset stop the source (and ansible-rulebook) at start with
    one message naming the cause; later failures are retried, said once, and polled through with backoff.
extends_documentation_fragment:
  - mlops.cloud.event_source
options:
  status:
    description: The states whose entry emits an event, by name or number (C(1) is C(RUNNING)), RUNNING meaning ready.
    type: list
    elements: str
    choices: [CREATING, RUNNING, DELETING, DELETED, ERROR, '0', '1', '2', '3', '4']
    default: [RUNNING, DELETED, ERROR]
'''

EXAMPLES = r'''
- name: Train on a version once it is released
  hosts: localhost
  sources:
    - mlops.cloud.modelarts_dataset_versions:
        dataset_name: flowers
        region: eu-de
        status: [RUNNING, ERROR]
  rules:
    - name: Version ready
      condition: event.modelarts.status == "RUNNING"
      action:
        run_playbook:
          name: train.yml
          extra_vars:
            version_id: "{{ event.modelarts.id }}"
    - name: Version failed
      condition: event.modelarts.status == "ERROR"
      action:
        debug:
          msg: "Version {{ event.modelarts.item.version_name }} failed: {{ event.modelarts.item.message }}"
'''

import os
import sys

# ansible-rulebook runs this file by path (runpy.run_path): put the directory of ansible_collections/ on sys.path.
_COLLECTIONS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), *['..'] * 7))
if os.path.isdir(os.path.join(_COLLECTIONS_DIR, 'ansible_collections')) and _COLLECTIONS_DIR not in sys.path:
    sys.path.append(_COLLECTIONS_DIR)

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import DATASET_VERSIONS  # noqa: E402
from ansible_collections.mlops.cloud.plugins.plugin_utils.event_source import WatchedResource, run_source  # noqa: E402

# The dataset list reports a version being published under running_task_type 6 (version publishing).
WATCHED = WatchedResource(DATASET_VERSIONS, 'dataset_version', running_task_type=6)


async def main(queue, args):
    await run_source(WATCHED, queue, args, 'mlops.cloud.modelarts_dataset_versions')
