# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark mlops.cloud.modelarts_dataset_export_tasks_info against the local emulator.

Usage::

    .venv/bin/nox -s benchmark [-- --quick ...]       # the collection copied to <build>/benchmark first
    .venv/bin/python benchmark/run.py --collections-path DIR [--latency-ms 50] [--sizes 10,1000,10000]
                             [--runs 5] [--runs-slow 3] [--quick] [--output PATH] [--keep]

Only the Python standard library is used here. Ansible comes from the environment of the Python
that runs this script (.venv, from ``python3 scripts/dev.py venv``), the collection from
``--collections-path`` (the directory that holds ansible_collections/mlops/cloud), and one
emulator is started (``python -m emulator start``) for the whole benchmark and always stopped.

Progress goes to stderr; the Markdown report goes to stdout (and to ``--output``). The
benchmark measures and reports PASS/MISS against its targets; it exits 0 whatever they are.
See docs/benchmark.md.
"""

import argparse
import datetime
import json
import math
import os
import platform
import pstats
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)  # ansible-playbook is beside the Python that runs this
MODULE = 'mlops.cloud.modelarts_dataset_export_tasks_info'
MODULE_FILE = os.path.join('plugins', 'modules', 'modelarts_dataset_export_tasks_info.py')
LOOKUP = 'mlops.cloud.modelarts_dataset_export_tasks'
RESULT_FLOOR_MODULE = os.path.join(ROOT, 'benchmark', 'result_floor.py')
PAGE_SIZE = 100

# Seed credentials of the emulator (emulator/README.md, emulator/seed.py).
USERNAME = 'emulator-user'
PASSWORD = 'emulator-password'
DOMAIN = 'emulator-domain'
REGION = 'eu-de'
PROJECT_ID = '0a1b2c3d4e5f40718293a4b5c6d7e8f9'
ACCESS_KEY = 'EMULATORAK0000000001'
SECRET_KEY = 'emulator-sk-0000000000000000000000000001'

# Routes as the emulator's /_emulator/stats names them.
PAGE_ROUTE = 'GET /v2/{project_id}/datasets/{dataset_id}/export-tasks'
IAM_ROUTE = 'POST /v3/auth/tokens'
PROJECT_ROUTE = 'GET /v3/projects'

CONTENDERS = ('A1', 'A2', 'B', 'C', 'D', 'E', 'F', 'G', 'H')
DESCRIPTIONS = {
    'A1': 'module, password auth, warm token cache',
    'A2': 'module, AK/SK auth, project_id given',
    'B': 'module, max_concurrent_requests=1, token_cache=false',
    'C': 'ansible.builtin.uri: IAM token + one uri call per page',
    'D': 'one ansible.builtin.ping (the floor is this + 2*L)',
    'E': 'result floor: the same N tasks returned from a local file, no HTTP',
    'F': 'lookup in a set_fact, password auth, warm token cache',
    'G': "one ansible.builtin.debug (F's floor is this + 2*L)",
    'H': "data floor: a set_fact of the same N tasks from a local file, lookup('file') | from_json (F's is this + 2*L)",
}
# F's verdicts: a lookup runs in the controller's worker, so its floor is a play with one
# action plugin task (G), not a module run (D).
LOOKUP_FLOOR_LIMIT = 1.3
MODULE_FLOOR_LIMIT = 1.5
LOOKUP_SPEEDUP_OVER_URI = 20.0

# Where F's time goes: (process, area, file suffix, function) -> the function's cumulative time in
# that process's profile. Areas nest (the indent says in what); builtins have the file '~'.
PROFILE_AREAS = (
    ('main', 'imports (ansible-core start-up)', 'importlib._bootstrap>', '_find_and_load'),
    ('main', 'YAML: ansible-core routing metadata, plugin option docs, ansible.cfg', 'yaml/__init__.py', 'load'),
    ('main', 'waiting for the worker (the strategy loop sleeps)', '~', '<built-in method time.sleep>'),
    ('main', 'handling the task result: the stdout callback and set_fact', 'strategy/__init__.py',
     '_process_pending_results'),
    ('worker', 'the set_fact task (its TaskExecutor in the forked worker)', 'executor/task_executor.py', 'run'),
    ('worker', '. templating the set_fact argument (everything below)', 'action/__init__.py', 'finalize_task_arg'),
    ('worker', '. . the query() call: loading the plugin, then its run()', '_jinja_plugins.py', '_invoke_lookup'),
    ('worker', '. . . imports (the lookup, module_utils, requests)', 'importlib._bootstrap>', '_find_and_load'),
    ('worker', ". . . the lookup's run(): options, token cache, HTTP", 'plugin_utils/lookup.py', 'run'),
    ('worker', '. . . . HTTP: every page (the first alone, the rest concurrently)', 'module_utils/paging.py',
     'fetch_all_pages'),
    ('worker', '. . finalising the template result (ansible-core copies and tags every value returned)',
     '_templating/_engine.py', '_finalize_top_level_template_result'),
)
SEQUENTIAL_RUNS = 20

# Runs in a fresh process (the system Python): the module is its only child, so
# RUSAGE_CHILDREN.ru_maxrss is the module process's peak resident set size.
MEASURE_SCRIPT = r'''
import json, resource, subprocess, sys, time
out_path, cmd = sys.argv[1], sys.argv[2:]
start = time.monotonic()
with open(out_path, "wb") as out:
    rc = subprocess.call(cmd, stdout=out)
seconds = time.monotonic() - start
print(json.dumps({"rc": rc, "seconds": seconds, "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
'''

# Runs ansible-playbook in this process under cProfile. A task runs in a forked worker that
# ends with os._exit, so the worker profiles its TaskExecutor and saves that profile before it
# sends the result (after which the main process may finish).
PROFILE_SCRIPT = r'''
import cProfile, os, sys
out_dir, argv = sys.argv[1], sys.argv[2:]
profile = cProfile.Profile()
profile.enable()
from ansible.cli.playbook import main
from ansible.executor.task_executor import TaskExecutor
run_task = TaskExecutor.run

def profiled_run(self):
    profile.disable()
    own = cProfile.Profile()
    try:
        return own.runcall(run_task, self)
    finally:
        own.dump_stats(os.path.join(out_dir, "worker-%d.prof" % os.getpid()))

TaskExecutor.run = profiled_run
sys.argv = ["ansible-playbook"] + argv
try:
    rc = main()
except SystemExit as exc:
    rc = exc.code
profile.disable()
profile.dump_stats(os.path.join(out_dir, "main.prof"))
sys.exit(rc)
'''


def progress(msg):
    """A progress line on stderr (stdout is for the report)."""
    sys.stderr.write('--> %s\n' % msg)
    sys.stderr.flush()


def tool_env(extra):
    """The environment for the tools beside this Python, with ``emulator`` importable from the checkout."""
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    env['PYTHONPATH'] = ROOT + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    env.update(extra)
    return env


def collection_tree(collections_path):
    """The collection under --collections-path; fail early when it is not there."""
    tree = os.path.join(os.path.abspath(collections_path), 'ansible_collections', 'mlops', 'cloud')
    if not os.path.isfile(os.path.join(tree, MODULE_FILE)):
        raise RuntimeError('no mlops.cloud collection at %s' % tree)
    return tree


def median(values):
    return statistics.median(values) if values else None


def fmt_seconds(value):
    return '-' if value is None else '%.2f' % value


def fmt_ratio(value):
    return '-' if value is None else '%.2fx' % value


def fmt_counts(values):
    """One number when every run agrees, else min-max."""
    if not values:
        return '-'
    low, high = min(values), max(values)
    return str(low) if low == high else '%d-%d' % (low, high)


def md_table(headers, rows):
    lines = ['| ' + ' | '.join(headers) + ' |', '|' + '|'.join('---' for header in headers) + '|']
    lines.extend('| ' + ' | '.join(str(cell) for cell in row) + ' |' for row in rows)
    return '\n'.join(lines)


class Emulator:
    """One emulator process for the whole benchmark, with its admin API."""

    def __init__(self, state_dir, latency_ms):
        self.state_dir = state_dir
        self.latency_ms = latency_ms
        self.url = None

    def start(self):
        os.makedirs(self.state_dir, exist_ok=True)
        cmd = [sys.executable, '-m', 'emulator', 'start', '--state-dir', self.state_dir,
               '--latency-ms', str(self.latency_ms)]
        proc = subprocess.run(cmd, cwd=ROOT, env=tool_env({}), stdout=subprocess.PIPE,
                              universal_newlines=True, check=False)
        urls = [line.strip() for line in proc.stdout.splitlines() if line.strip().startswith(('http://', 'https://'))]
        if proc.returncode != 0 or not urls:
            raise RuntimeError('emulator start exited with %d and printed %r' % (proc.returncode, proc.stdout))
        self.url = urls[-1]
        self.admin('POST', '/_emulator/config', {'latency_ms': self.latency_ms})
        progress('emulator at %s, latency %d ms' % (self.url, self.latency_ms))

    def stop(self):
        cmd = [sys.executable, '-m', 'emulator', 'stop', '--state-dir', self.state_dir]
        subprocess.call(cmd, cwd=ROOT, env=tool_env({}), stdout=sys.stderr, stderr=sys.stderr)
        progress('emulator stopped')

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode('utf-8')
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read().decode('utf-8'))

    def counts(self):
        return dict(self.admin('GET', '/_emulator/stats')['by_route'])


def token_request_body():
    """IAM password-token request for the seed user, scoped to the region's project (as users write it)."""
    return {'auth': {
        'identity': {'methods': ['password'],
                     'password': {'user': {'name': USERNAME, 'password': PASSWORD, 'domain': {'name': DOMAIN}}}},
        'scope': {'project': {'name': REGION}}}}


