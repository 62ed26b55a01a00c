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
        '2 export tasks of dataset datasetDetectionxxxx are not in a required state: detectionFailed0001 is FAILED '
        '(ModelArts.4312: OBS path does not exist); detectionStuck00003 is RUNNING (37.5%); required: SUCCESSED')
    assert RESULT_KEYS <= set(result)
    assert result['violations'] == [
        dict(resource='export task', dataset_id=DETECTION, dataset_name=None, id='detectionFailed0001',
             status='FAILED', error='ModelArts.4312: OBS path does not exist'),
        dict(resource='export task', dataset_id=DETECTION, dataset_name=None, id='detectionStuck00003',
             status='RUNNING', error=None)]
    assert result['status_counts'] == {'INIT': 0, 'RUNNING': 1, 'SUCCESSED': 1, 'FAILED': 1}
    assert len(result['export_tasks']) == result['total_count'] == 3


def test_require_status_passes_when_every_selected_task_is_in_a_required_state(emulator):
    failed, result = run_main(emulator, dataset_id=DETECTION, require_status=['SUCCESSED', 'RUNNING'],
                              status=['SUCCESSED', 'RUNNING'])
    assert not failed, result
    assert sorted(task['task_id'] for task in result['export_tasks']) == ['detectionOk00000002', 'detectionStuck00003']


def test_an_empty_selection_fails_the_gate_naming_the_dataset_as_the_user_did(emulator):
    failed, result = run_main(emulator, dataset_name='dataset-empty', require_status=['SUCCESSED'])
    assert failed
    assert result['msg'] == ('No export task of dataset dataset-empty (datasetEmptyxxxxxxxx) exists; required: '
                             'SUCCESSED (allow_empty: true passes an empty selection)')
    assert result['export_tasks'] == [] and result['total_count'] == 0
    assert result['dataset_name'] == 'dataset-empty' and result['dataset_id'] == 'datasetEmptyxxxxxxxx'
    assert result['violations'] == [dict(resource='export task', dataset_id='datasetEmptyxxxxxxxx',
                                         dataset_name='dataset-empty', id=None, status=None,
                                         error='no export task matched')]


def test_latest_on_a_dataset_without_exports_says_there_is_none(emulator):
    failed, result = run_main(emulator, dataset_name='dataset-empty', latest=True, require_status=['SUCCESSED'])
    assert failed
    assert result['msg'] == ('No export task of dataset dataset-empty (datasetEmptyxxxxxxxx) exists; required: '
                             'SUCCESSED (allow_empty: true passes an empty selection)')


def test_an_empty_selection_names_what_selected_nothing(emulator):
    failed, result = run_main(emulator, dataset_id=DETECTION, latest=True, export_type=3, status=['INIT'],
                              created_after='2020-01-01T00:00:00Z', require_status=['SUCCESSED'])
    assert failed
    assert result['msg'] == ('No export task of dataset %s matched latest, export_type 3, status INIT, '
                             'created_after 2020-01-01T00:00:00Z; required: SUCCESSED (allow_empty: true passes an '
                             'empty selection)' % DETECTION)


def test_allow_empty_passes_an_empty_selection(emulator):
    failed, result = run_main(emulator, dataset_id='datasetEmptyxxxxxxxx', require_status=['SUCCESSED'],
                              allow_empty=True)
    assert not failed, result
    assert result['export_tasks'] == [] and 'violations' not in result


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
        '2 export tasks of dataset %s are not in a required state: failsIn1s is FAILED (ModelArts.4358: Invalid '
        'export path); runsTenMinutes is RUNNING (' % dataset_id)
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


# --- what a gate is about: latest, a time window; wait never returns with a task unfinished ---

NOW_MS = int(time.time() * 1000)


def finished_task(task_id, status, minutes_ago, export_type=3):
    """A static task (``tasks`` of the admin API) that finished before the run started."""
    task = dict(task_id=task_id, status=status, create_time=NOW_MS - minutes_ago * 60000,
                update_time=NOW_MS - minutes_ago * 60000 + 5000, export_type=export_type, export_format=2,
                path='/obs/%s/' % task_id, progress=100.0 if status == 'SUCCESSED' else 20.0)
    if status == 'FAILED':
        task.update(error_code='ModelArts.4358', error_msg='Invalid export path')
    return task


def add_finished(emulator, name, *tasks):
    answer = requests.post(emulator.url + '/_emulator/datasets', json={'dataset_name': name, 'tasks': list(tasks)})
    assert answer.status_code == 200, answer.text
    return answer.json()['dataset_id']


