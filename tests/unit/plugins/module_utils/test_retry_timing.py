# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry timing over real HTTP: the emulator records when each request arrived (its own monotonic
clock), so these tests assert the spacing between a request and its retry, not how long a run took.
Also: the run's deadline is never slept past, and a redirect is reported, never followed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.module_utils.auth import StaticTokenAuth
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError, TimeBoundError, TransportError
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import (
    QuietHandler,
    peak_memory_of,
    serving,
)

# From emulator/seed.py: the example dataset (two export tasks) in project eu-de.
PROJECT_ID = '0a1b2c3d4e5f40718293a4b5c6d7e8f9'
TASKS_PATH = '/v2/%s/datasets/WxCREuCkBSAlQr9xrde/export-tasks' % PROJECT_ID
TOKEN_BODY = {'auth': {
    'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'emulator-user', 'password': 'emulator-password', 'domain': {'name': 'emulator-domain'}}}},
    'scope': {'project': {'id': PROJECT_ID}}}}
# A sleep ends no earlier than asked; the server stamps a request a little after it arrives.
CLOCK_SLACK = 0.05
# Generous: the retry must come about when planned, even on a loaded 2-core machine.
LATE_SLACK = 1.5


@pytest.fixture
def emulator(emulator_url):
    assert requests.post(emulator_url + '/_emulator/reset').status_code == 200
    return emulator_url


def plan_faults(emulator, **spec):
    response = requests.post(emulator + '/_emulator/faults', json=spec)
    assert response.status_code == 200, response.text


def client_for(emulator, retry_policy, deadline=None):
    token = requests.post(emulator + '/v3/auth/tokens', json=TOKEN_BODY).headers['X-Subject-Token']
    client = ApiClient(timeout=10, retry_policy=retry_policy, deadline=deadline)
    client.auth = StaticTokenAuth(token)
    return client


def task_list_arrivals(emulator):
    """(status, arrival time) of each export-task list request the emulator served, oldest first."""
    served = requests.get(emulator + '/_emulator/stats').json()['requests']
    return [(entry['status'], entry['at']) for entry in served if entry['path'] == TASKS_PATH]


def gaps(arrivals):
    return [later[1] - earlier[1] for earlier, later in zip(arrivals, arrivals[1:])]


def policy(**options):
    """A policy whose jitter is fixed (``jitter`` returns a number in [0, 1))."""
    fixed = options.pop('jitter', 0.999)
    return RetryPolicy(jitter=lambda: fixed, **options)


def test_retry_after_is_waited_for_before_the_retry(emulator):
    plan_faults(emulator, status_sequence=[429], retry_after=2)
    client = client_for(emulator, policy(base_delay=0.05))
    assert client.get(emulator, TASKS_PATH)['total_count'] == 2
    arrivals = task_list_arrivals(emulator)
    assert [status for status, _at in arrivals] == [429, 200]
    assert 2 - CLOCK_SLACK <= gaps(arrivals)[0] <= 2 + LATE_SLACK


def test_retry_after_is_capped_by_the_longest_backoff(emulator):
    plan_faults(emulator, status_sequence=[429], retry_after=30)
    client = client_for(emulator, policy(base_delay=0.05, max_delay=1.0))
    assert client.get(emulator, TASKS_PATH)['total_count'] == 2
    assert 1 - CLOCK_SLACK <= gaps(task_list_arrivals(emulator))[0] <= 1 + LATE_SLACK


@pytest.mark.parametrize('jitter, share', [(0.0, 0.5), (0.999, 0.9995)])
def test_backoff_doubles_between_retries_within_its_jitter(emulator, jitter, share):
    plan_faults(emulator, status_sequence=[503, 502, 500])
    client = client_for(emulator, policy(base_delay=0.4, jitter=jitter))
    assert client.get(emulator, TASKS_PATH)['total_count'] == 2
    arrivals = task_list_arrivals(emulator)
    assert [status for status, _at in arrivals] == [503, 502, 500, 200]
    for gap, ceiling in zip(gaps(arrivals), (0.4, 0.8, 1.6)):
        planned = ceiling * share  # full jitter keeps each pause in [ceiling / 2, ceiling)
        assert planned - CLOCK_SLACK <= gap <= planned + LATE_SLACK


def test_retries_stop_after_max_retries(emulator):
    plan_faults(emulator, status_sequence=[503, 503, 503])
    client = client_for(emulator, policy(base_delay=0.05, max_retries=2))
    with pytest.raises(ApiError) as raised:
        client.get(emulator, TASKS_PATH)
    assert raised.value.status == 503 and 'gave up after 3 attempts' in str(raised.value)
    assert [status for status, _at in task_list_arrivals(emulator)] == [503, 503, 503]


