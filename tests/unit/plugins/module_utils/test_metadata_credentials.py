# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The temporary keys of an ECS, from the emulator's metadata service (a real server on loopback): read
only when asked, with or without the session step, again before they expire, never through a proxy.

Every test points metadata_endpoint at the emulator: nothing is ever sent to the link-local default."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import socket
import threading
import time

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.module_utils.auth import AuthContext, MetadataAuth
from ansible_collections.mlops.cloud.plugins.module_utils.client import USER_AGENT, ApiClient
from ansible_collections.mlops.cloud.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    InterruptedRunError,
    ResponseFormatError,
    TimeBoundError,
    TransportError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.metadata import (
    KEYS_PATH,
    SESSION_PATH,
    SESSION_TOKEN_HEADER,
    SESSION_TTL_HEADER,
    MetadataKeySource,
)
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.emulator_connection import (
    configure,
    connect,
    dataset_names,
    params,
    routes,
)
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import QuietHandler, peak_memory_of, serving

SESSION_ROUTE = 'PUT /meta-data/latest/api/token'
KEYS_ROUTE = 'GET /openstack/latest/securitykey'
OWN_PROJECT = '0a1b2c3d4e5f40718293a4b5c6d7e8f9'
PARTNER_PROJECT = '7c6b5a4f3e2d41c0b9a8f7e6d5c4b3a2'