def test_the_newest_export_gate_fails_on_a_newest_export_that_failed_before_the_run(emulator):
    dataset_id = add_finished(emulator, 'model-inputs', finished_task('olderGood', 'SUCCESSED', 30),
                              finished_task('newestBad', 'FAILED', 10), finished_task('oldestBad', 'FAILED', 60))
    failed, result = run_main(emulator, dataset_name='model-inputs', latest=True, require_status=['SUCCESSED'])
    assert failed
    assert result['msg'] == ('Export task newestBad of dataset model-inputs (%s) is FAILED (ModelArts.4358: Invalid '
                             'export path); required: SUCCESSED' % dataset_id)
    assert [task['task_id'] for task in result['export_tasks']] == ['newestBad']
    assert result['violations'] == [dict(resource='export task', dataset_id=dataset_id, dataset_name='model-inputs',
                                         id='newestBad', status='FAILED', error='ModelArts.4358: Invalid export path')]
    assert result['total_count'] == 3


def test_the_newest_export_gate_passes_when_the_newest_succeeded_after_an_older_failure(emulator):
    add_finished(emulator, 'recovered', finished_task('olderBad', 'FAILED', 30),
                 finished_task('newestGood', 'SUCCESSED', 5))
    failed, result = run_main(emulator, dataset_name='recovered', latest=True, require_status=['SUCCESSED'])
    assert not failed, result
    assert [task['task_id'] for task in result['export_tasks']] == ['newestGood']
    assert result['status_counts'] == {'INIT': 0, 'RUNNING': 0, 'SUCCESSED': 1, 'FAILED': 0}


def test_latest_applies_after_the_status_and_type_filters(emulator):
    dataset_id = add_finished(emulator, 'mixed', finished_task('goodType3Old', 'SUCCESSED', 50),
                              finished_task('goodType0New', 'SUCCESSED', 5, export_type=0),
                              finished_task('goodType3New', 'SUCCESSED', 20),
                              finished_task('badNewest', 'FAILED', 1))
    failed, result = run_main(emulator, dataset_id=dataset_id, latest=True, status=['SUCCESSED'], export_type=3)
    assert not failed, result
    assert [task['task_id'] for task in result['export_tasks']] == ['goodType3New']


def test_latest_on_a_tie_keeps_the_first_in_the_apis_order(emulator):
    first, second = finished_task('insertedFirst', 'SUCCESSED', 5), finished_task('insertedSecond', 'FAILED', 5)
    dataset_id = add_finished(emulator, 'tie', first, second)
    listed = run_main(emulator, dataset_id=dataset_id)[1]['export_tasks']
    failed, result = run_main(emulator, dataset_id=dataset_id, latest=True)
    assert not failed, result
    assert result['export_tasks'] == listed[:1]


def test_a_time_window_keeps_the_exports_created_in_it(emulator):
    dataset_id = add_finished(emulator, 'window', finished_task('beforeIt', 'FAILED', 120),
                              finished_task('inIt', 'SUCCESSED', 60), finished_task('afterIt', 'SUCCESSED', 1))
    after = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(NOW_MS / 1000.0 - 90 * 60))
    failed, result = run_main(emulator, dataset_id=dataset_id, created_after=after,
                              created_before=str(NOW_MS - 30 * 60000), require_status=['SUCCESSED'])
    assert not failed, result
    assert [task['task_id'] for task in result['export_tasks']] == ['inIt']
    # An offset counts: the UTC clock time of now, read as UTC+01:30, is 90 minutes ago.
    shifted = time.strftime('%Y-%m-%dT%H:%M:%S+01:30', time.gmtime(NOW_MS / 1000.0))
    failed, result = run_main(emulator, dataset_id=dataset_id, created_after=shifted)
    assert not failed, result
    assert [task['task_id'] for task in result['export_tasks']] == ['afterIt', 'inIt']
    # The bound is inclusive: a window opening at a task's create_time keeps it.
    failed, result = run_main(emulator, dataset_id=dataset_id, created_after=NOW_MS - 60000)
    assert [task['task_id'] for task in result['export_tasks']] == ['afterIt']


