# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""modelarts_dataset_import_task_info: main() with its parameters against the emulator (generic: test_info_query.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_import_task_info as module
from ansible_collections.mlops.cloud.tests.unit.plugins.modules import emulator_admin
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.run_module import SECRET_KEY, run_main

# From emulator/seed.py.
BIG = 'dataset250xxxxxxxxxx'
BIG_COUNT = 250
EXAMPLE = 'WxCREuCkBSAlQr9xrde'
EXAMPLE_TASK = 'gfghHSokody6AJigS5A_RHJ1zOkIoI3Nzwxj8nh'
DETECTION = 'datasetDetectionxxxx'
RUNNING = 'datasetRunningxxxxxx'
NAMES = ['QUEUING', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'NOT_EXIST']


@pytest.fixture
def emulator(emulator_url):
    emulator_admin.reset(emulator_url)
    return emulator_url


def import_lists(emulator):
    return emulator_admin.list_queries(emulator, '/import-tasks')


def test_every_task_once_in_the_apis_order_in_pages_of_100(emulator):
    failed, result, output = run_main(module, emulator, dataset_id=BIG)
    assert not failed, result
    tasks = result['import_tasks']
    assert len(tasks) == result['total_count'] == BIG_COUNT
    assert len(set(task['task_id'] for task in tasks)) == BIG_COUNT
    assert [task['create_time'] for task in tasks] == sorted((task['create_time'] for task in tasks), reverse=True)
    assert sorted(import_lists(emulator)) == ['limit=100&offset=%d' % page for page in range(3)]
    assert list(result['status_counts']) == NAMES and sum(result['status_counts'].values()) == BIG_COUNT
    assert result['dataset_id'] == BIG and result['changed'] is False and SECRET_KEY not in output


def test_offset_returns_that_page_only(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=BIG, limit=40, offset=6)
    assert not failed, result
    assert len(result['import_tasks']) == 10 and result['total_count'] == BIG_COUNT
    assert import_lists(emulator) == ['limit=40&offset=6']


def test_one_task_by_id_and_the_dataset_by_name(emulator):
    failed, result, _output = run_main(module, emulator, dataset_name='dataset-example', task_id=EXAMPLE_TASK)
    assert not failed, result
    assert result['dataset_id'] == EXAMPLE
    assert [task['task_id'] for task in result['import_tasks']] == [EXAMPLE_TASK]
    assert result['import_tasks'][0]['status'] == 'COMPLETED' and 'update_ms' in result['import_tasks'][0]
    assert import_lists(emulator) == []


def test_status_filter(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=DETECTION, status=['FAILED', 'NOT_EXIST'])
    assert not failed, result
    assert [task['task_id'] for task in result['import_tasks']] == ['detectionImport0006', 'detectionImport0002']
    assert result['status_counts'] == dict(dict((name, 0) for name in NAMES), FAILED=1, NOT_EXIST=1)
    assert result['total_count'] == 6


def test_require_status_names_each_task_failures_first_with_code_and_message(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=DETECTION, require_status=['COMPLETED'])
    assert failed
    assert result['msg'] == (
        '5 import tasks of dataset %s are not in a required state: detectionImport0006 is NOT_EXIST (no error '
        'details); detectionImport0002 is FAILED (ModelArts.4340: Import path does not contain valid file); '
        'detectionImport0005 is QUEUING; detectionImport0004 is STARTING; detectionImport0003 is RUNNING; '
        'required: COMPLETED' % DETECTION)
    assert len(result['import_tasks']) == 6
    assert [(found['id'], found['status'], found['error']) for found in result['violations']] == [
        ('detectionImport0006', 'NOT_EXIST', 'no error details'),
        ('detectionImport0002', 'FAILED', 'ModelArts.4340: Import path does not contain valid file'),
        ('detectionImport0005', 'QUEUING', None), ('detectionImport0004', 'STARTING', None),
        ('detectionImport0003', 'RUNNING', None)]
    assert set(found['resource'] for found in result['violations']) == {'import task'}
    assert set(found['dataset_id'] for found in result['violations']) == {DETECTION}


def test_wait_until_the_imports_finish(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=RUNNING, wait=True, wait_sleep=1,
                                       wait_timeout=60, require_status=['COMPLETED'])
    assert failed
    assert result['msg'] == ('Import task runningImportFail02 of dataset %s is FAILED (ModelArts.4362: Import data '
                             'error); required: COMPLETED' % RUNNING)
    assert result['status_counts'] == dict(dict((name, 0) for name in NAMES), COMPLETED=1, FAILED=1)


def test_wait_for_one_queued_task_to_complete(emulator):
    dataset_id = emulator_admin.add_dataset(emulator, 'imports', running_imports=[
        {'task_id': 'queuedThenOk', 'queued_seconds': 1, 'seconds': 2, 'outcome': 'COMPLETED'}])
    failed, result, _output = run_main(module, emulator, dataset_id=dataset_id, task_id='queuedThenOk', wait=True,
                                       wait_sleep=1, wait_timeout=60, require_status=['COMPLETED'])
    assert not failed, result
    assert result['import_tasks'][0]['status'] == 'COMPLETED'


@pytest.mark.parametrize('args, message', [
    ({'limit': 101}, 'limit must be between 1 and 100, got 101'),
    ({'offset': -1}, 'offset must be 0 or more (a page index), got -1'),
    ({'status': ['DONE']}, 'value of status must be one or more of: QUEUING, STARTING, RUNNING, COMPLETED, FAILED, '
                           'NOT_EXIST. Got no match for: DONE'),
    ({'task_id': 't', 'offset': 0}, 'parameters are mutually exclusive: task_id|offset'),
    ({'task_id': ''}, 'task_id must not be empty'),
])
def test_bad_input_is_refused_in_one_line_naming_the_option_before_any_request(emulator, args, message):
    failed, result, _output = run_main(module, emulator, **dict(dict(dataset_id=BIG), **args))
    assert failed and result['msg'] == message
    assert import_lists(emulator) == []
