# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The data source: its options and their checks, states, waiting's end and messages; then, against the emulator,
what a run asks the API for, what it returns and how its gates fail."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import time

import pytest
import requests
import yaml
from ansible.module_utils.common.parameters import PASS_VARS
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from hypothesis import given, strategies as st

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import (
    DATASET_VERSIONS,
    DATASETS,
    EXPORT_TASK_STATES,
    EXPORT_TASKS,
    IMPORT_TASKS,
    VERSION_STATES,
)
from ansible_collections.mlops.cloud.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.mlops.cloud.plugins.lookup.modelarts_dataset_export_tasks import LookupModule as ExportTasksLookup
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError, InterruptedRunError
from ansible_collections.mlops.cloud.plugins.module_utils.info_query import (
    MAX_GATE_MESSAGE,
    InfoQuery,
    describe_unfinished,
    gate_message,
    info_argument_spec,
    info_constraints,
    validate_info_params,
    wait_is_over,
)
from ansible_collections.mlops.cloud.plugins.lookup import (
    modelarts_dataset_export_tasks,
    modelarts_dataset_import_tasks,
    modelarts_dataset_versions,
    modelarts_datasets,
)
from ansible_collections.mlops.cloud.plugins.modules import (
    modelarts_dataset_export_tasks_info,
    modelarts_dataset_import_task_info,
    modelarts_dataset_info,
    modelarts_dataset_version_info,
)
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.emulator_connection import connect
from ansible_collections.mlops.cloud.tests.unit.plugins.modules import emulator_admin
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.params import default_params
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.run_module import (
    ACCESS_KEY,
    PROJECT_ID,
    SECRET_KEY,
    run_main,
)


def params(resource, **overrides):
    if resource.parent is not None:
        overrides.setdefault('dataset_id', 'd1')
    return default_params(info_argument_spec(resource), **overrides)


@pytest.mark.parametrize('overrides,message', [
    ({'limit': 0}, 'limit must be between 1 and 100, got 0'),
    ({'limit': 101}, 'limit must be between 1 and 100, got 101'),
    ({'offset': -1}, 'offset must be 0 or more'),
    ({'dataset_id': '  '}, 'dataset_id must not be empty'),
    ({'dataset_id': None, 'dataset_name': ' '}, 'dataset_name must not be empty'),
    ({'task_id': ''}, 'task_id must not be empty'),
    ({'wait_timeout': 0}, 'wait_timeout must be between 1 and 86400'),
    ({'wait_sleep': 0}, 'wait_sleep must be between 1 and 3600'),
    ({'require_status': []}, 'require_status must name at least one of INIT, RUNNING, SUCCESSED, FAILED'),
])
def test_bad_export_task_values_are_named(overrides, message):
    assert validate_info_params(EXPORT_TASKS, params(EXPORT_TASKS, **overrides)).startswith(message)


@pytest.mark.parametrize('overrides,message', [
    ({'limit': 0}, 'limit must be between 1 and 100, got 0'),
    ({'dataset_id': ' '}, 'dataset_id must not be empty'),
    ({'dataset_name': ''}, 'dataset_name must not be empty'),
])
def test_bad_dataset_values_are_named(overrides, message):
    assert validate_info_params(DATASETS, params(DATASETS, **overrides)).startswith(message)


@pytest.mark.parametrize('resource,largest', [(EXPORT_TASKS, 100), (IMPORT_TASKS, 100), (DATASETS, 100),
                                              (DATASET_VERSIONS, 1000)])
def test_each_api_has_its_own_page_size_range(resource, largest):
    assert validate_info_params(resource, params(resource, limit=largest)) is None
    assert validate_info_params(resource, params(resource, limit=largest + 1)) == \
        'limit must be between 1 and %d, got %d' % (largest, largest + 1)
    assert info_argument_spec(resource)['limit']['default'] == largest


