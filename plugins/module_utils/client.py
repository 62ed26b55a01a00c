# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP session for IAM and ModelArts: TLS settings, timeouts, retries,
re-authentication and the mapping of error answers to ``ApiError``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import socket
import threading
import time
import zlib
from urllib.parse import quote, urlsplit

try:
    import requests
    import urllib3
    from urllib3.util import Timeout
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the module's missing_required_lib path
    requests = urllib3 = Timeout = UnredirectedSession = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    InterruptedRunError,
    ResponseFormatError,
    TimeBoundError,
    TransportError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import clip
from ansible_collections.mlops.cloud.plugins.module_utils.retries import (
    RETRYABLE_STATUSES,
    RetryPolicy,
    parse_retry_after,
)
from ansible_collections.mlops.cloud.plugins.module_utils.signer import encode_query

USER_AGENT = 'mlops.cloud-ansible/1.0.0'
REQUEST_ID_HEADERS = ('X-Request-Id', 'X-Openstack-Request-Id', 'X-Compute-Request-Id')
# The largest answer read, after decompression. A page of 100 export tasks is about 100 KB;
# 1,000 dataset versions about 2 MB.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
# Levels of JSON objects and arrays an answer may have; the APIs' deepest answers have fewer than 10.
MAX_JSON_DEPTH = 64
# A surrogate escape (\\ud800-\\udfff) in a JSON text: only then can a decoded string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(br'\\u[dD][89a-fA-F]')
READ_CHUNK_BYTES = 64 * 1024
IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'))


class ApiResponse:
    """A decoded JSON answer and the headers that came with it."""

    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers


def build_url(base, path, query=None):
    """``base`` + ``path`` with the query encoded exactly as it is signed."""
    url = base.rstrip('/') + path
    pairs = [(key, str(value)) for key, value in (query or {}).items() if value is not None]
    return url + ('?' + encode_query(pairs) if pairs else '')


def path_segment(value, option='id'):
    """An id as one URL path segment: a ``/`` or ``?`` in it cannot change the request.

    ``.`` and ``..`` would be resolved as dot segments (``..`` would list the
    project's export tasks instead of a dataset's), so they are refused, naming ``option``.
    """
    value = str(value)
    if value.strip() in ('', '.', '..'):
        raise ConfigurationError('%s must be an id, not %r' % (option, value))
    return quote(value, safe='')


def _error_fields(body):
    """(code, message) from any of the error shapes the two clouds use."""
    if not isinstance(body, dict):
        return None, None
    nested = body.get('error')
    if isinstance(nested, dict):
        code = body.get('error_code') or nested.get('error_code') or nested.get('code')
        message = body.get('error_msg') or nested.get('message') or nested.get('title')
        return _text(code), _text(message)
    for code_key, message_key in (('error_code', 'error_msg'), ('errorCode', 'errorMsg'), ('code', 'message')):
        if code_key in body or message_key in body:
            return _text(body.get(code_key)), _text(body.get(message_key))
    return None, None


def _text(value):
    return None if value is None else str(value)


def _request_id(headers):
    for name in REQUEST_ID_HEADERS:
        if headers.get(name):
            return headers[name]
    return None


# The attempt each thread is making, so that the connection it uses can be cut from the watchdog.
_CURRENT = threading.local()


class _Attempt:
    """One attempt's deadline and the sockets it uses; ``cut()`` shuts them down from another thread."""

    def __init__(self, deadline):
        self.deadline = deadline
        self.reason = None  # 'deadline' or 'cancel' once cut
        self._sockets = []
        self._finished = False
        self._lock = threading.Lock()

    def watch(self, sock):
        """Cut ``sock`` with this attempt; at once when the attempt was cut already."""
        if sock is None:
            return
        with self._lock:
            if self._finished:
                return
            self._sockets.append(sock)
            if self.reason is not None:
                _shut(sock)

    def cut(self, reason):
        with self._lock:
            if self._finished or self.reason is not None:
                return
            self.reason = reason
            for sock in self._sockets:
                _shut(sock)

    def finish(self):
        with self._lock:
            self._finished = True
            self._sockets = []


