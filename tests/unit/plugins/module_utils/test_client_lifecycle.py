# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client's life: what every request carries and which settings it is built with (TLS checked by default,
pooled connections per host and how many, the run's bound in its messages, retries that end before the run's
deadline), and the watchdog under its requests (one daemon thread, each attempt cut at its own deadline, asleep
when nothing is in flight, a connection used outside any attempt left alone).

Each test builds its client or ``Watchdog`` while it runs (nothing at import time), and talks only to servers
on 127.0.0.1 started by the test; a read blocked on one end of a socket pair stands for a stalled request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import socket
import ssl
import threading
import time

import pytest
import trustme
import urllib3

from ansible_collections.mlops.cloud.plugins.module_utils import client
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient, Watchdog, _watched
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError, InterruptedRunError, TimeBoundError, TransportError
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import QuietHandler, serving

# How long a test waits for something that should happen at once, before it fails.
PATIENCE = 5.0
# Within this, a watchdog with nothing to watch must not wake up more than IDLE_WAKEUPS times.
QUIET_SECONDS = 1.0
IDLE_WAKEUPS = 5


class Recorder(QuietHandler):
    """Records each request as (client port, path, headers as received); ``/hold`` answers only once ``barrier``
    has all its parties (or after PATIENCE), ``/throttled`` answers 503 with Retry-After: 3, anything else 200."""

    seen = []
    arrived = threading.Event()
    barrier = None

    def do_GET(self):
        self.seen.append((self.client_address[1], self.path, list(self.headers.items())))
        self.arrived.set()
        status, headers = 200, []
        if self.path == '/hold':
            try:
                self.barrier.wait(PATIENCE)
            except threading.BrokenBarrierError:
                pass
        elif self.path == '/throttled':
            status, headers = 503, [('Retry-After', '3')]
        body = b'{"ok": true}' if status == 200 else b'{"error_code": "APIGW.0308", "error_msg": "busy"}'
        try:
            self.send_answer(status, body, headers + [('Content-Type', 'application/json')])
        except OSError:
            pass  # the client hung up first


@pytest.fixture
def servers():
    """``start(context=None)``: the base URL of a new recording server (TLS with an ``ssl.SSLContext``), all of them
    stopped after the test."""
    Recorder.seen = []
    Recorder.arrived = threading.Event()
    Recorder.barrier = None
    with contextlib.ExitStack() as stack:
        yield lambda context=None: stack.enter_context(serving(Recorder, 0.05, context))
        if Recorder.barrier is not None:
            Recorder.barrier.abort()


@pytest.fixture
def api():
    """``make(**settings)``: an ApiClient, closed after the test."""
    made = []

    def make(**settings):
        made.append(ApiClient(**settings))
        return made[-1]

    yield make
    for each in made:
        each.close()


def ports(path):
    return [seen[0] for seen in Recorder.seen if seen[1] == path]


# --- what every request carries ---------------------------------------------------------------------------------

def test_a_request_carries_the_clients_headers_and_its_query_and_no_credentials_from_netrc(servers, api, tmp_path, monkeypatch):
    netrc = tmp_path / 'netrc'
    netrc.write_text('machine 127.0.0.1 login someone password not-for-this-client\n')
    monkeypatch.setenv('NETRC', str(netrc))
    base = servers()
    body = api(timeout=PATIENCE).get(base, '/v1/things', query={'limit': 2, 'name': 'a b/c', 'marker': None})
    assert body == {'ok': True}
    assert len(Recorder.seen) == 1
    path, headers = Recorder.seen[0][1:]
    assert path == '/v1/things?limit=2&name=a%20b%2Fc'
    # The names as they are on the wire; no Authorization (a Basic one from ~/.netrc would replace the signature).
    assert dict(headers) == {
        'Host': base.split('//')[1],
        'User-Agent': 'mlops.cloud-ansible/1.0.0',
        'Accept-Encoding': 'gzip, deflate',
        'Accept': 'application/json',
        'Connection': 'keep-alive',
    }