@given(limit=st.integers(1, 100), offset=st.one_of(st.none(), st.integers(0, 10 ** 6)))
def test_valid_ranges_pass(limit, offset):
    assert validate_info_params(EXPORT_TASKS, params(EXPORT_TASKS, limit=limit, offset=offset)) is None


@given(limit=st.integers().filter(lambda n: not 1 <= n <= 100))
def test_any_limit_outside_the_range_is_refused(limit):
    assert validate_info_params(EXPORT_TASKS, params(EXPORT_TASKS, limit=limit)).startswith(
        'limit must be between 1 and 100')


def test_the_options_do_not_clash_with_the_connection_options():
    for resource in (DATASETS, EXPORT_TASKS, DATASET_VERSIONS, IMPORT_TASKS):
        assert not set(info_argument_spec(resource)) & set(connection_argument_spec())


def test_one_item_by_id_excludes_paging_and_list_filters():
    exclusive = info_constraints(EXPORT_TASKS)['mutually_exclusive']
    assert ('task_id', 'offset') in exclusive and ('task_id', 'export_type') in exclusive
    assert ('dataset_id', 'dataset_name') in exclusive
    assert info_constraints(EXPORT_TASKS)['required_one_of'] == [('dataset_id', 'dataset_name')]
    dataset_exclusive = info_constraints(DATASETS)['mutually_exclusive']
    assert ('dataset_name', 'search_content') in dataset_exclusive
    assert ('dataset_id', 'check_running_task') not in dataset_exclusive  # the detail API takes it too


def test_status_counts_has_every_state():
    tasks = [{'status': 'RUNNING'}, {'status': 'FAILED'}, {'status': 'RUNNING'}, {'status': 'SOMETHING_NEW'}]
    assert EXPORT_TASK_STATES.count(tasks) == {'INIT': 0, 'RUNNING': 2, 'SUCCESSED': 0, 'FAILED': 1}
    assert VERSION_STATES.count([{'status': 1}, {'status': 4}, {'status': 9}]) == \
        {'CREATING': 0, 'RUNNING': 1, 'DELETING': 0, 'DELETED': 0, 'ERROR': 1}


def test_version_states_are_named_or_numbered():
    assert 'ERROR' in VERSION_STATES.choices() and '4' in VERSION_STATES.choices()
    assert VERSION_STATES.normalize(['4', 'RUNNING', '1']) == ['ERROR', 'RUNNING']
    assert VERSION_STATES.name_of({'status': 0}) == 'CREATING'
    assert not VERSION_STATES.is_valid(True) and not VERSION_STATES.is_valid('1') and VERSION_STATES.is_valid(3)


def test_unfinished_tasks_are_described_with_progress():
    tasks = [{'task_id': 'a', 'status': 'RUNNING', 'progress': 42.5}, {'task_id': 'b', 'status': 'SUCCESSED'},
             {'task_id': 'c', 'status': 'INIT'}]
    assert describe_unfinished(EXPORT_TASKS, tasks) == 'a (RUNNING, 42.5%), c (INIT, 0%)'
    assert describe_unfinished(DATASET_VERSIONS, [{'version_id': 'v', 'status': 0}]) == 'v (CREATING)'


@pytest.mark.parametrize('required', [None, []])
def test_without_a_gate_waiting_ends_only_when_all_are_terminal(required):
    assert wait_is_over(EXPORT_TASK_STATES, [{'status': 'SUCCESSED'}, {'status': 'FAILED'}], required)
    assert not wait_is_over(EXPORT_TASK_STATES, [{'status': 'RUNNING'}, {'status': 'FAILED'}], required)
    assert not wait_is_over(EXPORT_TASK_STATES, [{'status': 'RUNNING'}, {'status': 'SUCCESSED'}], required)
    assert not wait_is_over(EXPORT_TASK_STATES, [{'status': 'FAILED'}, {'status': 'INIT'}], required)
    assert wait_is_over(EXPORT_TASK_STATES, [], required)