def _shut(sock):
    """Shut ``sock`` down so that a read blocked on it in another thread returns now.

    ``socket.socket.shutdown`` is called directly: ``SSLSocket.shutdown`` would also drop the TLS
    object under the reading thread's feet. Closing is left to the thread that owns the socket."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError, TypeError):
        pass  # already closed, detached by the TLS wrapper, or never connected


class Watchdog:
    """Cuts the connection under every attempt whose time is up, and under all of them once ``cancel`` is set.

    A socket timeout bounds each read, not an attempt: a server that sends its headers a byte a
    second, or ``100 Continue`` answers without end, never lets one read time out. One daemon thread
    per client wakes at the nearest deadline (and every ``POLL_SECONDS`` while requests are in flight,
    to see ``cancel``) and shuts their sockets down, so blocked reads return and no thread outlives the run.
    """

    POLL_SECONDS = 0.05

    def __init__(self, cancel):
        self._cancel = cancel
        self._attempts = set()
        self._condition = threading.Condition()
        self._thread = None
        self._closed = False

    def begin(self, deadline):
        attempt = _Attempt(deadline)
        _CURRENT.attempt = attempt
        with self._condition:
            if self._closed or self._cancel.is_set():
                # Begun as the run ends: no thread would cut it later, so it is cut from the start.
                attempt.cut('cancel')
                return attempt
            self._attempts.add(attempt)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name='mlops.cloud-watchdog')
                self._thread.daemon = True
                self._thread.start()
            self._condition.notify()
        return attempt

    def end(self, attempt):
        _CURRENT.attempt = None
        attempt.finish()
        with self._condition:
            self._attempts.discard(attempt)

    def close(self):
        """Stop watching; an attempt still in flight (another page, after a failure) is cut first."""
        with self._condition:
            for attempt in self._attempts:
                attempt.cut('cancel')
            self._attempts.clear()
            self._closed = True
            self._condition.notify()

    def _watch(self):
        with self._condition:
            while not self._closed:
                now = time.monotonic()
                cancelled = self._cancel.is_set()
                for attempt in [attempt for attempt in self._attempts if cancelled or attempt.deadline <= now]:
                    attempt.cut('cancel' if cancelled else 'deadline')
                    self._attempts.discard(attempt)
                if self._attempts:
                    nearest = min(attempt.deadline for attempt in self._attempts)
                    self._condition.wait(max(0.0, min(nearest - now, self.POLL_SECONDS)))
                else:
                    self._condition.wait()


def _watched(connection_class):
    """``connection_class`` whose sockets are cut with the attempt of the thread that uses them."""

    class WatchedConnection(connection_class):
        def _new_conn(self):
            sock = super(WatchedConnection, self)._new_conn()
            _watch_current(sock)  # the TLS handshake and the first request read from it
            return sock

        def request(self, *args, **kwargs):
            _watch_current(self.sock)  # a pooled connection reused by a later attempt
            return super(WatchedConnection, self).request(*args, **kwargs)

    WatchedConnection.__name__ = 'Watched' + connection_class.__name__
    return WatchedConnection


def _watch_current(sock):
    attempt = getattr(_CURRENT, 'attempt', None)
    if attempt is not None:
        attempt.watch(sock)


if HAS_REQUESTS:
    class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
        ConnectionCls = _watched(urllib3.connection.HTTPConnection)

    class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = _watched(urllib3.connection.HTTPSConnection)

    WATCHED_POOLS = {'http': _WatchedHTTPPool, 'https': _WatchedHTTPSPool}

    class UnredirectedSession(requests.Session):
        """A session that neither follows a redirect nor reads its body.

        Even with ``allow_redirects=False``, ``requests`` prepares the redirect it would have followed
        (``Response.next``), and to do so reads the redirect's body whole, decompressed and without bound:
        a 302 with a 200 KB gzip body took 400 MB. Without a redirect target it prepares nothing and reads nothing."""

        def get_redirect_target(self, resp):
            return None

    class _WatchedAdapter(requests.adapters.HTTPAdapter):
        """Pools whose connections the ``Watchdog`` can cut, directly and through an HTTP(S) proxy."""

        def init_poolmanager(self, *args, **kwargs):
            super(_WatchedAdapter, self).init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = WATCHED_POOLS

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            manager = super(_WatchedAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)
            manager.pool_classes_by_scheme = WATCHED_POOLS
            return manager


class ApiClient:
    """Sends requests on one ``requests.Session``; ``auth`` decorates each one.

    ``auth`` is any object with ``authorize(method, url, headers, body)``
    returning headers, ``reauthenticate(rejected_headers)`` returning True when
    a fresh credential was obtained (so a 401 is worth one more attempt), and
    ``rejection_hint``, what to tell the user when it was not.

    The server decides nothing about the run's cost: each attempt (connect,
    headers, body) ends within ``timeout`` seconds, an answer larger than
    ``MAX_ANSWER_BYTES`` after decompression is refused while it is read,
    redirects are reported instead of followed, and nothing is sent after
    ``deadline`` (monotonic seconds) or once ``cancel`` is set.
    """

    def __init__(self, timeout=30, validate_certs=True, ca_cert=None, retry_policy=None,
                 pool_size=10, deadline=None, bound_name='the time bound of this run', cancel=None, budget=None):
        self.session = UnredirectedSession()
        # Concurrent page requests each need a pooled connection to reuse.
        adapter = _WatchedAdapter(pool_connections=2, pool_maxsize=max(10, pool_size))
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)
        self.session.headers['User-Agent'] = USER_AGENT
        # Only what read_answer can decode with a bound on its output.
        self.session.headers['Accept-Encoding'] = 'gzip, deflate'
        # No Basic auth from ~/.netrc or a user:password@ URL: it would replace the AK/SK signature.
        self.session.auth = _no_session_auth
        # Passed with every request: a Session-level verify loses to REQUESTS_CA_BUNDLE /
        # CURL_CA_BUNDLE in the environment (psf/requests#3829), which would ignore ca_cert.
        self._verify = (ca_cert or True) if validate_certs else False
        self.timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy(deadline=deadline)
        self.deadline = deadline
        self.bound_name = bound_name
        self.cancel = cancel or threading.Event()
        self.watchdog = Watchdog(self.cancel)
        # The bytes of the answers a gathering keeps (budget.ResultBudget), or None for no bound but MAX_ANSWER_BYTES.
        self.budget = budget
        self.auth = None

    def close(self):
        self.watchdog.close()
        self.session.close()

    def get(self, base, path, query=None, action=None):
        return self.request('GET', base, path, query=query, action=action).body

    def request(self, method, base, path, query=None, json_body=None, action=None, authenticate=True,
                idempotent=None, auth=None):
        """Send one API call, retrying transient failures; return an ``ApiResponse``.

        ``action`` names the call in errors (for example ``list export tasks``);
        it must not contain secrets. Secrets never reach an error: messages are
        built from the status, the API's error fields and the request id only.

        A request that may have reached the server (a 5xx, a read timeout) is sent
        again only when repeating it is harmless: by default for GET, HEAD, PUT and
        DELETE; a POST opts in with ``idempotent=True``. Throttling (429) and
        connect timeouts are retried for every method: the server did not act.

        ``auth`` authorizes this request instead of the client's own (an agency is assumed with the
        credentials it is assumed on top of).
        """
        auth = self.auth if auth is None else auth
        repeatable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        url = build_url(base, path, query)
        host = _host_of(url)
        action = action or '%s %s' % (method, path)
        body = b'' if json_body is None else json.dumps(json_body).encode('utf-8')
        reauthenticated = False
        retry_number = 0
        while True:
            attempt_deadline = self._attempt_deadline(action)
            headers = {'Accept': 'application/json'}
            if json_body is not None:
                headers['Content-Type'] = 'application/json;charset=UTF-8'
            if authenticate and auth is not None:
                headers = auth.authorize(method, url, headers, body)
            attempt = self.watchdog.begin(attempt_deadline)
            try:
                status, answer_headers, content = self._send(method, url, headers, body, attempt_deadline, action)
                if attempt.reason is not None:
                    raise _CutOff()
            except (requests.exceptions.RequestException, AnswerReadError, _CutOff) as exc:
                if attempt.reason == 'cancel':
                    raise InterruptedRunError('%s cancelled: the run was interrupted' % action)
                connect_timeout = isinstance(exc, requests.exceptions.ConnectTimeout)
                if not connect_timeout and (attempt.reason == 'deadline' or _answer_timed_out(exc)):
                    # The watchdog or a socket timeout, whichever came first: the same for the user. The watchdog
                    # cannot cut a connection still being made (it has no socket yet), but reaches its deadline as
                    # the connect timeout does: that is still a connect timeout, which every method may retry.
                    exc = AnswerReadError('timed out: no complete answer within timeout (%d s)' % self.timeout,
                                          retryable=True, timed_out=True)
                if self._run_bound_ended(attempt_deadline, exc):
                    # The run's bound cut this attempt short, not the server's slowness within timeout.
                    raise TimeBoundError('%s failed: %s ran out during the request (%s)' % (
                        action, self.bound_name, host))
                error = TransportError('%s failed: %s' % (action, describe_transport_error(exc, host)))
                retry_number += 1
                retryable = _is_retryable_transport(exc) and (repeatable or connect_timeout)
                delay = self.retry_policy.delay_before(retry_number) if retryable else None
                if delay is None:
                    raise _exhausted(error, retry_number)
                self._pause(delay)
                continue
            finally:
                self.watchdog.end(attempt)

            if 300 <= status < 400:
                raise _redirect_error(action, status, answer_headers)
            if status < 400:
                if self.budget is not None:
                    self.budget.charge_bytes(len(content), action)
                return ApiResponse(status, _decode_json(content, status, answer_headers, action, host), answer_headers)

            error = _api_error(status, answer_headers, content, action)
            if status == 401 and authenticate and auth is not None:
                if not reauthenticated and auth.reauthenticate(headers):
                    reauthenticated = True
                    continue
                error.add_hint(auth.rejection_hint)
            if status in RETRYABLE_STATUSES and (repeatable or status == 429):
                retry_number += 1
                delay = self.retry_policy.delay_before(retry_number, error.retry_after)
                if delay is not None:
                    self._pause(delay)
                    continue
                raise _exhausted(error, retry_number)
            raise error

    def _run_bound_ended(self, attempt_deadline, exc):
        """Whether ``exc`` is a timeout of an attempt that the run's deadline, not ``timeout``, ended."""
        timed_out = isinstance(exc, requests.exceptions.Timeout) or getattr(exc, 'timed_out', False)
        return (timed_out and self.deadline is not None and attempt_deadline >= self.deadline
                and time.monotonic() >= self.deadline)

    def _attempt_deadline(self, action):
        """When the next attempt must be over: ``timeout`` from now, never after the run's deadline."""
        if self.cancel.is_set():
            raise InterruptedRunError('%s not sent: the run was interrupted' % action)
        now = time.monotonic()
        if self.deadline is not None and now >= self.deadline:
            raise TimeBoundError('%s not sent: %s ran out' % (action, self.bound_name))
        end = now + self.timeout
        return end if self.deadline is None else min(end, self.deadline)

    def _pause(self, seconds):
        """Sleep before a retry; an interruption ends the sleep at once."""
        if self.cancel.wait(seconds):
            raise InterruptedRunError('Interrupted while waiting to retry a request')

    def _send(self, method, url, headers, body, deadline, action):
        """(status, headers, body bytes) of one attempt, all of it received before ``deadline``.

        A successful answer is read no further than what the run's budget has left."""
        remaining = max(0.001, deadline - time.monotonic())
        response = self.session.request(method, url, headers=headers, data=body or None,
                                        timeout=Timeout(total=remaining), verify=self._verify,
                                        allow_redirects=False, stream=True)
        try:
            if 300 <= response.status_code < 400:
                return response.status_code, response.headers, b''
            limit = MAX_ANSWER_BYTES
            if self.budget is not None and response.status_code < 400:
                limit = min(limit, self.budget.bytes_left())
            try:
                return response.status_code, response.headers, read_answer(response, deadline, limit)
            except AnswerReadError as exc:
                if exc.too_large and limit < MAX_ANSWER_BYTES:
                    raise self.budget.bytes_exceeded(action)
                raise
        finally:
            response.close()