def delta(before, after):
    keys = set(before) | set(after)
    return dict((key, after.get(key, 0) - before.get(key, 0)) for key in keys if after.get(key, 0) != before.get(key, 0))


def split_requests(counts):
    """(page, iam, project lookups, other) from a by_route delta."""
    page, iam, projects = counts.get(PAGE_ROUTE, 0), counts.get(IAM_ROUTE, 0), counts.get(PROJECT_ROUTE, 0)
    return page, iam, projects, sum(counts.values()) - page - iam - projects


class Benchmark:
    """Generates the playbooks, runs them, and keeps the measurements."""

    def __init__(self, args, work_dir):
        self.args = args
        self.work_dir = work_dir
        self.tree = None
        self.emulator = Emulator(os.path.join(work_dir, 'emulator'), args.latency_ms)
        self.inventory = os.path.join(work_dir, 'inventory.ini')
        self.a1_cache = os.path.join(work_dir, 'cache-a1')
        self.f_cache = os.path.join(work_dir, 'cache-f')
        self.scratch_cache = os.path.join(work_dir, 'cache-scratch')
        self.datasets = {}
        self.results = {}   # (contender, n) -> {'seconds': [], 'requests': [], 'failed': int, 'runs_wanted': int}
        self.module_alone = {}  # n -> {'seconds': [], 'maxrss_kb': [], 'ok': bool, 'note': str}
        self.sequential = None
        self.profile = None
        self.a1_iam_total = 0
        self.notes = []

    # ---------------------------------------------------------------- setup

    def setup(self):
        self.tree = collection_tree(self.args.collections_path)
        with open(self.inventory, 'w', encoding='utf-8') as inv:
            inv.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
        self.emulator.start()
        for size in self.args.sizes:
            answer = self.emulator.admin('POST', '/_emulator/datasets',
                                         {'dataset_name': 'benchmark-%d' % size, 'task_count': size})
            self.datasets[size] = answer['dataset_id']
        progress('datasets: %s' % ', '.join('%d -> %s' % item for item in sorted(self.datasets.items())))
        library = os.path.join(self.work_dir, 'playbooks', 'library')
        os.makedirs(library, exist_ok=True)
        shutil.copy2(RESULT_FLOOR_MODULE, os.path.join(library, 'benchmark_result_floor.py'))
        self.save_tasks()

    def save_tasks(self):
        """Every task of each dataset, as the emulator serves them, for contender E (latency off meanwhile)."""
        self.emulator.admin('POST', '/_emulator/config', {'latency_ms': 0})
        try:
            request = urllib.request.Request(self.emulator.url + '/v3/auth/tokens', method='POST',
                                             data=json.dumps(token_request_body()).encode('utf-8'),
                                             headers={'Content-Type': 'application/json'})
            with urllib.request.urlopen(request, timeout=30) as answer:
                token = answer.headers['X-Subject-Token']
            for size, dataset_id in self.datasets.items():
                tasks = []
                for offset in range(max(1, math.ceil(size / float(PAGE_SIZE)))):
                    url = '%s/v2/%s/datasets/%s/export-tasks?limit=%d&offset=%d' % (
                        self.emulator.url, PROJECT_ID, dataset_id, PAGE_SIZE, offset)
                    page = urllib.request.Request(url, headers={'X-Auth-Token': token})
                    with urllib.request.urlopen(page, timeout=30) as answer:
                        tasks.extend(json.loads(answer.read().decode('utf-8'))['export_tasks'])
                if len(tasks) != size:
                    raise RuntimeError('dataset %s served %d tasks, not %d' % (dataset_id, len(tasks), size))
                with open(self.saved_tasks(size), 'w', encoding='utf-8') as handle:
                    json.dump({'dataset_id': dataset_id, 'export_tasks': tasks}, handle)
        finally:
            self.emulator.admin('POST', '/_emulator/config', {'latency_ms': self.args.latency_ms})

    def saved_tasks(self, size):
        return os.path.join(self.work_dir, 'tasks-%d.json' % size)

    def env(self, cache_dir):
        env = tool_env({
            'ANSIBLE_COLLECTIONS_PATH': os.path.abspath(self.args.collections_path),
            'ANSIBLE_HOME': os.path.join(self.work_dir, 'ansible-home'),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'XDG_CACHE_HOME': cache_dir,
        })
        for name in list(env):
            if name.startswith(('OS_', 'HW_')) or name == 'ANSIBLE_CONFIG':
                env.pop(name)
        return env

    # ---------------------------------------------------------------- playbooks

    def module_args(self, contender, size):
        url = self.emulator.url
        args = {'dataset_id': self.datasets[size], 'region': REGION,
                'iam_endpoint': url + '/v3', 'modelarts_endpoint': url}
        if contender == 'A2':
            args.update(access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID)
        else:
            args.update(username=USERNAME, password=PASSWORD, domain_name=DOMAIN)
        if contender == 'B':
            args.update(max_concurrent_requests=1, token_cache=False)
        return args

    def lookup_expression(self, size):
        """F's query(): A1's options as keyword arguments, the dataset id as the term (as users write it)."""
        options = self.module_args('A1', size)
        dataset_id = options.pop('dataset_id')
        keywords = ''.join(', %s=%s' % (name, json.dumps(value)) for name, value in sorted(options.items()))
        return "{{ query('%s', %s%s) }}" % (LOOKUP, json.dumps(dataset_id), keywords)

    def tasks(self, contender, size):
        if contender == 'D':
            return [{'name': 'Floor', 'ansible.builtin.ping': {}}]
        if contender == 'F':
            return [{'name': 'Export tasks (F)', 'ansible.builtin.set_fact': {'export_tasks': self.lookup_expression(size)}}]
        if contender == 'G':
            return [{'name': 'Lookup floor', 'ansible.builtin.debug': {'msg': 'floor'}}]
        if contender == 'H':
            # What carrying the same data through ansible-core costs, with no HTTP and no collection code.
            return [{'name': 'Data floor', 'ansible.builtin.set_fact': {
                'export_tasks': "{{ (lookup('ansible.builtin.file', %s) | from_json).export_tasks }}"
                                % json.dumps(self.saved_tasks(size))}}]
        if contender == 'E':
            return [{'name': 'Result floor', 'benchmark_result_floor': {'path': self.saved_tasks(size), 'password': PASSWORD},
                     'register': 'result'}]
        if contender != 'C':
            return [{'name': 'Export tasks (%s)' % contender, MODULE: self.module_args(contender, size),
                     'register': 'result'}]
        url = self.emulator.url
        page_url = (url + '/v2/{{ iam.json.token.project.id }}/datasets/' + self.datasets[size]
                    + '/export-tasks?limit=%d&offset=' % PAGE_SIZE)
        headers = {'X-Auth-Token': '{{ iam.x_subject_token }}'}
        return [
            {'name': 'IAM token', 'register': 'iam', 'ansible.builtin.uri': {
                'url': url + '/v3/auth/tokens', 'method': 'POST', 'body_format': 'json', 'body': token_request_body(),
                'status_code': 201}},
            {'name': 'First page (tells total_count)', 'register': 'first', 'ansible.builtin.uri': {
                'url': page_url + '0', 'headers': headers}},
            {'name': 'Other pages', 'register': 'rest',
             'loop': "{{ range(1, ((first.json.total_count | int) / %d) | round(0, 'ceil') | int) | list }}" % PAGE_SIZE,
             'ansible.builtin.uri': {'url': page_url + '{{ item }}', 'headers': headers}},
            {'name': 'Collect export_tasks', 'ansible.builtin.set_fact': {
                'export_tasks': "{{ first.json.export_tasks + (rest.results | map(attribute='json') "
                                "| map(attribute='export_tasks') | flatten(levels=1)) }}"}},
        ]

    @staticmethod
    def verify_tasks(contender, size):
        if contender in ('D', 'G'):
            return []
        var = 'export_tasks' if contender in ('C', 'F', 'H') else 'result.export_tasks'
        that = ['%s | length == %d' % (var, size), "%s | map(attribute='task_id') | unique | length == %d" % (var, size)]
        # E is checked like A: it must return the N tasks the emulator served.
        if contender not in ('C', 'F', 'H'):
            that.append('result.total_count == %d' % size)
        return [{'name': 'Verify', 'ansible.builtin.assert': {'that': that, 'quiet': True}}]

    def write_playbook(self, name, tasks):
        path = os.path.join(self.work_dir, 'playbooks', name + '.yml')
        os.makedirs(os.path.dirname(path), exist_ok=True)
        play = [{'name': name, 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump(play, handle, indent=2)  # JSON is YAML
        return path

    # ---------------------------------------------------------------- running

    def run_playbook(self, path, cache_dir):
        """(seconds, by_route delta, rc, output) of one ansible-playbook run."""
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', self.inventory, path]
        before = self.emulator.counts()
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=self.work_dir, env=self.env(cache_dir), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        seconds = time.monotonic() - start
        return seconds, delta(before, self.emulator.counts()), proc.returncode, proc.stdout

    def cache_for(self, contender):
        # F has a token cache of its own, warmed by its untimed first run like A1's.
        return {'A1': self.a1_cache, 'F': self.f_cache}.get(contender, self.scratch_cache)

    def runs_wanted(self, contender, size):
        if contender == 'C' and size >= 10000:
            return min(self.args.runs, self.args.runs_slow)
        return self.args.runs

    def measure_size(self, size):
        timed, checked = {}, {}
        for contender in CONTENDERS:
            timed[contender] = self.write_playbook('%s-%d' % (contender, size), self.tasks(contender, size))
            checked[contender] = self.write_playbook('%s-%d-verify' % (contender, size),
                                                     self.tasks(contender, size) + self.verify_tasks(contender, size))
            self.results[(contender, size)] = {'seconds': [], 'requests': [], 'failed': 0,
                                               'runs_wanted': self.runs_wanted(contender, size)}
        # Warm-up and verification: one untimed run each, with assertions on the result.
        for contender in CONTENDERS:
            seconds, counts, rc, output = self.run_playbook(checked[contender], self.cache_for(contender))
            if contender == 'A1':
                self.a1_iam_total += split_requests(counts)[1]
            progress('N=%d %s warm-up/verify: rc %d, %.2fs, %s' % (size, contender, rc, seconds, counts))
            if rc != 0:
                self.results[(contender, size)]['verify_failed'] = True
                sys.stderr.write(output[-3000:] + '\n')
        # Timed runs, round robin so that drift on the machine affects every contender alike.
        for number in range(self.args.runs):
            for contender in CONTENDERS:
                result = self.results[(contender, size)]
                if number >= result['runs_wanted']:
                    continue
                seconds, counts, rc, output = self.run_playbook(timed[contender], self.cache_for(contender))
                if contender == 'A1':
                    self.a1_iam_total += split_requests(counts)[1]
                if rc != 0:
                    result['failed'] += 1
                    sys.stderr.write(output[-3000:] + '\n')
                    continue
                result['seconds'].append(seconds)
                result['requests'].append(split_requests(counts))
                progress('N=%d %s run %d: %.2fs, %s' % (size, contender, number + 1, seconds, counts))

    def measure_module_alone(self, size):
        """The module run directly (no ansible-playbook): wall time and peak RSS of its process."""
        args_path = os.path.join(self.work_dir, 'module-args-%d.json' % size)
        with open(args_path, 'w', encoding='utf-8') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': self.module_args('A1', size)}, handle)
        out_path = os.path.join(self.work_dir, 'module-out-%d.json' % size)
        cmd = [sys.executable, '-c', MEASURE_SCRIPT, out_path, sys.executable,
               os.path.join(self.tree, MODULE_FILE), args_path]
        env = self.env(self.a1_cache)
        env['PYTHONPATH'] = os.path.abspath(self.args.collections_path)
        entry = {'seconds': [], 'maxrss_kb': [], 'ok': True, 'note': ''}
        for number in range(self.args.runs):
            before = self.emulator.counts()
            measured = json.loads(subprocess.check_output(cmd, cwd=self.work_dir, env=env, universal_newlines=True))
            counts = delta(before, self.emulator.counts())
            self.a1_iam_total += split_requests(counts)[1]
            with open(out_path, encoding='utf-8') as handle:
                text = handle.read()
            try:
                answer = json.loads(text)
            except ValueError:
                answer = {'failed': True, 'msg': text[-500:]}
            tasks = answer.get('export_tasks') or []
            if measured['rc'] != 0 or answer.get('failed') or len(tasks) != size \
                    or len(set(task['task_id'] for task in tasks)) != size:
                entry['ok'] = False
                entry['note'] = 'rc %d, %s' % (measured['rc'], answer.get('msg', 'wrong number of tasks'))
            entry['seconds'].append(measured['seconds'])
            entry['maxrss_kb'].append(measured['maxrss_kb'])
            progress('N=%d module alone run %d: %.2fs, %.1f MB, %s' % (
                size, number + 1, measured['seconds'], measured['maxrss_kb'] / 1024.0, counts))
        self.module_alone[size] = entry

    def measure_sequential(self):
        """20 module runs (a loop in one play), password auth, token cache on, from an empty cache."""
        size = min(self.args.sizes)
        cache = os.path.join(self.work_dir, 'cache-sequential')
        task = {'name': 'Export tasks, %d times' % SEQUENTIAL_RUNS, MODULE: self.module_args('A1', size),
                'loop': '{{ range(%d) | list }}' % SEQUENTIAL_RUNS}
        path = self.write_playbook('sequential', [task])
        seconds, counts, rc, output = self.run_playbook(path, cache)
        if rc != 0:
            sys.stderr.write(output[-3000:] + '\n')
        self.sequential = {'seconds': seconds, 'requests': split_requests(counts), 'rc': rc, 'size': size}
        progress('%d sequential runs: rc %d, %.2fs, %s' % (SEQUENTIAL_RUNS, rc, seconds, counts))

    def profile_lookup(self):
        """F once under cProfile (warm token cache), at N=1000 when measured: the profiles of both processes."""
        size = 1000 if 1000 in self.args.sizes else max(self.args.sizes)
        out_dir = os.path.join(self.work_dir, 'profile')
        os.makedirs(out_dir, exist_ok=True)
        cmd = [sys.executable, '-c', PROFILE_SCRIPT, out_dir, '-i', self.inventory,
               os.path.join(self.work_dir, 'playbooks', 'F-%d.yml' % size)]
        before = self.emulator.counts()
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=self.work_dir, env=self.env(self.f_cache), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        seconds = time.monotonic() - start
        counts = delta(before, self.emulator.counts())
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-3000:] + '\n')
        workers = [name for name in os.listdir(out_dir) if name.startswith('worker-')]
        self.profile = {'size': size, 'seconds': seconds, 'rc': proc.returncode, 'requests': split_requests(counts),
                        'main': pstats.Stats(os.path.join(out_dir, 'main.prof')),
                        'workers': len(workers),
                        'worker': pstats.Stats(*[os.path.join(out_dir, name) for name in workers]) if workers else None}
        progress('N=%d F under cProfile: rc %d, %.2fs, %s' % (size, proc.returncode, seconds, counts))

    def run(self):
        self.setup()
        for size in self.args.sizes:
            self.measure_size(size)
            self.measure_module_alone(size)
        self.measure_sequential()
        self.profile_lookup()

    # ---------------------------------------------------------------- report

    def time_of(self, contender, size):
        result = self.results.get((contender, size))
        return median(result['seconds']) if result and result['seconds'] else None

    def floor_of(self, size, contender='D'):
        """D (or G) as the issue defines it: the playbook's median plus 2*L (a token and a page are 2 round trips)."""
        floor = self.time_of(contender, size)
        return None if floor is None else floor + 2 * self.args.latency_ms / 1000.0

    def report(self):
        args = self.args
        lat = args.latency_ms / 1000.0
        lines = ['# mlops.cloud benchmark: %s' % MODULE, '']
        lines.append('- date: %s; machine: %s, %d CPU(s), Python %s; ansible-core %s' % (
            datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), platform.platform(), os.cpu_count() or 0,
            platform.python_version(), self.ansible_version()))
        lines.append('- emulator latency L = %d ms per request; sizes %s; median of %d runs per cell%s' % (
            args.latency_ms, ', '.join(str(size) for size in args.sizes), args.runs,
            ('; C at N >= 10000: %d runs (--runs-slow)' % min(args.runs, args.runs_slow))
            if any(size >= 10000 for size in args.sizes) and args.runs_slow < args.runs else ''))
        lines.append('- absolute times depend on the machine and its load: compare ratios within one run, not times between runs')
        lines.append('')
        headers = ['N', 'contender', 'median s', 'min-max s', 'runs', 'page req/run', 'IAM req/run',
                   'project lookups/run', 'other req/run', 'vs D (ping + 2*L)', 'vs G (debug + 2*L)']
        rows = []
        for size in args.sizes:
            floor, lookup_floor = self.floor_of(size), self.floor_of(size, 'G')
            for contender in CONTENDERS:
                result = self.results[(contender, size)]
                seconds = result['seconds']
                runs = '%d/%d' % (len(seconds), result['runs_wanted'])
                if result.get('verify_failed'):
                    runs += ' (verify FAILED)'
                reqs = result['requests']
                cur = median(seconds)
                rows.append([size, '%s: %s' % (contender, DESCRIPTIONS[contender]), fmt_seconds(cur),
                             '%s-%s' % (fmt_seconds(min(seconds)), fmt_seconds(max(seconds))) if seconds else '-', runs,
                             fmt_counts([req[0] for req in reqs]), fmt_counts([req[1] for req in reqs]),
                             fmt_counts([req[2] for req in reqs]), fmt_counts([req[3] for req in reqs]),
                             fmt_ratio(cur / floor) if cur and floor else '-',
                             fmt_ratio(cur / lookup_floor) if cur and lookup_floor else '-'])
            if floor is not None:
                rows.append([size, 'D: the floor, ping + 2*L', fmt_seconds(floor), '', '', '', '', '', '', fmt_ratio(1.0), ''])
            if lookup_floor is not None:
                rows.append([size, "G: F's floor, debug + 2*L", fmt_seconds(lookup_floor), '', '', '', '', '', '', '',
                             fmt_ratio(1.0)])
        lines += ['## Playbook runs (wall time of ansible-playbook)', '', md_table(headers, rows), '']

        rows = []
        for size in args.sizes:
            entry = self.module_alone.get(size)
            if not entry:
                continue
            rows.append([size, fmt_seconds(median(entry['seconds'])), '%.1f' % (max(entry['maxrss_kb']) / 1024.0),
                         'ok' if entry['ok'] else 'FAILED: %s' % entry['note']])
        lines += ['## The module process alone (A1 arguments, run directly, warm token cache)', '',
                  md_table(['N', 'median s', 'peak RSS MB', 'result'], rows), '']

        ratios = []
        for size in args.sizes:
            a1, c, d = self.time_of('A1', size), self.time_of('C', size), self.floor_of(size)
            e = self.time_of('E', size)
            ratios.append(['N=%d: C / A1 (A1 speed-up over C)' % size, fmt_ratio(c / a1) if a1 and c else '-'])
            ratios.append(['N=%d: A1 / D (D = ping + 2*L)' % size, fmt_ratio(a1 / d) if a1 and d else '-'])
            ratios.append(['N=%d: A1 / (E + 2*L), against a result of this size with no HTTP' % size,
                           fmt_ratio(a1 / (e + 2 * lat)) if a1 and e else '-'])
            f, g = self.time_of('F', size), self.floor_of(size, 'G')
            ratios.append(['N=%d: F / G (G = debug + 2*L)' % size, fmt_ratio(f / g) if f and g else '-'])
            h = self.floor_of(size, 'H')
            ratios.append(['N=%d: F / (H + 2*L), against the same data carried through ansible-core from a file '
                           '(target 1.1x or below)' % size, fmt_ratio(f / h) if f and h else '-'])
            ratios.append(['N=%d: C / F (F speed-up over C)' % size, fmt_ratio(c / f) if f and c else '-'])
            ratios.append(['N=%d: A1 / F (what the module costs over the lookup)' % size, fmt_ratio(a1 / f) if a1 and f else '-'])
        pooled = [seconds for size in args.sizes for seconds in self.results[('D', size)]['seconds']]
        if len(args.sizes) > 1 and pooled:
            # The ping playbook does not depend on N: its runs at every N, pooled, give a steadier floor
            # than one N's runs (the targets use the same-N floor, measured in the same rounds as A1).
            pooled_floor = median(pooled) + 2 * lat
            for size in args.sizes:
                a1 = self.time_of('A1', size)
                ratios.append(['N=%d: A1 / D with ping pooled over every N (%.2fs + 2*L)' % (size, median(pooled)),
                               fmt_ratio(a1 / pooled_floor) if a1 else '-'])
        small, large = min(args.sizes), max(args.sizes)
        if small != large:
            a_small, a_large = self.time_of('A1', small), self.time_of('A1', large)
            ratios.append(['A1(N=%d) / A1(N=%d)' % (large, small), fmt_ratio(a_large / a_small) if a_small and a_large else '-'])
            e_small, e_large = self.time_of('E', small), self.time_of('E', large)
            ratios.append(['E(N=%d) / E(N=%d): the same ratio for returning the tasks with no HTTP' % (large, small),
                           fmt_ratio(e_large / e_small) if e_small and e_large else '-'])
        lines += ['## Ratios (within this run)', '', md_table(['ratio', 'value'], ratios), '']

        seq = self.sequential
        lines.append('%d sequential module runs (password auth, token cache on, empty cache at start, N=%d): '
                     'IAM token requests %d, project lookups %d, page requests %d, %.2fs in total, rc %d.' % (
                         SEQUENTIAL_RUNS, seq['size'], seq['requests'][1], seq['requests'][2], seq['requests'][0],
                         seq['seconds'], seq['rc']))
        lines.append('')
        lines.append('A1 IAM token requests over the whole benchmark (its private cache starts empty; warm-ups, timed and '
                     'direct runs included): %d.' % self.a1_iam_total)
        lines += ['', '## Targets', '', md_table(['target', 'measured', 'result'], self.targets()), '']
        lines += self.profile_report()
        if self.notes:
            lines += ['Notes:', ''] + ['- ' + note for note in self.notes] + ['']
        return '\n'.join(lines)

    def targets(self):
        args = self.args
        rows = []

        def verdict(ok):
            return 'PASS' if ok else 'MISS'

        def at(size, label, func):
            if size not in args.sizes or args.latency_ms != 50 and size == 1000:
                rows.append([label, 'not measured (needs N=%d%s)' % (size, ', L=50' if size == 1000 else ''), 'n/a'])
                return
            measured, ok = func()
            rows.append([label, measured, verdict(ok) if ok is not None else 'n/a'])

        def speedup(size, want, contender='A1'):
            cur, c = self.time_of(contender, size), self.time_of('C', size)
            if not cur or not c:
                return 'no data', None
            return '%.2fx' % (c / cur), c / cur >= want

        def within_floor(contender, floor_contender, limit):
            cur, floor = self.time_of(contender, 1000), self.floor_of(1000, floor_contender)
            if not cur or not floor:
                return 'no data', None
            task = {'D': 'ping', 'G': 'debug'}[floor_contender]
            return '%s %.2fs = %.2fx %s (%s %.2fs + 2*L)' % (
                contender, cur, cur / floor, floor_contender, task, self.time_of(floor_contender, 1000)), cur <= limit * floor

        def exact_pages(contenders):
            exact, seen = True, []
            for size in args.sizes:
                want = max(1, math.ceil(size / float(PAGE_SIZE)))
                for contender in contenders:
                    got = [req[0] for req in self.results[(contender, size)]['requests']]
                    seen.append('%s@%d: %s (want %d)' % (contender, size, fmt_counts(got), want))
                    exact = exact and bool(got) and all(count == want for count in got)
            return '; '.join(seen), verdict(exact)

        def scaling():
            a_small, a_large = self.time_of('A1', 10), self.time_of('A1', 10000)
            if not a_small or not a_large:
                return 'no data', None
            return '%.2fx' % (a_large / a_small), a_large <= 2.5 * a_small

        at(1000, 'N=1000, L=50ms: A1 >= 3.5x faster than C', lambda: speedup(1000, 3.5))
        at(1000, 'N=1000, L=50ms: A1 within %.1fx of D' % MODULE_FLOOR_LIMIT,
           lambda: within_floor('A1', 'D', MODULE_FLOOR_LIMIT))
        at(1000, 'N=1000, L=50ms: F within %.1fx of G' % LOOKUP_FLOOR_LIMIT,
           lambda: within_floor('F', 'G', LOOKUP_FLOOR_LIMIT))
        at(10000, 'N=10000: A1 >= 8x faster than C', lambda: speedup(10000, 8.0))
        at(10000, 'N=10000: F >= %dx faster than C' % LOOKUP_SPEEDUP_OVER_URI,
           lambda: speedup(10000, LOOKUP_SPEEDUP_OVER_URI, 'F'))
        if 10 in args.sizes and 10000 in args.sizes:
            measured, ok = scaling()
            rows.append(['A1(10000) within 2.5x of A1(10)', measured, verdict(ok) if ok is not None else 'n/a'])
        else:
            rows.append(['A1(10000) within 2.5x of A1(10)', 'not measured (needs N=10 and N=10000)', 'n/a'])

        peaks = [max(entry['maxrss_kb']) / 1024.0 for entry in self.module_alone.values() if entry['maxrss_kb']]
        if peaks:
            rows.append(['module peak memory < 150 MB', 'max %.1f MB' % max(peaks), verdict(max(peaks) < 150)])

        rows.append(['page requests for A == ceil(N/100)'] + list(exact_pages(('A1', 'A2', 'B'))))
        rows.append(['page requests for F == ceil(N/100)'] + list(exact_pages(('F',))))

        a1_iam = [req[1] for size in args.sizes for req in self.results[('A1', size)]['requests']]
        rows.append(['IAM requests for A1 <= 1 per token lifetime',
                     '%d over the whole benchmark; timed A1 runs: %s per run' % (self.a1_iam_total, fmt_counts(a1_iam)),
                     verdict(self.a1_iam_total <= 1)])
        seq_iam = self.sequential['requests'][1]
        rows.append(['%d sequential runs -> 1 IAM request' % SEQUENTIAL_RUNS, str(seq_iam),
                     verdict(seq_iam == 1 and self.sequential['rc'] == 0)])
        return rows

    def profile_report(self):
        """F's profile: cumulative seconds by area, per process."""
        prof = self.profile
        if prof is None:
            return []
        lines = ["## Where F's time goes (one run under cProfile, N=%d, warm token cache)" % prof['size'], '',
                 'ansible-playbook under cProfile: %.2fs wall, rc %d, page requests %d, IAM requests %d '
                 '(unprofiled median: %s s); %d worker profile(s). cProfile slows Python code, so compare '
                 'the shares, not the seconds, with the table above. Worker areas nest (a dot per level); '
                 "the main process's areas overlap (ansible.cfg and metadata YAML are read during imports)." % (
                     prof['seconds'], prof['rc'], prof['requests'][0], prof['requests'][1],
                     fmt_seconds(self.time_of('F', prof['size'])), prof['workers']), '']
        totals = {'main': prof['main'].total_tt, 'worker': prof['worker'].total_tt if prof['worker'] else None}
        rows = [['main', 'ansible-playbook, the whole process (profiled time)', '%.3f' % totals['main'], '100%']]
        for process, area, suffix, function in PROFILE_AREAS:
            stats = prof[process]
            if stats is None:
                continue
            seconds = sum(entry[3] for (filename, _line, name), entry in stats.stats.items()
                          if filename.endswith(suffix) and name == function)
            rows.append([process, area, '%.3f' % seconds, '%.0f%%' % (100.0 * seconds / totals['main'])])
        return lines + [md_table(['process', 'where', 'cumulative s', 'share of the run'], rows), '']

    def ansible_version(self):
        try:
            out = subprocess.check_output([sys.executable, '-c', 'import ansible.release as r; print(r.__version__)'],
                                          universal_newlines=True)
            return out.strip()
        except (OSError, subprocess.CalledProcessError):
            return 'unknown'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--collections-path', required=True,
                        help='the directory that holds ansible_collections/mlops/cloud (nox -s benchmark passes it)')
    parser.add_argument('--latency-ms', type=int, default=50, help='emulator delay before each answer (default 50)')
    parser.add_argument('--sizes', default='10,1000,10000', help='comma-separated task counts (default 10,1000,10000)')
    parser.add_argument('--runs', type=int, default=5, help='timed runs per contender and size (default 5)')
    parser.add_argument('--runs-slow', type=int, default=3, help='timed runs of C at N >= 10000 (default 3)')
    parser.add_argument('--quick', action='store_true', help='sizes 10,1000 and 3 runs: a fast check')
    parser.add_argument('--output', help='also write the Markdown report to this file')
    parser.add_argument('--keep', action='store_true', help='keep the work directory (playbooks, caches, emulator log)')
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.runs = '10,1000', 3
    try:
        args.sizes = sorted(set(int(size) for size in args.sizes.split(',') if size.strip()))
    except ValueError:
        parser.error('--sizes must be comma-separated integers')
    if not args.sizes or min(args.sizes) < 0:
        parser.error('--sizes needs at least one task count >= 0')
    if args.runs < 1 or args.runs_slow < 1 or args.latency_ms < 0:
        parser.error('--runs and --runs-slow must be at least 1, --latency-ms at least 0')
    return args


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    work_dir = tempfile.mkdtemp(prefix='mlops-cloud-benchmark-')
    bench = Benchmark(args, work_dir)
    started = time.monotonic()
    try:
        bench.run()
    finally:
        if bench.emulator.url is not None or os.path.exists(os.path.join(bench.emulator.state_dir, 'pid')):
            bench.emulator.stop()
        if args.keep:
            progress('work directory kept: %s' % work_dir)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    bench.notes.append('benchmark took %.0fs in total' % (time.monotonic() - started))
    report = bench.report()
    sys.stdout.write(report + '\n')
    if args.output:
        with open(args.output, 'w', encoding='utf-8') as handle:
            handle.write(report + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
