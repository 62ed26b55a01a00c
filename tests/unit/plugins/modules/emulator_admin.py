# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's admin API, as the module tests use it: reset, add a dataset, read which requests it served."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import requests


def reset(emulator_url):
    assert requests.post(emulator_url + '/_emulator/reset', json={}).status_code == 200


def add_dataset(emulator_url, name, **items):
    """A new dataset with these items (the keys of ``POST /_emulator/datasets``); its ID."""
    answer = requests.post(emulator_url + '/_emulator/datasets', json=dict(items, dataset_name=name))
    assert answer.status_code == 200, answer.text
    return answer.json()['dataset_id']


def list_queries(emulator_url, path_end):
    """The query strings of the served requests whose path ends with ``path_end``, oldest first."""
    served = requests.get(emulator_url + '/_emulator/stats').json()['requests']
    return [entry['query'] for entry in served if entry['path'].endswith(path_end)]


def list_paths(emulator_url):
    """The paths of every request the emulator served, oldest first."""
    return [entry['path'] for entry in requests.get(emulator_url + '/_emulator/stats').json()['requests']]
