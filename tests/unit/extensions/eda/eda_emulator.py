# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the event source tests share: the emulator's project without seed datasets, its admin API, the
arguments a rulebook gives a source to watch it, and a clock the test moves."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import requests

PROJECT_ID = '9f8e7d6c5b4a40312a1b0c9d8e7f6a5b'  # the emulator's eu-nl: no seed datasets
PASSWORD = 'emulator-password'


def admin(url, name, body=None):
    answer = requests.post(url + '/_emulator/' + name, json=body, timeout=10) if body is not None \
        else requests.get(url + '/_emulator/' + name, timeout=10)
    answer.raise_for_status()
    return answer.json()


def add_dataset(url, name, **items):
    return admin(url, 'datasets', dict(dataset_name=name, project_id=PROJECT_ID, **items))['dataset_id']


def requests_served(url):
    return admin(url, 'stats')['total']


def source_args(url, **extra):
    args = dict(modelarts_endpoint=url, iam_endpoint=url + '/v3', username='emulator-user', password=PASSWORD,
                domain_name='emulator-domain', project_id=PROJECT_ID, token_cache=False, interval=1)
    args.update(extra)
    return args


class Clock:
    """Monotonic seconds the test moves on (a full scan is due when it says so)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now
