# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""emulator_admin: one request to the local emulator's admin API (/_emulator/...), made on the controller.

The targets reset the emulator, inject faults, add datasets and read the request counters about
190 times a run. ansible.builtin.uri starts a module process for each (half a CPU-second apiece);
this action makes the request in the task's worker. emulator.sh puts this directory on
ANSIBLE_ACTION_PLUGINS.

Options: ``url`` (required); ``body``, a dict sent as JSON with POST (without it, GET).
Returns ``json``, the answer's JSON. Any answer other than 2xx, or no answer, fails the task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from ansible.plugins.action import ActionBase

TIMEOUT_SECONDS = 30


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('url', 'body'))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        url = self._task.args.get('url')
        body = self._task.args.get('body')
        if not isinstance(url, str) or '/_emulator/' not in url:
            return dict(result, failed=True, msg='url must be an address of the emulator admin API (/_emulator/...)')
        if body is not None and not isinstance(body, dict):
            return dict(result, failed=True, msg='body must be a dict')
        data = None if body is None else json.dumps(body).encode('utf-8')
        request = Request(url, data=data, headers={'Content-Type': 'application/json'},
                          method='GET' if body is None else 'POST')
        try:
            with urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                text = answer.read().decode('utf-8')
        except HTTPError as exc:
            return dict(result, failed=True, status=exc.code,
                        msg='%s answered HTTP %d: %s' % (url, exc.code, exc.read().decode('utf-8', 'replace')))
        except (URLError, OSError) as exc:
            return dict(result, failed=True, msg='%s: %s' % (url, exc))
        result.update(changed=False, json=json.loads(text) if text.strip() else None)
        return result
