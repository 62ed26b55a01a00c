# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each attempt ends when its time is up however the server stalls it, and an interrupted or
closed client leaves no request running: the emulator as a real process, over HTTP and HTTPS.

A socket timeout alone bounds each read, not the attempt: headers sent a byte a second and
``100 Continue`` answers without end both kept a request alive for minutes before the watchdog."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys
import threading
import time

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.module_utils.auth import AkSkAuth
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient
from ansible_collections.mlops.cloud.plugins.module_utils.errors import InterruptedRunError, TransportError
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy

TREE_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
PATH = '/v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9/datasets/dataset250xxxxxxxxxx/export-tasks'
# The stalls last minutes; an attempt that is not cut fails these tests by outliving this.
HANG_LIMIT = 30


@pytest.fixture(scope='module', params=['http', 'https'])
def emulator(request, tmp_path_factory):
    """(url, ca_cert or None) of an emulator process; HTTPS with a CA made for it by trustme."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in (TREE_ROOT, os.environ.get('PYTHONPATH')) if path))
    command = [sys.executable, '-m', 'emulator', 'serve', '--port', '0']
    tls_dir = None
    if request.param == 'https':
        tls_dir = str(tmp_path_factory.mktemp('tls'))
        command += ['--tls-dir', tls_dir]
    with open(str(tmp_path_factory.mktemp('emulator') / 'serve.log'), 'wb') as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, env=env)
        line = process.stdout.readline().decode().strip()
        assert line.startswith('EMULATOR_URL=http'), line
        ca_cert = os.path.join(tls_dir, 'ca.pem') if tls_dir else None
        yield line.split('=', 1)[1], ca_cert
        process.terminate()
        process.wait(timeout=10)


def admin(emulator, name, body=None):
    url, ca_cert = emulator
    answer = requests.request('POST' if body is not None else 'GET', url + '/_emulator/' + name, json=body,
                              verify=ca_cert or True, timeout=10)
    answer.raise_for_status()
    return answer.json()


def stalled(emulator, kind):
    """The next requests stall: headers a byte every 0.2 s (no read waits long), or 100 Continue without end."""
    admin(emulator, 'reset', {})
    admin(emulator, 'faults', {kind: 50, 'trickle_seconds': 0.2})


def client(emulator, timeout=1, **kwargs):
    kwargs.setdefault('retry_policy', RetryPolicy(max_retries=0))
    api = ApiClient(timeout=timeout, ca_cert=emulator[1], **kwargs)
    api.auth = AkSkAuth('EMULATORAK0000000001', 'emulator-sk-0000000000000000000000000001')
    api.auth.scope_to('0a1b2c3d4e5f40718293a4b5c6d7e8f9')
    return api


def timed(call):
    started = time.monotonic()
    with pytest.raises(Exception) as info:
        call()
    return info.value, time.monotonic() - started


@pytest.mark.parametrize('kind', ['trickle_headers', 'continue_flood'])
def test_an_attempt_stalled_before_its_headers_end_is_cut_at_its_timeout(emulator, kind):
    stalled(emulator, kind)
    api = client(emulator)
    error, took = timed(lambda: api.get(emulator[0], PATH, action='list export tasks'))
    api.close()
    assert isinstance(error, TransportError), error
    assert str(error) == 'list export tasks failed: timed out: no complete answer within timeout (1 s) (%s)' % (
        emulator[0].split('//')[1])
    assert took < HANG_LIMIT


def test_the_run_deadline_cuts_a_stalled_attempt_and_names_itself(emulator):
    stalled(emulator, 'trickle_headers')
    api = client(emulator, timeout=60, deadline=time.monotonic() + 1, bound_name='wait_timeout')
    error, took = timed(lambda: api.get(emulator[0], PATH, action='list export tasks'))
    api.close()
    assert 'wait_timeout ran out during the request' in str(error)
    assert took < HANG_LIMIT


def stall_in_thread(api, emulator):
    """Start a request that stalls in its headers; return the thread and where its outcome lands."""
    outcome = []

    def request():
        try:
            api.get(emulator[0], PATH, action='list export tasks')
        except Exception as exc:  # pylint: disable=broad-except
            outcome.append(exc)

    thread = threading.Thread(target=request)
    thread.start()
    deadline = time.monotonic() + HANG_LIMIT
    while admin(emulator, 'stats')['total'] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    return thread, outcome


@pytest.mark.parametrize('how', ['cancel', 'close'])
def test_an_interrupted_or_closed_client_ends_a_stalled_request_in_another_thread(emulator, how):
    stalled(emulator, 'trickle_headers')
    api = client(emulator, timeout=120)
    thread, outcome = stall_in_thread(api, emulator)
    if how == 'cancel':
        api.cancel.set()
    else:
        api.close()
    thread.join(HANG_LIMIT)
    assert not thread.is_alive()
    assert isinstance(outcome[0], InterruptedRunError), outcome
    assert str(outcome[0]) == 'list export tasks cancelled: the run was interrupted'


def test_a_request_begun_after_close_is_not_sent(emulator):
    admin(emulator, 'reset', {})
    api = client(emulator)
    api.get(emulator[0], PATH, action='list export tasks')  # a pooled connection to reuse
    api.watchdog.close()
    with pytest.raises(InterruptedRunError):
        api.get(emulator[0], PATH, action='list export tasks')
    api.session.close()
    assert admin(emulator, 'stats')['total'] == 1


def test_a_cut_leaves_the_next_attempt_a_fresh_connection(emulator):
    admin(emulator, 'reset', {})
    admin(emulator, 'faults', {'trickle_headers': 1, 'trickle_seconds': 0.2})
    api = client(emulator, retry_policy=RetryPolicy(max_retries=1, base_delay=0.01))
    body = api.get(emulator[0], PATH, action='list export tasks')
    api.close()
    assert body['total_count'] == 250
    assert admin(emulator, 'stats')['total'] == 2
