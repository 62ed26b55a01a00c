# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The three ways a request is authorized: AK/SK signature, IAM password token, given token.

Each provider offers ``authorize(method, url, headers, body) -> headers`` and
``reauthenticate() -> bool`` (True when a fresh credential makes a retry of a
401 worthwhile), which is all ``ApiClient`` needs to know.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.mlops.cloud.plugins.module_utils.iam import request_password_token
from ansible_collections.mlops.cloud.plugins.module_utils.signer import sign_request
from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import cache_key

PROJECT_HEADER = 'X-Project-Id'
TOKEN_HEADER = 'X-Auth-Token'


class AkSkAuth:
    """Signs every request; a 401 means the keys or the clock are wrong, so no retry."""

    name = 'AK/SK'
    rejection_hint = ('the AK/SK signature was rejected: check access_key and secret_key (and security_token '
                      'for temporary keys), and that this clock is within 15 minutes of the real time')

    def __init__(self, access_key, secret_key, security_token=None):
        self._access_key = access_key
        self._secret_key = secret_key
        self._security_token = security_token
        self.project_id = None

    def authorize(self, method, url, headers, body):
        headers = dict(headers)
        if self.project_id:
            headers[PROJECT_HEADER] = self.project_id
        return sign_request(method, url, headers, body, self._access_key, self._secret_key,
                            security_token=self._security_token)

    def reauthenticate(self, rejected_headers):
        return False


class StaticTokenAuth:
    """A token the user obtained; there is nothing to refresh it with."""

    name = 'token'
    rejection_hint = 'the given auth_token was rejected: it may have expired (IAM tokens last 24 hours)'

    def __init__(self, token):
        self._token = token

    def authorize(self, method, url, headers, body):
        headers = dict(headers)
        headers[TOKEN_HEADER] = self._token
        return headers

    def reauthenticate(self, rejected_headers):
        return False


class PasswordAuth:
    """An IAM token for user and password, taken from the cache when a fresh one is there."""

    name = 'password'
    rejection_hint = 'the credentials were rejected even with a freshly issued IAM token'

    def __init__(self, client, iam_endpoint, username, password, domain_name,
                 project_name=None, project_id=None, cache=None, on_secret=None):
        self._client = client
        self._iam_endpoint = iam_endpoint
        self._username = username
        self._password = password
        self._domain_name = domain_name
        self._project_name = project_name
        self._project_id = project_id
        self._cache = cache
        # Told of every token the moment it is loaded or issued, so that no message can show it.
        self._on_secret = on_secret or (lambda value: None)
        self._cache_key = cache_key(iam_endpoint, domain_name, username, project_id or project_name)
        self._token = None
        self._lock = threading.Lock()

    def token(self):
        with self._lock:
            if self._token is None and self._cache is not None:
                self._token = self._cache.load(self._cache_key, self._password)
                if self._token is not None:
                    self._on_secret(self._token.value)
            if self._token is None:
                self._token = self._fetch()
            return self._token

    def _fetch(self):
        token = request_password_token(self._client, self._iam_endpoint, self._username, self._password,
                                       self._domain_name, self._project_name, self._project_id)
        self._on_secret(token.value)
        if self._cache is not None:
            self._cache.store(self._cache_key, token, self._password)
        return token

    def authorize(self, method, url, headers, body):
        headers = dict(headers)
        headers[TOKEN_HEADER] = self.token().value
        return headers

    def reauthenticate(self, rejected_headers):
        """A cached or issued token can be revoked or expire early: drop it, ask IAM once more.

        Pages fetched concurrently can all meet the same expired token; only the
        first asks IAM, the others retry with the token it brought back.
        """
        with self._lock:
            current = self._token
            if current is None or current.value == rejected_headers.get(TOKEN_HEADER):
                if self._cache is not None:
                    self._cache.drop(self._cache_key)
                self._token = self._fetch()
        return True
