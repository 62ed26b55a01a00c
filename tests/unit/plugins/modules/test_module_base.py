# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ModelArtsModule, the base of every module: signals end a run once, warnings and failures are scrubbed,
connect hands the run's secrets, warnings, deadline and cancel event to the connection, run closes it, a
target without requests is told so, and watch_reader ends an orphaned run, asleep until then. run_info_module:
an info module runs in check mode, and its wait_timeout counts from the module's start."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import io
import json
import os
import select
import signal
import socket
import sys
import tempfile
import threading
import time
import types

import pytest
import requests

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.mlops.cloud.plugins.module_utils import module as module_utils
from ansible_collections.mlops.cloud.plugins.module_utils.errors import InterruptedRunError, TimeBoundError
from ansible_collections.mlops.cloud.plugins.module_utils.module import ModelArtsModule, watch_reader
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import MASK
from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_export_tasks_info
from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_info
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.emulator_admin import add_dataset, list_paths, reset
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.run_module import (
    ACCESS_KEY,
    PROJECT_ID,
    SECRET_KEY,
    module_args,
    run_main,
)

# From emulator/seed.py: a dataset with export tasks.
DETECTION = 'datasetDetectionxxxx'
WATCHDOG = 'mlops.cloud-watchdog'
# The name ps -T, top -H and py-spy show for the thread of watch_reader.
READER_WATCH = 'mlops.cloud-reader-watch'


def connection_args(emulator_url, **args):
    return dict(dict(modelarts_endpoint=emulator_url, iam_endpoint=emulator_url + '/v3', project_id=PROJECT_ID,
                     access_key=ACCESS_KEY, secret_key=SECRET_KEY), **args)


@pytest.fixture
def emulator(emulator_url):
    reset(emulator_url)
    return emulator_url


@pytest.fixture
def warnings_restored(monkeypatch):
    """The warnings Ansible collected for the process, as they were before the test; and the module's own
    process, where warnings go into the result (once controller code is imported, as the lookup tests do,
    ansible-core 2.19 and later send module warnings to Display instead)."""
    try:
        from ansible.module_utils import _internal
    except ImportError:  # before 2.19: warnings always go into the result
        _internal = None
    if _internal is not None and hasattr(_internal, 'is_controller'):
        monkeypatch.setattr(_internal, 'is_controller', False)
    collected = ansible_warnings._global_warnings  # pylint: disable=protected-access
    saved = copy.copy(collected)  # a dict since 2.19, a list before
    yield
    if isinstance(collected, dict):
        collected.clear()
        collected.update(saved)
    else:
        collected[:] = saved


@pytest.fixture
def hang_ups():
    """The SIGHUPs the process receives during the test (the module's handler is put back by conftest)."""
    received = []
    signal.signal(signal.SIGHUP, lambda signum, _frame: received.append(signum))
    return received


def warning_messages(result):
    """The warnings of a module result: strings, or event summaries from ansible-core 2.19 on."""
    return [warning if isinstance(warning, str) else warning['event']['msg'] for warning in result.get('warnings', [])]


def wait_for(condition, seconds=5.0):
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.01)
    return condition()


def asleep_in(thread):
    """The system call ``thread`` sleeps in (state S in /proc, as ps shows it), or None while it runs or is runnable."""
    base = '/proc/self/task/%d/' % thread.native_id
    with open(base + 'syscall') as before_file:
        before = before_file.read().split()[0]
    with open(base + 'stat') as stat_file:
        state = stat_file.read().rsplit(')', 1)[1].split()[0]
    with open(base + 'syscall') as after_file:
        after = after_file.read().split()[0]
    return before if state == 'S' and before == after != 'running' else None


def steadily(condition, times=3):
    """A condition true once ``condition()`` was true ``times`` checks in a row (a thread that sleeps stays asleep)."""
    streak = []

    def check():
        streak.append(condition())
        return len(streak) >= times and all(streak[-times:])
    return check


needs_proc = pytest.mark.skipif(not os.path.exists('/proc/self/task'), reason='reads thread states from /proc (Linux)')


@pytest.fixture
def poll_call():
    """The system call a thread blocked in ``select.poll().poll()`` sleeps in (its number depends on the architecture)."""
    read_end, write_end = os.pipe()
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    thread = threading.Thread(target=poller.poll)
    thread.start()
    try:
        assert wait_for(steadily(lambda: asleep_in(thread) is not None))
        yield asleep_in(thread)
    finally:
        os.write(write_end, b'x')
        thread.join(5)
        os.close(read_end)
        os.close(write_end)


