# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""main() with its parameters against the emulator (the generic parts: test_info_query.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_export_tasks_info as module
from ansible_collections.mlops.cloud.tests.unit.plugins.modules import run_module


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
