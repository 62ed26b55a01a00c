# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The temporary keys of an ECS, from the emulator's metadata service (a real server on loopback): read
only when asked, with or without the session step, again before they expire, never through a proxy.

Every test points metadata_endpoint at the emulator: nothing is ever sent to 169.254.169.254."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket
import time

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
    ConnectionSettings,
    connection_argument_spec,
    open_connection,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError, ConfigurationError
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor

SESSION_ROUTE = 'PUT /meta-data/latest/api/token'
KEYS_ROUTE = 'GET /openstack/latest/securitykey'
OWN_PROJECT = '0a1b2c3d4e5f40718293a4b5c6d7e8f9'
PARTNER_PROJECT = '7c6b5a4f3e2d41c0b9a8f7e6d5c4b3a2'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(('OS_', 'HW_', 'HUAWEICLOUD_SDK_')) or name.lower().endswith('_proxy'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))


@pytest.fixture
def emulator(emulator_url):
    assert requests.post(emulator_url + '/_emulator/reset', json={}).status_code == 200
    return emulator_url


def configure(url, **config):
    answer = requests.post(url + '/_emulator/config', json=config)
    assert answer.status_code == 200, answer.text


def routes(url):
    return requests.get(url + '/_emulator/stats').json()['by_route']


def params(url, **options):
    values = dict((name, spec.get('default')) for name, spec in connection_argument_spec().items())
    values.update(modelarts_endpoint=url, iam_endpoint=url + '/v3', region='eu-de')
    values.update(options)
    return values


def connect(url, redactor=None, warnings=None, **options):
    warnings = [] if warnings is None else warnings
    return open_connection(params(url, **options), redactor or Redactor(), warnings.append, time.monotonic())


def dataset_names(connection):
    body = connection.client.get(connection.modelarts_endpoint, '/v2/%s/datasets' % connection.project_id,
                                 action='List datasets')
    return [dataset['dataset_name'] for dataset in body['datasets']]


@pytest.mark.parametrize('mode,session_status', [('optional', 200), ('required', 200), ('absent', 404)])
def test_the_metadata_keys_list_the_ecs_accounts_project_with_or_without_the_session_step(emulator, mode,
                                                                                          session_status):
    configure(emulator, metadata_session=mode)
    connection = connect(emulator, metadata_credentials=True, metadata_endpoint=emulator)
    assert 'dataset-example' in dataset_names(connection) and connection.project_id == OWN_PROJECT
    served = requests.get(emulator + '/_emulator/stats').json()['requests']
    assert [(entry['method'], entry['path'], entry['status']) for entry in served][:2] == [
        ('PUT', '/meta-data/latest/api/token', session_status), ('GET', '/openstack/latest/securitykey', 200)]
    assert routes(emulator)[KEYS_ROUTE] == 1


def test_short_lived_keys_are_read_again_before_they_expire_in_the_same_session(emulator):
    configure(emulator, metadata_key_ttl_seconds=2, metadata_session='required')
    connection = connect(emulator, metadata_credentials=True, metadata_endpoint=emulator)
    first = connection.auth.keys()
    dataset_names(connection)
    time.sleep(2.2)
    dataset_names(connection)
    assert connection.auth.keys().access != first.access
    served = routes(emulator)
    assert served[KEYS_ROUTE] == 2 and served[SESSION_ROUTE] == 1
    assert [entry['status'] for entry in requests.get(emulator + '/_emulator/stats').json()['requests']
            if entry['path'].startswith('/v2/')] == [200, 200]


def test_the_keys_and_the_session_token_are_secrets_from_the_moment_they_are_read(emulator):
    redactor = Redactor()
    connection = connect(emulator, redactor=redactor, metadata_credentials=True, metadata_endpoint=emulator)
    dataset_names(connection)
    keys = connection.auth.keys()
    session_token = connection.auth.source.session_token
    assert session_token
    for secret in (keys.secret, keys.security_token, session_token):
        assert secret not in redactor.scrub('leaked: %s' % secret)


def _unused_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_the_metadata_service_is_never_reached_through_a_proxy(emulator, monkeypatch):
    dead_proxy = 'http://127.0.0.1:%d' % _unused_port()
    for name in ('HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'):
        monkeypatch.setenv(name, dead_proxy)
    # The proxy variables are in force: a request that honours them does not reach the emulator.
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get(emulator + '/_emulator/health', timeout=5)
    connection = connect(emulator, metadata_credentials=True, metadata_endpoint=emulator, project_id=OWN_PROJECT)
    headers = connection.auth.authorize('GET', emulator + '/v2/%s/datasets' % OWN_PROJECT, {}, b'')
    assert headers['X-Security-Token'] and 'Access=' in headers['Authorization']
    monkeypatch.delenv('HTTP_PROXY')
    monkeypatch.delenv('http_proxy')
    monkeypatch.delenv('ALL_PROXY')
    monkeypatch.delenv('all_proxy')
    assert routes(emulator) == {SESSION_ROUTE: 1, KEYS_ROUTE: 1}


