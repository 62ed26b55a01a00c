# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""modelarts_dataset_info: main() with its parameters against the emulator (the generic parts: test_info_query.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_info as module
from ansible_collections.mlops.cloud.tests.unit.plugins.modules import emulator_admin
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.run_module import SECRET_KEY, run_main


# --- main(), with its parameters, against the emulator as a real process over HTTP ---

# From emulator/seed.py: the five datasets of project eu-de, newest first.
EXAMPLE_ID = 'WxCREuCkBSAlQr9xrde'
DETECTION_ID = 'datasetDetectionxxxx'
ALL_NAMES = 5


@pytest.fixture
def emulator(emulator_url):
    assert requests.post(emulator_url + '/_emulator/reset').status_code == 200
    return emulator_url


def dataset_list_requests(emulator):
    served = requests.get(emulator + '/_emulator/stats').json()['requests']
    return [entry['query'] for entry in served if entry['path'].endswith('/datasets')]


def test_main_by_dataset_id_returns_that_dataset(emulator):
    failed, result, output = run_main(module, emulator, dataset_id=EXAMPLE_ID)
    assert not failed, result
    assert [d['dataset_id'] for d in result['datasets']] == [EXAMPLE_ID]
    assert result['datasets'][0]['dataset_name'] == 'dataset-example'
    assert result['total_count'] == 1 and result['changed'] is False
    assert SECRET_KEY not in output


def test_main_lists_every_page_of_the_project(emulator):
    failed, result, _output = run_main(module, emulator, limit=2)
    assert not failed, result
    assert len(result['datasets']) == result['total_count'] == ALL_NAMES
    assert len(set(d['dataset_id'] for d in result['datasets'])) == ALL_NAMES
    assert len(dataset_list_requests(emulator)) == 3  # pages of 2, 2 and 1


def test_main_with_offset_returns_one_page_and_the_whole_count(emulator):
    # Given as text, as a playbook may: AnsibleModule converts both to int.
    failed, result, _output = run_main(module, emulator, limit='2', offset='1')
    assert not failed, result
    assert len(result['datasets']) == 2 and result['total_count'] == ALL_NAMES
    assert dataset_list_requests(emulator) == ['limit=2&offset=1']


def test_main_by_name_keeps_the_exact_match_only(emulator):
    failed, result, _output = run_main(module, emulator, dataset_name='dataset-e')
    assert not failed, result
    assert result['datasets'] == []
    failed, result, _output = run_main(module, emulator, dataset_name='dataset-example')
    assert not failed, result
    assert [d['dataset_id'] for d in result['datasets']] == [EXAMPLE_ID]
    # The API's search narrows the list (its match is partial); the module keeps the exact name.
    assert dataset_list_requests(emulator) == ['limit=100&offset=0&search_content=dataset-e',
                                               'limit=100&offset=0&search_content=dataset-example']


def test_main_passes_the_filters_to_the_api(emulator):
    failed, result, _output = run_main(module, emulator, dataset_type=1, support_export=True)
    assert not failed, result
    assert [d['dataset_id'] for d in result['datasets']] == [DETECTION_ID]
    assert 'dataset_type=1' in dataset_list_requests(emulator)[0]


@pytest.mark.parametrize('args, message', [
    ({'limit': 0}, 'limit must be between 1 and 100, got 0'),
    ({'dataset_id': ' '}, 'dataset_id must not be empty'),
    ({'dataset_id': EXAMPLE_ID, 'offset': 1}, 'parameters are mutually exclusive: dataset_id|offset'),
    ({'dataset_name': 'a', 'search_content': 'a'}, 'parameters are mutually exclusive: dataset_name|search_content'),
    ({'dataset_id': EXAMPLE_ID, 'dataset_name': 'a'}, 'parameters are mutually exclusive: dataset_id|dataset_name'),
    ({'dataset_id': EXAMPLE_ID, 'search_content': 'a'}, 'parameters are mutually exclusive: dataset_id|search_content'),
])
def test_main_refuses_bad_input_in_one_line_before_any_request(emulator, args, message):
    failed, result, output = run_main(module, emulator, **args)
    assert failed and result['msg'] == message
    assert dataset_list_requests(emulator) == [] and SECRET_KEY not in output


def test_main_reports_an_unknown_dataset_id_by_the_apis_error(emulator):
    failed, result, _output = run_main(module, emulator, dataset_id='noSuchDataset')
    assert failed
    assert result['msg'].startswith('Get dataset noSuchDataset failed: HTTP 400, error code ModelArts.4352, '
                                    'message: Dataset does not exist: noSuchDataset, request id ')


@pytest.mark.parametrize('args, message', [
    ({'dataset_id': '..'}, "dataset_id must be an id, not '..'"),
    ({'project_id': '.'}, "project_id must be an id, not '.'"),
])
def test_main_refuses_ids_that_would_change_the_path(emulator, args, message):
    failed, result, _output = run_main(module, emulator, **args)
    assert failed and result['msg'] == message
    assert dataset_list_requests(emulator) == []


def test_main_names_the_page_that_failed(emulator):
    assert requests.post(emulator + '/_emulator/faults', json={'status_sequence': [500]}).status_code == 200
    failed, result, _output = run_main(module, emulator, max_retries=0, limit=2, offset=1)
    assert failed
    assert result['msg'].startswith('List datasets (page 1) failed: HTTP 500, error code APIG.0201')


# --- a total the API caps at 100 (the reference: it "cannot exceed 100") ---

