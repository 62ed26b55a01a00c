# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the credential tests (agency, ECS metadata keys)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import requests


@pytest.fixture
def no_machine_credentials(monkeypatch, tmp_path):
    """No credentials, proxies or token cache of the machine running the tests."""
    for name in list(os.environ):
        if name.startswith(('OS_', 'HW_', 'HUAWEICLOUD_SDK_')) or name.lower().endswith('_proxy'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))


@pytest.fixture
def emulator(emulator_url):
    """The emulator of the test module, reset to its seed data (test files with their own ``emulator`` override it)."""
    assert requests.post(emulator_url + '/_emulator/reset', json={}, timeout=10).status_code == 200
    return emulator_url