pytestmark = pytest.mark.usefixtures('no_machine_credentials')


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
    (dict(metadata_credentials=True, metadata_endpoint='ftp://127.0.0.1:9'), {},
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


# The metadata requests themselves, seen by a scripted service on loopback (what the emulator cannot
# answer: redirects, oversized or malformed answers, a stale session) or by the emulator.

class ScriptedMetadata(QuietHandler):
    """Answers each (method, path) with the next of its scripted answers (the last one repeats); records the requests."""

    script = {}
    seen = []

    def _serve(self):
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        self.seen.append((self.command, self.path, dict(self.headers.items())))
        answers = self.script.get((self.command, self.path)) or [(500, {}, b'{}')]
        status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
        try:
            self.send_answer(status, body, headers)
        except OSError:
            pass  # the client hung up without reading the body

    do_GET = do_PUT = _serve


KEYS_BODY = json.dumps({'credential': {'access': 'SCRIPTEDAK0000000001', 'secret': 'scripted-secret-key-0001',
                                       'securitytoken': 'scripted-security-token-0001',
                                       'expires_at': '2099-01-01T00:00:00.000000Z'}}).encode()


@pytest.fixture
def scripted():
    ScriptedMetadata.script = {}
    ScriptedMetadata.seen = []
    with serving(ScriptedMetadata) as url:
        yield url


def script(**answers):
    """session=[(status, headers, body), ...], keys=[...]: the answers of the PUT and of the GET."""
    ScriptedMetadata.script = {('PUT', SESSION_PATH): list(answers.get('session', [(200, {}, b'session-one')])),
                               ('GET', KEYS_PATH): list(answers.get('keys', [(200, {}, KEYS_BODY)]))}


def source_for(url, secrets=None, **client_options):
    client = ApiClient(**dict(dict(timeout=10), **client_options))
    return MetadataKeySource(url, client, on_secret=(secrets if secrets is not None else []).append)


def requests_seen():
    return [(method, path) for method, path, headers in ScriptedMetadata.seen]


def test_the_session_step_asks_for_six_hours_and_the_keys_are_read_with_its_token(scripted):
    script()
    secrets = []
    keys = source_for(scripted + '/', secrets)()
    assert (keys.access, keys.secret, keys.security_token) == (
        'SCRIPTEDAK0000000001', 'scripted-secret-key-0001', 'scripted-security-token-0001')
    assert requests_seen() == [('PUT', SESSION_PATH), ('GET', KEYS_PATH)]
    put_headers, get_headers = [headers for _method, _path, headers in ScriptedMetadata.seen]
    assert put_headers[SESSION_TTL_HEADER] == '21600' and SESSION_TOKEN_HEADER not in put_headers
    assert get_headers[SESSION_TOKEN_HEADER] == 'session-one' and SESSION_TTL_HEADER not in get_headers
    for headers in (put_headers, get_headers):
        assert headers['User-Agent'] == USER_AGENT and headers['Accept'] == 'application/json'
    assert secrets == ['session-one']


def test_a_metadata_endpoint_with_a_path_keeps_it(scripted):
    script()
    ScriptedMetadata.script = dict((('PUT' if method == 'PUT' else 'GET', '/relay-X' + path), answers)
                                   for (method, path), answers in ScriptedMetadata.script.items())
    assert source_for(scripted + '/relay-X/')().access == 'SCRIPTEDAK0000000001'
    assert requests_seen() == [('PUT', '/relay-X' + SESSION_PATH), ('GET', '/relay-X' + KEYS_PATH)]


@pytest.mark.parametrize('status', [404, 405])
def test_without_the_session_step_the_keys_are_read_without_a_session_token(scripted, status):
    script(session=[(status, {}, b'{"error_code": "METADATA.0404", "error_msg": "no such route"}')])
    source = source_for(scripted)
    assert source().access == 'SCRIPTEDAK0000000001'
    assert source.session_token == ''
    assert requests_seen() == [('PUT', SESSION_PATH), ('GET', KEYS_PATH)]
    assert SESSION_TOKEN_HEADER not in ScriptedMetadata.seen[1][2]


def test_a_stale_session_token_is_replaced_once_and_the_keys_read_again(scripted):
    script(session=[(200, {}, b'session-one'), (200, {}, b'session-two')],
           keys=[(401, {}, b'{"error_code": "METADATA.0401", "error_msg": "unknown or expired session token"}'),
                 (200, {}, KEYS_BODY)])
    secrets = []
    source = source_for(scripted, secrets)
    assert source().access == 'SCRIPTEDAK0000000001'
    assert requests_seen() == [('PUT', SESSION_PATH), ('GET', KEYS_PATH), ('PUT', SESSION_PATH), ('GET', KEYS_PATH)]
    assert [headers.get(SESSION_TOKEN_HEADER) for _method, _path, headers in ScriptedMetadata.seen] == [
        None, 'session-one', None, 'session-two']
    assert source.session_token == 'session-two' and secrets == ['session-one', 'session-two']


@pytest.mark.parametrize('mode,session_steps', [('required', 1), ('optional', 1), ('absent', 1)])
def test_no_agency_is_said_with_what_to_do_after_one_read(emulator, mode, session_steps):
    configure(emulator, metadata_account='none', metadata_session=mode)
    with pytest.raises(ApiError) as failure:
        source_for(emulator)()
    message = str(failure.value)
    assert failure.value.status == 401
    assert 'give it one (Cloud Service Agency), or use other credentials than metadata_credentials' in message
    assert routes(emulator) == {SESSION_ROUTE: session_steps, KEYS_ROUTE: 1}


def test_an_other_refusal_of_the_keys_names_the_service_without_the_agency_hint(scripted):
    script(session=[(404, {}, b'')], keys=[(401, {}, b'{"error_code": "METADATA.0401", "error_msg": "refused"}')])
    with pytest.raises(ApiError) as failure:
        source_for(scripted)()
    message = str(failure.value)
    assert message.startswith('Reading temporary keys from the ECS metadata service (127.0.0.1:')
    assert 'METADATA.0401' in message and 'Cloud Service Agency' not in message
    assert requests_seen() == [('PUT', SESSION_PATH), ('GET', KEYS_PATH)]


def test_a_refused_session_step_names_the_service_and_the_answer(scripted):
    script(session=[(400, {'X-Request-Id': 'req-metadata-1'},
                     b'{"error_code": "METADATA.0400", "error_msg": "bad X-Metadata-Token-TTL-Seconds"}')])
    with pytest.raises(ApiError) as failure:
        source_for(scripted)()
    message = str(failure.value)
    assert failure.value.status == 400 and 'redirect' not in message
    assert message.startswith('Opening a session with the ECS metadata service (127.0.0.1:')
    assert 'METADATA.0400' in message and 'bad X-Metadata-Token-TTL-Seconds' in message and 'req-metadata-1' in message
    assert requests_seen() == [('PUT', SESSION_PATH)]


@pytest.mark.parametrize('status', [300, 302, 307])
@pytest.mark.parametrize('gzipped', [False, True], ids=['empty', 'gzip-bomb'])
def test_a_redirect_is_not_followed_nor_its_body_read_and_names_metadata_endpoint(scripted, gzip_bomb, status, gzipped):
    # requests reads (and decompresses) a redirect's body to prepare the request it would follow, even
    # with allow_redirects=False: the bomb would take twice MAX_ANSWER_BYTES.
    headers = {'Location': KEYS_PATH, 'Content-Encoding': 'gzip'} if gzipped else {'Location': KEYS_PATH}
    script(session=[(status, headers, gzip_bomb if gzipped else b'')])
    peak, failure = peak_memory_of(TransportError, source_for(scripted))
    assert str(failure).startswith('Opening a session with the ECS metadata service (127.0.0.1:')
    assert 'failed: HTTP %d redirect, not followed; check metadata_endpoint' % status in str(failure)
    assert peak < 4 * 1024 * 1024
    assert requests_seen() == [('PUT', SESSION_PATH)]


@pytest.mark.parametrize('token', [b'', b'  \r\n', b'two words', b'caf\xc3\xa9', b'bad\x7fdel', b'bad\xffbyte'])
def test_a_session_token_that_is_not_printable_ascii_is_refused(scripted, token):
    script(session=[(200, {}, token)])
    secrets = []
    with pytest.raises(ResponseFormatError, match=r'^Opening a session with the ECS metadata service \(127\.0\.0\.1:\d+\) '
                                                  r'failed: the session token is not printable ASCII$'):
        source_for(scripted, secrets)()
    assert secrets == [] and requests_seen() == [('PUT', SESSION_PATH)]


def test_a_session_token_of_any_printable_ascii_is_used(scripted):
    token = '!' + ''.join(chr(code) for code in range(34, 127)) + '~'
    script(session=[(200, {}, (' %s\n' % token).encode())])
    source = source_for(scripted)
    assert source().access == 'SCRIPTEDAK0000000001'
    assert source.session_token == token and ScriptedMetadata.seen[1][2][SESSION_TOKEN_HEADER] == token


@pytest.mark.parametrize('body,reason', [
    (b'not json', 'the answer is not valid JSON'),
    (b'{}', 'answered without a "credential" object'),
])
def test_an_unusable_keys_answer_names_the_metadata_read(scripted, body, reason):
    script(keys=[(200, {}, body)])
    with pytest.raises(ResponseFormatError) as failure:
        source_for(scripted)()
    assert re.match(r'^Reading temporary keys from the ECS metadata service \(127\.0\.0\.1:\d+\) (failed: )?%s$'
                    % re.escape(reason), str(failure.value)), str(failure.value)


@pytest.mark.parametrize('stale_session', [False, True], ids=['first-read', 'read-after-a-new-session'])
def test_a_keys_answer_larger_than_64_kib_is_not_read(scripted, stale_session):
    oversized = (200, {}, b' ' * (64 * 1024 + 1))
    stale = (401, {}, b'{"error_code": "METADATA.0401", "error_msg": "unknown or expired session token"}')
    script(keys=[stale, oversized] if stale_session else [oversized])
    with pytest.raises(TransportError) as failure:
        source_for(scripted)()
    message = str(failure.value)
    assert message.startswith('Reading temporary keys from the ECS metadata service (127.0.0.1:')
    assert 'the answer is larger than 65536 bytes' in message
    assert len(ScriptedMetadata.seen) == (4 if stale_session else 2)


def test_an_unreachable_metadata_service_is_named_with_its_host():
    host = '127.0.0.1:%d' % _unused_port()
    with pytest.raises(TransportError) as failure:
        source_for('http://' + host)()
    assert str(failure.value).startswith('Opening a session with the ECS metadata service (%s) failed: connection failed: '
                                         % host)
    assert str(failure.value).endswith('(%s)' % host)


def test_a_cancelled_run_sends_no_metadata_request(emulator):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(InterruptedRunError, match=r'^Opening a session with the ECS metadata service \(127\.0\.0\.1:\d+\) '
                                                  r'not sent: the run was interrupted$'):
        source_for(emulator, cancel=cancel)()
    assert routes(emulator) == {}


def test_a_spent_run_bound_sends_no_metadata_request(emulator):
    with pytest.raises(TimeBoundError, match=r'^Opening a session with the ECS metadata service \(127\.0\.0\.1:\d+\) '
                                             r'not sent: the task deadline ran out$'):
        source_for(emulator, deadline=time.monotonic() - 1, bound_name='the task deadline')()
    assert routes(emulator) == {}


@pytest.mark.parametrize('client_options', [dict(timeout=0.1), dict(timeout=30, deadline_in=0.3)],
                         ids=['timeout', 'deadline'])
def test_a_slow_metadata_service_is_given_up_on_in_time(emulator, client_options):
    configure(emulator, latency_ms=1500)
    options = dict(client_options)
    started = time.monotonic()
    if 'deadline_in' in options:
        options['deadline'] = started + options.pop('deadline_in')
    with pytest.raises((TransportError, TimeBoundError)) as failure:
        source_for(emulator, **options)()
    assert time.monotonic() - started < 0.9
    assert str(failure.value).startswith('Opening a session with the ECS metadata service (127.0.0.1:')


def test_a_fast_metadata_service_is_read_with_no_run_bound(emulator):
    configure(emulator, metadata_session='required')
    source = source_for(emulator, deadline=None)
    assert source().access and source.session_token
    assert routes(emulator) == {SESSION_ROUTE: 1, KEYS_ROUTE: 1}


@pytest.mark.filterwarnings('ignore:Unverified HTTPS request')
@pytest.mark.parametrize('tls_options', [dict(ca_cert='CA'), dict(validate_certs=False), dict(validate_certs=False, ca_cert='CA')],
                         ids=['ca_cert', 'no-validation', 'no-validation-with-ca'])
def test_an_https_metadata_endpoint_is_trusted_as_the_tls_options_say(tls_emulator, tls_options):
    url, ca_file = tls_emulator
    options = dict((name, ca_file if value == 'CA' else value) for name, value in tls_options.items())
    connection = connect(url, metadata_credentials=True, metadata_endpoint=url, project_id=OWN_PROJECT, **options)
    assert connection.auth.keys().access


@pytest.mark.parametrize('values', [dict(validate_certs=True), {}], ids=['validate_certs', 'default'])
def test_an_https_metadata_endpoint_with_an_unknown_ca_is_refused_saying_what_to_set(tls_emulator, values):
    url = tls_emulator[0]
    auth = MetadataAuth.from_values(dict(values, metadata_credentials=True, metadata_endpoint=url),
                                    AuthContext(ApiClient(timeout=10), url + '/v3', 'eu-de'))
    with pytest.raises(TransportError, match=r'^Opening a session with the ECS metadata service \(127\.0\.0\.1:\d+\) failed: '
                                             r'TLS error \(certificate not trusted\? set ca_cert, or validate_certs=false'):
        auth.keys()
    with pytest.raises(TransportError, match='TLS error'):
        MetadataKeySource(url, ApiClient(timeout=10))()


def test_the_metadata_keys_sign_for_the_project_and_are_read_again_when_refused(emulator):
    connection = connect(emulator, metadata_credentials=True, metadata_endpoint=emulator, project_id=OWN_PROJECT)
    headers = connection.auth.authorize('GET', emulator + '/v2/%s/datasets' % OWN_PROJECT, {}, b'')
    assert headers['X-Project-Id'] == OWN_PROJECT
    configure(emulator, metadata_key_ttl_seconds=600)  # the service hands out new keys
    assert connection.auth.reauthenticate(headers) is True
    assert connection.auth.keys().security_token != headers['X-Security-Token']
    assert routes(emulator)[KEYS_ROUTE] == 2