def _no_session_auth(request):
    return request


def _host_of(url):
    """``host[:port]`` of a URL (endpoints with user:password@ are refused before any request)."""
    return urlsplit(url).netloc.rpartition('@')[2]


class AnswerReadError(Exception):
    """The answer's body could not be read within the bounds (internal to the client)."""

    def __init__(self, reason, retryable, timed_out=False, too_large=False):
        super(AnswerReadError, self).__init__(reason)
        self.retryable = retryable
        self.timed_out = timed_out
        self.too_large = too_large


class _CutOff(Exception):
    """The attempt was cut just as its answer ended: what was read may be short of what was sent. Handled as
    the cut itself is (a timeout or an interruption), never shown."""


def _decoder(content_encoding):
    """A zlib decompressor for the answer's Content-Encoding, None for identity."""
    encoding = (content_encoding or '').strip().lower()
    if encoding in ('', 'identity'):
        return None
    if encoding in ('gzip', 'x-gzip', 'deflate'):
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # detects the gzip or zlib header
    raise AnswerReadError('the answer uses Content-Encoding %s, which was not asked for'
                          % ' '.join(encoding.split())[:40], retryable=False)


def _set_read_timeout(raw, seconds):
    # Each socket read may take at most what is left of the attempt, so a body
    # trickling a byte at a time cannot stretch it.
    sock = getattr(getattr(raw, 'connection', None), 'sock', None)
    if sock is not None:
        sock.settimeout(seconds)


