# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Temporary keys of an ECS, read from its metadata service (the agency the ECS was given).

Only when asked (``metadata_credentials``): nothing here runs otherwise, so a machine that is not
an ECS never sends a request to 169.254.169.254. The service is link-local: its requests never go
through a proxy (a proxy would receive the keys, and could not reach the service anyway), so they
use a session of their own that ignores the proxy variables (``trust_env`` off), and no redirect is
followed. The session step (``PUT /meta-data/latest/api/token``) is used when the service has it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
from urllib.parse import urlsplit

try:
    import requests
    from urllib3.util import Timeout
except ImportError:  # pragma: no cover - the module fails earlier with missing_required_lib
    requests = Timeout = None

from ansible_collections.mlops.cloud.plugins.module_utils.client import (
    USER_AGENT,
    AnswerReadError,
    UnredirectedSession,
    describe_transport_error,
    error_from_answer,
    read_answer,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    InterruptedRunError,
    ResponseFormatError,
    TimeBoundError,
    TransportError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.iam import keys_from_credential

DEFAULT_METADATA_ENDPOINT = 'http://169.254.169.254'
SESSION_PATH = '/meta-data/latest/api/token'
KEYS_PATH = '/openstack/latest/securitykey'
SESSION_TTL_HEADER = 'X-Metadata-Token-TTL-Seconds'
SESSION_TOKEN_HEADER = 'X-Metadata-Token'
# The longest session the service grants (6 hours): one session step per run, however long it waits.
SESSION_TTL_SECONDS = 21600
# A service without the session step answers its PUT with one of these.
NO_SESSION_STEP = (404, 405)
# The keys answer is a few hundred bytes.
MAX_METADATA_ANSWER_BYTES = 64 * 1024
NO_AGENCY_HINT = ('this ECS has no agency to take keys from: give it one (Cloud Service Agency), or use other '
                  'credentials than metadata_credentials')
# No proxy, whatever the environment says: requests would otherwise read http_proxy for this URL.
NO_PROXIES = {'http': None, 'https': None}


class MetadataKeySource:
    """Callable: the ECS's current temporary keys (``TemporaryKeys``), read from ``endpoint``.

    ``client`` (the run's ``ApiClient``) lends its ``timeout``, its deadline and its cancel event,
    so that these requests are bounded like every other one. ``on_secret`` is told of the session token.
    """

    def __init__(self, endpoint, client, verify=True, on_secret=None):
        self._endpoint = endpoint.rstrip('/')
        self._host = urlsplit(self._endpoint).netloc
        self._client = client
        self._verify = verify
        self._on_secret = on_secret or (lambda value: None)
        self._session_token = None  # None: not asked yet; '': the service has no session step

    def __call__(self):
        action = 'Reading temporary keys from the ECS metadata service (%s)' % self._host
        if self._session_token is None:
            self._session_token = self._open_session()
        status, headers, content = self._send('GET', KEYS_PATH, self._session_headers(), action)
        if status == 401 and self._session_token and not _no_agency(error_from_answer(status, headers, content, action)):
            # The session token ran out (it lives 6 hours): one new session, one more attempt.
            self._session_token = self._open_session()
            status, headers, content = self._send('GET', KEYS_PATH, self._session_headers(), action)
        if status != 200:
            error = error_from_answer(status, headers, content, action)
            if _no_agency(error):
                error.add_hint(NO_AGENCY_HINT)
            raise error
        try:
            body = json.loads(content.decode('utf-8'))
        except ValueError:
            raise ResponseFormatError('%s failed: the answer is not valid JSON' % action)
        return keys_from_credential(body, action)

    @property
    def session_token(self):
        """The session token in use ('' without the session step, None before the first read)."""
        return self._session_token

    def _session_headers(self):
        return {SESSION_TOKEN_HEADER: self._session_token} if self._session_token else {}

    def _open_session(self):
        """A session token, or '' when the service has no session step (it answers 404 or 405)."""
        action = 'Opening a session with the ECS metadata service (%s)' % self._host
        status, headers, content = self._send('PUT', SESSION_PATH, {SESSION_TTL_HEADER: str(SESSION_TTL_SECONDS)},
                                              action)
        if status in NO_SESSION_STEP:
            return ''
        if status != 200:
            raise error_from_answer(status, headers, content, action)
        token = content.decode('ascii', 'replace').strip()
        if not token or not all(32 < ord(char) < 127 for char in token):
            raise ResponseFormatError('%s failed: the session token is not printable ASCII' % action)
        self._on_secret(token)
        return token

    def _deadline(self, action):
        client = self._client
        if client.cancel.is_set():
            raise InterruptedRunError('%s not sent: the run was interrupted' % action)
        now = time.monotonic()
        if client.deadline is not None and now >= client.deadline:
            raise TimeBoundError('%s not sent: %s ran out' % (action, client.bound_name))
        end = now + client.timeout
        return end if client.deadline is None else min(end, client.deadline)

    def _send(self, method, path, headers, action):
        """(status, headers, body bytes) of one request to the service, never through a proxy."""
        deadline = self._deadline(action)
        headers = dict(headers, **{'User-Agent': USER_AGENT, 'Accept': 'application/json'})
        with UnredirectedSession() as session:
            session.trust_env = False  # no proxy, no ~/.netrc, no REQUESTS_CA_BUNDLE from the environment
            try:
                response = session.request(method, self._endpoint + path, headers=headers, proxies=NO_PROXIES,
                                           timeout=Timeout(total=max(0.001, deadline - time.monotonic())),
                                           verify=self._verify, allow_redirects=False, stream=True)
                try:
                    if 300 <= response.status_code < 400:
                        raise TransportError('%s failed: HTTP %s redirect, not followed; check metadata_endpoint'
                                             % (action, response.status_code))
                    content = read_answer(response, deadline, MAX_METADATA_ANSWER_BYTES)
                    return response.status_code, response.headers, content
                finally:
                    response.close()
            except (requests.exceptions.RequestException, AnswerReadError) as exc:
                raise TransportError('%s failed: %s' % (action, describe_transport_error(exc, self._host)))


def _no_agency(error):
    """Whether the service refused because the ECS has no agency ("Please configure Cloud Service Agency first")."""
    return error.status == 401 and 'agency' in (error.error_msg or '').lower()
