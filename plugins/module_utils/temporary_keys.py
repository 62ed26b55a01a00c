# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials that expire within a run: temporary AK/SK (of an agency, or of an ECS's metadata service)
and agency tokens. When to renew them, and a signer that renews its keys.

Temporary keys live 15 minutes by default, so the margin that suits 24-hour tokens (an hour) does
not fit them: a credential is renewed when less than a fifth of its lifetime is left, and at most
five minutes before it expires. A 900 s key is used for 720 s, a 24 h token until 5 minutes before
its end; a request signed with either has at least that long before the cloud would refuse it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time
from typing import Callable, Optional

from ansible_collections.mlops.cloud.plugins.module_utils.signer import SECURITY_TOKEN_HEADER, sign_request

RENEWAL_MARGIN_CAP_SECONDS = 300
RENEWAL_FRACTION = 5
PROJECT_HEADER = 'X-Project-Id'


def renewal_due(obtained_at: float, expires_at: float, now: float) -> bool:
    """Whether a credential valid from ``obtained_at`` to ``expires_at`` is to be renewed at ``now``."""
    margin = min(RENEWAL_MARGIN_CAP_SECONDS, max(0.0, expires_at - obtained_at) / RENEWAL_FRACTION)
    return expires_at - now <= margin


class TemporaryKeys:
    """An access key, its secret key and security token, and when they expire (epoch seconds)."""

    def __init__(self, access: str, secret: str, security_token: str, expires_at: float) -> None:
        self.access = access
        self.secret = secret
        self.security_token = security_token
        self.expires_at = expires_at


class RenewedKeysAuth:
    """Signs every request with temporary keys from ``obtain()``, obtained anew before they expire and
    once when a request signed with them is refused (401).

    ``on_secret`` is told of the secret key and the security token the moment they are obtained.
    """

    def __init__(self, obtain: Callable[[], TemporaryKeys], rejection_hint: str,
                 on_secret: Optional[Callable[[str], None]] = None, clock=time.time) -> None:
        self._obtain = obtain
        self.rejection_hint = rejection_hint
        self._on_secret = on_secret or (lambda value: None)
        self._clock = clock
        self._keys = None  # type: Optional[TemporaryKeys]
        self._obtained_at = 0.0
        self._project_id = None  # type: Optional[str]
        self._lock = threading.Lock()

    def scope_to(self, project_id: str) -> None:
        """Sign requests for ``project_id`` from now on (known only once the project is resolved)."""
        self._project_id = project_id

    def keys(self) -> TemporaryKeys:
        with self._lock:
            if self._keys is None or renewal_due(self._obtained_at, self._keys.expires_at, self._clock()):
                self._keys = self._fetch()
            return self._keys

    def _fetch(self):
        keys = self._obtain()
        for secret in (keys.secret, keys.security_token):
            self._on_secret(secret)
        self._obtained_at = self._clock()
        return keys

    def authorize(self, method, url, headers, body):
        keys = self.keys()
        headers = dict(headers)
        if self._project_id:
            headers[PROJECT_HEADER] = self._project_id
        return sign_request(method, url, headers, body, keys.access, keys.secret, security_token=keys.security_token)

    def reauthenticate(self, rejected_headers) -> bool:
        """Keys can be revoked or expire early (a clock ahead of ours): obtain them once more.

        Pages fetched concurrently can all meet the same expired keys; only the first obtains
        new ones, the others retry with those."""
        with self._lock:
            current = self._keys
            if current is None or current.security_token == rejected_headers.get(SECURITY_TOKEN_HEADER):
                self._keys = self._fetch()
        return True
