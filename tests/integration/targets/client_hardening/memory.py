"""The fault matrix with peak memory: each attack through ansible-playbook, by the module and by the lookup.

Run by runme.sh: python memory.py EMULATOR_URL (ansible-playbook on PATH). Each row is one
ansible-playbook run of one task; its peak memory is the largest resident set of any process of the
run (ansible-playbook, its worker, the module), from ``wait4``. Prints the matrix of docs/security.md:
attack | via | outcome | list requests | seconds | peak MB.

What it checks besides each outcome: the memory bound holds. A project whose 10,000 export tasks
come padded to 30 KiB each (valid pages, each far under the 32 MiB bound of one answer) is refused at
``max_result_mb`` (64 MiB) with a fraction of the memory the same listing takes with the bound at
its 4096 MiB maximum.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import requests

LIST_ROUTE = 'GET /v2/{project_id}/datasets/{dataset_id}/export-tasks'
CREDENTIALS = {'access_key': 'EMULATORAK0000000001', 'secret_key': 'emulator-sk-0000000000000000000000000001',
               'project_id': '0a1b2c3d4e5f40718293a4b5c6d7e8f9'}
PASSWORD = {'username': 'emulator-user', 'password': 'emulator-password', 'domain_name': 'emulator-domain',
            'project_id': '0a1b2c3d4e5f40718293a4b5c6d7e8f9', 'token_cache': False}
FAT_DATASET = 'fatdataset10000xxxx'
BIG_DATASET = 'dataset250xxxxxxxxxx'
EXAMPLE_DATASET = 'WxCREuCkBSAlQr9xrde'

# Bytes after the end of a gzip answer: read on, zlib would keep them all (the run's peak grows by as much).
TRAILER_MB = 128
TRAILER_ATTACK = 'a gzip answer, then %d MiB that are not gzip' % TRAILER_MB

# name, fault, options, expected outcome (a part of the message, or None for success), vias.
ATTACKS = [
    ('250 tasks, no fault (the baseline)', {}, dict(CREDENTIALS, dataset_id=BIG_DATASET), None),
    ('10,000 tasks padded to 30 KiB each, the default bound', {'fat_items': 100000},
     dict(CREDENTIALS, dataset_id=FAT_DATASET), 'would keep more than max_result_mb (64 MiB)'),
    ('10,000 tasks padded to 30 KiB each, max_result_mb 4096 (no effective bound)', {'fat_items': 100000},
     dict(CREDENTIALS, dataset_id=FAT_DATASET, max_result_mb=4096), None),
    ('1 MB gzip body inflating to 1 GiB', {'gzip_bomb': 1}, dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET),
     'the answer is larger than 33554432 bytes'),
    (TRAILER_ATTACK, {'gzip_trailer': 1, 'gzip_trailer_mb': TRAILER_MB}, dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET),
     'the answer has data after the end of its compressed stream'),
    ('JSON nested 100,000 levels deep', {'deep_json': 1}, dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET),
     'nested too deeply'),
    ('total_count 10^9 with full pages', {'huge_total': 1}, dict(CREDENTIALS, dataset_id=BIG_DATASET),
     'refusing a listing of more than 10000 pages'),
    ('total grows on every page', {'growing_total': 100}, dict(CREDENTIALS, dataset_id=BIG_DATASET),
     'kept growing while it was read again'),
    ('headers a byte every 0.2 s, timeout 2', {'trickle_headers': 5, 'trickle_seconds': 0.2},
     dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET, timeout=2, max_retries=0), 'no complete answer within timeout (2 s)'),
    ('100 Continue without end, timeout 2', {'continue_flood': 5},
     dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET, timeout=2, max_retries=0), 'no complete answer within timeout (2 s)'),
    ('a firewall echoes the IAM request body (the password)', {'echo_body': 1, 'only_paths_containing': '/v3/auth/tokens'},
     dict(PASSWORD, dataset_id=EXAMPLE_DATASET), 'Request rejected by the firewall; the body was: {"auth"'),
    ('an error message with terminal control sequences', {'control_chars': 1},
     dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET), '\\x1b[2J'),
    ('302 to another host', {'redirect': 1}, dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET),
     'redirect to attacker.example, not followed'),
]


def admin(url, name, body=None):
    answer = requests.request('POST' if body is not None else 'GET', url + '/_emulator/' + name, json=body, timeout=60)
    answer.raise_for_status()
    return answer.json()


def playbook(work, url, options, via):
    options = dict(options, modelarts_endpoint=url, iam_endpoint=url + '/v3')
    if via == 'module':
        task = {'mlops.cloud.modelarts_dataset_export_tasks_info': options, 'register': 'outcome'}
        report = "{{ {'failed': outcome is failed, 'msg': outcome.msg | default(''), 'count': outcome.export_tasks | default([]) | length} | to_json }}"
    else:
        arguments = ', '.join('%s=%s' % (key, json.dumps(value)) for key, value in sorted(options.items()))
        task = {'ansible.builtin.set_fact': {'found': "{{ lookup('mlops.cloud.modelarts_dataset_export_tasks', %s) }}"
                                             % arguments.replace('false', 'False').replace('true', 'True')},
                'register': 'outcome'}
        report = "{{ {'failed': outcome is failed, 'msg': outcome.msg | default(''), 'count': found | default([]) | length} | to_json }}"
    task['ignore_errors'] = True
    path = os.path.join(work, 'attack.yml')
    with open(path, 'w') as handle:
        json.dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            dict(task, name='The attack'),
            {'name': 'Report', 'ansible.builtin.copy': {'content': report, 'dest': os.path.join(work, 'outcome.json')}},
        ]}], handle)
    return path


def run(url, work, options, via):
    """(outcome dict, seconds, peak MB) of one ansible-playbook run."""
    path = playbook(work, url, options, via)
    started = time.monotonic()
    # Without the callbacks ansible-test enables (junit pretty-prints every result through minidom: minutes
    # for the 300 MB result of the unbounded row): the figures are the collection's, not a report writer's.
    env = dict((name, value) for name, value in os.environ.items()
               if name not in ('ANSIBLE_CALLBACKS_ENABLED', 'ANSIBLE_CALLBACK_WHITELIST'))
    with open(os.path.join(work, 'output.log'), 'w') as log:
        process = subprocess.Popen(['ansible-playbook', path], stdout=log, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    assert os.waitstatus_to_exitcode(status) == 0, open(os.path.join(work, 'output.log')).read()
    with open(os.path.join(work, 'outcome.json')) as handle:
        outcome = json.load(handle)
    return outcome, seconds, usage.ru_maxrss / 1024.0


def main():
    url = sys.argv[1]
    rows = []
    peaks = {}
    for via in ('module', 'lookup'):
        for name, fault, options, expected in ATTACKS:
            admin(url, 'reset', {})
            admin(url, 'datasets', {'dataset_name': 'fat', 'dataset_id': FAT_DATASET, 'task_count': 10000})
            if fault:
                admin(url, 'faults', fault)
            with tempfile.TemporaryDirectory(prefix='mlops-memory-') as work:
                outcome, seconds, peak = run(url, work, options, via)
            listed = admin(url, 'stats')['by_route'].get(LIST_ROUTE, 0)
            if expected is None:
                assert not outcome['failed'], (name, via, outcome)
                observed = 'complete, %d tasks' % outcome['count']
            else:
                assert outcome['failed'] and expected in outcome['msg'], (name, via, outcome)
                observed = 'fails: ...%s...' % expected
            assert 'emulator-password' not in outcome['msg'] and 'emulator-sk-' not in outcome['msg'], outcome
            peaks[(name, via)] = peak
            rows.append('| %s | %s | %s | %d | %.1f | %.0f |' % (name, via, observed, listed, seconds, peak))
    print('| attack | via | outcome | list requests | seconds | peak MB |')
    print('|---|---|---|---|---|---|')
    print('\n'.join(rows))
    for via in ('module', 'lookup'):
        bounded = peaks[(ATTACKS[1][0], via)]
        unbounded = peaks[(ATTACKS[2][0], via)]
        assert bounded < unbounded / 2, 'the bound saved too little through the %s: %.0f MB against %.0f MB' % (
            via, bounded, unbounded)
        trailer, baseline = peaks[(TRAILER_ATTACK, via)], peaks[(ATTACKS[0][0], via)]
        assert trailer < baseline + TRAILER_MB / 4, 'what followed the gzip stream was kept by the %s: %.0f MB against %.0f MB' % (
            via, trailer, baseline)
    admin(url, 'reset', {})


if __name__ == '__main__':
    main()
