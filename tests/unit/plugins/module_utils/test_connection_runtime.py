# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an opened connection does at run time, against the emulator as a real server: the project it works in
and how it finds it, what its client is given (timeout, retries, TLS trust, kept connections, result budget),
the time bound of a run without wait, and the proxy a cleartext warning names."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import logging
import re
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import DATASET_VERSIONS
from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
    Connection,
    ConnectionSettings,
    _proxy_for,
    open_connection,
    run_time_bound,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    ResultTooLargeError,
    TimeBoundError,
    TransportError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor
from ansible_collections.mlops.cloud.plugins.module_utils.resources import ResourceApi
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.emulator_connection import (
    configure,
    connect,
    dataset_names,
    params,
    routes,
)

# From emulator/seed.py: the user's two projects, a partner account's, its password and permanent keys, the datasets of eu-de.
OWN_PROJECT = '0a1b2c3d4e5f40718293a4b5c6d7e8f9'
EU_NL_PROJECT = '9f8e7d6c5b4a40312a1b0c9d8e7f6a5b'
PARTNER_PROJECT = '7c6b5a4f3e2d41c0b9a8f7e6d5c4b3a2'  # eu-de of the account that made the agency
PASSWORD = dict(username='emulator-user', password='emulator-password', domain_name='emulator-domain')
KEYS = dict(access_key='EMULATORAK0000000001', secret_key='emulator-sk-0000000000000000000000000001')
BY_NAME = dict(agency_name='audit-agency', agency_domain_name='partner-domain')  # the partner account's agency
SIGNED = dict(KEYS, project_id=OWN_PROJECT)  # requests signed for a known project: nothing asked of IAM
SEED_DATASETS = ['dataset-detection', 'dataset-running', 'dataset-empty', 'dataset-250', 'dataset-example']
DATASETS_ROUTE = 'GET /v2/{project_id}/datasets'
TOKENS_ROUTE = 'POST /v3/auth/tokens'
PROJECTS_ROUTE = 'GET /v3/projects'
UNUSED_REGION = (' (OS_REGION_NAME is set, but the credentials come from the module options, which is never '
                 'completed from another family)')

pytestmark = pytest.mark.usefixtures('no_machine_credentials')


def faults(url, **plan):
    """Add to the emulator's fault plan (``POST /_emulator/faults``)."""
    answer = requests.post(url + '/_emulator/faults', json=plan, timeout=10)
    assert answer.status_code == 200, answer.text


# --- the project --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('base,route', [(PASSWORD, TOKENS_ROUTE), (KEYS, PROJECTS_ROUTE)], ids=['password', 'aksk'])
@pytest.mark.parametrize('options,project', [(dict(project_id=EU_NL_PROJECT, region=None), EU_NL_PROJECT),
                                             (dict(project_name='eu-nl'), EU_NL_PROJECT), ({}, OWN_PROJECT)],
                         ids=['project_id', 'project_name', 'region'])
def test_the_project_is_the_one_project_name_names_else_the_one_named_after_the_region(
        emulator, base, route, options, project):
    # A project_id is used as it is. A password token is scoped to the project by name (its id comes with the
    # token); keys look its id up by name, once.
    connection = connect(emulator, **dict(base, **options))
    assert connection.project_id == project
    assert connection.project_id == project
    assert routes(emulator) == ({} if 'project_id' in options else {route: 1})


@pytest.mark.parametrize('base', [PASSWORD, KEYS], ids=['password', 'aksk'])
def test_without_project_or_region_nothing_is_sent_and_the_message_names_the_region_variable_not_used(
        emulator, monkeypatch, base):
    monkeypatch.setenv('OS_REGION_NAME', 'eu-de')
    with pytest.raises(ConfigurationError) as error:
        connect(emulator, region=None, **base).project_id  # pylint: disable=expression-not-assigned
    assert str(error.value) == 'Set project_id, project_name or region: the project is needed to scope the request' + \
        UNUSED_REGION
    assert routes(emulator) == {}


