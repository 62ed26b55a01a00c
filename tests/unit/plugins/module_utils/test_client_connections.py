# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A connection class made by ``_watched`` is cut with the attempt of the thread that uses it, whether the
attempt opens it or reuses it from the pool: a request stalled on it ends when the attempt's time is up
instead of when the server answers (a local server that holds its answer back).

The client's pools are built from ``_watched`` once, at import; these tests build theirs while they run,
so that what ``_watched`` makes is exercised as it is now, not as it was when the module was loaded."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time
from urllib.parse import urlsplit

import pytest
import urllib3

from ansible_collections.mlops.cloud.plugins.module_utils.client import Watchdog, _watched
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import QuietHandler, serving

# The server holds a stalled answer back this long (or until the test ends); a cut request ends after CUT_AFTER.
STALL_SECONDS = 20
CUT_AFTER = 0.5


class Stalling(QuietHandler):
    """Answers ``/stall`` only once ``release`` is set (or after STALL_SECONDS), anything else at once;
    records the client port (a reused connection shows as the same port) and X-Case header of each request."""

    release = threading.Event()
    seen = []

    def do_GET(self):
        self.seen.append((self.client_address[1], self.headers.get('X-Case')))
        if self.path == '/stall':
            self.release.wait(STALL_SECONDS)
        body = b'{"late": false}' if self.path != '/stall' else b'{"late": true}'
        try:
            self.send_answer(200, body)
        except OSError:
            pass  # the client cut the connection


@pytest.fixture
def server():
    Stalling.release = threading.Event()
    Stalling.seen = []
    with serving(Stalling) as url:  # a ThreadingHTTPServer: its request threads are daemon threads
        yield urlsplit(url).port
        Stalling.release.set()


def watched_pool(port):
    class Pool(urllib3.HTTPConnectionPool):
        ConnectionCls = _watched(urllib3.connection.HTTPConnection)

    return Pool('127.0.0.1', port, maxsize=1, block=True, retries=False, timeout=STALL_SECONDS * 2)


def within_attempt(watchdog, seconds, call):
    """``call()`` as one attempt that the watchdog cuts after ``seconds``."""
    attempt = watchdog.begin(time.monotonic() + seconds)
    try:
        return call()
    finally:
        watchdog.end(attempt)


def test_a_new_connection_is_cut_when_its_attempt_is_over(server):
    watchdog = Watchdog(threading.Event())
    pool = watched_pool(server)
    with pytest.raises(urllib3.exceptions.ProtocolError):
        within_attempt(watchdog, CUT_AFTER, lambda: pool.request('GET', '/stall', headers={'X-Case': 'new'}))
    watchdog.close()
    pool.close()
    assert [case for _port, case in Stalling.seen] == ['new']


def test_a_pooled_connection_reused_by_a_later_attempt_is_cut_with_that_attempt(server):
    watchdog = Watchdog(threading.Event())
    pool = watched_pool(server)
    first = within_attempt(watchdog, STALL_SECONDS, lambda: pool.request('GET', '/fast', headers={'X-Case': 'first'}))
    assert (first.status, first.data) == (200, b'{"late": false}')
    with pytest.raises(urllib3.exceptions.ProtocolError):
        within_attempt(watchdog, CUT_AFTER, lambda: pool.request('GET', '/stall', headers={'X-Case': 'reused'}))
    watchdog.close()
    pool.close()
    (first_port, first_case), (second_port, second_case) = Stalling.seen
    assert (first_case, second_case) == ('first', 'reused')
    assert second_port == first_port  # the second request reused the connection
