# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument validation, the pieces of the module that need no HTTP, and main() against the emulator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest
import requests
from hypothesis import given, strategies as st

from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_export_tasks_info as module
from ansible_collections.mlops.cloud.plugins.module_utils.export_tasks import (
    count_by_status,
    describe_state,
    describe_unfinished,
)
from ansible_collections.mlops.cloud.tests.unit.plugins.modules import run_module
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.params import default_params


def params(**overrides):
    overrides.setdefault('dataset_id', 'd1')
    return default_params(module.argument_spec(), **overrides)


@pytest.mark.parametrize('overrides,message', [
    ({'limit': 0}, 'limit must be between 1 and 100, got 0'),
    ({'limit': 101}, 'limit must be between 1 and 100, got 101'),
    ({'offset': -1}, 'offset must be 0 or more'),
    ({'dataset_id': '  '}, 'dataset_id must not be empty'),
    ({'dataset_id': None, 'dataset_name': ' '}, 'dataset_name must not be empty'),
    ({'task_id': ''}, 'task_id must not be empty'),
    ({'wait_timeout': 0}, 'wait_timeout must be at least 1'),
    ({'wait_sleep': 0}, 'wait_sleep must be at least 1'),
])
def test_bad_values_are_named(overrides, message):
    assert module.validate(params(**overrides)).startswith(message)


@given(limit=st.integers(1, 100), offset=st.one_of(st.none(), st.integers(0, 10 ** 6)))
def test_valid_ranges_pass(limit, offset):
    assert module.validate(params(limit=limit, offset=offset)) is None


@given(limit=st.integers().filter(lambda n: not 1 <= n <= 100))
def test_any_limit_outside_the_range_is_refused(limit):
    assert module.validate(params(limit=limit)).startswith('limit must be between 1 and 100')


def test_status_counts_has_all_four_states():
    tasks = [{'status': 'RUNNING'}, {'status': 'FAILED'}, {'status': 'RUNNING'}, {'status': 'SOMETHING_NEW'}]
    assert count_by_status(tasks) == {'INIT': 0, 'RUNNING': 2, 'SUCCESSED': 0, 'FAILED': 1}


def test_unfinished_tasks_are_described_with_progress():
    tasks = [{'task_id': 'a', 'status': 'RUNNING', 'progress': 42.5}, {'task_id': 'b', 'status': 'SUCCESSED'},
             {'task_id': 'c', 'status': 'INIT'}]
    assert describe_unfinished(tasks) == 'a (RUNNING, 42.5%), c (INIT, 0%)'


def test_without_a_gate_waiting_ends_when_all_are_terminal_or_one_failed():
    required = module.WAIT_FOR_WITHOUT_GATE
    assert module._wait_is_over([{'status': 'SUCCESSED'}, {'status': 'FAILED'}], required)
    assert module._wait_is_over([{'status': 'RUNNING'}, {'status': 'FAILED'}], required)
    assert not module._wait_is_over([{'status': 'RUNNING'}, {'status': 'SUCCESSED'}], required)
    assert module._wait_is_over([], required)


def test_with_a_gate_waiting_ends_when_a_finished_task_is_not_in_a_required_state():
    assert module._wait_is_over([{'status': 'RUNNING'}, {'status': 'SUCCESSED'}], ['FAILED'])
    assert not module._wait_is_over([{'status': 'RUNNING'}, {'status': 'FAILED'}], ['FAILED'])


def test_a_failed_task_is_described_by_its_error_on_one_line():
    assert describe_state({'status': 'FAILED', 'error_code': 'ModelArts.4358', 'error_msg': 'Invalid\nexport path'}) \
        == 'FAILED (ModelArts.4358: Invalid export path)'
    assert describe_state({'status': 'FAILED'}) == 'FAILED (no error code: no error message)'
    assert describe_state({'status': 'INIT'}) == 'INIT (0%)'
    assert describe_state({'status': 'SUCCESSED', 'progress': 100.0}) == 'SUCCESSED'


# --- main(), with its parameters, against the emulator as a real process over HTTP ---

DETECTION = 'datasetDetectionxxxx'


@pytest.fixture
def emulator(emulator_url):
    """The emulator, reset to its seed data; ``add_dataset(running=[...])`` adds one, returning its ID."""
    assert requests.post(emulator_url + '/_emulator/reset', json={}).status_code == 200

    class Emulator:
        url = emulator_url

        @staticmethod
        def add_dataset(name, running):
            answer = requests.post(emulator_url + '/_emulator/datasets', json={'dataset_name': name, 'running': running})
            assert answer.status_code == 200, answer.text
            return answer.json()['dataset_id']

        @staticmethod
        def add_faults(**faults):
            assert requests.post(emulator_url + '/_emulator/faults', json=faults).status_code == 200

    return Emulator


def run_main(emulator, **args):
    failed, result, _output = run_module.run_main(module, emulator.url, **args)
    return failed, result


RESULT_KEYS = {'dataset_id', 'export_tasks', 'total_count', 'status_counts'}