def test_a_retry_that_would_end_after_the_deadline_is_not_waited_for(emulator):
    plan_faults(emulator, status_sequence=[429], retry_after=5)
    deadline = time.monotonic() + 3
    client = client_for(emulator, policy(base_delay=0.05, deadline=deadline), deadline=deadline)
    with pytest.raises(ApiError) as raised:
        client.get(emulator, TASKS_PATH)
    # Given up at once: a 5 s pause would end after the deadline, and nothing is sent after it.
    assert raised.value.status == 429 and time.monotonic() < deadline
    assert [status for status, _at in task_list_arrivals(emulator)] == [429]


def test_a_request_the_runs_bound_cuts_short_names_the_bound_not_the_server(emulator):
    plan_faults(emulator, slow_body=1, slow_body_seconds=3)
    deadline = time.monotonic() + 1
    client = client_for(emulator, policy(deadline=deadline), deadline=deadline)
    client.bound_name = 'the time bound of this test'
    with pytest.raises(TimeBoundError) as raised:
        client.get(emulator, TASKS_PATH, action='List the tasks')
    assert str(raised.value) == 'List the tasks failed: the time bound of this test ran out during the request (%s)' % (
        emulator.split('//', 1)[1])


def test_a_slow_answer_within_the_runs_bound_is_the_servers_timeout(emulator):
    plan_faults(emulator, slow_body=1, slow_body_seconds=3)
    client = client_for(emulator, policy(max_retries=0), deadline=time.monotonic() + 60)
    client.timeout = 1
    with pytest.raises(TransportError, match=r'^List the tasks failed: timed out: no complete answer within timeout \(1 s\) '):
        client.get(emulator, TASKS_PATH, action='List the tasks')


class Redirecting(QuietHandler):
    """Answers every request with a redirect to ``target``, its body ``gzipped`` (with Content-Encoding: gzip)
    when not empty; ``target`` records what reaches it."""

    status = 302
    target = None
    gzipped = b''
    reached = []

    def do_GET(self):
        if self.path.startswith('/stolen'):
            self.reached.append(dict(self.headers))
            self.send_answer(200, b'{}', {})
            return
        headers = {'Location': self.target + '/stolen'}
        if self.gzipped:
            headers['Content-Encoding'] = 'gzip'
        try:
            self.send_answer(self.status, self.gzipped, headers)
        except OSError:
            pass  # the client hung up without reading the body


@pytest.fixture
def redirecting():
    Redirecting.reached = []
    Redirecting.gzipped = b''
    with serving(Redirecting) as url:
        Redirecting.target = url.replace('127.0.0.1', 'localhost')
        yield url


@pytest.mark.parametrize('status', [301, 302, 307, 308])
def test_a_redirect_is_reported_and_never_followed(redirecting, status):
    Redirecting.status = status
    client = ApiClient(timeout=5, retry_policy=policy(base_delay=0.05))
    client.auth = StaticTokenAuth('secret-token-value')
    with pytest.raises(TransportError) as raised:
        client.get(redirecting, TASKS_PATH, action='List export tasks')
    message = str(raised.value)
    assert message.startswith('List export tasks failed: HTTP %d redirect to localhost' % status)
    assert 'not followed' in message and 'secret-token-value' not in message
    assert Redirecting.reached == []


@pytest.mark.parametrize('status', [301, 302, 307, 308])
def test_a_redirect_is_not_followed_even_on_a_session_that_would_follow_it(redirecting, status):
    # The client's own session offers no redirect target to follow; a plain requests session does: the request
    # itself must still ask for no redirect.
    Redirecting.status = status
    client = ApiClient(timeout=5, retry_policy=policy(max_retries=0))
    client.session = requests.Session()
    client.auth = StaticTokenAuth('secret-token-value')
    try:
        with pytest.raises(TransportError, match='^List export tasks failed: HTTP %d redirect to localhost' % status):
            client.get(redirecting, TASKS_PATH, action='List export tasks')
    finally:
        client.close()
    assert Redirecting.reached == []


@pytest.mark.parametrize('status', [300, 301, 302, 303, 307, 308])
def test_the_body_of_a_redirect_is_not_read(redirecting, gzip_bomb, status):
    # requests reads (and decompresses) a redirect's body to prepare the request it would follow, even
    # with allow_redirects=False: this one would take twice MAX_ANSWER_BYTES; 300 is no redirect to requests.
    Redirecting.status = status
    Redirecting.gzipped = gzip_bomb
    client = ApiClient(timeout=10, retry_policy=policy(max_retries=0))
    try:
        peak, error = peak_memory_of(TransportError, client.get, redirecting, TASKS_PATH, None, 'List export tasks')
    finally:
        client.close()
    assert str(error).startswith('List export tasks failed: HTTP %d redirect to localhost' % status)
    assert peak < 4 * 1024 * 1024
    assert Redirecting.reached == []
