# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark mlops.cloud.modelarts_dataset_export_tasks_info against the local emulator.

Usage::

    python3 benchmark/run.py [--latency-ms 50] [--sizes 10,1000,10000] [--runs 5] [--runs-slow 3]
                             [--quick] [--output PATH] [--keep]

Only the Python standard library is used here. The virtual environment comes from
``python3 scripts/dev.py venv``, the collection tree from ``scripts/dev.py``'s tree builder
(into a private directory, so that a concurrent ``dev.py test`` is not disturbed), and one
emulator is started for the whole benchmark and always stopped.

Progress goes to stderr; the Markdown report goes to stdout (and to ``--output``). The
benchmark measures and reports PASS/MISS against its targets; it exits 0 whatever they are.
See docs/benchmark.md.
"""

import argparse
import contextlib
import datetime
import importlib.util
import inspect
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEV_PY = os.path.join(ROOT, 'scripts', 'dev.py')
MODULE = 'mlops.cloud.modelarts_dataset_export_tasks_info'
MODULE_FILE = os.path.join('plugins', 'modules', 'modelarts_dataset_export_tasks_info.py')
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

CONTENDERS = ('A1', 'A2', 'B', 'C', 'D', 'E')
DESCRIPTIONS = {
    'A1': 'module, password auth, warm token cache',
    'A2': 'module, AK/SK auth, project_id given',
    'B': 'module, max_concurrent_requests=1, token_cache=false',
    'C': 'ansible.builtin.uri: IAM token + one uri call per page',
    'D': 'one ansible.builtin.ping (the floor is this + 2*L)',
    'E': 'result floor: the same N tasks returned from a local file, no HTTP',
}
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


def progress(msg):
    """A progress line on stderr (stdout is for the report)."""
    sys.stderr.write('--> %s\n' % msg)
    sys.stderr.flush()


def load_dev():
    """Import scripts/dev.py as a module (it has a main guard)."""
    spec = importlib.util.spec_from_file_location('mlops_cloud_dev', DEV_PY)
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    return dev


def ensure_venv():
    """python3 scripts/dev.py venv, its output on stderr."""
    rc = subprocess.call([sys.executable, DEV_PY, 'venv'], cwd=ROOT, stdout=sys.stderr)
    if rc != 0:
        raise RuntimeError('scripts/dev.py venv exited with %d' % rc)


class PrivateTree:
    """What dev.build_tree(toolchain) reads from its toolchain: where the tree goes."""

    def __init__(self, collections_dir):
        self.collections_dir = collections_dir
        self.tree = os.path.join(collections_dir, 'ansible_collections', 'mlops', 'cloud')


def build_private_tree(dev, collections_dir):
    """The collection tree under collections_dir, never in the shared build/ (others use it meanwhile).

    dev.build_tree(toolchain) builds where its toolchain says; a dev.py whose build_tree
    takes no toolchain would build into the shared build/, so then its file list
    (dev.source_files) is copied here instead.
    """
    target = PrivateTree(collections_dir)
    try:
        takes_toolchain = len(inspect.signature(dev.build_tree).parameters) >= 1
    except (AttributeError, TypeError, ValueError):
        takes_toolchain = False
    with contextlib.redirect_stdout(sys.stderr):
        if takes_toolchain:
            dev.build_tree(target)
        else:
            for name in dev.source_files():
                dst = os.path.join(target.tree, name)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy2(os.path.join(ROOT, name), dst)
            progress('copied the collection to %s' % target.tree)
    if not os.path.isfile(os.path.join(target.tree, MODULE_FILE)):
        raise RuntimeError('the collection tree was not built at %s' % target.tree)
    return target.tree


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

    def __init__(self, dev, state_dir, latency_ms):
        self.dev = dev
        self.state_dir = state_dir
        self.latency_ms = latency_ms
        self.url = None

    def start(self):
        os.makedirs(self.state_dir, exist_ok=True)
        cmd = [self.dev.VENV_PYTHON, '-m', 'emulator', 'start', '--state-dir', self.state_dir,
               '--latency-ms', str(self.latency_ms)]
        proc = subprocess.run(cmd, cwd=ROOT, env=self.dev.emulator_env(), stdout=subprocess.PIPE,
                              universal_newlines=True, check=False)
        urls = [line.strip() for line in proc.stdout.splitlines() if line.strip().startswith(('http://', 'https://'))]
        if proc.returncode != 0 or not urls:
            raise RuntimeError('emulator start exited with %d and printed %r' % (proc.returncode, proc.stdout))
        self.url = urls[-1]
        self.admin('POST', '/_emulator/config', {'latency_ms': self.latency_ms})
        progress('emulator at %s, latency %d ms' % (self.url, self.latency_ms))

    def stop(self):
        cmd = [self.dev.VENV_PYTHON, '-m', 'emulator', 'stop', '--state-dir', self.state_dir]
        subprocess.call(cmd, cwd=ROOT, env=self.dev.emulator_env(), stdout=sys.stderr, stderr=sys.stderr)
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

    def __init__(self, dev, args, work_dir):
        self.dev = dev
        self.args = args
        self.work_dir = work_dir
        self.tree = None
        self.emulator = Emulator(dev, os.path.join(work_dir, 'emulator'), args.latency_ms)
        self.inventory = os.path.join(work_dir, 'inventory.ini')
        self.a1_cache = os.path.join(work_dir, 'cache-a1')
        self.scratch_cache = os.path.join(work_dir, 'cache-scratch')
        self.datasets = {}
        self.results = {}   # (contender, n) -> {'seconds': [], 'requests': [], 'failed': int, 'runs_wanted': int}
        self.module_alone = {}  # n -> {'seconds': [], 'maxrss_kb': [], 'ok': bool, 'note': str}
        self.sequential = None
        self.a1_iam_total = 0
        self.notes = []

    # ---------------------------------------------------------------- setup

    def setup(self):
        ensure_venv()
        self.tree = build_private_tree(self.dev, os.path.join(self.work_dir, 'collections'))
        with open(self.inventory, 'w', encoding='utf-8') as inv:
            inv.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % self.dev.VENV_PYTHON)
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
        env = self.dev.tool_env({
            'ANSIBLE_COLLECTIONS_PATH': os.path.join(self.work_dir, 'collections'),
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

    def tasks(self, contender, size):
        if contender == 'D':
            return [{'name': 'Floor', 'ansible.builtin.ping': {}}]
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
        if contender == 'D':
            return []
        var = 'export_tasks' if contender == 'C' else 'result.export_tasks'
        that = ['%s | length == %d' % (var, size), "%s | map(attribute='task_id') | unique | length == %d" % (var, size)]
        # E is checked like A: it must return the N tasks the emulator served.
        if contender != 'C':
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
        cmd = [os.path.join(self.dev.VENV_BIN, 'ansible-playbook'), '-i', self.inventory, path]
        before = self.emulator.counts()
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=self.work_dir, env=self.env(cache_dir), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        seconds = time.monotonic() - start
        return seconds, delta(before, self.emulator.counts()), proc.returncode, proc.stdout

    def cache_for(self, contender):
        return self.a1_cache if contender == 'A1' else self.scratch_cache

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
        cmd = [sys.executable, '-c', MEASURE_SCRIPT, out_path, self.dev.VENV_PYTHON,
               os.path.join(self.tree, MODULE_FILE), args_path]
        env = self.env(self.a1_cache)
        env['PYTHONPATH'] = os.path.join(self.work_dir, 'collections')
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

    def run(self):
        self.setup()
        for size in self.args.sizes:
            self.measure_size(size)
            self.measure_module_alone(size)
        self.measure_sequential()

    # ---------------------------------------------------------------- report

    def time_of(self, contender, size):
        result = self.results.get((contender, size))
        return median(result['seconds']) if result and result['seconds'] else None

    def floor_of(self, size):
        """D as the issue defines it: the ping playbook's median plus 2*L (a token and a page are 2 round trips)."""
        ping = self.time_of('D', size)
        return None if ping is None else ping + 2 * self.args.latency_ms / 1000.0

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
                   'project lookups/run', 'other req/run', 'vs D (ping + 2*L)']
        rows = []
        for size in args.sizes:
            floor = self.floor_of(size)
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
                             fmt_ratio(cur / floor) if cur and floor else '-'])
            if floor is not None:
                rows.append([size, 'D: the floor, ping + 2*L', fmt_seconds(floor), '', '', '', '', '', '', fmt_ratio(1.0)])
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

        def speedup(size, want):
            a1, c = self.time_of('A1', size), self.time_of('C', size)
            if not a1 or not c:
                return 'no data', None
            return '%.2fx' % (c / a1), c / a1 >= want

        def within_floor():
            a1, d = self.time_of('A1', 1000), self.floor_of(1000)
            if not a1 or not d:
                return 'no data', None
            return 'A1 %.2fs = %.2fx D (ping %.2fs + 2*L)' % (a1, a1 / d, self.time_of('D', 1000)), a1 <= 1.3 * d

        def scaling():
            a_small, a_large = self.time_of('A1', 10), self.time_of('A1', 10000)
            if not a_small or not a_large:
                return 'no data', None
            return '%.2fx' % (a_large / a_small), a_large <= 2.5 * a_small

        at(1000, 'N=1000, L=50ms: A1 >= 3.5x faster than C', lambda: speedup(1000, 3.5))
        at(1000, 'N=1000, L=50ms: A1 within 1.3x of D', within_floor)
        at(10000, 'N=10000: A1 >= 8x faster than C', lambda: speedup(10000, 8.0))
        if 10 in args.sizes and 10000 in args.sizes:
            measured, ok = scaling()
            rows.append(['A1(10000) within 2.5x of A1(10)', measured, verdict(ok) if ok is not None else 'n/a'])
        else:
            rows.append(['A1(10000) within 2.5x of A1(10)', 'not measured (needs N=10 and N=10000)', 'n/a'])

        peaks = [max(entry['maxrss_kb']) / 1024.0 for entry in self.module_alone.values() if entry['maxrss_kb']]
        if peaks:
            rows.append(['module peak memory < 150 MB', 'max %.1f MB' % max(peaks), verdict(max(peaks) < 150)])

        exact, seen = True, []
        for size in args.sizes:
            want = max(1, math.ceil(size / float(PAGE_SIZE)))
            for contender in ('A1', 'A2', 'B'):
                got = [req[0] for req in self.results[(contender, size)]['requests']]
                seen.append('%s@%d: %s (want %d)' % (contender, size, fmt_counts(got), want))
                exact = exact and bool(got) and all(count == want for count in got)
        rows.append(['page requests for A == ceil(N/100)', '; '.join(seen), verdict(exact)])

        a1_iam = [req[1] for size in args.sizes for req in self.results[('A1', size)]['requests']]
        rows.append(['IAM requests for A1 <= 1 per token lifetime',
                     '%d over the whole benchmark; timed A1 runs: %s per run' % (self.a1_iam_total, fmt_counts(a1_iam)),
                     verdict(self.a1_iam_total <= 1)])
        seq_iam = self.sequential['requests'][1]
        rows.append(['%d sequential runs -> 1 IAM request' % SEQUENTIAL_RUNS, str(seq_iam),
                     verdict(seq_iam == 1 and self.sequential['rc'] == 0)])
        return rows

    def ansible_version(self):
        try:
            out = subprocess.check_output([self.dev.VENV_PYTHON, '-c', 'import ansible.release as r; print(r.__version__)'],
                                          universal_newlines=True)
            return out.strip()
        except (OSError, subprocess.CalledProcessError):
            return 'unknown'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
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
    dev = load_dev()
    work_dir = tempfile.mkdtemp(prefix='mlops-cloud-benchmark-')
    bench = Benchmark(dev, args, work_dir)
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
