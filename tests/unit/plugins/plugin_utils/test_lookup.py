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

from ansible_collections.mlops.cloud.plugins.plugin_utils import lookup as lookup_base

from ansible_collections.mlops.cloud.plugins.lookup.modelarts_dataset_export_tasks import (
    LookupModule as ExportTasksLookup,
)
from ansible_collections.mlops.cloud.plugins.lookup.modelarts_datasets import LookupModule as DatasetsLookup

try:
    from ansible.template import trust_as_template
except ImportError:  # before ansible-core 2.19 every string is a template, and omit a token
    trust_as_template = None

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


def variables_for(url, **extra):
    return dict([('mlops_cloud_%s' % key, value) for key, value in connection(url).items()]
                + [('mlops_cloud_%s' % key, value) for key, value in extra.items()])


def test_a_variable_equal_to_the_omit_token_is_not_set(emulator):
    variables = variables_for(emulator, region='custom omit token')  # no region: an error unless omitted
    variables['omit'] = 'custom omit token'
    assert len(lookup().run([EXAMPLE_DATASET], variables)) == 2
    # Without an omit variable, a placeholder is still recognised.
    assert len(lookup().run([EXAMPLE_DATASET], variables_for(emulator, region='__omit_place_holder__99'))) == 2


def test_a_variable_templated_to_omit_leaves_the_option_unset_and_the_others_read(emulator):
    if trust_as_template is None:  # before ansible-core 2.19: omit is a token string, a variable of the play
        variables = variables_for(emulator, region='{{ nothing_defined | default(omit) }}')
        variables['omit'] = '__omit_place_holder__77'
        # As in a play, the lookup's templar knows the play's variables, omit among them.
        plugin = ExportTasksLookup(loader=DataLoader(), templar=Templar(loader=DataLoader(), variables=variables))
    else:
        variables = variables_for(emulator, region=trust_as_template('{{ nothing_defined | default(omit) }}'))
        plugin = lookup()
    # The endpoints come after region in the spec: they are read from their variables all the same.
    assert len(plugin.run([EXAMPLE_DATASET], variables)) == 2


def test_a_secret_pasted_into_another_option_is_masked_in_the_error(emulator):
    secret = 'Pasted/Secret_0123456789'
    pasted = connection(emulator)
    pasted.update(secret_key=secret, region=secret)
    with pytest.raises(AnsibleLookupError) as raised:
        lookup().run([EXAMPLE_DATASET], {}, **pasted)
    assert str(raised.value) == "region must be a host name part such as eu-de, got '********'"
    with pytest.raises(AnsibleLookupError) as raised:
        lookup().run([EXAMPLE_DATASET], variables_for(emulator, secret_key=secret, region=secret))
    assert str(raised.value) == "region must be a host name part such as eu-de, got '********'"


def test_a_variable_that_is_no_secret_is_shown_in_the_error(emulator):
    with pytest.raises(AnsibleLookupError) as raised:
        lookup().run([EXAMPLE_DATASET], variables_for(emulator, region='eu de'))
    assert str(raised.value) == "region must be a host name part such as eu-de, got 'eu de'"


def test_exclusive_options_and_the_modules_checks_apply_to_lookups(emulator):
    with pytest.raises(AnsibleLookupError, match='^parameters are mutually exclusive: dataset_id|dataset_name'):
        lookup().run([EXAMPLE_DATASET], {}, dataset_name='some-dataset', **connection(emulator))
    with pytest.raises(AnsibleLookupError, match='^limit must be between 1 and'):
        lookup().run([EXAMPLE_DATASET], {}, limit=0, **connection(emulator))


def test_a_warning_of_the_connection_is_shown_with_secrets_masked(emulator, monkeypatch):
    shown = []
    monkeypatch.setattr(lookup_base.display, 'warning', shown.append)
    monkeypatch.setenv('HW_REGION_NAME', SECRET_KEY)  # a leftover of another family: not used, and masked
    lookup().run([EXAMPLE_DATASET], {}, **connection(emulator))
    assert shown == ['HW_REGION_NAME is set but not used: the credentials come from the module options, and a family '
                     'is never completed from another; set region as an option if you mean it']


def test_without_requests_the_lookup_says_what_to_install(emulator, monkeypatch):
    monkeypatch.setattr(lookup_base, 'HAS_REQUESTS', False)
    with pytest.raises(AnsibleLookupError, match=r'^This lookup needs the Python library requests on the controller '
                                                 r'\(the Python that runs ansible-playbook\)$'):
        lookup().run([EXAMPLE_DATASET], {}, **connection(emulator))


def test_the_name_ansible_loaded_the_lookup_under_is_the_one_in_messages(emulator):
    plugin = lookup()
    plugin.ansible_name = 'mlops.cloud.modelarts_dataset_export_tasks'
    with pytest.raises(AnsibleLookupError) as raised:
        plugin.run([EXAMPLE_DATASET], {}, stauts=['FAILED'], **connection(emulator))
    assert str(raised.value).startswith('Unsupported parameters for lookup mlops.cloud.modelarts_dataset_export_tasks: ')


def test_a_lookup_without_a_parent_takes_its_own_id_as_the_term(emulator):
    datasets = lookup(DatasetsLookup).run([EXAMPLE_DATASET], {}, **connection(emulator))
    assert [dataset['dataset_id'] for dataset in datasets] == [EXAMPLE_DATASET]


def test_whatever_the_connection_warns_is_shown_scrubbed(emulator, monkeypatch):
    """The lookup's own layer: no warning of the connection holds a secret today, and if one ever did it is masked."""
    shown = []
    monkeypatch.setattr(lookup_base.display, 'warning', shown.append)
    real_open = lookup_base.open_connection

    def open_and_warn(params, redactor, warn, started):
        warn('the proxy said: %s' % params['secret_key'])
        return real_open(params, redactor, warn, started)

    monkeypatch.setattr(lookup_base, 'open_connection', open_and_warn)
    lookup().run([EXAMPLE_DATASET], {}, **connection(emulator))
    assert shown == ['the proxy said: ********']


def test_the_lookup_assumes_an_agency_like_the_modules(emulator):
    """The datasets of the audited account (partner-domain trusts the emulator's user through audit-agency)."""
    options = connection(emulator)
    options.pop('project_id')  # the audited account's project, found by the region's name with the temporary keys
    options.update(region='eu-de', agency_name='audit-agency', agency_domain_name='partner-domain')
    datasets = lookup(DatasetsLookup).run([], {}, **options)
    assert [dataset['dataset_name'] for dataset in datasets] == ['partner-dataset']
    variables = variables_for(emulator, region='eu-de', agency_name='audit-agency', agency_domain_name='partner-domain')
    variables.pop('mlops_cloud_project_id')
    assert [dataset['dataset_name'] for dataset in lookup(DatasetsLookup).run([], variables)] == ['partner-dataset']
