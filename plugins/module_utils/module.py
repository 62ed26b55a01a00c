# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``ModelArtsModule``: an ``AnsibleModule`` with the shared connection options,
a lazily built connection, and one clean ``fail_json`` for every library error."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import select
import signal
import stat
import threading
import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mlops.cloud.plugins.module_utils.client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.mlops.cloud.plugins.module_utils.connection import connection_argument_spec, open_connection
from ansible_collections.mlops.cloud.plugins.module_utils.errors import InterruptedRunError, ModelArtsError
from ansible_collections.mlops.cloud.plugins.module_utils.info_query import (
    InfoQuery,
    info_argument_spec,
    info_constraints,
    validate_info_params,
)
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor


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
        self._known = {}
        # Every spelling of every secret goes to Ansible's masking and to our own scrubber.
        self.redactor = Redactor(sink=self.module.no_log_values)
        self.cancel = threading.Event()
        self._interrupted_by = None
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._interrupted)
        watch_reader()

    def _interrupted(self, signum, _frame):
        """Ctrl-C, a cancelled job or a reader gone: send nothing more, and end the run now, not as an orphan."""
        self.cancel.set()
        if self._interrupted_by is not None:
            # The run is ending already (a SIGTERM to the process group, then SIGHUP as the reader goes):
            # raising again would break off the cleanup that cuts the requests still in flight.
            return
        self._interrupted_by = signum
        raise InterruptedRunError('Interrupted by %s: pending requests were cancelled'
                                  % signal.Signals(signum).name)

    @property
    def check_mode(self):
        return self.module.check_mode

    def warn(self, message):
        self.module.warn(self.redactor.scrub(message))

    def fail(self, message, **result):
        self.module.fail_json(msg=self.redactor.scrub(message), changed=False, **result)

    def connect(self, deadline=None):
        """Resolve options and environment into an authenticated connection (no request yet)."""
        if self._connection is None:
            for value in self._option_secrets():
                self.redactor.add(value)
            self._connection = open_connection(self.params, self.redactor, self.warn, self.started,
                                               deadline=deadline, cancel=self.cancel)
        return self._connection

    def _option_secrets(self):
        """The values of every no_log option, as given (before whitespace is stripped)."""
        spec = self.module.argument_spec
        return [self.params[name] for name, option in spec.items()
                if option.get('no_log') and isinstance(self.params.get(name), str)]

    def remember(self, **facts):
        """Facts a failure later in the run returns too, so that a result keeps its shape."""
        self._known.update(facts)

    def run(self, work):
        """Call ``work()``; exit with its facts, or fail in one line on a library error,
        with the facts ``work`` remembered before it failed."""
        try:
            result = work()
        except ModelArtsError as exc:
            self.fail(str(exc), **self._known)
        finally:
            if self._connection is not None:
                self._connection.close()
        self.module.exit_json(changed=False, **result)


def watch_reader(fd=1):
    """End the run (with SIGHUP) when nobody is left to read its result on ``fd``.

    Ansible reads a module's result from a pipe. When the task times out, or the worker that
    started the module is killed, the pipe's other end closes and the module would live on as an
    orphan, its requests still in flight. A daemon thread blocks in ``poll`` (no polling loop) and
    sends the process SIGHUP the moment the pipe reports an error or hang-up. Anything else on
    ``fd`` (a terminal, a file) is left alone.
    """
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return None
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return None
    poller = select.poll()
    poller.register(fd, 0)  # error and hang-up are always reported

    def watch():
        while not any(events & (select.POLLERR | select.POLLHUP | select.POLLNVAL) for _fd, events in poller.poll()):
            pass
        os.kill(os.getpid(), signal.SIGHUP)

    thread = threading.Thread(target=watch, name='mlops.cloud-reader-watch')
    thread.daemon = True
    thread.start()
    return thread


def run_info_module(resource):
    """The whole of an info module for ``resource``: its options (the connection's and the resource's),
    their checks before any request, one ``InfoQuery`` and a clean exit."""
    module = ModelArtsModule(argument_spec=info_argument_spec(resource), supports_check_mode=True,
                             **info_constraints(resource))
    params = module.params
    problem = validate_info_params(resource, params)
    if problem:
        module.fail(problem)

    def gather():
        connection = module.connect(deadline=module.started + params['wait_timeout'] if params.get('wait') else None)
        return InfoQuery(resource, params, connection, module.started, module.remember).gather()

    module.run(gather)