# --- signals: the first one ends the run, the next ones only cancel ---

def test_the_first_signal_ends_the_run_and_names_itself():
    with module_args({}):
        module = ModelArtsModule(argument_spec={})
    assert signal.getsignal(signal.SIGTERM) == module._interrupted
    with pytest.raises(InterruptedRunError) as error:
        module._interrupted(signal.SIGTERM, None)
    assert str(error.value) == 'Interrupted by SIGTERM: pending requests were cancelled'
    assert module.cancel.is_set()


def test_a_later_signal_does_not_break_off_the_ending_run():
    with module_args({}):
        module = ModelArtsModule(argument_spec={})
    with pytest.raises(InterruptedRunError) as error:
        module._interrupted(signal.SIGINT, None)
    assert str(error.value) == 'Interrupted by SIGINT: pending requests were cancelled'
    # A SIGHUP as the reader goes, and a repeated SIGTERM: the run is ending already.
    assert module._interrupted(signal.SIGHUP, None) is None
    assert module._interrupted(signal.SIGTERM, None) is None
    assert module.cancel.is_set()


# --- a target without requests ---

@pytest.fixture
def error_tracebacks_shown(monkeypatch):
    """The module arguments that show a failure's traceback (ANSIBLE_DISPLAY_TRACEBACK=error from ansible-core 2.19 on;
    before it a result always carries the ``exception`` it is given), read afresh by this test's module."""
    try:
        from ansible.module_utils._internal import _traceback
    except ImportError:
        return {}
    monkeypatch.setattr(_traceback, '_module_tracebacks_enabled_events', None)
    # Once controller code is imported (the lookup tests), Display decides instead: give the module back its own say.
    monkeypatch.setattr(_traceback, '_is_traceback_enabled', _traceback._is_module_traceback_enabled)  # pylint: disable=protected-access
    return {'_ansible_tracebacks_for': ['error']}


def test_a_target_without_requests_is_told_to_install_it_before_anything_else(monkeypatch, error_tracebacks_shown):
    """The one-line message Ansible gives for a missing library names requests; the traceback shown on demand is the
    import error itself."""
    import_error = ImportError("No module named 'requests'")
    monkeypatch.setattr(module_utils, 'HAS_REQUESTS', False)
    monkeypatch.setattr(module_utils, 'REQUESTS_IMPORT_ERROR', import_error)
    output = io.StringIO()
    with module_args(error_tracebacks_shown), contextlib.redirect_stdout(output), pytest.raises(SystemExit) as exit_:
        ModelArtsModule(argument_spec={})
    assert exit_.value.code == 1
    result = json.loads(output.getvalue())
    assert result['failed'] is True
    assert result['msg'] == missing_required_lib('requests')
    assert result['msg'].startswith('Failed to import the required Python library (requests) on ')
    assert result['exception'] == "No module named 'requests'"


# --- warn and fail: every message is scrubbed ---

def test_a_warning_is_shown_with_every_spelling_of_a_secret_masked(warnings_restored):
    secret = 'warned"secret\\value'
    with module_args({}):
        module = ModelArtsModule(argument_spec={})
    module.redactor.add(secret)
    # What AnsibleModule.warn is handed (where it goes from there depends on what else the process imported:
    # once controller code is loaded, ansible-core 2.19 sends module warnings to Display).
    handed = []
    module.module.warn = handed.append
    module.warn('the proxy echoed %s and %s' % (json.dumps(secret), repr(secret)))
    assert handed == ['the proxy echoed "%s" and \'%s\'' % (MASK, MASK)]


def test_a_failed_run_reports_changed_false(emulator):
    failed, result, _output = run_main(modelarts_dataset_info, emulator, dataset_id='noSuchDataset0000001')
    assert failed
    assert result['changed'] is False
    assert result['msg']


def test_fail_scrubs_its_message_and_keeps_the_facts():
    secret = 'failing-secret-value'
    output = io.StringIO()
    with module_args({}):
        module = ModelArtsModule(argument_spec={})
        module.redactor.add(secret)
        with contextlib.redirect_stdout(output), pytest.raises(SystemExit):
            module.fail('rejected %s' % json.dumps(secret), dataset_id='kept')
    result = json.loads(output.getvalue())
    assert result['msg'] == 'rejected "%s"' % MASK
    assert result['changed'] is False and result['failed'] is True and result['dataset_id'] == 'kept'