def test_require_status_audit_names_each_task_not_in_the_required_state(emulator):
    failed, result = run_main(emulator, dataset_id=DETECTION, require_status=['SUCCESSED'])
    assert failed
    assert result['msg'] == (
        'Export task detectionFailed0001 of dataset datasetDetectionxxxx is FAILED (ModelArts.4312: OBS path does '
        'not exist); export task detectionStuck00003 of dataset datasetDetectionxxxx is RUNNING (37.5%); '
        'required: SUCCESSED')
    assert RESULT_KEYS <= set(result)
    assert result['status_counts'] == {'INIT': 0, 'RUNNING': 1, 'SUCCESSED': 1, 'FAILED': 1}
    assert len(result['export_tasks']) == result['total_count'] == 3


def test_require_status_passes_when_every_selected_task_is_in_a_required_state(emulator):
    failed, result = run_main(emulator, dataset_id=DETECTION, require_status=['SUCCESSED', 'RUNNING'],
                              status=['SUCCESSED', 'RUNNING'])
    assert not failed, result
    assert sorted(task['task_id'] for task in result['export_tasks']) == ['detectionOk00000002', 'detectionStuck00003']


def test_an_empty_selection_passes_the_gate(emulator):
    failed, result = run_main(emulator, dataset_id='datasetEmptyxxxxxxxx', require_status=['SUCCESSED'])
    assert not failed, result
    assert result['export_tasks'] == [] and result['total_count'] == 0


def test_an_empty_require_status_is_refused_naming_the_option(emulator):
    failed, result = run_main(emulator, dataset_id=DETECTION, require_status=[])
    assert failed
    assert result['msg'] == 'require_status must name at least one of INIT, RUNNING, SUCCESSED, FAILED'


def test_waiting_ends_once_the_requirement_can_no_longer_hold(emulator):
    dataset_id = emulator.add_dataset('gate', [{'task_id': 'failsIn1s', 'seconds': 1, 'outcome': 'FAILED'},
                                               {'task_id': 'runsTenMinutes', 'seconds': 600, 'outcome': 'SUCCESSED'}])
    started = time.monotonic()
    failed, result = run_main(emulator, dataset_id=dataset_id, wait=True, wait_sleep=1, wait_timeout=120,
                              require_status=['SUCCESSED'])
    assert time.monotonic() - started < 60
    assert failed
    assert result['msg'].startswith(
        'Export task failsIn1s of dataset %s is FAILED (ModelArts.4358: Invalid export path); '
        'export task runsTenMinutes of dataset %s is RUNNING (' % (dataset_id, dataset_id))
    assert result['msg'].endswith('%); required: SUCCESSED')
    assert result['status_counts'] == {'INIT': 0, 'RUNNING': 1, 'SUCCESSED': 0, 'FAILED': 1}


def test_a_wait_timeout_keeps_the_result_shape(emulator):
    dataset_id = emulator.add_dataset('slow', [{'task_id': 'runsTenMinutes', 'seconds': 600, 'outcome': 'SUCCESSED'}])
    failed, result = run_main(emulator, dataset_id=dataset_id, wait=True, wait_sleep=1, wait_timeout=2,
                              require_status=['SUCCESSED'])
    assert failed
    assert result['msg'].startswith('Timed out after 2s waiting for export tasks of dataset %s to finish; '
                                    'still unfinished: runsTenMinutes (RUNNING, ' % dataset_id)
    assert result['dataset_id'] == dataset_id and result['total_count'] == 1
    assert result['status_counts']['RUNNING'] == 1
    assert [task['task_id'] for task in result['export_tasks']] == ['runsTenMinutes']


def test_a_failing_refresh_while_waiting_returns_the_tasks_as_last_known(emulator):
    dataset_id = emulator.add_dataset('flaky', [{'task_id': 'runsTenMinutes', 'seconds': 600, 'outcome': 'SUCCESSED'}])
    # The list answers; polling the task (its path holds its ID) gets a 503, and nothing is retried.
    emulator.add_faults(status_sequence=[503], only_paths_containing='runsTenMinutes')
    failed, result = run_main(emulator, dataset_id=dataset_id, status=['RUNNING'], wait=True, wait_sleep=1,
                              wait_timeout=60, max_retries=0)
    assert failed
    assert 'HTTP 503' in result['msg']
    assert result['dataset_id'] == dataset_id and result['total_count'] == 1
    assert result['export_tasks'][0]['status'] == 'RUNNING'
    assert result['status_counts'] == {'INIT': 0, 'RUNNING': 1, 'SUCCESSED': 0, 'FAILED': 0}


def test_a_failure_before_the_tasks_are_fetched_has_no_task_keys(emulator):
    failed, result = run_main(emulator, dataset_name='no-such-dataset', require_status=['SUCCESSED'])
    assert failed
    assert result['msg'].startswith('No dataset named no-such-dataset')
    assert not RESULT_KEYS & set(result)
