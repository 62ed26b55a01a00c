# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""modelarts_dataset_version_info: main() with its parameters against the emulator (generic parts: test_info_query.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import parse_qs

import pytest

from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_version_info as module
from ansible_collections.mlops.cloud.tests.unit.plugins.modules import emulator_admin
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.run_module import SECRET_KEY, run_main

# From emulator/seed.py.
BIG = 'dataset250xxxxxxxxxx'
BIG_COUNT = 1200
EXAMPLE = 'WxCREuCkBSAlQr9xrde'
EXAMPLE_VERSIONS = ['54IXbeJhfttGpL46lbv', 'eSOKEQaXhKzxN00WKoV', 'vlGvUqOcxxGPIB0ugeE']
DETECTION = 'datasetDetectionxxxx'
RUNNING = 'datasetRunningxxxxxx'
NAMES = ['CREATING', 'RUNNING', 'DELETING', 'DELETED', 'ERROR']


@pytest.fixture
def emulator(emulator_url):
    emulator_admin.reset(emulator_url)
    return emulator_url


def version_lists(emulator):
    return emulator_admin.list_queries(emulator, '/versions')


def test_every_version_once_in_the_apis_order_in_two_pages_of_1000(emulator):
    failed, result, output = run_main(module, emulator, dataset_id=BIG)
    assert not failed, result
    versions = result['versions']
    assert len(versions) == result['total_count'] == BIG_COUNT
    assert len(set(version['version_id'] for version in versions)) == BIG_COUNT
    assert [version['create_time'] for version in versions] == sorted((v['create_time'] for v in versions),
                                                                      reverse=True)
    assert sorted(version_lists(emulator)) == ['limit=1000&offset=0', 'limit=1000&offset=1']
    assert sum(result['status_counts'].values()) == BIG_COUNT and list(result['status_counts']) == NAMES
    assert result['dataset_id'] == BIG and result['changed'] is False and SECRET_KEY not in output


def test_offset_returns_that_page_only(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=BIG, offset=1)
    assert not failed, result
    assert len(result['versions']) == BIG_COUNT - 1000 and result['total_count'] == BIG_COUNT
    assert version_lists(emulator) == ['limit=1000&offset=1']


def test_one_version_by_id_with_its_details(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=EXAMPLE, version_id=EXAMPLE_VERSIONS[1])
    assert not failed, result
    assert [version['version_id'] for version in result['versions']] == [EXAMPLE_VERSIONS[1]]
    assert result['versions'][0]['label_stats'][0]['name'] == 'Rabbits'
    assert result['total_count'] == 1 and version_lists(emulator) == []


def test_the_dataset_by_name(emulator):
    failed, result, _output = run_main(module, emulator, dataset_name='dataset-example')
    assert not failed, result
    assert result['dataset_id'] == EXAMPLE
    assert [version['version_id'] for version in result['versions']] == EXAMPLE_VERSIONS
    assert result['status_counts'] == {'CREATING': 0, 'RUNNING': 3, 'DELETING': 0, 'DELETED': 0, 'ERROR': 0}


@pytest.mark.parametrize('status', [['ERROR', 'DELETED'], ['4', '3'], [4, 3], ['ERROR', '3', 'DELETED']])
def test_status_by_name_or_by_the_apis_number(emulator, status):
    failed, result, _output = run_main(module, emulator, dataset_id=DETECTION, status=status)
    assert not failed, result
    assert [version['version_id'] for version in result['versions']] == ['detectionVersion003', 'detectionVersion002']
    assert [version['status'] for version in result['versions']] == [3, 4]
    assert result['status_counts'] == {'CREATING': 0, 'RUNNING': 0, 'DELETING': 0, 'DELETED': 1, 'ERROR': 1}
    assert result['total_count'] == 5


def test_server_side_filters_reach_the_api(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=BIG, version_format=2,
                                       train_evaluate_ratio='0.5,0.9')
    assert not failed, result
    assert 0 < len(result['versions']) == result['total_count'] < BIG_COUNT
    assert set(version['version_format'] for version in result['versions']) == {'CSV'}
    assert all(0.5 <= float(version['train_evaluate_sample_ratio']) <= 0.9 for version in result['versions'])
    assert [parse_qs(query) for query in version_lists(emulator)] == [dict(
        train_evaluate_ratio=['0.5,0.9'], version_format=['2'], limit=['1000'], offset=['0'])]


