# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which requests are sent again after a failure, over real HTTP: a POST is not repeated after a 5xx."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import QuietHandler, serving


class FailingOnce(QuietHandler):
    """Answers ``status`` to the first request, 200 afterwards; counts requests."""

    status = 503
    seen = []

    def _serve(self):
        length = int(self.headers.get('Content-Length') or 0)
        self.rfile.read(length)
        self.seen.append(self.command)
        status = self.status if len(self.seen) == 1 else 200
        data = json.dumps({'error_code': 'APIG.0202', 'error_msg': 'busy'} if status != 200 else {'ok': True})
        self.send_answer(status, data.encode('utf-8'), {'Content-Type': 'application/json'})

    do_GET = do_POST = _serve


@pytest.fixture
def server():
    FailingOnce.seen = []
    with serving(FailingOnce) as url:
        yield url


def client():
    return ApiClient(timeout=5, retry_policy=RetryPolicy(max_retries=2, base_delay=0.01))


@pytest.mark.parametrize('method,status,idempotent,requests', [
    ('GET', 503, None, 2),
    ('POST', 503, None, 1),
    ('POST', 500, None, 1),
    ('POST', 503, True, 2),
    ('POST', 429, None, 2),
    ('GET', 429, None, 2),
])
def test_only_repeatable_requests_are_sent_again_after_a_server_error(server, method, status, idempotent, requests):
    FailingOnce.status = status
    api = client()
    body = {'x': 1} if method == 'POST' else None
    if requests == 1:
        with pytest.raises(ApiError, match='HTTP %d' % status):
            api.request(method, server, '/v2/p/things', json_body=body, idempotent=idempotent)
    else:
        assert api.request(method, server, '/v2/p/things', json_body=body, idempotent=idempotent).body == {'ok': True}
    assert FailingOnce.seen == [method] * requests