def read_answer(response, deadline, limit=None):
    """The answer's body, decompressed, at most ``limit`` bytes, read before ``deadline``."""
    limit = MAX_ANSWER_BYTES if limit is None else limit
    raw = response.raw
    decoder = _decoder(response.headers.get('Content-Encoding'))
    read = getattr(raw, 'read1', None) or raw.read
    body = bytearray()
    compressed = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AnswerReadError('timed out reading the answer', retryable=True, timed_out=True)
            _set_read_timeout(raw, remaining)
            chunk = read(READ_CHUNK_BYTES, decode_content=False)
            if not chunk:
                break
            compressed = True
            body += decoder.decompress(chunk, limit - len(body) + 1) if decoder else chunk
            if decoder and decoder.unused_data:
                # zlib keeps what follows the end of its stream, unread and unbounded, until it is asked for.
                raise AnswerReadError('the answer has data after the end of its compressed stream', retryable=False)
            if len(body) > limit:
                raise AnswerReadError('the answer is larger than %d bytes; refusing to read more'
                                      % limit, retryable=False, too_large=True)
        if decoder:
            body += decoder.flush()
            if compressed and not decoder.eof:
                # flush() does not complain about a stream that stops short: what came would pass as the whole answer.
                raise zlib.error
    except zlib.error:
        raise AnswerReadError('the answer is not valid compressed data', retryable=False)
    except (urllib3.exceptions.ReadTimeoutError, socket.timeout):
        raise AnswerReadError('timed out reading the answer', retryable=True, timed_out=True)
    except (urllib3.exceptions.HTTPError, OSError):
        raise AnswerReadError('connection broken while reading the answer', retryable=True)
    if len(body) > limit:
        raise AnswerReadError('the answer is larger than %d bytes; refusing to read more' % limit,
                              retryable=False, too_large=True)
    return bytes(body)


