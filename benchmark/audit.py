# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark contender H: the export audit of a whole project, as a loop and as one ``include`` call.

Usage::

    .venv/bin/python benchmark/audit.py [--collections-path DIR] [--latency-ms 50]
                                        [--cases 10x10,100x10,500x10,50x1000] [--runs 3] [--output PATH]

For each case PxT the project holds P datasets of T export tasks each, and three playbooks fetch
every export task of every dataset:

* ``loop``: the audit guide's old playbook (before ``include``): ``modelarts_dataset_info``, then
  ``modelarts_dataset_export_tasks_info`` looped over its datasets, one module run per dataset;
* ``module``: one ``modelarts_dataset_info`` with ``include: [export_tasks]``;
* ``lookup``: ``query('mlops.cloud.modelarts_datasets', include=['export_tasks'], ...)`` in a set_fact.

Each timed playbook asserts it got P*T tasks; an untimed run of each one-call contender also
checks that the task IDs of each dataset are distinct (the old loop is the baseline). Wall time of
``ansible-playbook`` (median of ``--runs``; the loop runs once from ``--slow-loop`` datasets on)
and the requests the emulator counted (``GET /_emulator/stats``) are reported beside the expected
ceil(P/100) dataset pages plus P*ceil(T/100) export-task pages. The datasets live in the seed's
second project (eu-nl), which has none of its own, so P is exactly the project's size; AK/SK with
project_id means no IAM request.

