# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection asks IAM and how it reads the answers (a recording client: no network)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.agency import Agency
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiResponse
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ConfigurationError, ResponseFormatError
from ansible_collections.mlops.cloud.plugins.module_utils.iam import (
    FALLBACK_KEY_LIFETIME,
    FALLBACK_TOKEN_LIFETIME,
    credential_endpoint,
    keys_from_credential,
    lookup_project_id,
    request_agency_token,
    request_password_token,
    request_temporary_keys,
)

IAM = 'https://iam.example/v3'
EPOCH_2026_11_29_10H = calendar.timegm((2026, 11, 29, 10, 0, 0, 0, 0, 0))


class Recording:
    """Answers ``request`` with ``headers`` and ``body`` and ``get`` with ``body``; records every call."""

    def __init__(self, body=None, headers=None):
        self.body = body
        self.headers = {'X-Subject-Token': 'tok-value'} if headers is None else headers
        self.calls = []

    def request(self, method, base, path, **kwargs):
        self.calls.append((method, base, path, kwargs))
        return ApiResponse(201, self.body, self.headers)

    def get(self, base, path, query=None, action=None):
        self.calls.append(('GET', base, path, dict(query=query, action=action)))
        return self.body


def token_body(expires_at='2026-11-29T10:00:00.000000Z', project_id='p-from-iam'):
    return {'token': {'expires_at': expires_at, 'project': {'id': project_id, 'name': 'eu-de'}}}


def test_the_token_request_is_a_password_scoped_to_the_project_by_name():
    client = Recording(token_body())
    token = request_password_token(client, IAM, 'alice', 'pw', 'dom', project_name='eu-de')
    method, base, path, kwargs = client.calls[0]
    assert (method, base, path) == ('POST', IAM, '/auth/tokens')
    assert kwargs['json_body'] == {'auth': {
        'identity': {'methods': ['password'],
                     'password': {'user': {'name': 'alice', 'password': 'pw', 'domain': {'name': 'dom'}}}},
        'scope': {'project': {'name': 'eu-de'}}}}
    assert kwargs['action'] == 'IAM token request for user alice'
    assert kwargs['authenticate'] is False and kwargs['idempotent'] is True
    assert (token.value, token.project_id) == ('tok-value', 'p-from-iam')


def test_a_project_id_scopes_by_id_and_stands_in_when_the_answer_has_none():
    client = Recording({'token': {'expires_at': '2026-11-29T10:00:00Z'}})
    token = request_password_token(client, IAM, 'alice', 'pw', 'dom', project_name='eu-de', project_id='given')
    assert client.calls[0][3]['json_body']['auth']['scope'] == {'project': {'id': 'given'}}
    assert token.project_id == 'given'


@pytest.mark.parametrize('expires_at', ['2026-11-29T10:00:00.000000Z', '2026-11-29T10:00:00Z',
                                        ' 2026-11-29T10:00:00.5Z ', '2026-11-29T10:00:00'])
def test_the_expiry_is_read_from_iams_answer(expires_at):
    token = request_password_token(Recording(token_body(expires_at)), IAM, 'alice', 'pw', 'dom', project_name='eu-de')
    assert token.expires_at == EPOCH_2026_11_29_10H


@pytest.mark.parametrize('expires_at', [None, 1796600000, 'tomorrow', '2026-13-40T99:00:00Z', '', '2026-11-29T10:00:00X'])
def test_an_expiry_that_cannot_be_read_falls_back_to_a_lifetime_below_iams(expires_at, monkeypatch):
    monkeypatch.setattr('time.time', lambda: 1000.0)
    token = request_password_token(Recording(token_body(expires_at)), IAM, 'alice', 'pw', 'dom', project_name='eu-de')
    assert token.expires_at == 1000.0 + FALLBACK_TOKEN_LIFETIME
    assert FALLBACK_TOKEN_LIFETIME < 24 * 3600


@pytest.mark.parametrize('headers,body', [({}, token_body()), ({'X-Subject-Token': ''}, token_body()),
                                          ({'X-Subject-Token': 'tok'}, {'token': 'not a dict'}),
                                          ({'X-Subject-Token': 'tok'}, ['not', 'a', 'dict'])])
def test_an_answer_without_a_token_is_refused(headers, body):
    with pytest.raises(ResponseFormatError, match='without an X-Subject-Token header or a token body'):
        request_password_token(Recording(body, headers), IAM, 'alice', 'pw', 'dom', project_name='eu-de')


@pytest.mark.parametrize('value', ['tok en', 'tok\u00e9', 'tok\n'])
def test_a_token_that_cannot_go_into_a_header_is_refused(value):
    with pytest.raises(ResponseFormatError, match='not printable ASCII'):
        request_password_token(Recording(token_body(), {'X-Subject-Token': value}), IAM, 'alice', 'pw', 'dom',
                               project_name='eu-de')


def test_the_project_is_found_by_its_exact_name():
    client = Recording({'projects': [{'id': 'other', 'name': 'eu-de_sub'}, 'junk', {'id': 'p1', 'name': 'eu-de'},
                                     {'id': 'p2', 'name': 'eu-de'}]})
    assert lookup_project_id(client, IAM, 'eu-de') == 'p1'
    assert client.calls == [('GET', IAM, '/projects', {'query': {'name': 'eu-de'},
                                                       'action': 'IAM project lookup for eu-de'})]


def test_an_unknown_project_is_named_with_the_options_to_set():
    with pytest.raises(ConfigurationError, match=r'^IAM knows no project named nowhere; set project_id or project_name '
                                                 r'\(it defaults to the region\)$'):
        lookup_project_id(Recording({'projects': [{'id': 'p1', 'name': 'eu-de'}]}), IAM, 'nowhere')


