# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail if any secret appears in an ansible-playbook log, or if the token cache is not private.

Arguments: the log file, the XDG_CACHE_HOME the playbooks ran with. The IAM
tokens to look for are the raw token from MLOPS_TEST_TOKEN and every token
the module cached (the cache is the one place a token may be written).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import sys

SEED_SECRETS = [
    'emulator-password',
    'emulator-sk-0000000000000000000000000001',
    'emulator-tmp-sk-00000000000000000000000002',
    'emulator-security-token-0002',
]


def cached_tokens(cache_home):
    directory = os.path.join(cache_home, 'mlops.cloud', 'tokens')
    problems = []
    tokens = []
    if stat.S_IMODE(os.stat(directory).st_mode) != 0o700:
        problems.append('token cache directory %s is not 0700' % directory)
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if stat.S_IMODE(os.stat(path).st_mode) != 0o600:
            problems.append('token cache file %s is not 0600' % path)
        with open(path) as handle:
            tokens.append(json.load(handle)['token'])
    if not tokens:
        problems.append('no token was cached in %s' % directory)
    return tokens, problems


def main():
    log_path, cache_home = sys.argv[1], sys.argv[2]
    with open(log_path) as handle:
        log = handle.read()
    tokens, problems = cached_tokens(cache_home)
    secrets = SEED_SECRETS + tokens + [os.environ['MLOPS_TEST_TOKEN']]
    for secret in secrets:
        if secret in log:
            problems.append('a secret (%s...) appears in %s' % (secret[:4], log_path))
    if 'fatal: [localhost]' not in log or 'ok: [localhost]' not in log:
        problems.append('the log does not hold both successful and failed runs')
    if problems:
        sys.exit('\n'.join(problems))
    print('checked %d secrets against %d bytes of -vvvv output: none found' % (len(secrets), len(log)))


if __name__ == '__main__':
    main()
