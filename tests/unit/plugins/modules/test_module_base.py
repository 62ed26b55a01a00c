# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ModelArtsModule, the base of every module: signals end a run once, warnings and failures are scrubbed,
connect hands the run's secrets, warnings, deadline and cancel event to the connection, run closes it, and
watch_reader ends an orphaned run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import io
import json
import os
import signal
import sys
import tempfile
import threading
import time

import pytest
import requests

from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.mlops.cloud.plugins.module_utils.errors import InterruptedRunError, TimeBoundError
from ansible_collections.mlops.cloud.plugins.module_utils.module import ModelArtsModule, watch_reader
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import MASK
from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_export_tasks_info
from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_info
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.emulator_admin import list_paths, reset
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
