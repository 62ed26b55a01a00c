# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests


@pytest.fixture
def emulator(emulator_url):
    """The session's emulator, reset to its seed data."""
    requests.post(emulator_url + '/_emulator/reset', json={}, timeout=10).raise_for_status()
    return emulator_url