# --- password tokens ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('options,projects', [
    ({}, [OWN_PROJECT]),
    (BY_NAME, [OWN_PROJECT, PARTNER_PROJECT]),
    (dict(BY_NAME, region='eu-nl', project_name='eu-de'), [EU_NL_PROJECT, PARTNER_PROJECT]),
    (dict(BY_NAME, region='eu-nl', project_id=PARTNER_PROJECT), [EU_NL_PROJECT, PARTNER_PROJECT]),
], ids=['own-project', 'agency', 'agency-for-a-project-named', 'agency-for-a-project-given-by-id'])
@pytest.mark.parametrize('token_cache', [True, False])
def test_password_tokens_are_secrets_at_once_and_serve_the_next_run_only_with_token_cache(
        emulator, tmp_path, options, projects, token_cache):
    # With an agency: the user's own token, scoped to the user's project named after the region (project_name
    # names the delegating account's project), then the agency token obtained with it.
    redactor = Redactor()
    options = dict(PASSWORD, token_cache=token_cache, **options)
    dataset_names(connect(emulator, redactor=redactor, **options))
    cached = []
    for path in (tmp_path / 'cache' / 'mlops.cloud' / 'tokens').glob('*.json'):
        with open(str(path)) as entry:
            cached.append(json.load(entry))
    assert sorted(token['project_id'] for token in cached) == (sorted(projects) if token_cache else [])
    for token in [entry['token'] for entry in cached]:
        assert token in redactor.forms() and token not in redactor.scrub('the token is %s' % token)
    dataset_names(connect(emulator, **options))
    assert routes(emulator)[TOKENS_ROUTE] == len(projects) * (1 if token_cache else 2)


def test_the_ecs_keys_an_agency_is_assumed_with_are_secrets_at_once(emulator):
    redactor = Redactor()
    dataset_names(connect(emulator, redactor=redactor, metadata_credentials=True, metadata_endpoint=emulator, **BY_NAME))
    # The metadata service hands out the same keys until they expire.
    keys = requests.get(emulator + '/openstack/latest/securitykey', timeout=10).json()['credential']
    for secret in (keys['secret'], keys['securitytoken']):
        assert secret not in redactor.scrub('leaked: %s' % secret)


def test_a_token_cache_directory_others_may_write_is_warned_about_and_not_used(emulator, tmp_path):
    directory = tmp_path / 'cache' / 'mlops.cloud' / 'tokens'
    directory.mkdir(parents=True)
    directory.chmod(0o777)
    warnings = []
    dataset_names(connect(emulator, warnings=warnings, **PASSWORD))
    assert warnings == ['Token cache directory %s is writable by other users; not using it. Fix with: chmod 700 %s'
                        % (directory, directory)]
    assert not list(directory.iterdir())


# --- the client: time bound, timeout, retries, TLS, kept connections, budget --------------------------------------

@pytest.mark.parametrize('timeout,max_retries', [(1, 0), (5, 2)])
def test_a_run_without_wait_may_take_every_attempt_and_every_backoff_and_no_more(emulator, timeout, max_retries):
    bound = (max_retries + 1) * (timeout + 20)
    assert run_time_bound(timeout, max_retries) == bound
    options = dict(SIGNED, timeout=timeout, max_retries=max_retries)
    # A run that began bound - 30 s ago has 30 s left; one that began bound + 1 s ago has none.
    assert dataset_names(connect(emulator, started=time.monotonic() - bound + 30, **options)) == SEED_DATASETS
    spent = connect(emulator, started=time.monotonic() - bound - 1, **options)
    with pytest.raises(TimeBoundError) as error:
        dataset_names(spent)
    assert str(error.value) == ('List datasets not sent: the time bound of a run without wait, %d s ((max_retries + 1) '
                                'x (timeout + 20 s)) ran out' % bound)
    assert routes(emulator) == {DATASETS_ROUTE: 1}


