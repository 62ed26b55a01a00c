# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookups as ansible-core calls them (``run(terms, variables, **kwargs)``), against the emulator
as a real process: their options, the ``mlops_cloud_*`` variables, and errors without secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.mlops.cloud.plugins.lookup.modelarts_dataset_export_tasks import (
    LookupModule as ExportTasksLookup,
)
from ansible_collections.mlops.cloud.plugins.lookup.modelarts_datasets import LookupModule as DatasetsLookup

PROJECT_ID = '0a1b2c3d4e5f40718293a4b5c6d7e8f9'
ACCESS_KEY = 'EMULATORAK0000000001'
SECRET_KEY = 'emulator-sk-0000000000000000000000000001'
EXAMPLE_DATASET = 'WxCREuCkBSAlQr9xrde'
EXAMPLE_TASKS = ['rF9NNoB56k5rtYKg2Y7', 'TZMuy7OKbClkGCAc3gb']


@pytest.fixture
def emulator(emulator_url):
    requests.post(emulator_url + '/_emulator/reset', json={}, timeout=10).raise_for_status()
    return emulator_url


def connection(url, **extra):
    return dict(dict(modelarts_endpoint=url, iam_endpoint=url + '/v3', project_id=PROJECT_ID,
                     access_key=ACCESS_KEY, secret_key=SECRET_KEY), **extra)


def lookup(plugin=ExportTasksLookup):
    return plugin(loader=DataLoader(), templar=Templar(loader=DataLoader()))


def test_the_term_is_the_dataset_and_the_tasks_come_back_in_the_apis_order(emulator):
    tasks = lookup().run([EXAMPLE_DATASET], {}, **connection(emulator))
    assert [task['task_id'] for task in tasks] == EXAMPLE_TASKS


def test_the_dataset_as_keyword_and_as_term_at_once_is_refused(emulator):
    with pytest.raises(AnsibleLookupError, match='^Give the dataset_id as the term or as dataset_id=, not both$'):
        lookup().run([EXAMPLE_DATASET], {}, dataset_id=EXAMPLE_DATASET, **connection(emulator))


def test_more_than_one_term_is_refused(emulator):
    with pytest.raises(AnsibleLookupError, match=r'^Give at most one term \(the dataset_id\); got 2$'):
        lookup().run([EXAMPLE_DATASET, 'other'], {}, **connection(emulator))


def test_an_unknown_keyword_names_the_lookup_and_the_keyword(emulator):
    with pytest.raises(AnsibleLookupError) as raised:
        lookup().run([EXAMPLE_DATASET], {}, stauts=['FAILED'], **connection(emulator))
    assert str(raised.value).startswith('Unsupported parameters for lookup modelarts_dataset_export_tasks: stauts.')


def test_waiting_is_the_modules_job(emulator):
    with pytest.raises(AnsibleLookupError, match='wait'):
        lookup().run([EXAMPLE_DATASET], {}, wait=True, **connection(emulator))


def test_connection_options_come_from_mlops_cloud_variables_and_a_keyword_wins(emulator):
    variables = dict(('mlops_cloud_%s' % key, value) for key, value in connection(emulator).items())
    assert [task['task_id'] for task in lookup().run([EXAMPLE_DATASET], variables)] == EXAMPLE_TASKS
    variables['mlops_cloud_secret_key'] = 'wrong-secret-xyz123'
    with pytest.raises(AnsibleLookupError) as raised:
        lookup().run([EXAMPLE_DATASET], variables)
    assert 'HTTP 401' in str(raised.value) and 'wrong-secret-xyz123' not in str(raised.value)
    assert len(lookup().run([EXAMPLE_DATASET], variables, secret_key=SECRET_KEY)) == 2


def test_a_variable_set_to_omit_is_not_set(emulator):
    variables = dict(('mlops_cloud_%s' % key, value) for key, value in connection(emulator).items())
    variables.update(omit='__omit_place_holder__1234', mlops_cloud_region='__omit_place_holder__1234')
    assert len(lookup().run([EXAMPLE_DATASET], variables)) == 2


def test_a_failed_gate_is_one_line_and_a_secret_in_a_message_is_masked(emulator):
    with pytest.raises(AnsibleLookupError) as raised:
        lookup().run([EXAMPLE_DATASET], {}, require_status=['FAILED'], **connection(emulator))
    assert '\n' not in str(raised.value) and 'required: FAILED' in str(raised.value)
    with pytest.raises(AnsibleLookupError) as raised:  # the secret key pasted where the dataset's name goes
        lookup().run([], {}, dataset_name=SECRET_KEY, **connection(emulator))
    assert SECRET_KEY not in str(raised.value) and 'No dataset named ******** in project' in str(raised.value)


def test_the_datasets_lookup_lists_the_project(emulator):
    datasets = lookup(DatasetsLookup).run([], {}, **connection(emulator))
    assert len(datasets) == 5 and EXAMPLE_DATASET in [dataset['dataset_id'] for dataset in datasets]


def test_a_bad_option_value_is_refused_before_any_request(emulator):
    with pytest.raises(AnsibleLookupError, match='^timeout must be between 1 and 3600 seconds, got 0$'):
        lookup().run([EXAMPLE_DATASET], {}, timeout=0, **connection(emulator))
    assert requests.get(emulator + '/_emulator/stats', timeout=10).json()['total'] == 0