def test_require_status_names_each_version_not_ready_failures_first_with_their_message(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=DETECTION, require_status=['1'])
    assert failed
    assert result['msg'] == (
        '4 dataset versions of dataset %s are not in a required state: detectionVersion003 is DELETED (no error '
        'details); detectionVersion002 is ERROR (Publishing requires splitting but annotated samples do '
        'not satisfied for splitting rules); detectionVersion005 is CREATING; '
        'detectionVersion004 is DELETING; required: RUNNING' % DETECTION)
    assert [found['id'] for found in result['violations']] == [
        'detectionVersion003', 'detectionVersion002', 'detectionVersion005', 'detectionVersion004']
    assert len(result['versions']) == 5 and result['status_counts']['RUNNING'] == 1


def test_a_state_given_as_the_number_yaml_reads_is_that_state(emulator):
    # require_status: [1, 4] in a play is a list of numbers: each is the state it numbers, as '1' and '4' are.
    failed, result, _output = run_main(module, emulator, dataset_id=DETECTION, require_status=[1, 4])
    assert failed
    assert result['msg'] == ('3 dataset versions of dataset %s are not in a required state: detectionVersion003 is '
                             'DELETED (no error details); detectionVersion005 is CREATING; detectionVersion004 is '
                             'DELETING; required: RUNNING or ERROR' % DETECTION)


def test_wait_until_a_release_finishes(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=RUNNING, version_id='runningVersionOk001',
                                       wait=True, wait_sleep=1, wait_timeout=60, require_status=['RUNNING'])
    assert not failed, result
    assert result['versions'][0]['status'] == 1


def test_wait_ends_with_the_error_of_a_failed_release(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=RUNNING, wait=True, wait_sleep=1,
                                       wait_timeout=60, require_status=['RUNNING'])
    assert failed
    assert result['msg'] == ('Dataset version runningVersionErr02 of dataset %s is ERROR (Dataset publish version '
                             'failed); required: RUNNING' % RUNNING)
    assert result['status_counts'] == {'CREATING': 0, 'RUNNING': 1, 'DELETING': 0, 'DELETED': 0, 'ERROR': 1}


@pytest.mark.parametrize('args, message', [
    ({'limit': 1001}, 'limit must be between 1 and 1000, got 1001'),
    ({'limit': 0}, 'limit must be between 1 and 1000, got 0'),
    ({'status': ['READY']}, 'value of status must be one or more of: CREATING, RUNNING, DELETING, DELETED, ERROR, '
                            '0, 1, 2, 3, 4. Got no match for: READY'),
    ({'require_status': []}, 'require_status must name at least one of CREATING, RUNNING, DELETING, DELETED, ERROR'),
    ({'require_status': ['READY']}, 'value of require_status must be one or more of: CREATING, RUNNING, DELETING, '
                                    'DELETED, ERROR, 0, 1, 2, 3, 4. Got no match for: READY'),
    ({'version_format': 3}, 'value of version_format must be one of: 0, 1, 2, got: 3'),
    ({'version_id': 'v', 'offset': 0}, 'parameters are mutually exclusive: version_id|offset'),
    ({'version_id': 'v', 'version_format': 0}, 'parameters are mutually exclusive: version_id|version_format'),
    ({'train_evaluate_ratio': ' '}, 'train_evaluate_ratio must not be empty'),
])
def test_bad_input_is_refused_in_one_line_naming_the_option_before_any_request(emulator, args, message):
    failed, result, _output = run_main(module, emulator, **dict(dict(dataset_id=BIG), **args))
    assert failed and result['msg'] == message
    assert version_lists(emulator) == []


def test_an_unknown_version_fails_with_the_apis_error(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id=EXAMPLE, version_id='noSuchVersion')
    assert failed
    assert result['msg'].startswith('Get dataset version noSuchVersion of dataset %s failed: HTTP 400, error code '
                                    'ModelArts.4353' % EXAMPLE)
    assert 'versions' not in result
