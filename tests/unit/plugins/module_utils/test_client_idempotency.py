# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which requests are sent again after a failure, over real HTTP: a POST is not repeated after a 5xx, and any
request is sent again when its connection could not be made in time (the server got nothing)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError, TransportError
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import QuietHandler, serving, unaccepted


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


# A connection that cannot be made is given up after CONNECT_TIMEOUT; a test waits PATIENCE for the attempts
# of CONNECT_TIMEOUT each (CONNECT_ATTEMPTS of them fit well within RUN_SECONDS) before it fails.
CONNECT_TIMEOUT = 0.1
CONNECT_ATTEMPTS = 5
RUN_SECONDS = 2.5
PATIENCE = 10


@pytest.mark.parametrize('method', ['GET', 'POST', 'PUT', 'DELETE'])
def test_a_request_whose_connection_was_not_made_in_time_is_sent_again_whatever_its_method(method):
    # Only the connect timeout bounds the connect: the watchdog has no socket to cut yet. Each attempt is given
    # up after CONNECT_TIMEOUT, so all are over within the run's RUN_SECONDS, and none reached the server.
    failures = []
    with unaccepted() as url:
        api = ApiClient(timeout=CONNECT_TIMEOUT, deadline=time.monotonic() + RUN_SECONDS,
                        retry_policy=RetryPolicy(max_retries=CONNECT_ATTEMPTS - 1, base_delay=0.01, max_delay=0.01))

        def attempt():
            with pytest.raises(Exception) as raised:
                api.request(method, url, '/v2/p/things', json_body={'x': 1} if method == 'POST' else None,
                            action='Change things')
            failures.append(raised.value)

        worker = threading.Thread(target=attempt, daemon=True)
        worker.start()
        worker.join(PATIENCE)
        assert not worker.is_alive(), 'the request is still connecting after %d s' % PATIENCE
    api.close()
    [failure] = failures
    assert isinstance(failure, TransportError)
    assert str(failure) == 'Change things failed: timed out connecting (%s) (gave up after %d attempts)' % (
        url.split('//')[1], CONNECT_ATTEMPTS)
