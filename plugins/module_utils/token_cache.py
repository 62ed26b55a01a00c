# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM tokens kept between module runs, so polling playbooks ask IAM once a day.

Tokens are secrets: each lives in a 0600 file inside a 0700 directory owned by
the user. A directory that anyone else can write is refused, not repaired: a
planted token would otherwise be used with the user's other credentials.

An entry is served only to the password that obtained it: it keeps a salted
PBKDF2 hash of the password (never the password), checked in constant time.
A wrong password therefore goes to IAM and fails there; a rotated one replaces
the entry. The cost is a few milliseconds a run, enough that a stolen cache file
does not make guessing the password cheap.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import json
import os
import stat
import tempfile
import time
from typing import Callable, Dict, Optional

# Refresh a cached token this long before IAM says it expires, so that a
# token never expires in the middle of a (possibly long, waiting) run.
REFRESH_MARGIN_SECONDS = 3600
# A real entry is a few KiB (an IAM token is a few KiB of base64); anything far larger is not one.
MAX_ENTRY_BYTES = 64 * 1024
# PBKDF2-HMAC-SHA256 rounds for the password check: about 6 ms here. Stored per entry, so it can grow.
PASSWORD_HASH_ITERATIONS = 15000
SALT_BYTES = 16


def _password_hash(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac('sha256', password.encode('utf-8'), salt, iterations)


def _secret_check(password: str) -> Dict:
    """What an entry stores about its password: salt, rounds and hash, never the password."""
    salt = os.urandom(SALT_BYTES)
    return {'salt': base64.b64encode(salt).decode('ascii'), 'iterations': PASSWORD_HASH_ITERATIONS,
            'hash': base64.b64encode(_password_hash(password, salt, PASSWORD_HASH_ITERATIONS)).decode('ascii')}


def _matches(check, password: str) -> bool:
    """True when ``check`` (from a cache file) was made from ``password``; False for any malformed check."""
    try:
        salt = base64.b64decode(check['salt'], validate=True)
        expected = base64.b64decode(check['hash'], validate=True)
        iterations = check['iterations']
    except (TypeError, KeyError, ValueError):
        return False
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 1 <= iterations <= 10 ** 7:
        return False
    return hmac.compare_digest(_password_hash(password, salt, iterations), expected)


def default_cache_dir(environ: Optional[Dict[str, str]] = None) -> str:
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'mlops.cloud', 'tokens')


def cache_key(iam_endpoint: str, domain_name: Optional[str], username: Optional[str], project: Optional[str]) -> str:
    """A file name that identifies the identity without revealing it."""
    material = '\n'.join([iam_endpoint.rstrip('/'), domain_name or '', username or '', project or ''])
    return hashlib.sha256(material.encode('utf-8')).hexdigest()


class CachedToken:
    def __init__(self, value: str, expires_at: float, project_id: Optional[str]) -> None:
        self.value = value
        self.expires_at = expires_at
        self.project_id = project_id


def _token_from(data) -> Optional['CachedToken']:
    """The token an entry holds, or None unless every field has the type IAM gave it."""
    if not isinstance(data, dict):
        return None
    value, expires_at, project_id = data.get('token'), data.get('expires_at'), data.get('project_id')
    if not isinstance(value, str) or not value or not all(32 < ord(char) < 127 for char in value):
        return None  # it goes into an HTTP header as it is
    if isinstance(expires_at, bool) or not isinstance(expires_at, (int, float)):
        return None
    if project_id is not None and not isinstance(project_id, str):
        return None
    return CachedToken(value, float(expires_at), project_id)


class TokenCache:
    """Load, store and drop tokens by key. ``warn`` receives a reason to tell the user."""

    def __init__(self, directory: str, warn: Optional[Callable[[str], None]] = None, clock=time.time) -> None:
        self.directory = directory
        self._warn = warn or (lambda message: None)
        self._clock = clock
        self._usable = None

    def _path(self, key):
        return os.path.join(self.directory, key + '.json')

    def _check_directory(self, create):
        if self._usable is not None:
            return self._usable
        try:
            if create and not os.path.isdir(self.directory):
                os.makedirs(self.directory, 0o700)
            info = os.stat(self.directory)
        except OSError:
            return False  # not there yet (load) or not creatable: no cache, no noise
        if info.st_uid != os.getuid():
            # chmod cannot fix this: only the owner (or root) can.
            self._warn('Token cache directory %s is owned by uid %d, not by this user (uid %d); not using it. '
                       'Remove it or set XDG_CACHE_HOME' % (self.directory, info.st_uid, os.getuid()))
            self._usable = False
        elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            self._warn('Token cache directory %s is writable by other users; not using it. '
                       'Fix with: chmod 700 %s' % (self.directory, self.directory))
            self._usable = False
        else:
            self._usable = True
        return self._usable

    def load(self, key: str, password: str, margin: float = REFRESH_MARGIN_SECONDS) -> Optional[CachedToken]:
        """The token stored under ``key`` for this ``password`` with more than ``margin`` seconds left, or None."""
        if not self._check_directory(create=False):
            return None
        path = self._path(key)
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                return None
            if info.st_uid != os.getuid():
                self._warn('Ignoring token cache file %s: it is owned by uid %d, not by this user.' % (path, info.st_uid))
                return None
            if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                self._warn('Ignoring token cache file %s: it is readable or writable by other users.' % path)
                return None
            with open(path, 'rb') as handle:
                raw = handle.read(MAX_ENTRY_BYTES + 1)
            data = json.loads(raw.decode('utf-8')) if len(raw) <= MAX_ENTRY_BYTES else None
        except (OSError, ValueError, RecursionError):
            return None
        token = _token_from(data)
        if token is None or not _matches(data.get('secret_check'), password):
            return None
        if token.expires_at - margin <= self._clock():
            return None
        return token

    def store(self, key: str, token: CachedToken, password: str) -> None:
        if not self._check_directory(create=True):
            return
        payload = json.dumps({'token': token.value, 'expires_at': token.expires_at,
                              'project_id': token.project_id, 'secret_check': _secret_check(password)})
        try:
            handle, temp_path = tempfile.mkstemp(dir=self.directory, prefix='.tmp-')
        except OSError:
            return  # a cache that cannot be written costs an IAM call next time, nothing more
        try:
            try:
                os.fchmod(handle, 0o600)
                os.write(handle, payload.encode('utf-8'))
            finally:
                os.close(handle)
            os.rename(temp_path, self._path(key))
        except OSError:
            try:
                os.remove(temp_path)  # no half-written token left behind (a full disk, a directory in its place)
            except OSError:
                pass

    def drop(self, key: str) -> None:
        try:
            os.remove(self._path(key))
        except OSError:
            pass
