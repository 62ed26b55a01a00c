# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ApiClient over real HTTP (a local server that rejects every token): one renewal, then a clear failure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.auth import PasswordAuth, StaticTokenAuth
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient
from ansible_collections.mlops.cloud.plugins.module_utils.errors import AuthenticationError
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import QuietHandler, serving


class RejectingGateway(QuietHandler):
    """IAM issues token-1, token-2, ...; ModelArts answers 401 to every one of them."""

    issued = []
    seen_tokens = []

    def do_POST(self):
        self.rfile.read(int(self.headers['Content-Length']))
        token = 'token-%d' % (len(self.issued) + 1)
        self.issued.append(token)
        self._answer(201, {'token': {'expires_at': '2099-01-01T00:00:00.000000Z', 'project': {'id': 'p1'}}},
                     {'X-Subject-Token': token})

    def do_GET(self):
        self.seen_tokens.append(self.headers.get('X-Auth-Token'))
        self._answer(401, {'error_code': 'APIG.0307', 'error_msg': 'The token must be updated.'},
                     {'X-Request-Id': 'req-%d' % len(self.seen_tokens)})

    def _answer(self, status, body, headers):
        headers['Content-Type'] = 'application/json'
        self.send_answer(status, json.dumps(body).encode('utf-8'), headers)


@pytest.fixture
def gateway():
    RejectingGateway.issued = []
    RejectingGateway.seen_tokens = []
    with serving(RejectingGateway) as url:
        yield url


def test_password_token_is_renewed_once_then_the_credentials_are_reported_rejected(gateway):
    client = ApiClient(timeout=5)
    client.auth = PasswordAuth(client, gateway + '/v3', 'user', 'secret-password', 'domain', project_id='p1')
    with pytest.raises(AuthenticationError) as failure:
        client.get(gateway, '/v2/p1/datasets', action='List datasets')
    assert RejectingGateway.issued == ['token-1', 'token-2']
    assert RejectingGateway.seen_tokens == ['token-1', 'token-2']
    assert str(failure.value) == (
        'List datasets failed: HTTP 401, error code APIG.0307, message: The token must be updated., request id req-2; '
        'the credentials were rejected even with a freshly issued IAM token')
    assert 'secret-password' not in str(failure.value) and 'token-' not in str(failure.value)


def test_a_given_token_is_not_retried(gateway):
    client = ApiClient(timeout=5)
    client.auth = StaticTokenAuth('given-token')
    with pytest.raises(AuthenticationError, match='the given auth_token was rejected'):
        client.get(gateway, '/v2/p1/datasets', action='List datasets')
    assert RejectingGateway.seen_tokens == ['given-token']
    assert RejectingGateway.issued == []
