# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP session for IAM and ModelArts: TLS settings, timeouts, retries,
re-authentication and the mapping of error answers to ``ApiError``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not a supported target
    from urllib import quote  # type: ignore

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by the module's missing_required_lib path
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ApiError,
    AuthenticationError,
    ResponseFormatError,
    TransportError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.retries import (
    RETRYABLE_STATUSES,
    RetryPolicy,
    parse_retry_after,
)
from ansible_collections.mlops.cloud.plugins.module_utils.signer import encode_query

USER_AGENT = 'mlops.cloud-ansible/1.0.0'
REQUEST_ID_HEADERS = ('X-Request-Id', 'X-Openstack-Request-Id', 'X-Compute-Request-Id')


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


def path_segment(value):
    """An id as one URL path segment: a ``/`` or ``?`` in it cannot change the request."""
    return quote(str(value), safe='')


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


class ApiClient:
    """Sends requests on one ``requests.Session``; ``auth`` decorates each one.

    ``auth`` is any object with ``authorize(method, url, headers, body)``
    returning headers, ``reauthenticate(rejected_headers)`` returning True when
    a fresh credential was obtained (so a 401 is worth one more attempt), and
    ``rejection_hint``, what to tell the user when it was not.
    """

    def __init__(self, timeout=30, validate_certs=True, ca_cert=None, retry_policy=None, sleep=time.sleep,
                 pool_size=10):
        self.session = requests.Session()
        # Concurrent page requests each need a pooled connection to reuse.
        adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=max(10, pool_size))
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)
        self.session.headers['User-Agent'] = USER_AGENT
        # Passed with every request: a Session-level verify loses to REQUESTS_CA_BUNDLE /
        # CURL_CA_BUNDLE in the environment (psf/requests#3829), which would ignore ca_cert.
        self._verify = (ca_cert or True) if validate_certs else False
        self.timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy()
        self.auth = None
        self._sleep = sleep

    def close(self):
        self.session.close()

    def get(self, base, path, query=None, action=None):
        return self.request('GET', base, path, query=query, action=action).body

    def request(self, method, base, path, query=None, json_body=None, action=None, authenticate=True):
        """Send one API call, retrying transient failures; return an ``ApiResponse``.

        ``action`` names the call in errors (for example ``list export tasks``);
        it must not contain secrets. Secrets never reach an error: messages are
        built from the status, the API's error fields and the request id only.
        """
        url = build_url(base, path, query)
        action = action or '%s %s' % (method, path)
        body = b'' if json_body is None else json.dumps(json_body).encode('utf-8')
        reauthenticated = False
        retry_number = 0
        while True:
            headers = {'Accept': 'application/json'}
            if json_body is not None:
                headers['Content-Type'] = 'application/json;charset=UTF-8'
            if authenticate and self.auth is not None:
                headers = self.auth.authorize(method, url, headers, body)
            try:
                response = self.session.request(method, url, headers=headers, data=body or None,
                                                timeout=self.timeout, verify=self._verify,
                                                allow_redirects=False)
            except requests.exceptions.RequestException as exc:
                error = TransportError('%s failed: %s' % (action, describe_transport_error(exc)))
                retry_number += 1
                delay = self.retry_policy.delay_before(retry_number) if _is_retryable_transport(exc) else None
                if delay is None:
                    raise _exhausted(error, retry_number)
                self._sleep(delay)
                continue

            if response.status_code < 400:
                return ApiResponse(response.status_code, _decode_json(response, action), response.headers)

            error = _api_error(response, action)
            if response.status_code == 401 and authenticate and self.auth is not None:
                if not reauthenticated and self.auth.reauthenticate(headers):
                    reauthenticated = True
                    continue
                error.add_hint(self.auth.rejection_hint)
            if response.status_code in RETRYABLE_STATUSES:
                retry_number += 1
                delay = self.retry_policy.delay_before(retry_number, error.retry_after)
                if delay is not None:
                    self._sleep(delay)
                    continue
                raise _exhausted(error, retry_number)
            raise error


def _exhausted(error, retry_number):
    if retry_number <= 1:
        return error
    error.args = ('%s (gave up after %d attempts)' % (error.args[0], retry_number),)
    return error


def _is_retryable_transport(exc):
    # A TLS failure, a malformed URL or an unknown host name will not heal by asking again.
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.InvalidURL,
                        requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return False
    if _is_name_resolution_failure(_root_cause_text(exc)):
        return False
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            requests.exceptions.ChunkedEncodingError))


def describe_transport_error(exc):
    """A short reason without the URL's query or any header."""
    if isinstance(exc, requests.exceptions.SSLError):
        return 'TLS error (certificate not trusted? set ca_cert, or validate_certs=false to skip): %s' % _root_cause(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return 'timed out connecting'
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return 'timed out waiting for the answer'
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


def _decode_json(response, action):
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        raise ResponseFormatError('%s failed: HTTP %s answer is not valid JSON (request id %s)' % (
            action, response.status_code, _request_id(response.headers) or 'none'))


def _api_error(response, action):
    try:
        body = response.json()
    except ValueError:
        body = None
    code, message = _error_fields(body)
    if message is None and body is None:
        message = ' '.join(response.text.split())[:200] or response.reason
    error_class = AuthenticationError if response.status_code == 401 else ApiError
    return error_class(action, response.status_code, code, message, _request_id(response.headers),
                       parse_retry_after(response.headers.get('Retry-After')))