# --- connect ---

def test_option_secrets_are_registered_as_given_before_whitespace_is_stripped(emulator):
    # The option as given ends in a newline (a key read from a file); the connection strips it.
    given = 'option"secret-key\n'
    with module_args(connection_args(emulator, secret_key=given)):
        module = ModelArtsModule(argument_spec={})
    connection = module.connect()
    try:
        assert module.connect() is connection
        for spelling in (json.dumps(given)[1:-1], repr(given)[1:-1]):
            assert module.redactor.scrub(spelling) == MASK
        assert json.dumps(given)[1:-1] in module.module.no_log_values
    finally:
        connection.close()


def test_validate_certs_false_is_warned_about(emulator, warnings_restored):
    failed, result, _output = run_main(modelarts_dataset_info, emulator, validate_certs=False, dataset_id=DETECTION)
    assert not failed, result
    assert 'validate_certs is false: the TLS certificate of the endpoints is not verified.' in warning_messages(result)


def test_nothing_is_sent_once_the_module_is_cancelled(emulator):
    with module_args(connection_args(emulator)):
        module = ModelArtsModule(argument_spec={})
    connection = module.connect()
    try:
        module.cancel.set()  # as a signal does
        with pytest.raises(InterruptedRunError) as error:
            connection.client.get(emulator, '/v2/%s/datasets' % PROJECT_ID, action='list datasets')
        assert str(error.value) == 'list datasets not sent: the run was interrupted'
    finally:
        connection.close()
    assert list_paths(emulator) == []


def test_without_a_deadline_the_run_bound_counts_from_the_module_start(emulator):
    # A module that worked for longer than the bound of a run without wait before it connected.
    with module_args(connection_args(emulator, timeout=1, max_retries=0)):
        module = ModelArtsModule(argument_spec={})
    module.started -= 1000
    connection = module.connect()
    try:
        with pytest.raises(TimeBoundError) as error:
            connection.client.get(emulator, '/v2/%s/datasets' % PROJECT_ID, action='list datasets')
        assert str(error.value).startswith('list datasets not sent: the time bound of a run without wait')
    finally:
        connection.close()
    assert list_paths(emulator) == []


def test_wait_timeout_bounds_a_request_whose_headers_never_end(emulator):
    answer = requests.post(emulator + '/_emulator/faults', json={'trickle_headers': 1, 'trickle_seconds': 0.5})
    assert answer.status_code == 200, answer.text
    began = time.monotonic()
    failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_id=DETECTION, wait=True,
                                       wait_timeout=2, wait_sleep=1, timeout=4, max_retries=0)
    elapsed = time.monotonic() - began
    assert failed
    assert 'wait_timeout ran out' in result['msg'], result['msg']
    assert elapsed < 6  # the trickled headers alone would take more than a minute


# --- run_info_module ---

def test_an_info_module_runs_in_check_mode_and_returns_its_facts(emulator):
    """Info modules change nothing: a play run with --check still gets their facts, it is not skipped."""
    failed, result, _output = run_main(modelarts_dataset_info, emulator, dataset_id=DETECTION, _ansible_check_mode=True)
    assert not failed, result
    assert not result.get('skipped'), result
    assert [dataset['dataset_id'] for dataset in result['datasets']] == [DETECTION]


def test_wait_timeout_counts_from_the_module_start_not_from_the_first_answer(emulator, monkeypatch):
    """As the timeout option's documentation says, a module run with wait=true ends within its wait_timeout: a module
    that has already run for all but the last seconds of it gives up when they are over, even with a wait_sleep longer
    than the wait, rather than waiting a whole wait_timeout again from its first answer."""
    dataset_id = add_dataset(emulator, 'slow', running=[{'task_id': 'runsTenMinutes', 'seconds': 600, 'outcome': 'SUCCESSED'}])
    wait_timeout, seconds_left = 600, 3
    # The module's clock says it started wait_timeout - seconds_left seconds ago.
    monkeypatch.setattr(module_utils, 'time', types.SimpleNamespace(
        monotonic=lambda: time.monotonic() - (wait_timeout - seconds_left)))
    # A run that waits on (a whole wait_timeout from its first answer) is ended as a cancelled job is: in 30 s, not 10 min.
    guard = threading.Timer(30, os.kill, (os.getpid(), signal.SIGTERM))
    guard.start()
    try:
        failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_id=dataset_id, wait=True,
                                           wait_timeout=wait_timeout, wait_sleep=3600)
    finally:
        guard.cancel()
    assert failed
    assert result['msg'].startswith('Timed out after 600s waiting for export tasks of dataset %s to finish; '
                                    'still unfinished: runsTenMinutes (RUNNING, ' % dataset_id), result['msg']