def test_with_a_gate_waiting_ends_when_a_finished_task_is_not_in_a_required_state():
    assert wait_is_over(EXPORT_TASK_STATES, [{'status': 'RUNNING'}, {'status': 'SUCCESSED'}], ['FAILED'])
    assert not wait_is_over(EXPORT_TASK_STATES, [{'status': 'RUNNING'}, {'status': 'FAILED'}], ['FAILED'])
    assert wait_is_over(EXPORT_TASK_STATES, [{'status': 'RUNNING'}, {'status': 'FAILED'}], ['SUCCESSED'])


def test_a_failed_item_is_described_by_its_error_on_one_line():
    describe = EXPORT_TASK_STATES.describe
    assert describe({'status': 'FAILED', 'error_code': 'ModelArts.4358', 'error_msg': 'Invalid\nexport path'}) \
        == 'FAILED (ModelArts.4358: Invalid export path)'
    assert describe({'status': 'FAILED'}) == 'FAILED (no error details)'
    assert describe({'status': 'FAILED', 'error_msg': 'disk full'}) == 'FAILED (none: disk full)'
    assert describe({'status': 'INIT'}) == 'INIT (0%)'
    assert describe({'status': 'SUCCESSED', 'progress': 100.0}) == 'SUCCESSED'
    assert VERSION_STATES.describe({'status': 4, 'message': 'annotation\nfailed'}) == 'ERROR (annotation failed)'


def documented_options(plugin):
    """The options ansible-doc shows for ``plugin``: its own, then those of its fragments (its own win)."""
    documentation = yaml.safe_load(plugin.DOCUMENTATION)
    options = dict(documentation.get('options') or {})
    for fragment in documentation['extends_documentation_fragment']:
        _namespace, _collection, name, variable = (fragment.split('.') + ['documentation'])[:4]
        fragment_class = importlib.import_module('ansible_collections.mlops.cloud.plugins.doc_fragments.' + name).ModuleDocFragment
        for option, documented in yaml.safe_load(getattr(fragment_class, variable.upper())).get('options', {}).items():
            options[option] = dict(documented, **options.get(option, {}))
    options.pop('_terms', None)  # a lookup's term: its parent's (or its own) id
    return options


@pytest.mark.parametrize('plugin,resource', [
    (modelarts_dataset_export_tasks_info, EXPORT_TASKS), (modelarts_dataset_info, DATASETS),
    (modelarts_dataset_version_info, DATASET_VERSIONS), (modelarts_dataset_import_task_info, IMPORT_TASKS),
    (modelarts_dataset_export_tasks, None), (modelarts_datasets, None), (modelarts_dataset_versions, None),
    (modelarts_dataset_import_tasks, None),
], ids=lambda value: value.__name__.rsplit('.', 1)[-1] if hasattr(value, '__name__') else 'module' if value else 'lookup')
def test_each_option_has_the_type_default_elements_and_choices_ansible_doc_shows(plugin, resource):
    if resource is None:
        spec = plugin.LookupModule(loader=DataLoader(), templar=Templar(loader=DataLoader()))._spec()
    else:
        spec = dict(connection_argument_spec(), **info_argument_spec(resource))
    documented = documented_options(plugin)
    assert sorted(spec) == sorted(documented)
    for option in spec:
        assert [spec[option].get(key) for key in ('type', 'default', 'elements', 'choices')] == \
            [documented[option].get('type', 'str')] + [documented[option].get(key) for key in ('default', 'elements', 'choices')], option


@pytest.mark.parametrize('overrides,message', [
    ({'require_export_status': ['SUCCESSED']}, 'require_export_status needs include to name export_tasks'),
    ({'include': ['versions'], 'require_export_status': ['SUCCESSED']},
     'require_export_status needs include to name export_tasks'),
    ({'include': ['export_tasks'], 'require_export_status': []},
     'require_export_status must name at least one of INIT, RUNNING, SUCCESSED, FAILED'),
])
def test_a_child_gate_needs_its_child_included(overrides, message):
    assert validate_info_params(DATASETS, params(DATASETS, **overrides)) == message