# --- TLS ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def untrusted_tls(tmp_path_factory):
    """(server context, CA file) of a certificate for 127.0.0.1 from a CA that nothing trusts."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert('127.0.0.1').configure_cert(context)
    ca_file = str(tmp_path_factory.mktemp('ca') / 'ca.pem')
    authority.cert_pem.write_to_path(ca_file)
    return context, ca_file


def test_a_certificate_is_checked_by_default_and_a_failed_check_is_not_retried(servers, api, untrusted_tls):
    base = servers(untrusted_tls[0])
    with pytest.raises(TransportError) as raised:
        api(timeout=PATIENCE).get(base, '/v1/things', action='list things')
    assert str(raised.value).startswith('list things failed: TLS error (certificate not trusted?')
    assert Recorder.seen == []


@pytest.mark.filterwarnings('ignore::urllib3.exceptions.InsecureRequestWarning')
def test_a_certificate_is_trusted_from_ca_cert_and_not_checked_with_validate_certs_false(servers, api, untrusted_tls):
    base = servers(untrusted_tls[0])
    assert api(timeout=PATIENCE, ca_cert=untrusted_tls[1]).get(base, '/v1/things') == {'ok': True}
    assert api(timeout=PATIENCE, validate_certs=False).get(base, '/v1/things') == {'ok': True}
    with pytest.raises(TransportError):
        api(timeout=PATIENCE, validate_certs=True).get(base, '/v1/things')
    assert len(Recorder.seen) == 2


# --- pooled connections -----------------------------------------------------------------------------------------

def concurrently(count, call):
    """``call()`` in ``count`` threads at once; their errors."""
    errors = []

    def run():
        try:
            call()
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    threads = [threading.Thread(target=run) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE * 2)
    return errors


@pytest.mark.parametrize('settings, kept', [({}, 10), ({'pool_size': 4}, 10), ({'pool_size': 12}, 12)])
def test_a_host_keeps_as_many_connections_as_requests_may_be_in_flight_and_at_least_ten(servers, api, settings, kept):
    base = servers()
    shared = api(timeout=PATIENCE * 2, **settings)
    rounds = []
    while len(rounds) < 2:
        Recorder.barrier = threading.Barrier(kept + 1)
        assert concurrently(kept + 1, lambda: shared.get(base, '/hold')) == []
        rounds.append(set(ports('/hold')) - set().union(*rounds))
    # All kept + 1 were open at once; kept of them went back to the pool and served the second round.
    assert [len(ports_of_round) for ports_of_round in rounds] == [kept + 1, 1]
    assert len(ports('/hold')) == 2 * (kept + 1)


def test_idle_connections_are_kept_for_two_hosts_iam_and_modelarts_not_more(servers, api):
    first, second, third = servers(), servers(), servers()
    shared = api(timeout=PATIENCE)
    for base in (first, second, first, second, third, first):
        shared.get(base, '/v1/%s' % base.rsplit(':', 1)[1])
    first_ports, second_ports, third_ports = (ports('/v1/%s' % base.rsplit(':', 1)[1]) for base in (first, second, third))
    assert len(set(second_ports)) == 1 and len(third_ports) == 1
    # The first host's connection served it again after the second host; a third host closed it.
    assert first_ports[0] == first_ports[1] != first_ports[2]


# --- the run's bound --------------------------------------------------------------------------------------------

def test_a_request_after_the_runs_deadline_is_not_sent_and_names_the_bound(servers, api):
    base = servers()
    with pytest.raises(TimeBoundError) as raised:
        api(timeout=PATIENCE, deadline=time.monotonic() - 1).get(base, '/v1/things', action='list things')
    assert str(raised.value) == 'list things not sent: the time bound of this run ran out'
    assert Recorder.seen == []


def test_a_request_after_the_run_was_interrupted_is_not_sent_and_says_so(servers, api):
    base = servers()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(InterruptedRunError) as raised:
        api(timeout=PATIENCE, cancel=cancel).get(base, '/v1/things', action='list things')
    assert str(raised.value) == 'list things not sent: the run was interrupted'
    assert Recorder.seen == []


class ShiftedClock:
    """The client's ``time`` module, ahead of the real clock by ``shift`` seconds."""

    def __init__(self):
        self.shift = 0.0
        self.real = time.monotonic

    def monotonic(self):
        return self.real() + self.shift


