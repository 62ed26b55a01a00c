# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token cache's lifecycle: bound to the password, expiry, permissions, corrupt entries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import CachedToken, TokenCache

NOW = 1000000.0
KEY = 'k' * 64


@pytest.fixture
def cache_dir(tmp_path):
    directory = tmp_path / 'tokens'
    directory.mkdir(mode=0o700)
    return str(directory)


def cache(directory, warnings=None, now=NOW):
    return TokenCache(directory, warn=(warnings.append if warnings is not None else None), clock=lambda: now)


def entry_path(directory):
    return os.path.join(directory, KEY + '.json')


def test_a_token_is_served_to_the_same_password_only(cache_dir):
    cache(cache_dir).store(KEY, CachedToken('tok-1', NOW + 86400, 'p1'), 'right-password')
    loaded = cache(cache_dir).load(KEY, 'right-password')
    assert (loaded.value, loaded.project_id) == ('tok-1', 'p1')
    assert cache(cache_dir).load(KEY, 'WRONG') is None
    assert cache(cache_dir).load(KEY, 'right-password ') is None


def test_the_entry_keeps_a_salted_hash_never_the_password(cache_dir):
    for _run in range(2):
        cache(cache_dir).store(KEY, CachedToken('tok-1', NOW + 86400, 'p1'), 'right-password')
        with open(entry_path(cache_dir)) as handle:
            text = handle.read()
        assert 'right-password' not in text
    first = json.loads(text)['secret_check']
    cache(cache_dir).store(KEY, CachedToken('tok-1', NOW + 86400, 'p1'), 'right-password')
    with open(entry_path(cache_dir)) as handle:
        second = json.load(handle)['secret_check']
    assert first['salt'] != second['salt'] and first['hash'] != second['hash']
    assert oct(os.stat(entry_path(cache_dir)).st_mode & 0o777) == '0o600'


def test_a_rotated_password_replaces_the_entry(cache_dir):
    cache(cache_dir).store(KEY, CachedToken('old', NOW + 86400, 'p1'), 'old-password')
    assert cache(cache_dir).load(KEY, 'new-password') is None
    cache(cache_dir).store(KEY, CachedToken('new', NOW + 86400, 'p1'), 'new-password')
    assert cache(cache_dir).load(KEY, 'new-password').value == 'new'
    assert cache(cache_dir).load(KEY, 'old-password') is None


@pytest.mark.parametrize('expires_in,usable', [(3601, True), (3600, False), (10, False), (-10, False)])
def test_a_token_near_its_expiry_is_not_served(cache_dir, expires_in, usable):
    cache(cache_dir).store(KEY, CachedToken('tok', NOW + expires_in, 'p1'), 'pw')
    assert (cache(cache_dir).load(KEY, 'pw') is not None) == usable


@pytest.mark.parametrize('change', [{'token': 12345}, {'token': ''}, {'token': None}, {'token': 'a\nb'},
                                    {'expires_at': 'tomorrow'}, {'expires_at': True}, {'project_id': 7},
                                    {'secret_check': 'x'}, {'secret_check': {'salt': 'AA==', 'hash': 'AA==',
                                                                             'iterations': 10 ** 9}}])
def test_a_malformed_entry_is_ignored_then_replaced(cache_dir, change):
    cache(cache_dir).store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    with open(entry_path(cache_dir)) as handle:
        data = json.load(handle)
    data.update(change)
    with open(entry_path(cache_dir), 'w') as handle:
        json.dump(data, handle)
    assert cache(cache_dir).load(KEY, 'pw') is None
    cache(cache_dir).store(KEY, CachedToken('fresh', NOW + 86400, 'p1'), 'pw')
    assert cache(cache_dir).load(KEY, 'pw').value == 'fresh'


def test_an_entry_readable_by_others_is_ignored_with_a_warning(cache_dir):
    cache(cache_dir).store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    os.chmod(entry_path(cache_dir), 0o640)
    warnings = []
    assert cache(cache_dir, warnings).load(KEY, 'pw') is None
    assert warnings == ['Ignoring token cache file %s: it is readable or writable by other users.' % entry_path(cache_dir)]


def test_a_symlinked_entry_is_not_followed(cache_dir, tmp_path):
    cache(cache_dir).store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    planted = tmp_path / 'planted.json'
    os.rename(entry_path(cache_dir), str(planted))
    os.symlink(str(planted), entry_path(cache_dir))
    assert cache(cache_dir).load(KEY, 'pw') is None


def test_a_directory_others_can_write_is_refused_with_a_chmod_hint(cache_dir):
    os.chmod(cache_dir, 0o777)
    warnings = []
    tokens = cache(cache_dir, warnings)
    tokens.store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    assert not os.path.exists(entry_path(cache_dir))
    assert warnings == ['Token cache directory %s is writable by other users; not using it. Fix with: chmod 700 %s'
                        % (cache_dir, cache_dir)]


@pytest.mark.skipif(os.getuid() != 0, reason='only root can give a directory to another user')
def test_a_directory_owned_by_someone_else_names_the_owner_not_chmod(cache_dir):
    os.chown(cache_dir, 4242, 4242)
    warnings = []
    assert cache(cache_dir, warnings).load(KEY, 'pw') is None
    assert warnings == ['Token cache directory %s is owned by uid 4242, not by this user (uid 0); not using it. '
                        'Remove it or set XDG_CACHE_HOME' % cache_dir]


def test_a_directory_its_group_can_write_is_refused(cache_dir):
    os.chmod(cache_dir, 0o770)
    warnings = []
    assert cache(cache_dir, warnings).load(KEY, 'pw') is None
    assert warnings and 'writable by other users' in warnings[0]


def test_an_entry_its_group_can_write_is_ignored(cache_dir):
    cache(cache_dir).store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    os.chmod(entry_path(cache_dir), 0o620)
    assert cache(cache_dir).load(KEY, 'pw') is None


@pytest.mark.skipif(os.getuid() != 0, reason='only root can give a file to another user')
def test_an_entry_owned_by_someone_else_is_ignored_naming_the_owner(cache_dir):
    cache(cache_dir).store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    os.chown(entry_path(cache_dir), 4242, 4242)
    warnings = []
    assert cache(cache_dir, warnings).load(KEY, 'pw') is None
    assert warnings == ['Ignoring token cache file %s: it is owned by uid 4242, not by this user.' % entry_path(cache_dir)]
