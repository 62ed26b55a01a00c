# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM tokens kept between module runs, so polling playbooks ask IAM once a day.

Tokens are secrets: each lives in a 0600 file inside a 0700 directory owned by
the user. A directory that anyone else can write is refused, not repaired: a
planted token would otherwise be used with the user's other credentials.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import stat
import tempfile
import time

# Refresh a cached token this long before IAM says it expires, so that a
# token never expires in the middle of a (possibly long, waiting) run.
REFRESH_MARGIN_SECONDS = 3600


def default_cache_dir(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'mlops.cloud', 'tokens')


def cache_key(iam_endpoint, domain_name, username, project):
    """A file name that identifies the identity without revealing it."""
    material = '\n'.join([iam_endpoint.rstrip('/'), domain_name or '', username or '', project or ''])
    return hashlib.sha256(material.encode('utf-8')).hexdigest()


class CachedToken:
    def __init__(self, value, expires_at, project_id):
        self.value = value
        self.expires_at = expires_at
        self.project_id = project_id


class TokenCache:
    """Load, store and drop tokens by key. ``warn`` receives a reason to tell the user."""

    def __init__(self, directory, warn=None, clock=time.time):
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
        unsafe = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        if unsafe or info.st_uid != os.getuid():
            self._warn('Token cache directory %s is writable by other users or not owned by you; '
                       'not using it. Fix with: chmod 700 %s' % (self.directory, self.directory))
            self._usable = False
        else:
            self._usable = True
        return self._usable

    def load(self, key):
        if not self._check_directory(create=False):
            return None
        path = self._path(key)
        try:
            info = os.stat(path)
            if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO) or info.st_uid != os.getuid():
                self._warn('Ignoring token cache file %s: it is readable or writable by other users.' % path)
                return None
            with open(path) as handle:
                data = json.load(handle)
            token = CachedToken(data['token'], float(data['expires_at']), data.get('project_id'))
        except (OSError, IOError, ValueError, KeyError, TypeError):
            return None
        if token.expires_at - REFRESH_MARGIN_SECONDS <= self._clock():
            return None
        return token

    def store(self, key, token):
        if not self._check_directory(create=True):
            return
        payload = json.dumps({'token': token.value, 'expires_at': token.expires_at,
                              'project_id': token.project_id})
        try:
            handle, temp_path = tempfile.mkstemp(dir=self.directory, prefix='.tmp-')
            try:
                os.fchmod(handle, 0o600)
                os.write(handle, payload.encode('utf-8'))
            finally:
                os.close(handle)
            os.rename(temp_path, self._path(key))
        except OSError:
            # A cache that cannot be written costs an IAM call next time, nothing more.
            return

    def drop(self, key):
        try:
            os.remove(self._path(key))
        except OSError:
            pass
