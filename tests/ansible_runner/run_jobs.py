# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runner stage: the demo and the gate run by ``ansible-runner run`` as AWX runs a job.

Usage (from the collection root, with ANSIBLE_COLLECTIONS_PATH naming the collection and
``emulator`` importable): ``python tests/ansible_runner/run_jobs.py WORK_DIR``.

Each job gets a private data directory laid out as AWX lays it out (project/, inventory/hosts,
env/envvars, env/extravars, env/settings, env/cmdline) and its credentials as AWX injects them:
the env injectors of docs/awx-credential-types.yml, rendered with the emulator's credentials.
Process isolation is off. From each job's artifacts it checks that the job events carry the
tasks' results, and that no secret (the injected ones, and any IAM token the emulator issued,
shaped ``MIIemulator...``) is in what AWX keeps of a job: every artifact but ``command``, which
records the environment ansible-runner was handed (AWX does not keep it; docs/awx.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re
import shutil
import subprocess
import sys

import jinja2
import yaml

from emulator import seed as emulator_seed
from emulator.client import admin

COLLECTION = os.getcwd()
CREDENTIAL_TYPES = os.path.join(COLLECTION, 'docs', 'awx-credential-types.yml')
AWX_DOC = os.path.join(COLLECTION, 'docs', 'awx.md')
SEED = os.path.join(COLLECTION, 'tests', 'integration', 'targets', 'setup_emulator', 'vars', 'emulator.yml')
BIN = os.path.dirname(sys.executable)
# emulator/auth.py issues tokens as "MIIemulator" + secrets.token_urlsafe(48).
TOKEN_SHAPE = re.compile(r'MIIemulator[A-Za-z0-9_-]{16,}')
GATE_FAILED = re.compile(r'Export task \w+ of dataset model-inputs \(\w+\) is FAILED \(ModelArts\.4358: Invalid export path\); '
                         r'required: SUCCESSED')


class JobCheckFailed(Exception):
    """What a job's artifacts show is not what AWX would need to see."""


def emulator(*args):
    """``python -m emulator ARGS`` (the one way to start and stop it); return its output."""
    return subprocess.run([sys.executable, '-m', 'emulator'] + list(args), stdout=subprocess.PIPE, text=True,
                          check=True).stdout


def issue_token(url):
    """An IAM token for the seed user, as a user would paste it into a token credential."""
    script = os.path.join(COLLECTION, 'tests', 'integration', 'targets', 'setup_emulator', 'issue_token.py')
    return subprocess.run([sys.executable, script, url], stdout=subprocess.PIPE, text=True, check=True).stdout.strip()


def credential_types():
    """{name: credential type} from docs/awx-credential-types.yml, which docs/awx.md must show verbatim."""
    with open(CREDENTIAL_TYPES, encoding='utf-8') as handle:
        text = handle.read()
    with open(AWX_DOC, encoding='utf-8') as handle:
        if text not in handle.read():
            raise JobCheckFailed('docs/awx.md does not show docs/awx-credential-types.yml as it is')
    return {kind['name']: kind for kind in yaml.safe_load(text)}


def inject(credential_type, inputs):
    """The environment variables AWX sets for a credential of this type: its env injectors, rendered."""
    fields = credential_type['inputs']['fields']
    values = {field['id']: inputs.get(field['id'], field.get('default', '')) for field in fields}
    missing = [name for name in credential_type['inputs']['required'] if not values.get(name)]
    if missing:
        raise JobCheckFailed('%s: no value for %s' % (credential_type['name'], ', '.join(missing)))
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {name: env.from_string(template).render(values)
            for name, template in credential_type['injectors']['env'].items()}


def private_data_dir(work, ident, playbook, envvars, extravars, verbosity):
    """A private data directory as AWX writes it for a job; return its path."""
    pdd = os.path.join(work, ident)
    for sub in ('project', 'inventory', 'env'):
        os.makedirs(os.path.join(pdd, sub))
    shutil.copy2(os.path.join(COLLECTION, playbook), os.path.join(pdd, 'project'))
    with open(os.path.join(pdd, 'inventory', 'hosts'), 'w', encoding='utf-8') as hosts:
        hosts.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    files = {'envvars': envvars, 'extravars': extravars,
             'settings': {'job_timeout': 600, 'idle_timeout': 300, 'pexpect_timeout': 5,
                          'suppress_ansible_output': False}}
    for name, content in files.items():
        with open(os.path.join(pdd, 'env', name), 'w', encoding='utf-8') as handle:
            yaml.safe_dump(content, handle)
    if verbosity:
        with open(os.path.join(pdd, 'env', 'cmdline'), 'w', encoding='utf-8') as handle:
            handle.write('-' + 'v' * verbosity)
    return pdd


def run_job(pdd, ident, playbook):
    """``ansible-runner run`` (process isolation off, as in an execution environment); return its exit code."""
    cmd = [os.path.join(BIN, 'ansible-runner'), 'run', pdd, '-p', os.path.basename(playbook), '--ident', ident]
    print('==> $ %s' % ' '.join(cmd), flush=True)
    return subprocess.call(cmd)


def job_events(artifacts):
    events = []
    for path in sorted(glob.glob(os.path.join(artifacts, 'job_events', '*.json')),
                       key=lambda p: int(os.path.basename(p).split('-')[0])):
        with open(path, encoding='utf-8') as handle:
            events.append(json.load(handle))
    if not events:
        raise JobCheckFailed('%s: no job events' % artifacts)
    return events


def task_results(events, event_name, task):
    """The ``res`` of each event of that kind for that task name."""
    return [event['event_data']['res'] for event in events
            if event.get('event') == event_name and event.get('event_data', {}).get('task') == task]


def check_no_secrets(artifacts, secrets):
    """No secret and nothing shaped like an emulator token in what AWX keeps: every artifact but ``command``."""
    kept = [path for path in glob.glob(os.path.join(artifacts, '**'), recursive=True)
            if os.path.isfile(path) and os.path.basename(path) != 'command']
    for path in kept:
        with open(path, encoding='utf-8', errors='replace') as handle:
            text = handle.read()
        found = [name for name, value in secrets.items() if value in text]
        if TOKEN_SHAPE.search(text):
            found.append('an IAM token (MIIemulator...)')
        if found:
            raise JobCheckFailed('%s holds %s' % (os.path.relpath(path, artifacts), ', '.join(found)))
    return len(kept)


def check_job(work, ident, rc, expect_rc_zero, secrets, check_events):
    """Status, events and secrets of one job; return a summary line."""
    artifacts = os.path.join(work, ident, 'artifacts', ident)
    with open(os.path.join(artifacts, 'status'), encoding='utf-8') as handle:
        status = handle.read().strip()
    if (rc == 0) != expect_rc_zero or status != ('successful' if expect_rc_zero else 'failed'):
        raise JobCheckFailed('%s: ansible-runner exited %d with status %s' % (ident, rc, status))
    events = job_events(artifacts)
    note = check_events(events)
    files = check_no_secrets(artifacts, secrets)
    with open(os.path.join(artifacts, 'command'), encoding='utf-8') as handle:
        recorded = handle.read()
    leaked = sorted(name for name, value in secrets.items() if value in recorded)
    return '%s: %s; %d event(s), %d artifact file(s) without secrets (command, not kept by AWX, holds %s)' % (
        ident, note, len(events), files, ', '.join(leaked) or 'none')


def demo_events(events):
    listed = task_results(events, 'runner_on_ok', 'List the export tasks of the dataset')
    gate = task_results(events, 'runner_on_ok', 'Wait until every running export has finished (without require_status nothing ends the wait early)')
    if not listed or not listed[0].get('export_tasks') or not gate:
        raise JobCheckFailed('demo: the job events lack the module tasks\' results')
    return 'listed %d export task(s), waited for %d' % (len(listed[0]['export_tasks']), len(gate[0]['export_tasks']))


def gate_ok_events(events):
    waited = task_results(events, 'runner_on_ok', 'Wait for the newest export of the dataset; fail with its error message unless it SUCCESSED')
    if not waited or waited[0]['export_tasks'][0]['status'] != 'SUCCESSED':
        raise JobCheckFailed('gate: no SUCCESSED export task in the job events')
    return 'export %s SUCCESSED' % waited[0]['export_tasks'][0]['task_id']


def gate_failed_events(events):
    failed = task_results(events, 'runner_on_failed', 'Wait for the newest export of the dataset; fail with its error message unless it SUCCESSED')
    if not failed or not GATE_FAILED.fullmatch(failed[0].get('msg', '')):
        raise JobCheckFailed('gate: the job events lack the FAILED export\'s message (got %r)' % (
            failed[0].get('msg') if failed else None))
    return 'failed with "%s"' % failed[0]['msg']


def main(work):
    with open(SEED, encoding='utf-8') as handle:
        seed = yaml.safe_load(handle)
    kinds = credential_types()
    state_dir = os.path.join(work, 'emulator')
    url = emulator('start', '--state-dir', state_dir).strip().splitlines()[-1]
    try:
        token = issue_token(url)
        iam = url + '/v3'
        credentials = {
            'password': inject(kinds['mlops.cloud password'], {
                'auth_url': iam, 'username': seed['emulator_user'], 'password': seed['emulator_password'],
                'user_domain_name': seed['emulator_domain']}),
            'aksk': inject(kinds['mlops.cloud AK/SK'], {
                'auth_url': iam, 'access_key': seed['emulator_access_key'], 'secret_key': seed['emulator_secret_key']}),
            'token': inject(kinds['mlops.cloud token'], {'auth_url': iam, 'auth_token': token}),
            # The emulator's user audits partner-domain through audit-agency (emulator/README.md).
            'agency': inject(kinds['mlops.cloud agency'], {
                'auth_url': iam, 'access_key': seed['emulator_access_key'], 'secret_key': seed['emulator_secret_key'],
                'agency_name': emulator_seed.AGENCY_NAME, 'agency_domain_name': emulator_seed.PARTNER_DOMAIN_NAME}),
            # The emulator serves the metadata service on its own port; on an ECS the default is kept.
            'metadata': inject(kinds['mlops.cloud ECS metadata keys'], {'auth_url': iam, 'metadata_endpoint': url}),
        }
        secrets = {'the password': seed['emulator_password'], 'the secret key': seed['emulator_secret_key'],
                   'the injected token': token}
        gate = 'docs/playbooks/gate-on-export.yml'
        gate_vars = {'dataset_name': 'model-inputs', 'export_wait_sleep': 1, 'modelarts_endpoint': url}
        jobs = [  # ident, playbook, credential, export outcome to prepare, verbosity, passes, check
            ('demo', 'docs/demo.yml', 'password', None, 0, True, demo_events),
            ('gate-ok-password', gate, 'password', 'SUCCESSED', 4, True, gate_ok_events),
            ('gate-ok-aksk', gate, 'aksk', 'SUCCESSED', 1, True, gate_ok_events),
            ('gate-failed-token', gate, 'token', 'FAILED', 4, False, gate_failed_events),
            ('gate-ok-agency', gate, 'agency', 'SUCCESSED', 1, True, gate_ok_events),
            ('gate-ok-metadata', gate, 'metadata', 'SUCCESSED', 1, True, gate_ok_events),
        ]
        notes = []
        for ident, playbook, credential, outcome, verbosity, passes, check in jobs:
            admin(url, 'reset', {})
            if outcome:
                # Still running when the job starts, even on a busy machine (as the integration tests do);
                # in the audited account's project for the agency.
                dataset = {'dataset_name': 'model-inputs', 'running': [{'seconds': 15, 'outcome': outcome}]}
                if credential == 'agency':
                    dataset['project_id'] = emulator_seed.PARTNER_PROJECT_EU_DE_ID
                admin(url, 'datasets', dataset)
            envvars = dict(credentials[credential], MLOPS_EMULATOR_URL=url,
                           XDG_CACHE_HOME=os.path.join(work, ident, 'cache'))
            pdd = private_data_dir(work, ident, playbook, envvars, gate_vars if outcome else {}, verbosity)
            rc = run_job(pdd, ident, playbook)
            notes.append(check_job(work, ident, rc, passes, secrets, check))
    finally:
        emulator('stop', '--state-dir', state_dir)
    print('\n'.join(['==> ansible-runner jobs checked:'] + notes))


if __name__ == '__main__':
    try:
        main(sys.argv[1])
    except JobCheckFailed as failure:
        sys.exit('runner stage: %s' % failure)