def test_by_default_an_attempt_is_cut_thirty_seconds_after_it_began_and_says_so(servers, api, monkeypatch):
    clock = ShiftedClock()
    monkeypatch.setattr(client, 'time', clock)
    base = servers()
    Recorder.barrier = threading.Barrier(2)  # a party that never comes: the answer is held back
    slow = api(retry_policy=RetryPolicy(max_retries=0))
    outcome = []

    def request():
        try:
            slow.get(base, '/hold', action='list things')
        except TransportError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=request)
    thread.start()
    assert Recorder.arrived.wait(PATIENCE)
    clock.shift = 30.0  # the client's clock reads thirty seconds later; the watchdog notices within POLL_SECONDS
    thread.join(PATIENCE)
    assert [str(error) for error in outcome] == [
        'list things failed: timed out: no complete answer within timeout (30 s) (%s)' % base.split('//')[1]]


class LateWatchdog(Watchdog):
    """A watchdog that cuts each attempt a minute after its deadline: the socket timeouts end it first."""

    def begin(self, deadline):
        return super(LateWatchdog, self).begin(deadline + 60)


def test_a_socket_timeout_before_the_watchdog_cuts_reads_as_the_watchdogs_would(servers, api):
    base = servers()
    Recorder.barrier = threading.Barrier(2)  # a party that never comes: the answer is held back
    slow = api(timeout=1, retry_policy=RetryPolicy(max_retries=0))
    slow.watchdog = LateWatchdog(slow.cancel)
    with pytest.raises(TransportError) as raised:
        slow.get(base, '/hold', action='list things')
    assert str(raised.value) == 'list things failed: timed out: no complete answer within timeout (1 s) (%s)' % base.split('//')[1]


def test_without_a_retry_policy_no_retry_is_waited_for_past_the_runs_deadline(servers, api):
    base = servers()
    with pytest.raises(ApiError) as raised:
        api(timeout=PATIENCE, deadline=time.monotonic() + 2).get(base, '/throttled', action='list things')
    assert not isinstance(raised.value, TimeBoundError)
    assert raised.value.status == 503
    assert len(Recorder.seen) == 1


# --- the watchdog -----------------------------------------------------------------------------------------------

class CountingEvent(threading.Event):
    """A cancel event that counts how often it is looked at, and sets ``often`` once that is more than IDLE_WAKEUPS."""

    def __init__(self):
        super(CountingEvent, self).__init__()
        self.looks = 0
        self.often = threading.Event()

    def is_set(self):
        self.looks += 1
        if self.looks > IDLE_WAKEUPS:
            self.often.set()
        return super(CountingEvent, self).is_set()

    def forget(self):
        self.looks = 0
        self.often.clear()


@pytest.fixture
def watchdogs():
    """``make(cancel=None, kind=Watchdog)``: a Watchdog, closed after the test."""
    made = []

    def make(cancel=None, kind=Watchdog):
        made.append(kind(cancel or threading.Event()))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture
def stalled():
    """``stall()``: one end of a socket pair whose reads block until it is shut down (or PATIENCE passes)."""
    pairs = []

    def stall():
        pairs.append(socket.socketpair())
        pairs[-1][0].settimeout(PATIENCE)
        return pairs[-1][0]

    yield stall
    for pair in pairs:
        for sock in pair:
            sock.close()


def cut_in_time(sock):
    """Whether a read blocked on ``sock`` ended because it was shut down, not because PATIENCE ran out."""
    try:
        return sock.recv(1) == b''
    except socket.timeout:
        return False


def test_the_watchdog_is_one_daemon_thread_that_ends_when_it_is_closed(watchdogs):
    # A daemon: a client never closed does not keep the process from exiting; its name tells it in a thread dump.
    watchdog = watchdogs()
    before = set(threading.enumerate())
    first = watchdog.begin(time.monotonic() + 60)
    second = watchdog.begin(time.monotonic() + 60)
    started = [thread for thread in threading.enumerate() if thread not in before]
    assert [(thread.name, thread.daemon) for thread in started] == [('mlops.cloud-watchdog', True)]
    watchdog.end(first)
    watchdog.end(second)
    watchdog.close()
    started[0].join(PATIENCE)
    assert not started[0].is_alive()


