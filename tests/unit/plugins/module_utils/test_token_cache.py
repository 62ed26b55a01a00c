# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token cache's lifecycle: bound to the password, expiry, permissions, corrupt entries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import re
import resource
import tempfile

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import (
    MAX_ENTRY_BYTES, CachedToken, TokenCache, _password_hash, cache_key, default_cache_dir)

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


# Entries crafted by hand, as another version of the collection (or a tamperer) would have written them.
SALT = b'0123456789abcdef'
# PBKDF2-HMAC-SHA256 of 'right-password' with SALT, precomputed: ten million rounds take seconds.
HASH_10M_ROUNDS = 'IO9DaAtSGbvgFq+ecnXlV/rmRweCHRlI5zoCih/t+70='
HASH_10M_PLUS_1_ROUNDS = 'gQQJqW1luRGVcyhI22kU6HSa+wQv5nZ96o2SEbeQoGg='


def b64(raw):
    return base64.b64encode(raw).decode('ascii')


def secret_check(iterations, password='right-password', rounds=None):
    """A check made from ``password``; ``rounds`` (default ``iterations``) is what the hash really took."""
    rounds = iterations if rounds is None else rounds
    return {'salt': b64(SALT), 'iterations': iterations, 'hash': b64(_password_hash(password, SALT, rounds))}


def plant(directory, data, text=None):
    """Write an entry as a 0600 file, the way the cache itself would."""
    handle = os.open(entry_path(directory), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, 'w') as stream:
        stream.write(json.dumps(data) if text is None else text)
    os.chmod(entry_path(directory), 0o600)


def entry(check, token='tok'):
    return {'token': token, 'expires_at': NOW + 86400, 'project_id': 'p1', 'secret_check': check}