@pytest.mark.parametrize('options,environ', [
    (dict(access_key='EMULATORAK0000000001', secret_key='emulator-sk-0000000000000000000000000001'), {}),
    ({}, {'HW_ACCESS_KEY': 'EMULATORAK0000000001', 'HW_SECRET_KEY': 'emulator-sk-0000000000000000000000000001',
          'HW_METADATA_CREDENTIALS': 'false'}),
], ids=['options', 'hw-false'])
def test_the_metadata_service_is_never_probed_unless_asked(emulator, monkeypatch, options, environ):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    connection = connect(emulator, metadata_endpoint=emulator, **options)
    assert connection.settings.method == 'AK/SK'
    assert 'dataset-example' in dataset_names(connection)
    served = routes(emulator)
    assert SESSION_ROUTE not in served and KEYS_ROUTE not in served


def test_hw_metadata_variables_select_the_method_with_their_endpoint(emulator, monkeypatch):
    monkeypatch.setenv('HW_METADATA_CREDENTIALS', 'true')
    monkeypatch.setenv('HW_METADATA_ENDPOINT', emulator)
    monkeypatch.setenv('HW_REGION_NAME', 'eu-de')
    connection = connect(emulator, region=None)
    assert connection.settings.method == 'metadata'
    assert connection.settings.sources['metadata_endpoint'] == 'HW_METADATA_ENDPOINT'
    assert 'dataset-example' in dataset_names(connection)
    assert routes(emulator)[KEYS_ROUTE] == 1


@pytest.mark.parametrize('options,environ,message', [
    (dict(metadata_credentials=True, access_key='AK', secret_key='SK'), {},
     r'more than one authentication method are set \(AK/SK and metadata\)'),
    ({}, {'HW_METADATA_CREDENTIALS': 'true', 'OS_ACCESS_KEY': 'AK', 'OS_SECRET_KEY': 'SK'},
     r'more than one family \(OS_\*: OS_ACCESS_KEY, OS_SECRET_KEY; HW_\*: HW_METADATA_CREDENTIALS\)'),
    ({}, {'HW_METADATA_CREDENTIALS': 'true', 'HW_ACCESS_KEY': 'AK', 'HW_SECRET_KEY': 'SK'},
     'The environment sets credentials for more than one authentication method'),
    ({}, {'HW_METADATA_CREDENTIALS': 'maybe'}, '^HW_METADATA_CREDENTIALS must be true or false$'),
    (dict(metadata_credentials=True, metadata_endpoint='ftp://169.254.169.254'), {},
     'metadata_endpoint must be an https:// URL'),
])
def test_metadata_credentials_conflict_like_any_method(options, environ, message):
    with pytest.raises(ConfigurationError, match=message):
        ConnectionSettings(params('https://modelarts.example', **options), environ=environ)


def test_an_ecs_without_an_agency_fails_before_any_modelarts_request_saying_so(emulator):
    configure(emulator, metadata_account='none')
    connection = connect(emulator, metadata_credentials=True, metadata_endpoint=emulator, project_id=OWN_PROJECT)
    with pytest.raises(ApiError) as failure:
        dataset_names(connection)
    message = str(failure.value)
    assert message.startswith('Reading temporary keys from the ECS metadata service (127.0.0.1:')
    assert 'HTTP 401, error code METADATA.0402' in message and 'this ECS has no agency' in message
    assert not any(' /v2/' in route for route in routes(emulator))


def test_an_agency_on_top_of_the_metadata_keys(emulator):
    connection = connect(emulator, metadata_credentials=True, metadata_endpoint=emulator,
                         agency_name='audit-agency', agency_domain_name='partner-domain')
    assert dataset_names(connection) == ['partner-dataset'] and connection.project_id == PARTNER_PROJECT
    served = routes(emulator)
    assert served[KEYS_ROUTE] == 1 and served['POST /v3.0/OS-CREDENTIAL/securitytokens'] == 1


def test_metadata_credentials_in_a_clouds_yaml_profile(tmp_path):
    config = tmp_path / 'clouds.yaml'
    config.write_text('clouds:\n'
                      '  ecs:\n'
                      '    auth: {metadata_credentials: true, metadata_endpoint: "http://127.0.0.1:9"}\n'
                      '    region_name: eu-de\n'
                      '  laptop:\n'
                      '    auth: {metadata_credentials: "false", ak: AK, sk: SK}\n')
    environ = {'OS_CLIENT_CONFIG_FILE': str(config)}
    settings = ConnectionSettings(params('https://modelarts.example', cloud='ecs'), environ=environ)
    assert settings.method == 'metadata' and settings.values['metadata_credentials'] is True
    assert settings.values['metadata_endpoint'] == 'http://127.0.0.1:9'
    assert ConnectionSettings(params('https://modelarts.example', cloud='laptop'), environ=environ).method == 'AK/SK'