Without ``--collections-path`` the collection is the checkout's HEAD (``git archive``) in a
temporary tree. Only the standard library and ``run.Emulator`` are used; Ansible comes from the Python running this.
Progress goes to stderr, the Markdown report to stdout (and ``--output``). See docs/benchmark-audit.md.
"""

import argparse
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from run import Emulator, progress  # the benchmark's emulator process and admin API, its progress lines

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
PAGE_SIZE = 100  # the modules' default limit, the API's largest page
TARGET_SPEEDUP = 40.0
TARGET_AT = 500

# The seed's second project (emulator/seed.py): no datasets until the benchmark adds them.
REGION = 'eu-nl'
PROJECT_ID = '9f8e7d6c5b4a40312a1b0c9d8e7f6a5b'
ACCESS_KEY = 'EMULATORAK0000000001'
SECRET_KEY = 'emulator-sk-0000000000000000000000000001'

CONTENDERS = ('loop', 'module', 'lookup')
COUNT_TASKS = "map(attribute='export_tasks') | map('length') | sum"


def expected_requests(datasets, tasks):
    return math.ceil(datasets / PAGE_SIZE) + datasets * max(1, math.ceil(tasks / PAGE_SIZE))


def fill_project(emulator, datasets, tasks, latency_ms):
    """A fresh emulator state whose eu-nl project holds ``datasets`` datasets of ``tasks`` tasks each."""
    emulator.admin('POST', '/_emulator/reset')  # also latency 0 while the datasets are added
    for index in range(datasets):
        emulator.admin('POST', '/_emulator/datasets', {'dataset_name': 'audit-%04d' % index,
                                                       'project_id': PROJECT_ID, 'task_count': tasks})
    emulator.admin('POST', '/_emulator/config', {'latency_ms': latency_ms})


def requests_so_far(emulator):
    return sum(emulator.counts().values())


def connection(url):
    return {'region': REGION, 'project_id': PROJECT_ID, 'access_key': ACCESS_KEY, 'secret_key': SECRET_KEY,
            'modelarts_endpoint': url, 'iam_endpoint': url + '/v3'}


def tasks_of(contender, url, total, distinct=False):
    """The playbook's tasks: the audit's fetching, then a check that every task came back.

    ``distinct`` also checks that the task IDs of each dataset are distinct: that costs seconds for
    50,000 tasks, so it is done in an untimed run only.
    """
    if contender == 'loop':
        fetch = [{'name': 'Every dataset of the project', 'register': 'project',
                  'mlops.cloud.modelarts_dataset_info': {}},
                 {'name': 'Every export task of each dataset', 'register': 'exports',
                  'mlops.cloud.modelarts_dataset_export_tasks_info': {'dataset_id': '{{ item.dataset_id }}'},
                  'loop': '{{ project.datasets }}', 'loop_control': {'label': '{{ item.dataset_name }}'}}]
        found = 'exports.results'
    elif contender == 'module':
        fetch = [{'name': 'Every dataset with its export tasks', 'register': 'project',
                  'mlops.cloud.modelarts_dataset_info': {'include': ['export_tasks']}}]
        found = 'project.datasets'
    else:
        keywords = ''.join(', %s=%s' % item for item in sorted((k, json.dumps(v)) for k, v in connection(url).items()))
        fetch = [{'name': 'Every dataset with its export tasks', 'ansible.builtin.set_fact': {
            'datasets': "{{ query('mlops.cloud.modelarts_datasets', include=['export_tasks']%s) }}" % keywords}}]
        found = 'datasets'
    that = ['(%s | %s) == %d' % (found, COUNT_TASKS, total)]
    if distinct:
        that.append("(%s | map(attribute='export_tasks') | map('map', attribute='task_id') | map('unique') | map('list')"
                    " | map('length') | sum) == %d" % (found, total))
    check = {'name': 'Every task came back', 'ansible.builtin.assert': {'quiet': True, 'that': that}}
    return fetch + [check]


class Benchmark:
    def __init__(self, args, work_dir):
        self.args = args
        self.work_dir = work_dir
        self.emulator = Emulator(os.path.join(work_dir, 'emulator'), args.latency_ms)
        self.collections_path = args.collections_path or self.archive_head()
        self.rows = []

    def archive_head(self):
        tree = os.path.join(self.work_dir, 'collections', 'ansible_collections', 'mlops', 'cloud')
        os.makedirs(tree)
        archive = subprocess.run(['git', 'archive', '--format=tar', 'HEAD'], cwd=ROOT, stdout=subprocess.PIPE, check=True)
        subprocess.run(['tar', '-x', '-C', tree], input=archive.stdout, check=True)
        return os.path.join(self.work_dir, 'collections')

    def playbook(self, name, tasks):
        path = os.path.join(self.work_dir, name + '.yml')
        play = [{'name': name, 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks,
                 'module_defaults': {'group/mlops.cloud.modelarts': connection(self.emulator.url)}}]
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump(play, handle, indent=1)  # JSON is YAML
        return path

    def run(self, path):
        """(seconds, requests) of one ansible-playbook run; a failed run stops the benchmark."""
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.abspath(self.collections_path),
                   ANSIBLE_HOME=os.path.join(self.work_dir, 'ansible-home'), ANSIBLE_NOCOLOR='1',
                   XDG_CACHE_HOME=os.path.join(self.work_dir, 'cache'))
        before = requests_so_far(self.emulator)
        start = time.monotonic()
        proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                               '-e', 'ansible_python_interpreter=' + sys.executable, path],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                              check=False)
        seconds = time.monotonic() - start
        if proc.returncode != 0:
            raise RuntimeError('%s failed (rc %d):\n%s' % (path, proc.returncode, proc.stdout[-3000:]))
        return seconds, requests_so_far(self.emulator) - before

    def measure(self, datasets, tasks):
        fill_project(self.emulator, datasets, tasks, self.args.latency_ms)
        times = {}
        for contender in CONTENDERS:
            path = self.playbook('%s-%dx%d' % (contender, datasets, tasks),
                                 tasks_of(contender, self.emulator.url, datasets * tasks))
            if contender != 'loop':
                self.run(self.playbook('verify-%s-%dx%d' % (contender, datasets, tasks),
                                       tasks_of(contender, self.emulator.url, datasets * tasks, distinct=True)))
            runs = 1 if contender == 'loop' and datasets >= self.args.slow_loop else self.args.runs
            seconds, requests = zip(*(self.run(path) for dummy in range(runs)))
            times[contender] = statistics.median(seconds)
            counts = sorted(set(requests))
            progress('P=%d T=%d %s: %s s, requests %s' % (
                datasets, tasks, contender, ' '.join('%.2f' % value for value in seconds), counts))
            self.rows.append({'P': datasets, 'T': tasks, 'contender': contender, 'seconds': times[contender],
                              'runs': runs, 'requests': counts, 'expected': expected_requests(datasets, tasks),
                              'speedup': times['loop'] / times[contender]})

    def report(self, total_seconds, load):
        lines = ['| P | T | contender | seconds (median) | runs | requests | expected requests | speed-up vs loop |',
                 '|---|---|---|---|---|---|---|---|']
        for row in self.rows:
            lines.append('| %(P)d | %(T)d | %(contender)s | %(seconds).2f | %(runs)d | ' % row
                         + '/'.join(str(count) for count in row['requests'])
                         + ' | %(expected)d | %(speedup).1fx |' % row)
        lines += ['', '## Targets', '']
        for row in self.rows:
            if row['P'] == TARGET_AT and row['contender'] != 'loop':
                lines.append('- %s at P=%d: %.1fx faster than the loop (target %gx): %s' % (
                    row['contender'], TARGET_AT, row['speedup'], TARGET_SPEEDUP,
                    'PASS' if row['speedup'] >= TARGET_SPEEDUP else 'MISS'))
        exact = [row for row in self.rows if row['contender'] != 'loop']
        lines.append('- one-call requests equal to the expected pages in every case and run: %s' % (
            'PASS' if all(row['requests'] == [row['expected']] for row in exact) else 'MISS'))
        lines += ['', 'Latency %d ms; %s, %d CPUs, Python %s; load average %s before, %s after; %.0f s in all.' % (
            self.args.latency_ms, platform.platform(), os.cpu_count(), platform.python_version(),
            load[0], load[1], total_seconds)]
        return '\n'.join(lines) + '\n'

    def main(self):
        start = time.monotonic()
        load_before = '%.2f' % os.getloadavg()[0]
        self.emulator.start()
        try:
            self.run(self.playbook('warm-up', [{'ansible.builtin.ping': {}}]))
            for datasets, tasks in self.args.cases:
                self.measure(datasets, tasks)
        finally:
            self.emulator.stop()
        report = self.report(time.monotonic() - start, (load_before, '%.2f' % os.getloadavg()[0]))
        sys.stdout.write(report)
        if self.args.output:
            with open(self.args.output, 'w', encoding='utf-8') as handle:
                handle.write(report)


def parse_cases(text):
    return [tuple(int(number) for number in case.split('x')) for case in text.split(',')]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--collections-path', help='directory holding ansible_collections/mlops/cloud (default: HEAD)')
    parser.add_argument('--latency-ms', type=int, default=50)
    parser.add_argument('--cases', type=parse_cases, default=parse_cases('10x10,100x10,500x10,50x1000'),
                        help='PxT,... (datasets x export tasks each)')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--slow-loop', type=int, default=500, help='from this many datasets on, the loop runs once')
    parser.add_argument('--output')
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))  # so that the emulator is stopped
    with tempfile.TemporaryDirectory(prefix='mlops-audit-') as work_dir:
        Benchmark(args, work_dir).main()


if __name__ == '__main__':
    main()