def add_datasets(emulator, prefix, count, **items):
    return [emulator_admin.add_dataset(emulator, '%s-%03d' % (prefix, number), **items) for number in range(count)]


@pytest.mark.parametrize('capped', [True, False])
def test_a_list_whose_total_is_capped_is_read_on_until_a_short_page(emulator, capped):
    added = add_datasets(emulator, 'many', 150 - ALL_NAMES)
    if capped:
        assert requests.post(emulator + '/_emulator/faults', json={'dataset_total_cap': 100}).status_code == 200
    failed, result, _output = run_main(module, emulator)
    assert not failed, result
    assert len(result['datasets']) == len(set(d['dataset_id'] for d in result['datasets'])) == 150
    assert set(added) <= set(d['dataset_id'] for d in result['datasets'])
    assert result['total_count'] == 150
    # Capped: page 0 (total 100, full), then pages 1 (50 items, short). Not capped: the two pages the total says.
    assert dataset_list_requests(emulator) == ['limit=100&offset=0', 'limit=100&offset=1']


def test_a_total_at_the_cap_costs_one_extra_request_when_the_list_really_ends_there(emulator):
    add_datasets(emulator, 'exactly', 100 - ALL_NAMES)
    failed, result, _output = run_main(module, emulator)
    assert not failed, result
    assert len(result['datasets']) == result['total_count'] == 100
    assert dataset_list_requests(emulator) == ['limit=100&offset=0', 'limit=100&offset=1']


# --- the project-wide gate: include + require_<child>_status ---

FAILED_EXPORT = dict(task_id='failedExport', status='FAILED', create_time=1700000000000, export_type=3,
                     progress=20.0, error_code='ModelArts.4358', error_msg='Invalid export path')


def test_a_project_wide_gate_over_200_datasets_is_short_and_returns_every_violation(emulator):
    added = add_datasets(emulator, 'gate', 200, tasks=[FAILED_EXPORT])
    failed, result, _output = run_main(module, emulator, search_content='gate-', include=['export_tasks'],
                                       require_export_status=['SUCCESSED'])
    assert failed
    message = result['msg']
    assert len(message) <= 1000
    assert message.startswith('200 violations in 200 datasets: export task failedExport of dataset gate-')
    assert message.count('is FAILED (ModelArts.4358: Invalid export path)') == 5
    assert message.endswith('; and 195 more; require_export_status: SUCCESSED')
    assert len(result['violations']) == 200
    assert set(found['dataset_id'] for found in result['violations']) == set(added)
    assert set((found['resource'], found['id'], found['status'], found['error']) for found in result['violations']) \
        == {('export task', 'failedExport', 'FAILED', 'ModelArts.4358: Invalid export path')}
    assert all(found['dataset_name'].startswith('gate-') for found in result['violations'])
    assert len(result['datasets']) == 200


def test_a_dataset_without_children_fails_the_project_wide_gate_unless_allow_empty(emulator):
    empty_id = emulator_admin.add_dataset(emulator, 'fleet-empty')
    emulator_admin.add_dataset(emulator, 'fleet-good', tasks=[dict(FAILED_EXPORT, status='SUCCESSED', progress=100.0,
                                                                   error_code=None, error_msg=None)])
    args = dict(search_content='fleet-', include=['export_tasks'], require_export_status=['SUCCESSED'])
    failed, result, _output = run_main(module, emulator, **args)
    assert failed
    assert result['msg'] == ('1 violation in 1 dataset: dataset fleet-empty (%s) has no export task; '
                             'require_export_status: SUCCESSED' % empty_id)
    assert result['violations'] == [dict(resource='export task', dataset_id=empty_id, dataset_name='fleet-empty',
                                         id=None, status=None, error='no export task')]
    failed, result, _output = run_main(module, emulator, allow_empty=True, **args)
    assert not failed, result


def test_a_project_wide_gate_names_the_dataset_name_that_matched_nothing(emulator):
    failed, result, _output = run_main(module, emulator, dataset_name='no-such-name', include=['import_tasks'],
                                       require_import_status=['COMPLETED'])
    assert failed
    assert result['msg'] == ('No dataset matched dataset_name no-such-name; require_import_status: COMPLETED '
                             '(allow_empty: true passes an empty selection)')


def test_a_project_wide_gate_with_no_dataset_selected_fails_unless_allow_empty(emulator):
    args = dict(search_content='no-such-name', include=['export_tasks', 'versions'],
                require_export_status=['SUCCESSED'], require_version_status=['RUNNING'])
    failed, result, _output = run_main(module, emulator, **args)
    assert failed
    assert result['msg'] == ('No dataset matched search_content no-such-name; require_export_status: SUCCESSED; '
                             'require_version_status: RUNNING (allow_empty: true passes an empty selection)')
    assert result['violations'] == []
    failed, result, _output = run_main(module, emulator, allow_empty=True, **args)
    assert not failed and result['datasets'] == []


def test_a_dot_dot_id_from_the_server_is_the_servers_error_and_reaches_no_url(emulator):
    emulator_admin.add_dataset(emulator, 'dots', dataset_id='..')
    failed, result, _output = run_main(module, emulator, include=['export_tasks'])
    assert failed
    assert result['msg'] == ('The dataset list answer has an item whose "dataset_id" is a dot segment or blank '
                             "('..'); it came from the server, not from the play")
    assert not any('/datasets/../' in path or path.endswith('/datasets/..')
                   for path in emulator_admin.list_paths(emulator))