def test_include_offers_every_child_and_a_gate_for_each():
    spec = info_argument_spec(DATASETS)
    assert spec['include']['choices'] == ['export_tasks', 'versions', 'import_tasks']
    assert spec['require_version_status']['choices'] == VERSION_STATES.choices()
    assert 'include' not in info_argument_spec(EXPORT_TASKS)
    assert validate_info_params(DATASETS, params(DATASETS, include=['versions'], require_version_status=['4'])) is None


@given(named=st.lists(st.text(min_size=0, max_size=3000), max_size=40), head=st.text(max_size=300))
def test_a_gate_message_is_never_longer_than_its_bound_and_keeps_its_tail(named, head):
    message = gate_message(head, named, 'required: SUCCESSED')
    assert len(message) <= MAX_GATE_MESSAGE
    assert message.endswith('; required: SUCCESSED')


def test_a_gate_message_names_five_then_counts_the_rest():
    named = ['t%d is FAILED' % number for number in range(12)]
    assert gate_message('12 export tasks', named, 'required: SUCCESSED') == (
        '12 export tasks: t0 is FAILED; t1 is FAILED; t2 is FAILED; t3 is FAILED; t4 is FAILED; and 7 more; '
        'required: SUCCESSED')
    assert gate_message('1 export task', named[:1], 'required: X') == '1 export task: t0 is FAILED; required: X'
    assert gate_message('No export task', [], 'required: X') == 'No export task; required: X'


def test_a_gate_message_names_fewer_when_long_ones_do_not_fit():
    named = ['%s is FAILED (%s)' % (number, 'e' * 300) for number in range(5)]
    message = gate_message('5 export tasks', named, 'required: SUCCESSED')
    # Three of about 313 characters fit in 1000 with the head, the count and the tail; a fourth would not.
    assert message.count('is FAILED') == 3 and message.endswith('; and 2 more; required: SUCCESSED')
    alone = gate_message('x' * 2000, [], 'required: SUCCESSED')
    assert alone == 'x' * (MAX_GATE_MESSAGE - len('...; required: SUCCESSED')) + '...; required: SUCCESSED'


GATE_TAIL = 't' * 50


@pytest.mark.parametrize('lengths,shown', [
    # 'h: ' and three names joined by '; ', then '; ' and the tail: 999, 1000 and 1001 characters.
    ([300, 300, 340], 3),
    ([300, 300, 341], 3),
    ([300, 300, 342], 2),
    # Two names that do not fit together: the first is named alone.
    ([600, 600], 1),
])
def test_a_gate_message_names_every_offender_that_fits_to_the_last_character(lengths, shown):
    named = [chr(ord('a') + number) * length for number, length in enumerate(lengths)]
    more = len(named) - shown
    assert gate_message('h', named, GATE_TAIL) == 'h: %s%s; %s' % (
        '; '.join(named[:shown]), '; and %d more' % more if more else '', GATE_TAIL)


def test_a_gate_message_cuts_the_one_name_that_does_not_fit_rather_than_naming_none():
    message = gate_message('h', ['a' * 2000, 'b'], GATE_TAIL)
    assert message == 'h: %s...; %s' % ('a' * (MAX_GATE_MESSAGE - len('h: ...; ') - len(GATE_TAIL)), GATE_TAIL)


# --- against the emulator (the ``emulator`` fixture of conftest.py: reset to its seed data) ---

# From emulator/seed.py.
EMPTY_ID = 'datasetEmptyxxxxxxxx'
DETECTION_ID = 'datasetDetectionxxxx'
DATASET_250_ID = 'dataset250xxxxxxxxxx'
EU_NL_PROJECT_ID = '9f8e7d6c5b4a40312a1b0c9d8e7f6a5b'
GATE_HINT = '(allow_empty: true passes an empty selection)'


def add_faults(emulator, **faults):
    assert requests.post(emulator + '/_emulator/faults', json=faults, timeout=10).status_code == 200