def test_attempts_one_after_another_are_each_cut_at_their_own_deadline(watchdogs, stalled):
    watchdog = watchdogs()
    started = time.monotonic()
    for index in range(4):
        sock = stalled()
        attempt = watchdog.begin(time.monotonic() + 0.05)
        attempt.watch(sock)
        assert cut_in_time(sock), index
        assert attempt.reason == 'deadline'
        watchdog.end(attempt)
    # Four deadlines of 0.05 s; a watchdog that slept a second whenever it woke would take four.
    assert time.monotonic() - started < 3.0


class RarelyPolling(Watchdog):
    """A watchdog that looks for ``cancel`` once a minute."""

    POLL_SECONDS = 60.0


def test_the_watchdog_wakes_at_the_nearest_deadline_however_rarely_it_polls_for_cancel(watchdogs, stalled):
    watchdog = watchdogs(kind=RarelyPolling)
    sock = stalled()
    attempt = watchdog.begin(time.monotonic() + 0.2)
    attempt.watch(sock)
    assert cut_in_time(sock)
    assert attempt.reason == 'deadline'
    watchdog.end(attempt)


class FrozenClock:
    """The client's ``time`` module, stopped at ``now``."""

    def __init__(self, now):
        self.now = now

    def monotonic(self):
        return self.now


def test_an_attempt_is_cut_when_its_deadline_is_now_not_a_clock_tick_later(watchdogs, stalled, monkeypatch):
    # A coarse clock (15 ms on some systems) reads the same until it ticks: the deadline is reached when it reads it.
    monkeypatch.setattr(client, 'time', FrozenClock(1000.0))
    watchdog = watchdogs()
    sock = stalled()
    attempt = watchdog.begin(1000.0)
    attempt.watch(sock)
    assert cut_in_time(sock)
    assert attempt.reason == 'deadline'
    watchdog.end(attempt)


def test_an_ended_attempt_leaves_the_watchdog_asleep(watchdogs):
    cancel = CountingEvent()
    watchdog = watchdogs(cancel)
    attempt = watchdog.begin(time.monotonic() + 60)
    watchdog.end(attempt)
    cancel.forget()
    # With nothing in flight there is nothing to poll for: an attempt not forgotten would wake it every POLL_SECONDS.
    assert not cancel.often.wait(QUIET_SECONDS), cancel.looks


def test_a_cut_attempt_leaves_the_watchdog_asleep_while_its_request_gives_up(watchdogs, stalled):
    cancel = CountingEvent()
    watchdog = watchdogs(cancel)
    sock = stalled()
    attempt = watchdog.begin(time.monotonic() + 0.05)
    attempt.watch(sock)
    assert cut_in_time(sock)
    cancel.forget()
    # Cut, the attempt is the watchdog's no more: a deadline past would otherwise have it spin until end().
    assert not cancel.often.wait(QUIET_SECONDS), cancel.looks
    watchdog.end(attempt)


# --- a watched connection outside any attempt -------------------------------------------------------------------

def test_a_watched_connection_used_outside_any_attempt_is_a_plain_connection(servers, watchdogs):
    base = servers()

    class Pool(urllib3.HTTPConnectionPool):
        """Connections made by ``_watched`` now, not at import."""

        ConnectionCls = _watched(urllib3.connection.HTTPConnection)

    pool = Pool('127.0.0.1', int(base.rsplit(':', 1)[1]), maxsize=1, block=True, retries=False, timeout=PATIENCE)
    statuses = []

    def in_a_new_thread():
        statuses.append(pool.request('GET', '/never-in-an-attempt').status)

    thread = threading.Thread(target=in_a_new_thread)
    thread.start()
    thread.join(PATIENCE)
    watchdog = watchdogs()
    attempt = watchdog.begin(time.monotonic() + 60)
    statuses.append(pool.request('GET', '/in-an-attempt').status)
    watchdog.end(attempt)
    statuses.append(pool.request('GET', '/after-the-attempt').status)
    pool.close()
    assert statuses == [200, 200, 200]
    assert [seen[1] for seen in Recorder.seen] == ['/never-in-an-attempt', '/in-an-attempt', '/after-the-attempt']
