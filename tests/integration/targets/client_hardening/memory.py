"""The fault matrix with peak memory: each attack through ansible-playbook, by the module and by the lookup.

Run by runme.sh: python memory.py EMULATOR_URL (ansible-playbook on PATH). Each row is one
ansible-playbook run of one task; its peak memory is the largest resident set of any process of the
run (ansible-playbook, its worker, the module), from ``wait4``. Prints the matrix of docs/security.md:
attack | via | outcome | list requests | seconds | peak MB.

Rows that take their credentials from the environment run with those variables set for the whole
run (module and lookup alike) and no ``iam_endpoint`` option; every variable that must not be used
points at a decoy listener on 127.0.0.1 that counts connections, and the row asserts it got none.
Rows naming a ``secret`` assert that no 6 consecutive characters of it appear in the result or in
anything the run printed.

What it checks besides each outcome: the memory bound holds. A project whose 10,000 export tasks
come padded to 30 KiB each (valid pages, each far under the 32 MiB bound of one answer) is refused at
``max_result_mb`` (64 MiB) with a fraction of the memory the same listing takes with the bound at
its 4096 MiB maximum.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
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

# An error message this long (under the 32 MiB bound of one answer): quoted, it must not cost many times its size.
HUGE_ERROR_MB = 20
HUGE_ERROR_ATTACK = 'an error message of %d MiB' % HUGE_ERROR_MB
SPACED_PASSWORD = 'correct  horse  battery  staple'
# The HW_* password family, complete: its IAM endpoint is the emulator's ({url}); {decoy} is the decoy listener.
HW_PASSWORD = {'HW_USER_NAME': 'emulator-user', 'HW_USER_PASSWORD': 'emulator-password',
               'HW_DOMAIN_NAME': 'emulator-domain', 'HW_AUTH_URL': '{url}/v3'}
# A profile with a password but neither auth_url nor region: nothing tells where IAM is.
STALE_PROFILE = 'clouds:\n  stale:\n    auth:\n      username: emulator-user\n      password: emulator-password\n' \
    '      user_domain_name: emulator-domain\n'
TOKEN = {'project_id': '0a1b2c3d4e5f40718293a4b5c6d7e8f9'}
ENV_OPTIONS = {'project_id': '0a1b2c3d4e5f40718293a4b5c6d7e8f9', 'token_cache': False, 'dataset_id': EXAMPLE_DATASET}

# name, fault, options, expected outcome (a part of the message, or None for success)[, extras]; extras:
# env (variables for the run: {url}, {decoy} and {work} are filled in), secret (never 6 characters of it
# anywhere; '{token}' is the token issued for a row whose auth_token is '{token}'), max_length (of the
# message), vias (the ones of the row, if not both), settle (seconds to let the emulator end a request the
# run left in flight, before the next row counts its own).
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
    ('a proxy echoes the request headers (password auth: the token the module obtained)', {'echo_headers': 1},
     dict(PASSWORD, dataset_id=EXAMPLE_DATASET), 'headers were: X-Auth-Token: ********'),
    ('a proxy echoes the request headers (a given token)', {'echo_headers': 1},
     dict(TOKEN, auth_token='{token}', dataset_id=EXAMPLE_DATASET), 'headers were: X-Auth-Token: ********',
     {'secret': '{token}'}),
    ('headers a byte every 0.2 s under wait, timeout 60, wait_timeout 4', {'trickle_headers': 5, 'trickle_seconds': 0.2},
     dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET, timeout=60, wait=True, wait_timeout=4),
     'wait_timeout ran out during the request', {'vias': ('module',)}),  # lookups do not wait
    ('JSON nested 600 levels deep', {'deep_json': 1, 'deep_json_levels': 600}, dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET),
     'nested too deeply (more than 64 levels)'),
    ('a firewall echoes a password with runs of spaces', {'echo_body': 1, 'only_paths_containing': '/v3/auth/tokens'},
     dict(PASSWORD, password=SPACED_PASSWORD, dataset_id=EXAMPLE_DATASET), 'Request rejected by the firewall',
     {'secret': SPACED_PASSWORD}),
    (HUGE_ERROR_ATTACK, {'huge_error': 1, 'huge_error_mb': HUGE_ERROR_MB}, dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET),
     'error code ModelArts.0400, message: Bad request Bad request', {'max_length': 1000}),
    ('a lone surrogate in an item field', {'surrogate_field': 1}, dict(CREDENTIALS, dataset_id=EXAMPLE_DATASET),
     'answer is not valid Unicode (a lone surrogate in a string) (from 127.0.0.1:'),
    ('a lone surrogate in a dataset id from the server', {'surrogate_id': 1},
     dict(CREDENTIALS, dataset_name='dataset-example'),
     'List datasets (page 0) failed: HTTP 200 answer is not valid Unicode (a lone surrogate in a string) (from 127.0.0.1:'),
    ('.. as a dataset id from the server', {'dot_id': 1}, dict(CREDENTIALS, dataset_name='dataset-example'),
     '"dataset_id" is a dot segment or blank (\'..\'); it came from the server, not from the play'),
    ('require_status over 10,000 FAILED tasks', {'all_failed': 1000},
     dict(CREDENTIALS, dataset_id=FAT_DATASET, require_status=['SUCCESSED']), 'and 9995 more; required: SUCCESSED',
     {'max_length': 1000}),
    ('pages of 0.9 s until the run bound (timeout 1, max_retries 0) cuts one', {'latency_ms': 900},
     dict(CREDENTIALS, dataset_id=BIG_DATASET, limit=10, timeout=1, max_retries=0, max_concurrent_requests=1),
     'the time bound of a run without wait, 21 s ((max_retries + 1) x (timeout + 20 s)) ran out', {'settle': 2}),
    ('a complete HW_* password set beside a leftover OS_AUTH_URL', {}, ENV_OPTIONS, None,
     {'env': dict(HW_PASSWORD, OS_AUTH_URL='{decoy}/v3'), 'secret': 'emulator-password'}),
    ('the same with a stale OS_USERNAME', {}, ENV_OPTIONS,
     'The environment holds credentials of more than one family (OS_*: OS_USERNAME; HW_*: HW_USER_NAME, HW_USER_PASSWORD',
     {'env': dict(HW_PASSWORD, OS_AUTH_URL='{decoy}/v3', OS_USERNAME='someone-else'), 'secret': 'emulator-password'}),
    ('a clouds.yaml profile without auth_url or region beside OS_AUTH_URL', {}, dict(ENV_OPTIONS, cloud='stale'),
     'region is required to build the IAM endpoint',
     {'env': {'OS_CLIENT_CONFIG_FILE': '{work}/clouds.yaml', 'OS_AUTH_URL': '{decoy}/v3'}, 'secret': 'emulator-password'}),
]


def issue_token(url):
    """A fresh IAM token of the emulator's user, for the rows that give one ({token})."""
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': PASSWORD['username'], 'password': PASSWORD['password'], 'domain': {'name': PASSWORD['domain_name']}}}},
        'scope': {'project': {'id': PASSWORD['project_id']}}}}
    answer = requests.post(url + '/v3/auth/tokens', json=body, timeout=60)
    answer.raise_for_status()
    return answer.headers['X-Subject-Token']


