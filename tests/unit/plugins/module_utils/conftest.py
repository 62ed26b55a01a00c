# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the credential and connection tests (agency, ECS metadata keys, TLS)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.module_utils.client import MAX_ANSWER_BYTES
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import zeros_gzipped

TREE_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))


@pytest.fixture
def no_machine_credentials(monkeypatch, tmp_path):
    """No credentials, proxies or token cache of the machine running the tests."""
    for name in list(os.environ):
        if name.startswith(('OS_', 'HW_', 'HUAWEICLOUD_SDK_')) or name.lower().endswith('_proxy'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))


@pytest.fixture(scope='session')
def gzip_bomb():
    """More than MAX_ANSWER_BYTES of zeros in a gzip stream of about 32 KiB."""
    return zeros_gzipped(MAX_ANSWER_BYTES + 1)


@pytest.fixture
def emulator(emulator_url):
    """The emulator of the test module, reset to its seed data (test files with their own ``emulator`` override it)."""
    assert requests.post(emulator_url + '/_emulator/reset', json={}, timeout=10).status_code == 200
    return emulator_url


@pytest.fixture(scope='module')
def tls_emulator(tmp_path_factory):
    """An emulator serving HTTPS with a throwaway CA: (its URL, the CA's file)."""
    tls_dir = tmp_path_factory.mktemp('tls')
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(path for path in (TREE_ROOT, env.get('PYTHONPATH')) if path)
    with open(str(tls_dir / 'serve.log'), 'wb') as log:
        process = subprocess.Popen([sys.executable, '-m', 'emulator', 'serve', '--port', '0', '--tls-dir', str(tls_dir)],
                                   stdout=subprocess.PIPE, stderr=log, env=env)
        line = process.stdout.readline().decode().strip()
        assert line.startswith('EMULATOR_URL=https://127.0.0.1:'), line
        yield line.split('=', 1)[1], str(tls_dir / 'ca.pem')
        process.terminate()
        assert process.wait(timeout=10) == 0
