"""SIGINT and SIGTERM end a module run within about one timeout, and no request is sent after it.

Run by runme.sh: python interrupt.py EMULATOR_URL. The module runs as its own process (as under
ansible-playbook), listing 25 pages of a dataset through an emulator that answers every request
after 2 s; the signal arrives while pages are in flight.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import requests

TIMEOUT = 5
MODULE = 'ansible_collections.mlops.cloud.plugins.modules.modelarts_dataset_export_tasks_info'


def list_requests(url):
    return requests.get(url + '/_emulator/stats', timeout=10).json()['total']


def run_and_interrupt(url, signum):
    requests.post(url + '/_emulator/reset', timeout=10).raise_for_status()
    requests.post(url + '/_emulator/faults', json={'latency_ms': 2000}, timeout=10).raise_for_status()
    args = {'ANSIBLE_MODULE_ARGS': {
        'modelarts_endpoint': url, 'access_key': 'EMULATORAK0000000001',
        'secret_key': 'emulator-sk-0000000000000000000000000001',
        'project_id': '0a1b2c3d4e5f40718293a4b5c6d7e8f9', 'dataset_id': 'dataset250xxxxxxxxxx',
        'limit': 10, 'max_concurrent_requests': 2, 'timeout': TIMEOUT}}
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump(args, handle)
    process = subprocess.Popen([sys.executable, '-m', MODULE, handle.name], stdout=subprocess.PIPE, text=True)
    time.sleep(3)
    sent = time.monotonic()
    process.send_signal(signum)
    output = process.communicate(timeout=60)[0]
    took = time.monotonic() - sent
    os.unlink(handle.name)
    at_exit = list_requests(url)
    time.sleep(3)
    later = list_requests(url)
    result = json.loads(output)
    name = signal.Signals(signum).name
    print('%s: exited %.1f s after the signal, %d requests, msg: %s' % (name, took, at_exit, result.get('msg')))
    assert result.get('failed') is True, result
    assert result['msg'] == 'Interrupted by %s: pending requests were cancelled' % name, result
    assert took < TIMEOUT + 2, took
    assert later == at_exit, (at_exit, later)
    assert at_exit < 25, at_exit


def main():
    url = sys.argv[1]
    for signum in (signal.SIGTERM, signal.SIGINT):
        run_and_interrupt(url, signum)
    requests.post(url + '/_emulator/faults', json={'latency_ms': 0}, timeout=10)


if __name__ == '__main__':
    main()