def test_a_dataset_named_in_the_play_is_looked_up_by_the_apis_name_filter(emulator):
    failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_name='dataset-empty')
    assert not failed, result
    assert result['dataset_id'] == EMPTY_ID
    assert emulator_admin.list_queries(emulator, '/datasets') == ['limit=100&offset=0&search_content=dataset-empty']


def test_a_dataset_name_that_two_datasets_have_names_both_and_lists_no_export_task(emulator):
    # A day newer than the seed's dataset-empty: listed first, newest first.
    newer = emulator_admin.add_dataset(emulator, 'dataset-empty')
    failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_name='dataset-empty')
    assert failed
    assert result['msg'] == '2 datasets are named dataset-empty: %s, %s; use dataset_id' % (newer, EMPTY_ID)
    assert emulator_admin.list_queries(emulator, '/export-tasks') == []


def test_an_empty_selection_names_every_status_it_asked_for_and_every_one_it_requires(emulator):
    failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_id=EMPTY_ID,
                                       status=['INIT', 'RUNNING'], require_status=['SUCCESSED', 'FAILED'])
    assert failed
    assert result['msg'] == ('No export task of dataset %s matched status INIT or RUNNING; required: SUCCESSED or '
                             'FAILED %s' % (EMPTY_ID, GATE_HINT))


def test_a_project_wide_gate_over_a_project_without_datasets_says_so(emulator):
    failed, result, _output = run_main(modelarts_dataset_info, emulator, project_id=EU_NL_PROJECT_ID,
                                       include=['export_tasks'], require_export_status=['SUCCESSED'])
    assert failed
    assert result['msg'] == 'No dataset matched (the project has none); require_export_status: SUCCESSED %s' % GATE_HINT
    assert result['violations'] == [] and result['datasets'] == []


def test_each_included_child_comes_with_its_status_counts(emulator):
    failed, result, _output = run_main(modelarts_dataset_info, emulator, dataset_id=DETECTION_ID,
                                       include=['export_tasks', 'versions', 'import_tasks'])
    assert not failed, result
    dataset = result['datasets'][0]
    assert dataset['export_tasks_status_counts'] == {'INIT': 0, 'RUNNING': 1, 'SUCCESSED': 1, 'FAILED': 1}
    assert dataset['versions_status_counts'] == {'CREATING': 1, 'RUNNING': 1, 'DELETING': 1, 'DELETED': 1, 'ERROR': 1}
    assert dataset['import_tasks_status_counts'] == {'QUEUING': 1, 'STARTING': 1, 'RUNNING': 1, 'COMPLETED': 1,
                                                     'FAILED': 1, 'NOT_EXIST': 1}


def test_a_failed_child_listing_names_the_dataset_as_it_was_listed(emulator):
    add_faults(emulator, status_sequence=[500], only_paths_containing='export-tasks')
    failed, result, _output = run_main(modelarts_dataset_info, emulator, dataset_name='dataset-detection',
                                       include=['export_tasks'], max_retries=0)
    assert failed
    assert result['msg'].startswith('List export tasks of dataset dataset-detection (%s) (page 0) failed: HTTP 500'
                                    % DETECTION_ID), result['msg']


def test_a_child_gate_names_failures_first_and_each_rule_with_every_state_it_allows(emulator):
    dataset_id = emulator_admin.add_dataset(emulator, 'no-exports', versions=[dict(
        version_id='brokenVersion', version_name='V001', status=4, message='publish failed', create_time=1700000000000)])
    failed, result, _output = run_main(modelarts_dataset_info, emulator, dataset_id=dataset_id,
                                       include=['export_tasks', 'versions'], require_export_status=['SUCCESSED', 'RUNNING'],
                                       require_version_status=['RUNNING'])
    assert failed
    label = 'dataset no-exports (%s)' % dataset_id
    assert result['msg'] == ('2 violations in 1 dataset: dataset version brokenVersion of %s is ERROR (publish failed); '
                             '%s has no export task; require_export_status: SUCCESSED or RUNNING; '
                             'require_version_status: RUNNING' % (label, label))
    assert [(found['resource'], found['error']) for found in result['violations']] == [
        ('dataset version', 'publish failed'), ('export task', 'no export task')]
    # The result as last known keeps its shape: the dataset with its children, and the API's total.
    assert [dataset['dataset_id'] for dataset in result['datasets']] == [dataset_id] and result['total_count'] == 1