@pytest.mark.parametrize('args, message', [
    ({'created_after': '2026-12-06 10:00'}, "created_after must be an ISO 8601 date-time with a time zone "
                                            "(2026-12-06T16:05:00Z or 2026-12-06T17:05:00+01:00) or epoch "
                                            "milliseconds, got '2026-12-06 10:00'"),
    ({'created_before': 'yesterday'}, "created_before must be an ISO 8601 date-time with a time zone"),
    ({'created_after': 1765000000}, 'created_after as a number is epoch milliseconds (13 digits today), got '
                                    '1765000000; that looks like seconds: multiply by 1000'),
    ({'created_after': '2026-02-30T00:00:00Z'}, "created_after is not a valid date-time: '2026-02-30T00:00:00Z'"),
    ({'created_after': 1.5}, 'created_after must be an ISO 8601 date-time with a time zone or epoch milliseconds, '
                             'got a float'),
    # Both bounds take any type (raw): a value that is neither text nor a number is named by its type, never read as text.
    ({'created_before': 1.5}, 'created_before must be an ISO 8601 date-time with a time zone or epoch milliseconds, '
                              'got a float'),
    ({'created_before': True}, 'created_before must be an ISO 8601 date-time with a time zone or epoch milliseconds, '
                               'got a bool'),
    ({'created_after': '2026-12-06T10:00:00Z', 'created_before': '2026-12-06T11:00:00+02:00'},
     'created_after must be earlier than created_before'),
    ({'latest': True, 'task_id': 'x'}, 'latest selects the newest export task of every page; it cannot be combined '
                                       'with task_id'),
    ({'latest': True, 'offset': 0}, 'latest selects the newest export task of every page; it cannot be combined '
                                    'with offset (one page)'),
    ({'created_after': NOW_MS, 'task_id': 'x'}, 'parameters are mutually exclusive: task_id|created_after'),
])
def test_bad_selection_options_are_refused_naming_the_option_before_any_request(emulator, args, message):
    # An endpoint nothing listens on: the refusal cannot come from a request.
    failed, result, _output = run_module.run_main(module, 'http://127.0.0.1:9', dataset_id=DETECTION, **args)
    assert failed
    assert result['msg'].startswith(message), result['msg']


def test_wait_without_a_gate_does_not_return_while_a_task_is_running(emulator):
    dataset_id = emulator.add_dataset('one-fails-early', [
        {'task_id': 'failsIn1s', 'seconds': 1, 'outcome': 'FAILED'},
        {'task_id': 'runsTenMinutes', 'seconds': 600, 'outcome': 'SUCCESSED'}])
    failed, result = run_main(emulator, dataset_id=dataset_id, wait=True, wait_sleep=1, wait_timeout=4)
    assert failed
    assert result['msg'].startswith('Timed out after 4s waiting for export tasks of dataset %s to finish; still '
                                    'unfinished: runsTenMinutes (RUNNING, ' % dataset_id)
    assert result['status_counts']['FAILED'] == 1 and result['status_counts']['RUNNING'] == 1


def test_wait_without_a_gate_returns_once_every_task_is_terminal(emulator):
    dataset_id = emulator.add_dataset('all-finish', [
        {'task_id': 'failsIn1s', 'seconds': 1, 'outcome': 'FAILED'},
        {'task_id': 'succeedsIn3s', 'seconds': 3, 'outcome': 'SUCCESSED'}])
    failed, result = run_main(emulator, dataset_id=dataset_id, wait=True, wait_sleep=1, wait_timeout=60)
    assert not failed, result
    assert result['status_counts'] == {'INIT': 0, 'RUNNING': 0, 'SUCCESSED': 1, 'FAILED': 1}


def test_latest_with_wait_waits_for_the_newest_export_only(emulator):
    dataset_id = add_finished(emulator, 'old-failure', finished_task('oldFailure', 'FAILED', 30))
    # The export this pipeline started: created by the API, so newer than every earlier one.
    created = requests.post(emulator.url + '/v2/%s/datasets/%s/export-tasks' % (run_module.PROJECT_ID, dataset_id),
                            json={'path': '/obs/out/', 'export_type': 3},
                            headers={'X-Auth-Token': issue_token(emulator)})
    assert created.status_code == 200, created.text
    failed, result = run_main(emulator, dataset_id=dataset_id, latest=True, wait=True, wait_sleep=1, wait_timeout=60,
                              require_status=['SUCCESSED'])
    assert not failed, result
    assert [task['task_id'] for task in result['export_tasks']] == [created.json()['task_id']]
    assert result['export_tasks'][0]['status'] == 'SUCCESSED'


def issue_token(emulator):
    answer = requests.post(emulator.url + '/v3/auth/tokens', json={'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'emulator-user', 'password': 'emulator-password', 'domain': {'name': 'emulator-domain'}}}},
        'scope': {'project': {'id': run_module.PROJECT_ID}}}})
    assert answer.status_code == 201, answer.text
    return answer.headers['X-Subject-Token']
