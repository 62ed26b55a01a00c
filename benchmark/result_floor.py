# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contender E of benchmark/run.py: the cost of returning N export tasks through Ansible, with no HTTP.

The benchmark copies this file into the ``library/`` directory next to its playbooks. It reads the
export tasks that the emulator serves for a dataset (saved once by the benchmark) from a local JSON
file and returns them the way the real module does: the same keys, and a ``no_log`` option, so that
ansible-core scrubs the result just as it scrubs the real module's. What it costs above
ansible.builtin.ping is what any module returning that result costs: AnsiballZ, ``exit_json`` and
the controller's handling of the result. Not part of the collection (galaxy.yml excludes benchmark/).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import EXPORT_TASK_STATES


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            password=dict(type='str', no_log=True),
        ),
        supports_check_mode=True,
    )
    with open(module.params['path'], encoding='utf-8') as handle:
        saved = json.load(handle)
    tasks = saved['export_tasks']
    module.exit_json(changed=False, export_tasks=tasks, total_count=len(tasks), status_counts=EXPORT_TASK_STATES.count(tasks),
                     dataset_id=saved['dataset_id'])


if __name__ == '__main__':
    main()