@pytest.mark.parametrize('body', [{}, {'projects': 'eu-de'}, ['projects'], None])
def test_a_project_answer_without_a_list_is_refused(body):
    with pytest.raises(ResponseFormatError, match='^IAM project lookup answered without a "projects" list$'):
        lookup_project_id(Recording(body), IAM, 'eu-de')


AGENCY = Agency('audit-agency', domain_name='partner-domain')
GOOD_CREDENTIAL = {'access': 'TEMPAK00000000000001', 'secret': 'temp-secret', 'securitytoken': 'temp-token',
                   'expires_at': '2026-11-29T10:00:00.000000Z'}


@pytest.mark.parametrize('iam_endpoint,expected', [
    ('https://iam.example/v3', 'https://iam.example/v3.0'),
    ('https://iam.example/identity/v3', 'https://iam.example/identity/v3.0'),
])
def test_temporary_keys_are_asked_for_at_v3_0_beside_v3(iam_endpoint, expected):
    assert credential_endpoint(iam_endpoint) == expected
    client = Recording({'credential': GOOD_CREDENTIAL})
    keys = request_temporary_keys(client, iam_endpoint, 'base-auth', AGENCY)
    assert client.calls[0][1:3] == (expected, '/OS-CREDENTIAL/securitytokens')
    assert (keys.access, keys.secret, keys.security_token, keys.expires_at) == (
        'TEMPAK00000000000001', 'temp-secret', 'temp-token', EPOCH_2026_11_29_10H)


@pytest.mark.parametrize('iam_endpoint', ['https://iam.example/v3/', 'https://iam.example/v3.0', 'https://iam.example'])
def test_an_iam_endpoint_not_ending_in_v3_is_refused_naming_the_option(iam_endpoint):
    with pytest.raises(ConfigurationError, match=r'^iam_endpoint must end in /v3 \(like OS_AUTH_URL\) to obtain the temporary '
                                                 r'keys of an agency: they are asked for at the same place with /v3\.0$'):
        credential_endpoint(iam_endpoint)


@pytest.mark.parametrize('body,reason', [
    ({}, 'answered without a "credential" object'),
    (['credential'], 'answered without a "credential" object'),
    ({'credential': 'keys'}, 'answered without a "credential" object'),
    ({'credential': dict(GOOD_CREDENTIAL, access='TEMP AK')}, 'answered without usable access, secret and securitytoken values'),
    ({'credential': dict(GOOD_CREDENTIAL, securitytoken='')}, 'answered without usable access, secret and securitytoken values'),
    ({'credential': dict(GOOD_CREDENTIAL, securitytoken=7)}, 'answered without usable access, secret and securitytoken values'),
    ({'credential': dict(GOOD_CREDENTIAL, securitytoken='tok\x7f')},
     'answered without usable access, secret and securitytoken values'),
    ({'credential': dict(GOOD_CREDENTIAL, access='TEMPAK\u00e9')}, 'answered without usable access, secret and securitytoken values'),
    ({'credential': dict(GOOD_CREDENTIAL, secret='')}, 'answered without usable access, secret and securitytoken values'),
    ({'credential': dict(GOOD_CREDENTIAL, secret=None)}, 'answered without usable access, secret and securitytoken values'),
])
def test_an_unusable_temporary_keys_answer_is_refused_naming_the_agency(body, reason):
    with pytest.raises(ResponseFormatError) as failure:
        request_temporary_keys(Recording(body), IAM, 'base-auth', AGENCY)
    assert str(failure.value) == 'Assuming agency audit-agency of domain partner-domain (temporary AK/SK) ' + reason


def test_keys_and_tokens_of_any_printable_ascii_are_taken():
    printable = ''.join(chr(code) for code in range(33, 127))
    keys = keys_from_credential({'credential': dict(GOOD_CREDENTIAL, access=printable, securitytoken=printable)}, 'Reading')
    assert keys.access == keys.security_token == printable
    token = request_password_token(Recording(token_body(), {'X-Subject-Token': printable}), IAM, 'alice', 'pw', 'dom',
                                   project_name='eu-de')
    assert token.value == printable


def test_keys_without_a_readable_expiry_are_renewed_within_their_shortest_lifetime():
    before = time.time()
    keys = keys_from_credential({'credential': dict(GOOD_CREDENTIAL, expires_at=None)}, 'Reading')
    assert before + FALLBACK_KEY_LIFETIME <= keys.expires_at <= time.time() + FALLBACK_KEY_LIFETIME


@pytest.mark.parametrize('headers,reason', [
    ({}, 'answered without an X-Subject-Token header or a token body'),
    ({'X-Subject-Token': 'tok\x7f'}, 'answered with an X-Subject-Token that is not printable ASCII'),
])
def test_an_unusable_token_answer_names_the_request(headers, reason):
    with pytest.raises(ResponseFormatError) as failure:
        request_password_token(Recording(token_body(), headers), IAM, 'alice', 'pw', 'dom', project_name='eu-de')
    assert str(failure.value) == 'IAM token request ' + reason
    with pytest.raises(ResponseFormatError) as failure:
        request_agency_token(Recording(token_body(), headers), IAM, 'base-auth', AGENCY, project_name='eu-de')
    assert str(failure.value) == 'Assuming agency audit-agency of domain partner-domain ' + reason


def test_an_agency_token_without_a_project_in_its_answer_is_for_the_project_asked():
    token = request_agency_token(Recording({'token': {'expires_at': '2026-11-29T10:00:00Z'}}), IAM, 'base-auth', AGENCY,
                                 project_id='given-project')
    assert (token.value, token.project_id, token.expires_at) == ('tok-value', 'given-project', EPOCH_2026_11_29_10H)