def test_a_childs_pages_are_read_one_after_another_so_a_page_that_fails_is_the_last_asked_for(emulator):
    # Page 1 of dataset-250's three pages of export tasks trickles until the 1 s timeout cuts it:
    # pages read together would have asked for page 2 meanwhile.
    add_faults(emulator, trickle_body=2, skip_first=1, trickle_seconds=5, only_paths_containing='/export-tasks')
    failed, result, _output = run_main(modelarts_dataset_info, emulator, dataset_id=DATASET_250_ID,
                                       include=['export_tasks'], timeout=1, max_retries=0)
    assert failed
    assert result['msg'].startswith('List export tasks of dataset dataset-250 (%s) (page 1) failed: timed out: no '
                                    'complete answer within timeout (1 s)' % DATASET_250_ID), result['msg']
    assert emulator_admin.list_queries(emulator, '/export-tasks') == ['limit=100&offset=0', 'limit=100&offset=1']


def test_a_failed_child_listing_stops_the_others_so_none_waits_on_to_retry(emulator):
    # dataset-example's export tasks are throttled (a retry in 5 s); dataset-empty's fail for good.
    add_faults(emulator, status_sequence=[429], retry_after=5, only_paths_containing='WxCREuCkBSAlQr9xrde/export-tasks')
    add_faults(emulator, control_chars=1, only_paths_containing=EMPTY_ID + '/export-tasks')
    connection = connect(emulator, access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID)
    try:
        query = InfoQuery(DATASETS, params(DATASETS, search_content='dataset-e', include=['export_tasks']), connection,
                          time.monotonic())
        with pytest.raises(ApiError) as failure:
            query.gather()
        assert str(failure.value).startswith('List export tasks of dataset dataset-empty (%s) (page 0) failed: HTTP 400'
                                             % EMPTY_ID)
        # The run is cancelled: the throttled listing gives up its retry at once (its thread would otherwise
        # keep a module's process alive until then), and nothing more is sent.
        with pytest.raises(InterruptedRunError):
            connection.client.get(connection.modelarts_endpoint, '/v2/%s/datasets' % PROJECT_ID, action='List datasets')
    finally:
        connection.close()


def test_each_poll_of_a_wait_has_the_whole_item_budget_again(emulator):
    # Every poll re-reads the list (two unfinished on one page): two items each time, within max_items 2
    # because a poll's answers replace the last one's, never add up with them.
    dataset_id = emulator_admin.add_dataset(emulator, 'two-running', running=[
        dict(task_id='runningOne', seconds=2, outcome='SUCCESSED'), dict(task_id='runningTwo', seconds=2, outcome='SUCCESSED')])
    failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_id=dataset_id, wait=True,
                                       wait_sleep=1, wait_timeout=60, max_items=2)
    assert not failed, result
    assert result['status_counts'] == {'INIT': 0, 'RUNNING': 0, 'SUCCESSED': 2, 'FAILED': 0}
    assert len(emulator_admin.list_queries(emulator, '/export-tasks')) >= 2


def test_a_child_gate_takes_a_state_given_as_the_number_yaml_reads(emulator):
    # require_version_status: [1, 4] in a play is a list of numbers: each is the state it numbers, as '1' and '4' are.
    failed, result, _output = run_main(modelarts_dataset_info, emulator, dataset_id=DETECTION_ID, include=['versions'],
                                       require_version_status=[1, 4])
    assert failed
    label = 'of dataset dataset-detection (%s)' % DETECTION_ID
    assert result['msg'] == ('3 violations in 1 dataset: dataset version detectionVersion003 %s is DELETED (no error '
                             'details); dataset version detectionVersion005 %s is CREATING; dataset version '
                             'detectionVersion004 %s is DELETING; require_version_status: RUNNING or ERROR'
                             % (label, label, label))