def test_a_connection_made_directly_bounds_its_run_from_when_it_is_made_and_keeps_the_default_budget(emulator):
    values = params(emulator, timeout=1, max_retries=0, **SIGNED)
    del values['max_result_mb'], values['max_items']  # options of a caller's own spec, made before these existed
    made = time.monotonic()
    connection = Connection(ConnectionSettings(values, environ={}))
    try:
        assert made + 21 <= connection.client.deadline <= time.monotonic() + 21
        assert dataset_names(connection) == SEED_DATASETS
        assert (connection.client.budget.max_result_mb, connection.client.budget.max_items) == (64, 100000)
    finally:
        connection.close()


def test_no_retry_is_waited_for_that_would_end_after_the_runs_bound(emulator):
    faults(emulator, status_sequence=[429], retry_after=5)
    connection = connect(emulator, started=time.monotonic() - run_time_bound(1, 2) + 2, timeout=1, max_retries=2,
                         **SIGNED)
    began = time.monotonic()
    with pytest.raises(ApiError, match='429'):
        dataset_names(connection)
    assert time.monotonic() - began < 1.5
    assert routes(emulator) == {DATASETS_ROUTE: 1}


def test_an_answer_slower_than_timeout_is_given_up_on_after_timeout(emulator):
    configure(emulator, latency_ms=3000)
    connection = connect(emulator, timeout=1, max_retries=0, **SIGNED)
    began = time.monotonic()
    with pytest.raises(TransportError, match=r'no complete answer within timeout \(1 s\)'):
        dataset_names(connection)
    assert time.monotonic() - began < 2.5
    while routes(emulator) != {DATASETS_ROUTE: 1}:  # sent once; served (and counted) once the latency is over
        assert time.monotonic() - began < 10
        time.sleep(0.2)


@pytest.mark.parametrize('max_retries', [0, 1, 2])
def test_a_server_error_is_sent_again_max_retries_times(emulator, max_retries):
    faults(emulator, status_sequence=[503, 503])
    connection = connect(emulator, max_retries=max_retries, **SIGNED)
    if max_retries < 2:
        with pytest.raises(ApiError, match='503'):
            dataset_names(connection)
    else:
        assert dataset_names(connection) == SEED_DATASETS
    assert routes(emulator) == {DATASETS_ROUTE: max_retries + 1}


@pytest.mark.filterwarnings('ignore:Unverified HTTPS request')
@pytest.mark.parametrize('tls_options,trusted', [
    (dict(ca_cert='CA'), True),
    (dict(validate_certs=False), True),
    (dict(validate_certs=True), False),
    ({}, False),
], ids=['ca_cert', 'no-validation', 'validate_certs', 'default'])
def test_modelarts_over_https_is_trusted_as_the_tls_options_say_and_no_validation_is_warned_about(
        tls_emulator, tls_options, trusted):
    url, ca_file = tls_emulator
    options = dict((name, ca_file if value == 'CA' else value) for name, value in tls_options.items())
    warnings = []
    connection = connect(url, warnings=warnings, max_retries=0, **dict(SIGNED, **options))
    try:
        if trusted:
            assert dataset_names(connection) == SEED_DATASETS
        else:
            with pytest.raises(TransportError, match='TLS error'):
                dataset_names(connection)
    finally:
        connection.close()
    assert warnings == (['validate_certs is false: the TLS certificate of the endpoints is not verified.']
                        if options.get('validate_certs') is False else [])


@pytest.mark.parametrize('option,value,kept', [
    ('max_items', 1999, False), ('max_items', 2000, True), ('max_result_mb', 1, False), ('max_result_mb', 2, True)])
def test_what_a_listing_keeps_is_bounded_by_max_items_and_max_result_mb(emulator, option, value, kept):
    # 2000 versions come in two pages of 1000, about 650 KiB each.
    answer = requests.post(emulator + '/_emulator/datasets', json={'dataset_name': 'big', 'version_count': 2000}, timeout=10)
    assert answer.status_code == 200, answer.text
    api = ResourceApi(DATASET_VERSIONS, connect(emulator, **dict(SIGNED, **{option: value})), answer.json()['dataset_id'])
    if kept:
        assert len(api.list_all(1000)[0]) == 2000
    else:
        with pytest.raises(ResultTooLargeError, match=r'would keep more than %s \(%d( MiB\)|\) items)' % (option, value)):
            api.list_all(1000)