def _answer_timed_out(exc):
    """Whether ``exc`` is a timeout after the connection was made (headers or body)."""
    return getattr(exc, 'timed_out', False) or isinstance(exc, requests.exceptions.ReadTimeout)


def _exhausted(error, retry_number):
    if retry_number <= 1:
        return error
    error.args = ('%s (gave up after %d attempts)' % (error.args[0], retry_number),)
    return error


def _is_retryable_transport(exc):
    if isinstance(exc, AnswerReadError):
        return exc.retryable
    # A TLS failure, a malformed URL or an unknown host name will not heal by asking again.
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.InvalidURL,
                        requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return False
    if _is_name_resolution_failure(_root_cause_text(exc)):
        return False
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            requests.exceptions.ChunkedEncodingError))


def describe_transport_error(exc, host):
    """A short reason naming the host, without the URL's path, query or any header."""
    return '%s (%s)' % (_transport_reason(exc), host)


def _transport_reason(exc):
    if isinstance(exc, AnswerReadError):
        return str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return 'TLS error (certificate not trusted? set ca_cert, or validate_certs=false to skip): %s' % _root_cause(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return 'timed out connecting'
    if isinstance(exc, requests.exceptions.ConnectionError):
        return 'connection failed: %s' % _root_cause(exc)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return 'connection broken while reading the answer'
    return '%s: %s' % (type(exc).__name__, _root_cause(exc))


def _is_name_resolution_failure(text):
    return any(marker in text for marker in (
        'Name or service not known', 'nodename nor servname', 'Temporary failure in name resolution',
        'No address associated with hostname', 'Failed to resolve'))


def _root_cause_text(exc):
    cause = exc
    seen = set()
    while True:
        inner = getattr(cause, 'reason', None) or cause.__cause__ or cause.__context__
        if inner is None or id(inner) in seen or not isinstance(inner, BaseException):
            break
        seen.add(id(inner))
        cause = inner
    return ' '.join(str(cause).split()) or type(cause).__name__


def _root_cause(exc):
    text = _root_cause_text(exc)
    if _is_name_resolution_failure(text):
        return 'host name could not be resolved (%s)' % text
    if 'Connection refused' in text:
        return 'connection refused (%s)' % text
    return text


def _parse_json(content):
    """The decoded document, or raise ValueError with the reason."""
    try:
        document = json.loads(content.decode('utf-8'))
    except RecursionError:
        # The decoder's own stack limit: no API answer nests this deep.
        raise ValueError('nested too deeply')
    if _nests_deeper_than(document, MAX_JSON_DEPTH):
        # Below the decoder's limit, a document can still be too deep for Ansible's serializer.
        raise ValueError('nested too deeply (more than %d levels)' % MAX_JSON_DEPTH)
    if _SURROGATE_ESCAPE.search(content) and _holds_lone_surrogate(document):
        # Valid JSON, but not text: Ansible refuses it later, naming no host (and a lookup would pass it on).
        raise ValueError('not valid Unicode (a lone surrogate in a string)')
    return document


def _holds_lone_surrogate(document):
    """Whether a string of ``document`` (a key or a value) holds a surrogate that is not part of a pair."""
    try:
        json.dumps(document, ensure_ascii=False).encode('utf-8')
    except UnicodeEncodeError:
        return True
    return False


def _nests_deeper_than(document, limit):
    """Whether ``document`` has more than ``limit`` levels of objects and arrays (walked without recursion)."""
    pending = [(document, 1)] if isinstance(document, (dict, list)) else []
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _decode_json(content, status, headers, action, host):
    if not content:
        return {}
    try:
        return _parse_json(content)
    except ValueError as exc:
        reason = str(exc) if str(exc).startswith(('nested', 'not valid Unicode')) else 'not valid JSON'
        raise ResponseFormatError('%s failed: HTTP %s answer is %s (from %s, request id %s)' % (
            action, status, reason, host, _request_id(headers) or 'none'))


def _redirect_error(action, status, headers):
    """A redirect is never followed: it would carry the credentials to wherever it points."""
    location = headers.get('Location') or ''
    target = _host_of(location) if '//' in location else 'the same host'
    return TransportError('%s failed: HTTP %s redirect to %s, not followed (credentials are not sent on); '
                          'check modelarts_endpoint and iam_endpoint' % (action, status, clip(target, 100)))


def error_from_answer(status, headers, content, action):
    """The ``ApiError`` (``AuthenticationError`` for 401) an error answer means, for callers with their own session."""
    return _api_error(status, headers, content, action)


def _api_error(status, headers, content, action):
    try:
        body = _parse_json(content)
    except ValueError:
        body = None
    code, message = _error_fields(body)
    if message is None and body is None:
        # ApiError quotes it clipped: scrubbed on the whole text before it is cut.
        message = content.decode('utf-8', 'replace').strip() or None
    error_class = AuthenticationError if status == 401 else ApiError
    return error_class(action, status, code, message, _request_id(headers),
                       parse_retry_after(headers.get('Retry-After')))
