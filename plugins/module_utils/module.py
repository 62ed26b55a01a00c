# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``ModelArtsModule``: an ``AnsibleModule`` with the shared connection options,
a lazily built connection, and one clean ``fail_json`` for every library error."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mlops.cloud.plugins.module_utils.client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
    Connection,
    ConnectionSettings,
    connection_argument_spec,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ModelArtsError


class ModelArtsModule:
    """Composition over ``AnsibleModule``: modules call ``run(callable)`` and get facts out."""

    def __init__(self, argument_spec, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec)
        self.started = time.monotonic()
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=str(REQUESTS_IMPORT_ERROR))
        self._connection = None

    @property
    def check_mode(self):
        return self.module.check_mode

    def warn(self, message):
        self.module.warn(message)

    def fail(self, message, **result):
        self.module.fail_json(msg=message, changed=False, **result)

    def connect(self, deadline=None):
        """Resolve options and environment into an authenticated connection (no request yet)."""
        if self._connection is None:
            settings = ConnectionSettings(self.params)
            # Values read from the environment are secrets too; Ansible only masks option values.
            self.module.no_log_values.update(settings.secrets())
            if not settings.values.get('validate_certs', True):
                self.warn('validate_certs is false: the TLS certificate of the endpoints is not verified.')
            self._connection = Connection(settings, warn=self.warn, deadline=deadline)
        return self._connection

    def run(self, work):
        """Call ``work()``; exit with its facts, or fail in one line on a library error."""
        try:
            result = work()
        except ModelArtsError as exc:
            extra = {}
            if getattr(exc, 'tasks', None) is not None:
                extra['export_tasks'] = exc.tasks
            self.fail(str(exc), **extra)
        finally:
            if self._connection is not None:
                self._connection.close()
        self.module.exit_json(changed=False, **result)
