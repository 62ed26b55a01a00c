# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection asks IAM and how it reads the answers (a recording client: no network)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiResponse
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ConfigurationError, ResponseFormatError
from ansible_collections.mlops.cloud.plugins.module_utils.iam import (
    FALLBACK_TOKEN_LIFETIME,
    lookup_project_id,
    request_password_token,
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


@pytest.mark.parametrize('expires_at', [None, 1796600000, 'tomorrow', '2026-13-40T99:00:00Z', ''])
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