def admin(url, name, body=None):
    answer = requests.request('POST' if body is not None else 'GET', url + '/_emulator/' + name, json=body, timeout=60)
    answer.raise_for_status()
    return answer.json()


class Decoy(object):
    """A listener on 127.0.0.1 that counts the connections it gets and closes each at once."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.url = 'http://127.0.0.1:%d' % self.listener.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()


def playbook(work, url, options, via, from_environment):
    options = dict(options, modelarts_endpoint=url)
    if not from_environment:
        options['iam_endpoint'] = url + '/v3'
    if via == 'module':
        task = {'mlops.cloud.modelarts_dataset_export_tasks_info': options, 'register': 'outcome'}
        report = "{{ {'failed': outcome is failed, 'msg': outcome.msg | default(''), 'count': outcome.export_tasks | default([]) | length} | to_json }}"
    else:
        # The options as a variable: a failing lookup's error quotes its template, which must not hold a secret.
        task = {'ansible.builtin.set_fact': {'found': "{{ lookup('mlops.cloud.modelarts_dataset_export_tasks', **attack_options) }}"},
                'vars': {'attack_options': options}, 'register': 'outcome'}
        report = "{{ {'failed': outcome is failed, 'msg': outcome.msg | default(''), 'count': found | default([]) | length} | to_json }}"
    task['ignore_errors'] = True
    path = os.path.join(work, 'attack.yml')
    with open(path, 'w') as handle:
        json.dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            dict(task, name='The attack'),
            {'name': 'Report', 'ansible.builtin.copy': {'content': report, 'dest': os.path.join(work, 'outcome.json')}},
        ]}], handle)
    return path


def run(url, work, options, via, variables=None):
    """(outcome dict, seconds, peak MB, what the run printed) of one ansible-playbook run."""
    path = playbook(work, url, options, via, bool(variables))
    started = time.monotonic()
    # Without the callbacks ansible-test enables (junit pretty-prints every result through minidom: minutes
    # for the 300 MB result of the unbounded row): the figures are the collection's, not a report writer's.
    env = dict((name, value) for name, value in os.environ.items()
               if name not in ('ANSIBLE_CALLBACKS_ENABLED', 'ANSIBLE_CALLBACK_WHITELIST'))
    env.update(variables or {})
    with open(os.path.join(work, 'output.log'), 'w') as log:
        process = subprocess.Popen(['ansible-playbook', path], stdout=log, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    assert os.waitstatus_to_exitcode(status) == 0, open(os.path.join(work, 'output.log')).read()
    with open(os.path.join(work, 'outcome.json')) as handle:
        outcome = json.load(handle)
    with open(os.path.join(work, 'output.log')) as handle:
        printed = handle.read()
    return outcome, seconds, usage.ru_maxrss / 1024.0, printed


def check_secret(secret, name, via, *texts):
    """No 6 consecutive characters of ``secret`` in any of ``texts``."""
    for start in range(len(secret) - 5):
        for text in texts:
            assert secret[start:start + 6] not in text, (name, via, secret[start:start + 6], text[-2000:])


def main():
    url = sys.argv[1]
    rows = []
    peaks = {}
    decoy = Decoy()
    for via in ('module', 'lookup'):
        for attack in ATTACKS:
            name, fault, options, expected = attack[:4]
            extras = attack[4] if len(attack) > 4 else {}
            if via not in extras.get('vias', ('module', 'lookup')):
                continue
            admin(url, 'reset', {})
            admin(url, 'datasets', {'dataset_name': 'fat', 'dataset_id': FAT_DATASET, 'task_count': 10000})
            if fault:
                admin(url, 'faults', fault)
            token = issue_token(url) if '{token}' in options.values() else None
            options = dict((key, token if value == '{token}' else value) for key, value in options.items())
            secret = token if extras.get('secret') == '{token}' else extras.get('secret')
            with tempfile.TemporaryDirectory(prefix='mlops-memory-') as work:
                with open(os.path.join(work, 'clouds.yaml'), 'w') as handle:
                    handle.write(STALE_PROFILE)
                variables = dict((key, value.format(url=url, decoy=decoy.url, work=work))
                                 for key, value in extras.get('env', {}).items())
                outcome, seconds, peak, printed = run(url, work, options, via, variables)
            listed = admin(url, 'stats')['by_route'].get(LIST_ROUTE, 0)
            time.sleep(extras.get('settle', 0))  # the emulator ends the request the run left behind
            if expected is None:
                assert not outcome['failed'], (name, via, outcome)
                observed = 'complete, %d tasks' % outcome['count']
            else:
                assert outcome['failed'] and expected in outcome['msg'], (name, via, outcome)
                observed = 'fails: ...%s...' % expected
            assert len(outcome['msg']) <= extras.get('max_length', len(outcome['msg'])), (name, via, len(outcome['msg']))
            assert decoy.connections == 0, (name, via, 'a variable that must not be used was used')
            if secret:
                check_secret(secret, name, via, outcome['msg'], printed)
            assert 'emulator-password' not in outcome['msg'] and 'emulator-sk-' not in outcome['msg'] and 'Traceback' not in printed, (outcome, printed[-3000:])
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
        huge = peaks[(HUGE_ERROR_ATTACK, via)]
        assert huge < baseline + 4 * HUGE_ERROR_MB, 'quoting a %d MiB message took the %s %.0f MB against %.0f MB' % (
            HUGE_ERROR_MB, via, huge, baseline)
    admin(url, 'reset', {})


if __name__ == '__main__':
    main()
