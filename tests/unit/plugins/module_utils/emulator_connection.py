# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connections to the emulator as the credential tests open them, and its admin API as they use it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import requests

from ansible_collections.mlops.cloud.plugins.module_utils.connection import connection_argument_spec, open_connection
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor


def configure(url, **config):
    """Change the emulator's settings (``POST /_emulator/config``)."""
    answer = requests.post(url + '/_emulator/config', json=config, timeout=10)
    assert answer.status_code == 200, answer.text


def routes(url):
    """How many requests the emulator served, by route."""
    return requests.get(url + '/_emulator/stats', timeout=10).json()['by_route']


def params(url, **options):
    """The module parameters of a run against the emulator: every connection option's default, then ``options``."""
    values = dict((name, spec.get('default')) for name, spec in connection_argument_spec().items())
    values.update(modelarts_endpoint=url, iam_endpoint=url + '/v3', region='eu-de')
    values.update(options)
    return values


def connect(url, warnings=None, redactor=None, started=None, **options):
    """``open_connection`` as a module run calls it; ``warnings`` (a list) collects what it warns, ``started``
    is when the run began (monotonic seconds; default now)."""
    warnings = [] if warnings is None else warnings
    return open_connection(params(url, **options), redactor or Redactor(), warnings.append,
                           time.monotonic() if started is None else started)


def dataset_names(connection):
    """The names of the datasets ``connection`` lists in its project."""
    body = connection.client.get(connection.modelarts_endpoint, '/v2/%s/datasets' % connection.project_id,
                                 action='List datasets')
    return [dataset['dataset_name'] for dataset in body['datasets']]
