# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The eda stage: the real ansible-rulebook runs tests/eda/rulebooks/deploy_on_export.yml against the emulator.

Usage (from the collection root, with ANSIBLE_COLLECTIONS_PATH naming the collection, ``emulator``
importable, and JAVA_HOME a Java 17+): ``python tests/eda/run_rulebook.py WORK_DIR EDA_BIN``, EDA_BIN
being the bin directory of the environment with ansible-rulebook (tests/eda/requirements.txt).

In a project of its own (the emulator's eu-nl) it adds a dataset whose exports have already finished
(one SUCCESSED, one FAILED: the baseline), starts ansible-rulebook at -vv with the credentials in OS_*
variables, waits for the source's baseline, then adds two datasets whose exports finish a few seconds
later, one SUCCESSED and one FAILED. It checks that the deployment playbook ran once, for the export
that SUCCESSED and with its path from the event; that the FAILED rule ran once; that nothing ran for
the baseline; that no secret (the password, an IAM token the emulator issued) is in ansible-rulebook's
output; and that SIGTERM ends ansible-rulebook within a few seconds, with no request after it ended.
It prints the events ansible-rulebook logged, and fails with a message saying what did not hold.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from emulator import seed as emulator_seed
from emulator.client import admin

COLLECTION = os.getcwd()
PROJECT = emulator_seed.PROJECT_EU_NL_NAME
PASSWORD = 'emulator-password'
# emulator/auth.py issues tokens as "MIIemulator" + secrets.token_urlsafe(48).
TOKEN_SHAPE = re.compile(r'MIIemulator[A-Za-z0-9_-]{16,}')
STARTUP_SECONDS = 90  # the JVM, the rules engine and the first poll, on a loaded 2-core machine
EVENT_SECONDS = 60
SETTLE_SECONDS = 4  # polls (interval 1 s) after the expected events, in which nothing more may run
STOP_SECONDS = 5  # SIGTERM to exit
# A poll of this project: the dataset list and the exports of the datasets with a running export.
MAX_REQUESTS_IN_FLIGHT = 3


class RulebookCheckFailed(Exception):
    """ansible-rulebook did not do what the rulebook and the sources promise."""


def emulator(*args):
    return subprocess.run([sys.executable, '-m', 'emulator'] + list(args), stdout=subprocess.PIPE, text=True,
                          check=True).stdout


def wait_for(what, predicate, seconds, process):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            raise RulebookCheckFailed('ansible-rulebook exited (%s) while waiting for %s' % (process.returncode, what))
        time.sleep(0.2)
    raise RulebookCheckFailed('no %s within %d s' % (what, seconds))


def add_dataset(url, project_id, name, outcomes, seconds):
    admin(url, 'datasets', {'dataset_name': name, 'project_id': project_id, 'running': [
        {'seconds': seconds, 'outcome': outcome} for outcome in outcomes]})


def records(record_dir, prefix):
    found = []
    for path in sorted(glob.glob(os.path.join(record_dir, prefix + '*'))):
        with open(path, encoding='utf-8') as handle:
            found.append(handle.read().strip())
    return [line for line in found if line]


def events_logged(output):
    """The events ansible-rulebook printed at -vv (its "received event" banners), verbatim."""
    return re.findall(r'\*\* [^\n]*\[received event\] \*+\n.*?\n\*{80}', output, re.DOTALL)


def run(work, eda_bin):
    shutil.rmtree(work, ignore_errors=True)
    record_dir = os.path.join(work, 'records')
    os.makedirs(record_dir)
    shutil.copytree(os.path.join(COLLECTION, 'tests', 'eda', 'rulebooks'), os.path.join(work, 'rulebooks'))
    shutil.copytree(os.path.join(COLLECTION, 'tests', 'eda', 'playbooks'), os.path.join(work, 'playbooks'))
    url = emulator('start', '--state-dir', os.path.join(work, 'emulator')).strip().splitlines()[-1]
    try:
        project_id = emulator_seed.PROJECT_EU_NL_ID
        # Finished before ansible-rulebook starts: the baseline, for which nothing may run.
        add_dataset(url, project_id, 'eda-finished', ['SUCCESSED', 'FAILED'], 0.2)
        with open(os.path.join(work, 'vars.yml'), 'w', encoding='utf-8') as handle:
            handle.write('modelarts_endpoint: %s\niam_endpoint: %s/v3\nrecord_dir: %s\n' % (url, url, record_dir))
        with open(os.path.join(work, 'inventory.yml'), 'w', encoding='utf-8') as handle:
            handle.write('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                         '      ansible_python_interpreter: %s\n' % os.path.join(eda_bin, 'python'))
        env = dict(os.environ, PATH=eda_bin + os.pathsep + os.environ.get('PATH', ''),
                   VIRTUAL_ENV=os.path.dirname(eda_bin), OS_USERNAME='emulator-user', OS_PASSWORD=PASSWORD,
                   OS_USER_DOMAIN_NAME='emulator-domain', OS_PROJECT_NAME=PROJECT, ANSIBLE_NOCOLOR='1',
                   XDG_CACHE_HOME=os.path.join(work, 'cache'))
        env.pop('PYTHONPATH', None)  # the collection comes from ANSIBLE_COLLECTIONS_PATH, as in a decision environment
        log_path = os.path.join(work, 'ansible-rulebook.log')
        started = time.monotonic()
        with open(log_path, 'w', encoding='utf-8') as log:
            process = subprocess.Popen([os.path.join(eda_bin, 'ansible-rulebook'), '--rulebook',
                                        'rulebooks/deploy_on_export.yml', '--inventory', 'inventory.yml',
                                        '--vars', 'vars.yml', '-vv'],
                                       cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_for('baseline from the source', lambda: 'baseline taken' in read(log_path), STARTUP_SECONDS,
                         process)
                print('ansible-rulebook took its baseline after %.1f s' % (time.monotonic() - started), flush=True)
                add_dataset(url, project_id, 'eda-model-ok', ['SUCCESSED'], 3)
                add_dataset(url, project_id, 'eda-model-bad', ['FAILED'], 3)
                wait_for('deployment and failure report',
                         lambda: records(record_dir, 'deployed-') and records(record_dir, 'failed-'), EVENT_SECONDS, process)
                time.sleep(SETTLE_SECONDS)
                before_stop = admin(url, 'stats')['total']
                stop_sent = time.monotonic()
                process.send_signal(signal.SIGTERM)
                try:
                    code = process.wait(timeout=STOP_SECONDS * 4)
                except subprocess.TimeoutExpired:
                    raise RulebookCheckFailed('ansible-rulebook still running %d s after SIGTERM' % (STOP_SECONDS * 4))
                stop_seconds = time.monotonic() - stop_sent
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        time.sleep(1)
        after_stop = admin(url, 'stats')['total']
    finally:
        emulator('stop', '--state-dir', os.path.join(work, 'emulator'))
    output = read(log_path)
    events = events_logged(output)
    print('\n'.join(events), flush=True)
    deployed, failed = records(record_dir, 'deployed-'), records(record_dir, 'failed-')
    print('deployments: %r\nfailure reports: %r\nSIGTERM: exit %s after %.1f s; requests from SIGTERM '
          'to the end: %d' % (deployed, failed, code, stop_seconds, after_stop - before_stop), flush=True)
    problems = []
    if len(deployed) != 1 or not deployed[0].startswith('/emulator-obs/eda-model-ok/ ') \
            or not deployed[0].endswith(' RUNNING'):
        problems.append('the deployment playbook should have run once, for eda-model-ok\'s export with its path, '
                        'after RUNNING: %r' % deployed)
    if len(failed) != 1 or not failed[0].endswith(' ModelArts.4358'):
        problems.append('the FAILED rule should have run once, for eda-model-bad\'s export: %r' % failed)
    if len(events) != 2:
        problems.append('ansible-rulebook received %d events, expected 2 (nothing for the baseline)' % len(events))
    if 'eda-finished' in ''.join(events):
        problems.append('an event came for the baseline dataset eda-finished')
    if PASSWORD in output or TOKEN_SHAPE.search(output):
        problems.append('a secret (the password or an IAM token) is in ansible-rulebook\'s output (%s)' % log_path)
    if stop_seconds > STOP_SECONDS:
        problems.append('ansible-rulebook took %.1f s to end after SIGTERM (at most %d)' % (stop_seconds, STOP_SECONDS))
    if after_stop - before_stop > MAX_REQUESTS_IN_FLIGHT:
        problems.append('%d requests reached the emulator after SIGTERM (at most the %d of a poll in flight)' % (
            after_stop - before_stop, MAX_REQUESTS_IN_FLIGHT))
    if 'Traceback' in output:
        problems.append('ansible-rulebook logged a traceback (%s)' % log_path)
    if problems:
        raise RulebookCheckFailed('; '.join(problems))
    print('eda: ansible-rulebook ran the deployment once and the FAILED rule once, nothing for the baseline, '
          'no secret at -vv, ended %.1f s after SIGTERM' % stop_seconds)


def read(path):
    with open(path, encoding='utf-8', errors='replace') as handle:
        return handle.read()


def main():
    try:
        run(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
    except RulebookCheckFailed as exc:
        print('eda stage failed: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