def test_as_many_connections_are_kept_as_requests_may_be_in_flight(emulator, caplog):
    configure(emulator, latency_ms=1000)  # the requests of a round are all in flight at once
    connection = connect(emulator, max_concurrent_requests=12, **SIGNED)
    caplog.set_level(logging.DEBUG, logger='urllib3.connectionpool')

    def new_connections_of_a_round():
        before = len(caplog.records)
        threads = [threading.Thread(target=dataset_names, args=(connection,)) for index in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return len([record for record in caplog.records[before:] if 'Starting new HTTP connection' in record.getMessage()])

    opened = [new_connections_of_a_round(), new_connections_of_a_round()]
    connection.close()
    assert opened == [12, 0]
    assert not [record for record in caplog.records if 'Connection pool is full' in record.getMessage()]
    assert routes(emulator) == {DATASETS_ROUTE: 24}


# --- the proxy of a cleartext warning -----------------------------------------------------------------------------

PROXY_CASES = {
    'last-of-a-spelling': [('Http_Proxy', 'http://mixed.example:3128'), ('HTTP_PROXY', 'http://upper.example:3128')],
    'lower-case-wins': [('HTTP_PROXY', 'http://upper.example:3128'), ('http_proxy', 'http://lower.example:3128')],
    'lower-case-wins-when-first': [('http_proxy', 'http://lower.example:3128'), ('HTTP_PROXY', 'http://upper.example:3128')],
    'not-a-proxy-variable': [('HTTPS_PORT', '8443'), ('ALLOW_ALL', 'yes')],
    'an-empty-lower-case-one-unsets': [('HTTP_PROXY', 'http://upper.example:3128'), ('http_proxy', '')],
    'an-empty-one-alone': [('ALL_PROXY', 'http://all.example:3128'), ('http_proxy', '')],
    'a-lower-case-suffix-wins-in-order': [('http_proxy', 'http://lower.example:3128'), ('HTTP_proxy', 'http://odd.example:3128')],
    'cgi-http-proxy-ignored': [('ALL_PROXY', 'http://all.example:3128'), ('REQUEST_METHOD', 'GET'),
                               ('HTTP_PROXY', 'http://cgi.example:3128')],
    'cgi-without-http-proxy': [('REQUEST_METHOD', 'GET'), ('ALL_PROXY', 'http://all.example:3128')],
    'no-proxy-network': [('HTTP_PROXY', 'http://upper.example:3128'), ('NO_PROXY', '127.0.0.0/8')],
    'no-proxy-network-with-host-bits': [('HTTP_PROXY', 'http://upper.example:3128'), ('no_proxy', '127.0.0.1/8')],
    'no-proxy-one-bit-mask': [('HTTP_PROXY', 'http://upper.example:3128'), ('no_proxy', '0.0.0.0/1')],
    'no-proxy-address': [('HTTP_PROXY', 'http://upper.example:3128'), ('no_proxy', '10.0.0.0/8,127.0.0.1')],
    'no-proxy-mask-out-of-range': [('HTTP_PROXY', 'http://upper.example:3128'), ('NO_PROXY', '127.0.0.0/0')],
    'no-proxy-names-only': [('HTTP_PROXY', 'http://upper.example:3128'), ('NO_PROXY', 'localhost,.example')],
}
NAME_PROXY_CASES = {
    'the-name-after-a-space': ('http://localhost:8080', [('HTTP_PROXY', 'http://upper.example:3128'),
                                                         ('no_proxy', 'other.example, .localhost:8080')]),
    'a-suffix-is-not-a-domain': ('http://localhost:8080', [('HTTP_PROXY', 'http://upper.example:3128'), ('no_proxy', 'calhost')]),
    'a-network-is-no-name': ('http://localhost:8080', [('HTTP_PROXY', 'http://upper.example:3128'), ('NO_PROXY', '127.0.0.0/8')]),
    'a-name-with-its-port': ('http://localhost:8080', [('HTTP_PROXY', 'http://upper.example:3128'), ('NO_PROXY', 'localhost:8080')]),
    'a-name-without-a-port': ('http://localhost', [('HTTP_PROXY', 'http://upper.example:3128'), ('NO_PROXY', 'localhost:None')]),
    'everything-bypassed': ('http://localhost:8080', [('HTTP_PROXY', 'http://upper.example:3128'), ('NO_PROXY', '*')]),
}


@pytest.mark.parametrize('url,environ', [('http://127.0.0.1:9', environ) for environ in PROXY_CASES.values()]
                         + list(NAME_PROXY_CASES.values()), ids=list(PROXY_CASES) + list(NAME_PROXY_CASES))
def test_the_proxy_a_cleartext_warning_names_is_the_one_requests_sends_through(monkeypatch, url, environ):
    for name, value in environ:
        monkeypatch.setenv(name, value)
    used = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
    monkeypatch.undo()  # the settings read the environment they are given, not the process's
    # With project_id the token goes to ModelArts only: one endpoint, one warning.
    settings = ConnectionSettings(params(url, auth_token='t', project_id=OWN_PROJECT), environ=dict(environ))
    assert [re.search(r'through the proxy (\S+) \((\w+)\)', warning).group(1) for warning in settings.cleartext_endpoints()] == (
        [urlsplit(used).hostname] if used else [])


@pytest.mark.parametrize('url,no_proxy', [
    ('http://modelarts.eu-de.example:8080', 'eu-de.example'),
    ('http://modelarts.eu-de.example:8080', 'de.example'),
    ('http://modelarts.eu-de.example:8080', '.eu-de.example:8080'),
    ('http://modelarts.eu-de.example:8080', 'eu-de.example:9090'),
    ('http://modelarts.eu-de.example', 'eu-de.example:None'),
    ('http://modelarts.eu-de.example:8080', 'X.eu-de.example'),
])
def test_a_domain_in_no_proxy_bypasses_the_proxy_as_requests_does(monkeypatch, url, no_proxy):
    """The names a cleartext warning is not given for: the endpoints under a domain of no_proxy."""
    environ = [('HTTP_PROXY', 'http://upper.example:3128'), ('no_proxy', no_proxy)]
    for name, value in environ:
        monkeypatch.setenv(name, value)
    used = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
    monkeypatch.undo()
    parts = urlsplit(url)
    assert _proxy_for(parts.hostname, dict(environ), parts.port)[0] == (urlsplit(used).hostname if used else None)


# --- what opening a connection registers and tells --------------------------------------------------------------------

def test_a_secret_given_as_an_option_is_among_the_settings_secrets():
    """The lookup has no no_log: the settings themselves must hand its option secrets to the scrubber."""
    settings = ConnectionSettings(params('https://modelarts.example', access_key='AK', secret_key='option-secret'), environ={})
    assert settings.secrets() == ['option-secret']


def test_opening_a_connection_masks_the_environment_secrets_and_warns_about_cleartext(no_machine_credentials, monkeypatch):
    monkeypatch.setenv('OS_ACCESS_KEY', 'AK')
    monkeypatch.setenv('OS_SECRET_KEY', 'environment-secret')
    redactor, warnings = Redactor(), []
    options = params('http://modelarts.example', iam_endpoint='https://iam.example/v3', project_id=OWN_PROJECT)
    connection = open_connection(options, redactor, warnings.append, time.monotonic())
    connection.close()
    assert 'environment-secret' not in redactor.scrub('the key is environment-secret')
    assert warnings == ['modelarts_endpoint uses http://: credentials and tokens cross the network unencrypted; use https://']
