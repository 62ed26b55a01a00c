# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each method puts on a request, and what it reports as a secret the moment it has one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.mlops.cloud.plugins.module_utils.auth import AkSkAuth, AuthContext, PasswordAuth, StaticTokenAuth
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiResponse
from ansible_collections.mlops.cloud.plugins.module_utils.iam import request_password_token
from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import CachedToken, TokenCache, cache_key

IAM = 'https://iam.example/v3'


class IamAnswering:
    """A client whose every request gets this IAM token answer; counts the requests."""

    def __init__(self, token='issued-token-value', body=None):
        self.requests = 0
        self.token = token
        self.body = body if body is not None else {'token': {'expires_at': '2099-01-01T00:00:00.000000Z',
                                                             'project': {'id': 'p1'}}}

    def request(self, *args, **kwargs):
        self.requests += 1
        self.last_body = kwargs.get('json_body')
        return ApiResponse(201, self.body, {'X-Subject-Token': self.token})


def test_aksk_names_its_project_in_a_signed_header_once_scoped():
    auth = AkSkAuth('AK', 'SK', security_token='STS')
    unscoped = auth.authorize('GET', 'https://modelarts.example/v2/p1/datasets', {}, b'')
    auth.scope_to('p1')
    scoped = auth.authorize('GET', 'https://modelarts.example/v2/p1/datasets', {}, b'')
    assert 'X-Project-Id' not in unscoped
    assert scoped['X-Project-Id'] == 'p1'
    assert 'x-project-id' in scoped['Authorization'].split('SignedHeaders=')[1].split(',')[0].split(';')
    assert scoped['X-Security-Token'] == 'STS'


def test_a_given_token_is_sent_as_it_is():
    assert StaticTokenAuth('tok').authorize('GET', 'https://x', {'Accept': 'a'}, b'') == {
        'Accept': 'a', 'X-Auth-Token': 'tok'}


def test_a_token_from_the_cache_is_a_secret_before_it_is_used(tmp_path):
    directory = str(tmp_path / 'tokens')
    cache = TokenCache(directory)
    cache.store(cache_key(IAM, 'dom', 'user', 'p1'), CachedToken('cached-token-value', time.time() + 86400, 'p1'), 'pw')
    secrets = []
    client = IamAnswering()
    auth = PasswordAuth(client, IAM, 'user', 'pw', 'dom', project_id='p1', cache=TokenCache(directory),
                        on_secret=secrets.append)
    headers = auth.authorize('GET', 'https://x', {}, b'')
    assert headers['X-Auth-Token'] == 'cached-token-value'
    assert secrets == ['cached-token-value'] and client.requests == 0


def test_an_issued_token_is_a_secret_and_is_cached_for_the_next_run(tmp_path):
    directory = str(tmp_path / 'tokens')
    secrets = []
    client = IamAnswering()
    auth = PasswordAuth(client, IAM, 'user', 'pw', 'dom', project_id='p1', cache=TokenCache(directory),
                        on_secret=secrets.append)
    assert auth.token().value == 'issued-token-value'
    assert secrets == ['issued-token-value'] and client.requests == 1
    assert TokenCache(directory).load(cache_key(IAM, 'dom', 'user', 'p1'), 'pw').value == 'issued-token-value'


def test_a_rejected_token_is_dropped_and_asked_for_once_more(tmp_path):
    directory = str(tmp_path / 'tokens')
    client = IamAnswering()
    auth = PasswordAuth(client, IAM, 'user', 'pw', 'dom', project_id='p1', cache=TokenCache(directory))
    first = auth.authorize('GET', 'https://x', {}, b'')
    client.token = 'second-token-value'
    assert auth.reauthenticate(first) is True and client.requests == 2  # asked at once, not on the next use
    assert auth.token().value == 'second-token-value' and client.requests == 2
    # A rejection of a token already replaced (another page saw the same expiry) asks IAM no more.
    assert auth.reauthenticate(first) is True and client.requests == 2


def test_a_token_answer_without_an_expiry_lasts_less_than_iams_24_hours():
    before = time.time()
    token = request_password_token(IamAnswering(body={'token': {'project': {'id': 'p1'}}}), IAM, 'user', 'pw', 'dom',
                                   project_id='p1')
    assert before + 3600 < token.expires_at <= time.time() + 24 * 3600
    assert token.project_id == 'p1'


def test_each_method_is_built_from_its_option_values(tmp_path):
    """What connection hands every method: the option values and the context (client, IAM, project, cache)."""
    context = AuthContext(None, IAM, 'eu-de_project', cache=None)
    signed = AkSkAuth.from_values({'access_key': 'AK', 'secret_key': 'SK', 'security_token': 'STS'}, context)
    assert signed.authorize('GET', 'https://x/v2', {}, b'')['X-Security-Token'] == 'STS'
    assert StaticTokenAuth.from_values({'auth_token': 'given'}, context).authorize('GET', 'https://x', {}, b'') == {
        'X-Auth-Token': 'given'}


def test_a_password_token_is_scoped_to_the_project_the_context_names_and_cached(tmp_path):
    directory = str(tmp_path / 'tokens')
    client = IamAnswering()
    secrets = []
    values = {'username': 'user', 'password': 'pw', 'domain_name': 'dom', 'project_id': None}
    context = AuthContext(client, IAM, 'eu-de_project', cache=TokenCache(directory), on_secret=secrets.append)
    auth = PasswordAuth.from_values(values, context)
    assert auth.authorize('GET', 'https://x', {}, b'')['X-Auth-Token'] == 'issued-token-value'
    assert client.last_body['auth']['scope'] == {'project': {'name': 'eu-de_project'}}
    assert secrets == ['issued-token-value']
    # The next run (a new method, the same cache) takes the token from the cache: no IAM request.
    again = PasswordAuth.from_values(values, AuthContext(client, IAM, 'eu-de_project', cache=TokenCache(directory)))
    assert again.token().value == 'issued-token-value' and client.requests == 1