def test_default_cache_dir_prefers_xdg_cache_home(monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', '/from-the-environment')
    monkeypatch.setenv('HOME', '/home/someone')
    assert default_cache_dir({'XDG_CACHE_HOME': '/xdg'}) == '/xdg/mlops.cloud/tokens'
    assert default_cache_dir() == '/from-the-environment/mlops.cloud/tokens'


def test_default_cache_dir_falls_back_to_the_home_directory(monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', '/from-the-environment')
    monkeypatch.setenv('HOME', '/home/someone')
    assert default_cache_dir({}) == '/home/someone/.cache/mlops.cloud/tokens'
    assert default_cache_dir({'XDG_CACHE_HOME': ''}) == '/home/someone/.cache/mlops.cloud/tokens'
    monkeypatch.delenv('XDG_CACHE_HOME')
    assert default_cache_dir() == '/home/someone/.cache/mlops.cloud/tokens'


def test_cache_key_ignores_a_trailing_slash_and_missing_fields_alike():
    key = cache_key('https://iam.example/v3', 'dom', 'user', 'proj')
    assert re.match(r'^[0-9a-f]{64}$', key)
    assert cache_key('https://iam.example/v3/', 'dom', 'user', 'proj') == key
    assert cache_key('https://iam.example', None, None, None) == cache_key('https://iam.example/', '', '', '')


def test_cache_key_tells_identities_apart():
    identities = [('https://iam.example', 'dom', 'user', 'proj'), ('https://iam.example/X', 'dom', 'user', 'proj'),
                  ('https://iam.example', 'other-dom', 'user', 'proj'), ('https://iam.example', None, 'user', 'proj'),
                  ('https://iam.example', 'dom', 'other-user', 'proj'), ('https://iam.example', 'dom', None, 'proj'),
                  ('https://iam.example', 'dom', 'user', 'other-proj'), ('https://iam.example', 'dom', 'user', None)]
    keys = [cache_key(*identity) for identity in identities]
    assert len(set(keys)) == len(identities)


@pytest.mark.parametrize('value,usable', [('a b', False), ('ab\x7f', False), ('\x7f', False), (' ', False),
                                          ('!', True), ('~', True), ('!tok~', True)])
def test_a_token_that_cannot_go_into_a_header_as_it_is_is_not_served(cache_dir, value, usable):
    cache(cache_dir).store(KEY, CachedToken(value, NOW + 86400, 'p1'), 'pw')
    loaded = cache(cache_dir).load(KEY, 'pw')
    assert (loaded.value if loaded else None) == (value if usable else None)


def test_a_crafted_well_formed_entry_is_served(cache_dir):
    plant(cache_dir, entry(secret_check(1000)))
    assert cache(cache_dir).load(KEY, 'right-password').value == 'tok'
    assert cache(cache_dir).load(KEY, 'wrong-password') is None


@pytest.mark.parametrize('field', ['salt', 'hash'])
def test_a_secret_check_with_junk_after_its_base64_is_refused(cache_dir, field):
    check = secret_check(1000)
    check[field] += '!'
    plant(cache_dir, entry(check))
    assert cache(cache_dir).load(KEY, 'right-password') is None


@pytest.mark.parametrize('check,usable', [(secret_check(True, rounds=1), False), (secret_check('1000', rounds=1000), False),
                                          (secret_check(1.0, rounds=1), False), (secret_check(0, rounds=1), False),
                                          (secret_check(1), True), (secret_check(2), True)])
def test_the_rounds_of_a_secret_check_must_be_a_sane_integer(cache_dir, check, usable):
    plant(cache_dir, entry(check))
    assert (cache(cache_dir).load(KEY, 'right-password') is not None) == usable


def test_ten_million_rounds_are_the_most_accepted(cache_dir):
    plant(cache_dir, entry({'salt': b64(SALT), 'iterations': 10 ** 7 + 1, 'hash': HASH_10M_PLUS_1_ROUNDS}))
    assert cache(cache_dir).load(KEY, 'right-password') is None
    plant(cache_dir, entry({'salt': b64(SALT), 'iterations': 10 ** 7, 'hash': HASH_10M_ROUNDS}))
    assert cache(cache_dir).load(KEY, 'right-password').value == 'tok'


def test_a_created_directory_is_private_whatever_the_umask(tmp_path):
    directory = str(tmp_path / 'cache' / 'tokens')
    previous = os.umask(0o022)
    try:
        cache(directory).store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    finally:
        os.umask(previous)
    assert oct(os.stat(directory).st_mode & 0o777) == '0o700'
    assert cache(directory).load(KEY, 'pw').value == 'tok'


def test_loading_from_a_missing_directory_does_not_create_it(tmp_path):
    directory = str(tmp_path / 'cache' / 'tokens')
    warnings = []
    tokens = cache(directory, warnings)
    assert tokens.load(KEY, 'pw') is None
    assert not os.path.exists(str(tmp_path / 'cache'))
    tokens.store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    assert tokens.load(KEY, 'pw').value == 'tok'
    assert warnings == []


def test_a_group_writable_directory_is_warned_about_once_and_never_used(cache_dir):
    cache(cache_dir).store(KEY, CachedToken('planted', NOW + 86400, 'p1'), 'pw')
    os.chmod(cache_dir, 0o770)
    with open(entry_path(cache_dir)) as handle:
        planted = handle.read()
    warnings = []
    tokens = cache(cache_dir, warnings)
    assert tokens.load(KEY, 'pw') is None
    tokens.store(KEY, CachedToken('mine', NOW + 86400, 'p1'), 'pw')
    assert tokens.load(KEY, 'pw') is None
    with open(entry_path(cache_dir)) as handle:
        assert handle.read() == planted
    assert warnings == ['Token cache directory %s is writable by other users; not using it. Fix with: chmod 700 %s'
                        % (cache_dir, cache_dir)]


@pytest.mark.skipif(os.getuid() != 0, reason='only root can give a directory to another user')
def test_a_directory_owned_by_someone_else_is_warned_about_once_and_never_used(cache_dir):
    cache(cache_dir).store(KEY, CachedToken('planted', NOW + 86400, 'p1'), 'pw')
    os.chown(cache_dir, 12345, 12345)
    warnings = []
    tokens = cache(cache_dir, warnings)
    assert tokens.load(KEY, 'pw') is None
    assert tokens.load(KEY, 'pw') is None
    assert len(warnings) == 1 and 'owned by uid 12345' in warnings[0]


def padded_entry(directory, size):
    """A valid entry of exactly ``size`` bytes: blanks inside the JSON, so no shorter prefix of it parses."""
    cache(directory).store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    with open(entry_path(directory)) as handle:
        text = handle.read()
    text = text[:-1] + ' ' * (size - len(text)) + '}'
    assert len(text.encode('utf-8')) == size
    plant(directory, None, text)


def test_an_entry_of_the_maximum_size_is_served(cache_dir):
    padded_entry(cache_dir, MAX_ENTRY_BYTES)
    assert cache(cache_dir).load(KEY, 'pw').value == 'tok'


def test_an_entry_over_the_maximum_size_is_ignored(cache_dir):
    padded_entry(cache_dir, MAX_ENTRY_BYTES + 1)
    assert cache(cache_dir).load(KEY, 'pw') is None


def test_a_huge_entry_is_ignored_without_being_read_whole(cache_dir):
    plant(cache_dir, None, '')
    try:
        os.truncate(entry_path(cache_dir), 2 ** 40)  # sparse: takes no disk space
    except OSError:
        pytest.skip('this file system cannot hold a sparse 1 TiB file')
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open('/proc/self/status') as handle:
        in_use = [int(line.split()[1]) * 1024 for line in handle if line.startswith('VmSize:')][0]
    limit = in_use + 2 ** 30  # whatever the overcommit policy, reading it whole fails fast instead of exhausting memory
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    try:
        assert cache(cache_dir).load(KEY, 'pw') is None
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def test_the_cache_works_when_the_system_temporary_directory_is_gone(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path / 'gone'))
    cache(cache_dir).store(KEY, CachedToken('tok', NOW + 86400, 'p1'), 'pw')
    assert cache(cache_dir).load(KEY, 'pw').value == 'tok'
    assert os.listdir(cache_dir) == [KEY + '.json']


def test_a_store_that_fails_half_way_leaves_no_temporary_file(cache_dir):
    cache(cache_dir).store(KEY, CachedToken('tok-1', NOW + 86400, 'p1'), 'pw')
    os.remove(entry_path(cache_dir))
    os.mkdir(entry_path(cache_dir))  # the entry's name is taken by a directory: the rename fails
    cache(cache_dir).store(KEY, CachedToken('tok-2', NOW + 86400, 'p1'), 'pw')
    assert sorted(os.listdir(cache_dir)) == [os.path.basename(entry_path(cache_dir))]