# --- run ---

def test_a_run_closes_its_connection(emulator):
    before = set(thread for thread in threading.enumerate() if thread.name == WATCHDOG)
    failed, result, _output = run_main(modelarts_dataset_info, emulator, dataset_id=DETECTION)
    assert not failed, result
    watchdogs = [thread for thread in threading.enumerate() if thread.name == WATCHDOG and thread not in before]
    for thread in watchdogs:
        thread.join(5)
    assert not [thread for thread in watchdogs if thread.is_alive()]


# --- watch_reader ---

def test_a_reader_gone_from_the_pipe_ends_the_run_with_sighup(hang_ups):
    read_end, write_end = os.pipe()
    try:
        thread = watch_reader(write_end)
        assert thread is not None and thread.daemon
        assert hang_ups == []
        os.close(read_end)
        read_end = None
        thread.join(5)
        assert wait_for(lambda: hang_ups == [signal.SIGHUP])
        assert thread.name == READER_WATCH
    finally:
        os.close(write_end)
        if read_end is not None:
            os.close(read_end)


def test_a_file_is_not_watched():
    with tempfile.TemporaryFile() as output:
        assert watch_reader(output.fileno()) is None


def test_the_reader_watched_by_default_is_the_one_of_stdout(hang_ups):
    read_end, write_end = os.pipe()
    stdout = os.fstat(1)
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(write_end, 1)
        thread = watch_reader()
        assert thread is not None
        os.close(read_end)
        read_end = None
        thread.join(5)
        assert wait_for(lambda: hang_ups == [signal.SIGHUP])
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        sys.stdout.flush()
        os.close(write_end)
        if read_end is not None:
            os.close(read_end)
    restored = os.fstat(1)
    assert (restored.st_dev, restored.st_ino) == (stdout.st_dev, stdout.st_ino)


def test_a_reader_gone_from_the_socket_ends_the_run_with_sighup(hang_ups):
    """A module's output can be a socket too: its peer gone (a hang-up, no error), the run ends."""
    ours, theirs = socket.socketpair()
    thread = None
    try:
        thread = watch_reader(ours.fileno())
        assert thread is not None
        theirs.close()
        assert wait_for(lambda: hang_ups == [signal.SIGHUP])
        assert thread.name == READER_WATCH
    finally:
        theirs.close()
        if thread is not None:
            thread.join(5)
        ours.close()


@needs_proc
@pytest.mark.parametrize('kind', ['pipe', 'socket with data to read'])
def test_the_watcher_sleeps_while_the_reader_is_there(hang_ups, poll_call, kind):
    """The watcher blocks in poll (ps shows it sleeping, it uses no CPU) for as long as the reader is there, though
    the pipe has room to write and the socket data to read; it wakes, and ends the run, only when the reader goes."""
    with contextlib.ExitStack() as cleanup:  # on the way out: the reader goes, the watcher ends, the output closes
        if kind == 'pipe':
            read_end, watched = os.pipe()
            cleanup.callback(os.close, watched)
            reader = os.fdopen(read_end, 'rb', buffering=0)
        else:
            ours, reader = socket.socketpair()
            cleanup.callback(ours.close)
            reader.sendall(b'a line the module does not read')
            watched = ours.fileno()
        thread = watch_reader(watched)
        assert thread is not None
        cleanup.callback(thread.join, 5)
        cleanup.callback(reader.close)
        assert wait_for(steadily(lambda: asleep_in(thread) == poll_call)), asleep_in(thread)
        assert hang_ups == []
        reader.close()
        assert wait_for(lambda: hang_ups == [signal.SIGHUP])
        assert thread.name == READER_WATCH
