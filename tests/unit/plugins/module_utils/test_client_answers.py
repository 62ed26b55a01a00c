# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ApiClient makes of each answer, over real HTTP (a local server that sends scripted answers): the
ApiResponse of a success, the ApiError of an error answer whatever its body (and whatever the result budget has
left), the ResponseFormatError of a success that is not JSON, which failure to read an answer the budget is blamed
for, and the messages of a connection failure, of an interrupted retry and of a run ended as an answer came in.
Also what reaches the emulator: the JSON body, signed by the credentials the request was given."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import socket
import threading
from urllib.parse import urlsplit

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.auth import AkSkAuth, StaticTokenAuth
from ansible_collections.mlops.cloud.plugins.module_utils.budget import MIB, ResultBudget
from ansible_collections.mlops.cloud.plugins.module_utils.client import (
    MAX_ANSWER_BYTES,
    MAX_JSON_DEPTH,
    ApiClient,
    error_from_answer,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ApiError,
    AuthenticationError,
    InterruptedRunError,
    ResponseFormatError,
    ResultTooLargeError,
    TransportError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import QuietHandler, serving

PATH = '/v2/p1/datasets'
# From emulator/seed.py: the example dataset in project eu-de, and the keys of its account.
PROJECT_ID = '0a1b2c3d4e5f40718293a4b5c6d7e8f9'
TASKS_PATH = '/v2/%s/datasets/WxCREuCkBSAlQr9xrde/export-tasks' % PROJECT_ID
EMULATOR_KEYS = ('EMULATORAK0000000001', 'emulator-sk-0000000000000000000000000001')


class Scripted(QuietHandler):
    """Sends the ``answers`` (status, headers, body bytes) in turn, the last one again once they run out;
    records each request (method, path) in ``seen`` and its body with its Content-Type in ``received``."""

    answers = []
    seen = []
    received = []

    def _serve(self):
        self.received.append((self.headers.get('Content-Type'), self.rfile.read(int(self.headers.get('Content-Length') or 0))))
        self.seen.append((self.command, self.path))
        status, headers, body = self.answers[min(len(self.seen), len(self.answers)) - 1]
        self.send_answer(status, body, headers)

    do_GET = do_POST = _serve


@pytest.fixture
def server():
    Scripted.answers = []
    Scripted.seen = []
    Scripted.received = []
    with serving(Scripted) as url:
        yield url


def client(retry_policy=None, budget=None):
    return ApiClient(timeout=10, retry_policy=retry_policy or RetryPolicy(max_retries=0), budget=budget)


def answer_with(status, body, headers=None):
    Scripted.answers = [(status, {'X-Request-Id': 'req-1'} if headers is None else headers, body)]


def failure_of(server, error_class=ApiError, budget=None):
    api = client(budget=budget)
    with pytest.raises(error_class) as raised:
        api.get(server, PATH, action='List datasets')
    api.close()
    return raised.value


def test_a_success_is_returned_with_its_status_body_and_headers(server):
    answer_with(201, b'{"dataset_id": "d1"}', {'Content-Type': 'application/json', 'X-Request-Id': 'req-1'})
    api = client()
    response = api.request('POST', server, PATH, json_body={'name': 'd1', 'labels': ['caf\u00e9']}, action='Create dataset')
    api.close()
    assert (response.status, response.body, response.headers['X-Request-Id']) == (201, {'dataset_id': 'd1'}, 'req-1')
    assert Scripted.seen == [('POST', PATH)]
    assert Scripted.received == [('application/json;charset=UTF-8', b'{"name": "d1", "labels": ["caf\\u00e9"]}')]


def test_a_request_without_a_json_body_sends_no_body_and_no_content_type(server):
    answer_with(200, b'{}')
    api = client()
    assert api.request('POST', server, PATH, action='Start export').body == {}
    assert api.get(server, PATH) == {}
    api.close()
    assert Scripted.received == [(None, b''), (None, b'')]


@pytest.mark.parametrize('body, message', [
    (b'<html><body>502 Bad Gateway</body></html>\n', '<html><body>502 Bad Gateway</body></html>'),
    (b'upstream \xff\xfe failed', 'upstream \ufffd\ufffd failed'),  # not UTF-8: quoted with replacement characters
    (b' \r\n ', None),
])
def test_an_error_answer_that_is_not_json_is_quoted_as_its_message(server, body, message):
    answer_with(400, body)
    error = failure_of(server)
    assert (error.status, error.error_code, error.error_msg, error.request_id) == (400, None, message, 'req-1')
    assert str(error) == 'List datasets failed: HTTP 400, error code none, message: %s, request id req-1' % (message or 'none')


def test_a_json_error_answer_without_error_fields_is_not_quoted(server):
    answer_with(404, b'{"detail": "internal routing table 10.0.0.7"}')
    error = failure_of(server)
    assert (error.error_code, error.error_msg) == (None, None)
    assert str(error) == 'List datasets failed: HTTP 404, error code none, message: none, request id req-1'


@pytest.mark.parametrize('status', [400, 403, 404])
def test_only_401_is_an_authentication_error(server, status):
    answer_with(status, json.dumps({'error_code': 'APIG.0301', 'error_msg': 'denied'}).encode('utf-8'))
    error = failure_of(server)
    assert not isinstance(error, AuthenticationError)
    assert str(error) == 'List datasets failed: HTTP %d, error code APIG.0301, message: denied, request id req-1' % status
    answer_with(401, json.dumps({'error_code': 'APIG.1002', 'error_msg': 'bad token'}).encode('utf-8'))
    assert isinstance(failure_of(server), AuthenticationError)


def test_error_from_answer_maps_an_answer_read_on_another_session():
    error = error_from_answer(401, {'X-Request-Id': 'req-9', 'Retry-After': '7'},
                              b'{"error": {"code": 401, "title": "Unauthorized"}}', 'Reading temporary keys')
    assert isinstance(error, AuthenticationError)
    assert (error.status, error.error_code, error.error_msg, error.request_id, error.retry_after) == (
        401, '401', 'Unauthorized', 'req-9', 7.0)
    assert str(error) == 'Reading temporary keys failed: HTTP 401, error code 401, message: Unauthorized, request id req-9'
    plain = error_from_answer(503, {}, b'busy', 'Opening a session')
    assert not isinstance(plain, AuthenticationError)
    assert (plain.status, plain.error_msg, plain.request_id, plain.retry_after) == (503, 'busy', None, None)


def nested(levels):
    return b'{"a": ' * levels + b'1' + b'}' * levels


@pytest.mark.parametrize('body, headers, reason, request_id', [
    (b'<html>maintenance</html>', None, 'not valid JSON', 'req-1'),
    (b'{"total_count": 2, "export_tasks": [', None, 'not valid JSON', 'req-1'),
    (nested(MAX_JSON_DEPTH + 1), None, 'nested too deeply (more than %d levels)' % MAX_JSON_DEPTH, 'req-1'),
    (b'[' * 100000 + b']' * 100000, {}, 'nested too deeply', 'none'),
    (b'{"total_count": 1, "export_tasks": [{"description": "a \\ud800 b"}]}', None,
     'not valid Unicode (a lone surrogate in a string)', 'req-1'),
    (b'{"a\\udfff": 1}', None, 'not valid Unicode (a lone surrogate in a string)', 'req-1'),
    (b'["\\ude00\\ud83d"]', None, 'not valid Unicode (a lone surrogate in a string)', 'req-1'),
])
def test_a_success_that_is_not_a_json_document_says_why(server, body, headers, reason, request_id):
    answer_with(200, body, headers)
    error = failure_of(server, ResponseFormatError)
    assert str(error) == 'List datasets failed: HTTP 200 answer is %s (from %s, request id %s)' % (
        reason, urlsplit(server).netloc, request_id)


def test_an_interruption_while_waiting_to_retry_ends_the_wait_and_sends_nothing_more(server):
    answer_with(503, b'{"error_code": "APIG.0202", "error_msg": "busy"}')
    cancel = threading.Event()

    def jitter():
        cancel.set()  # the interruption arrives as the pause before the retry is chosen
        return 0.5

    api = ApiClient(timeout=10, retry_policy=RetryPolicy(max_retries=3, base_delay=60, max_delay=60, jitter=jitter),
                    cancel=cancel)
    with pytest.raises(InterruptedRunError) as raised:
        api.get(server, PATH, action='List datasets')
    api.close()
    assert str(raised.value) == 'Interrupted while waiting to retry a request'
    assert Scripted.seen == [('GET', PATH)]


def test_a_refused_connection_is_said_so_and_not_taken_for_a_timeout():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    api = client()
    with pytest.raises(TransportError) as raised:
        api.get('http://127.0.0.1:%d' % port, PATH, action='List datasets')
    api.close()
    assert re.match(r'^List datasets failed: connection failed: connection refused \(\[Errno \d+\] Connection refused\) \(127\.0\.0\.1:%d\)$'
                    % port, str(raised.value)), str(raised.value)


def test_a_request_without_an_action_is_named_by_its_method_and_path(server):
    answer_with(404, b'{"error_code": "ModelArts.4352", "error_msg": "not found"}')
    api = client()
    with pytest.raises(ApiError) as raised:
        api.get(server, PATH, query={'limit': 1})
    api.close()
    assert str(raised.value) == 'GET %s failed: HTTP 404, error code ModelArts.4352, message: not found, request id req-1' % PATH


def test_the_credentials_given_to_a_request_sign_it_and_its_body_instead_of_the_clients(emulator):
    signing = AkSkAuth(*EMULATOR_KEYS)
    signing.scope_to(PROJECT_ID)
    api = client()
    api.auth = StaticTokenAuth('not-a-token-of-the-emulator')
    created = api.request('POST', emulator, TASKS_PATH, json_body={'path': '/bucket/exports/'}, auth=signing,
                          action='Create export task')
    api.close()
    assert created.status == 200 and sorted(created.body) == ['task_id']


def spent_budget(left):
    """A budget of 1 MiB of which only ``left`` bytes are left."""
    budget = ResultBudget(max_result_mb=1)
    budget.charge_bytes(MIB - left, 'earlier pages')
    return budget


def test_an_error_answer_is_read_whatever_the_budget_has_left(server):
    body = b'{"error_code": "ModelArts.4101", "error_msg": "the dataset name is already used"}'
    answer_with(400, body)
    error = failure_of(server, budget=spent_budget(len(body) - 1))
    assert str(error) == ('List datasets failed: HTTP 400, error code ModelArts.4101, message: the dataset name is '
                          'already used, request id req-1')


def test_an_answer_that_cannot_be_decoded_is_not_blamed_on_the_budget(server):
    answer_with(200, b'{"datasets": []}', {'Content-Encoding': 'gzip'})
    error = failure_of(server, TransportError, spent_budget(MIB // 2))
    assert str(error) == 'List datasets failed: the answer is not valid compressed data (%s)' % server.split('//')[1]


def test_an_answer_that_would_not_read_better_next_time_is_not_asked_for_again(server):
    answer_with(200, b'{"datasets": []}', {'Content-Encoding': 'gzip'})
    api = client(RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.01))
    with pytest.raises(TransportError) as raised:
        api.get(server, PATH, action='List datasets')
    api.close()
    assert str(raised.value) == 'List datasets failed: the answer is not valid compressed data (%s)' % server.split('//')[1]
    assert Scripted.seen == [('GET', PATH)]


@pytest.mark.parametrize('budget', [None, ResultBudget(max_result_mb=64)], ids=['no-budget', 'budget-above-the-bound'])
def test_an_answer_past_max_answer_bytes_is_refused_by_that_bound_when_the_budget_allows_more(server, gzip_bomb, budget):
    answer_with(200, gzip_bomb, {'Content-Encoding': 'gzip'})
    error = failure_of(server, TransportError, budget)
    assert str(error) == 'List datasets failed: the answer is larger than %d bytes; refusing to read more (%s)' % (
        MAX_ANSWER_BYTES, server.split('//')[1])


class SharedBudget(ResultBudget):
    """A budget that another page, read at the same time, fills up once this answer was checked against it."""

    def bytes_left(self):
        left = super(SharedBudget, self).bytes_left()
        self.charge_bytes(left, 'List datasets (page 2)')
        return left


def test_an_answer_kept_past_the_budget_another_page_filled_meanwhile_is_refused_naming_its_request(server):
    answer_with(200, b'{"datasets": []}')
    error = failure_of(server, ResultTooLargeError, SharedBudget(max_result_mb=1))
    assert str(error) == (
        'List datasets stopped: the answers of this run would keep more than max_result_mb (1 MiB) in memory; '
        'raise max_result_mb (up to 4096), or narrow what is read (dataset_id or dataset_name, status, '
        'created_after, created_before)')


class ClosingBudget(ResultBudget):
    """A budget whose client's watchdog is closed (the run ends) when it is asked what is left, that is once the
    answer's headers came in, before its body is read."""

    api = None

    def bytes_left(self):
        self.api.watchdog.close()
        return super(ClosingBudget, self).bytes_left()


def test_a_run_that_ends_as_an_answer_comes_in_is_interrupted_not_given_the_answer(server):
    answer_with(200, b'')  # nothing left to read: the answer is whole, but its attempt was cut
    budget = ClosingBudget()
    api = budget.api = client(budget=budget)
    with pytest.raises(InterruptedRunError) as raised:
        api.get(server, PATH, action='List datasets')
    api.close()
    assert str(raised.value) == 'List datasets cancelled: the run was interrupted'
    assert Scripted.seen == [('GET', PATH)]