def test_a_listing_that_fails_names_the_dataset_as_the_play_named_it(emulator):
    add_faults(emulator, status_sequence=[500], only_paths_containing='export-tasks')
    failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_name='dataset-detection',
                                       max_retries=0)
    assert failed
    assert result['msg'].startswith('List export tasks of dataset dataset-detection (%s) (page 0) failed: HTTP 500'
                                    % DETECTION_ID), result['msg']


# ansible-core 2.21 puts the invocation in a result only when asked (inject_invocation); earlier ones always did.
SHOW_INVOCATION = {'_ansible_inject_invocation': True} if 'inject_invocation' in PASS_VARS else {}


def test_a_run_shows_the_documented_defaults_of_its_selection_and_gate_options(emulator):
    # What ansible -v and a registered result show as the arguments the module ran with: the defaults ansible-doc shows.
    failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_id=EMPTY_ID, **SHOW_INVOCATION)
    assert not failed, result
    arguments = result['invocation']['module_args']
    assert (arguments['latest'], arguments['allow_empty'], arguments['wait'], arguments['limit']) == (False, False, False, 100)
    failed, result, _output = run_main(modelarts_dataset_info, emulator, dataset_id=EMPTY_ID, **SHOW_INVOCATION)
    assert not failed, result
    assert (result['invocation']['module_args']['allow_empty'], result['invocation']['module_args']['include']) == (False, None)


def test_a_lookup_which_has_no_wait_options_passes_the_checks_of_the_others(emulator):
    lookup = ExportTasksLookup(loader=DataLoader(), templar=Templar(loader=DataLoader()))
    tasks = lookup.run([DETECTION_ID], {}, modelarts_endpoint=emulator, iam_endpoint=emulator + '/v3', project_id=PROJECT_ID,
                       access_key=ACCESS_KEY, secret_key=SECRET_KEY, status=['FAILED'])
    assert [task['status'] for task in tasks] == ['FAILED']


@pytest.mark.parametrize('selection', [dict(created_after=1700000000000), dict(created_before=1700000000000),
                                       dict(latest=True)])
def test_an_item_without_a_valid_create_time_is_named_when_the_selection_compares_it(emulator, selection):
    dataset_id = emulator_admin.add_dataset(emulator, 'odd-times', tasks=[dict(
        task_id='oddTimeTask', status='SUCCESSED', progress=100.0, create_time='yesterday')])
    failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_id=dataset_id, **selection)
    assert failed
    assert result['msg'] == ('The export task answer for oddTimeTask has no valid "create_time", which latest and '
                             'created_after/created_before compare')


def test_a_wait_whose_time_runs_out_during_a_poll_names_the_items_as_last_fetched(emulator):
    dataset_id = emulator_admin.add_dataset(emulator, 'slow-poll', running=[
        dict(task_id='runsTenMinutes', seconds=600, outcome='SUCCESSED')])
    # The list answers; the poll after it trickles its headers until wait_timeout cuts it short.
    add_faults(emulator, trickle_headers=5, skip_first=1, trickle_seconds=0.5, only_paths_containing='/export-tasks')
    failed, result, _output = run_main(modelarts_dataset_export_tasks_info, emulator, dataset_id=dataset_id, wait=True,
                                       wait_timeout=4, wait_sleep=1, max_retries=0)
    assert failed
    assert result['msg'].startswith('Timed out after 4s waiting for export tasks of dataset %s to finish; still '
                                    'unfinished: runsTenMinutes (RUNNING, ' % dataset_id), result['msg']
    assert [task['task_id'] for task in result['export_tasks']] == ['runsTenMinutes']
    assert result['status_counts'] == {'INIT': 0, 'RUNNING': 1, 'SUCCESSED': 0, 'FAILED': 0}
