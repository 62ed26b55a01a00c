# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark the Event-Driven Ansible source mlops.cloud.modelarts_dataset_export_tasks against the emulator.

Usage::

    .venv/bin/nox -s benchmark_eda [-- --datasets 200 --interval 2]
    .venv/bin/python benchmark/eda.py --collections-path DIR [--datasets 200] [--interval 2] [--latency-ms 20]

What a watched project costs and how soon a finished export becomes an event: the source's ``main`` runs
in this process (as ansible-rulebook runs it) against one emulator (``python -m emulator start``), in a
project of its own holding ``--datasets`` datasets of finished exports. It prints a Markdown report:

- idle: requests per poll between full scans (target: at most 2 for 200 datasets: the dataset list's
  pages of 100), and what a full scan costs;
- active: requests per poll while one export runs, and the detection latency (from the moment the
  export finished to its event on the queue; target: within one interval);
- missed by the list: an export that started and finished between two polls, reported by the next
  full scan (target: within one full scan).
See docs/eda.md.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT_ID = '9f8e7d6c5b4a40312a1b0c9d8e7f6a5b'  # the emulator's eu-nl, which has no seed datasets
RUN_SECONDS = 4  # how long each measured export runs


def progress(message):
    print(message, file=sys.stderr, flush=True)


def admin(url, name, body=None):
    data = None if body is None else json.dumps(body).encode('utf-8')
    request = urllib.request.Request('%s/_emulator/%s' % (url, name), data=data, method='GET' if data is None else 'POST',
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read().decode('utf-8'))


POLL_COSTS = []  # requests the emulator served during each poll, in order (count_polls)


def count_polls(watcher_class, url):
    """Record what each ProjectWatcher.poll() costs: a poll is the source's unit of cost (the admin API is not counted)."""
    poll = watcher_class.poll

    def counted(self):
        before = admin(url, 'stats')['total']
        try:
            return poll(self)
        finally:
            POLL_COSTS.append(admin(url, 'stats')['total'] - before)
    watcher_class.poll = counted


class Source:
    """The source's main() running as a task, with its events timed as they arrive."""

    def __init__(self, module, url, interval, full_scan_interval):
        self.events = []
        self.queue = asyncio.Queue()
        args = dict(modelarts_endpoint=url, iam_endpoint=url + '/v3', username='emulator-user',
                    password='emulator-password', domain_name='emulator-domain', project_id=PROJECT_ID,
                    token_cache=False, interval=interval, full_scan_interval=full_scan_interval)
        self.task = asyncio.ensure_future(module.main(self.queue, args))
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        while True:
            event = await self.queue.get()
            self.events.append((time.time(), event))

    async def stop(self):
        for task in (self.task, self.reader):
            task.cancel()
        await asyncio.gather(self.task, self.reader, return_exceptions=True)

    async def event_for(self, dataset_name, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for arrived, event in self.events:
                if event['modelarts']['dataset_name'] == dataset_name:
                    return arrived, event
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.05)
        raise RuntimeError('no event for %s within %d s' % (dataset_name, seconds))


async def wait_polls(count):
    """Until ``count`` more polls have ended; their costs."""
    first = len(POLL_COSTS)
    while len(POLL_COSTS) < first + count:
        await asyncio.sleep(0.05)
    return POLL_COSTS[first:first + count]


async def finished_export_latency(url, source, name):
    """Seconds from the export's end (known from its schedule) to its event, and the requests per poll meanwhile."""
    added = time.time()
    admin(url, 'datasets', {'dataset_name': name, 'project_id': PROJECT_ID,
                            'running': [{'seconds': RUN_SECONDS, 'outcome': 'SUCCESSED'}]})
    first = len(POLL_COSTS)
    arrived, event = await source.event_for(name, RUN_SECONDS + 60)
    await wait_polls(1)  # the poll after the event: the dataset is idle again
    return arrived - (added + RUN_SECONDS), POLL_COSTS[first:], event


async def benchmark(module, url, args):
    report = {}
    progress('idle: %d datasets, interval %d s' % (args.datasets, args.interval))
    source = Source(module, url, args.interval, 3600)
    try:
        report['full_scan'] = (await wait_polls(1))[0]
        report['idle'] = await wait_polls(args.polls)
        progress('active: %d exports, %d s each' % (args.exports, RUN_SECONDS))
        latencies, active = [], []
        for number in range(args.exports):
            latency, costs, _event = await finished_export_latency(url, source, 'bench-export-%d' % number)
            latencies.append(latency)
            active.append(costs)
        report['latency'] = latencies
        report['active'] = active
    finally:
        await source.stop()
    progress('between two polls: an export of 0.2 s, full scan every %d s' % args.full_scan_interval)
    source = Source(module, url, args.interval, args.full_scan_interval)
    try:
        await wait_polls(1)
        added = time.time()
        admin(url, 'datasets', {'dataset_name': 'bench-quick', 'project_id': PROJECT_ID,
                                'running': [{'seconds': 0.2, 'outcome': 'FAILED'}]})
        arrived, _event = await source.event_for('bench-quick', args.full_scan_interval + 60)
        report['quick'] = arrived - (added + 0.2)
    finally:
        await source.stop()
    return report


def markdown(args, report):
    idle = report['idle']
    idle_per_poll = statistics.mean(idle)
    idle_target = 'PASS' if idle_per_poll <= max(2, -(-args.datasets // 100)) else 'MISS'
    active = '; '.join(' '.join(str(cost) for cost in costs) for costs in report['active'])
    lines = [
        '# EDA source benchmark: mlops.cloud.modelarts_dataset_export_tasks',
        '',
        'Emulator latency %d ms, %d datasets of 2 finished exports each, interval %d s.' % (
            args.latency_ms, args.datasets, args.interval),
        '',
        '| measure | value | target |',
        '|---|---|---|',
        '| requests per poll, idle, between full scans (%d polls) | %s (mean %.2f) | at most 2 for 200 datasets: %s |' % (
            len(idle), ' '.join(str(cost) for cost in idle), idle_per_poll, idle_target),
        '| requests of the first poll (the full scan: token, list pages, every dataset\'s exports) | %d | |' % (
            report['full_scan']),
        '| requests per poll while one export runs, until the poll after its event (%d exports) | %s | the list '
        'pages + 1 |' % (len(report['active']), active),
        '| detection latency of a running export, end to event (s) | median %.2f, max %.2f | within one interval '
        '(%d s): %s |' % (statistics.median(report['latency']), max(report['latency']), args.interval,
                          'PASS' if max(report['latency']) <= args.interval + 1 else 'MISS'),
        '| latency of an export that ran between two polls (s) | %.2f | within one full scan (%d s): %s |' % (
            report['quick'], args.full_scan_interval,
            'PASS' if report['quick'] <= args.full_scan_interval + args.interval + 1 else 'MISS'),
    ]
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--collections-path', required=True, help='the directory that holds ansible_collections/')
    parser.add_argument('--datasets', type=int, default=200)
    parser.add_argument('--interval', type=int, default=2)
    parser.add_argument('--full-scan-interval', type=int, default=10, help='for the export that ran between polls')
    parser.add_argument('--polls', type=int, default=10, help='idle polls measured')
    parser.add_argument('--exports', type=int, default=3, help='running exports timed')
    parser.add_argument('--latency-ms', type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.collections_path))
    from ansible_collections.mlops.cloud.extensions.eda.plugins.event_source import (  # pylint: disable=import-outside-toplevel
        modelarts_dataset_export_tasks)
    from ansible_collections.mlops.cloud.plugins.plugin_utils import event_source  # pylint: disable=import-outside-toplevel
    env = dict(os.environ, PYTHONPATH=ROOT)
    with tempfile.TemporaryDirectory(prefix='mlops-cloud-eda-bench-') as work:
        state = os.path.join(work, 'emulator')
        url = subprocess.run([sys.executable, '-m', 'emulator', 'start', '--state-dir', state, '--latency-ms',
                              str(args.latency_ms)], env=env, check=True, stdout=subprocess.PIPE,
                             text=True).stdout.strip().splitlines()[-1]
        count_polls(event_source.ProjectWatcher, url)
        try:
            progress('adding %d datasets' % args.datasets)
            for number in range(args.datasets):
                admin(url, 'datasets', {'dataset_name': 'bench-idle-%03d' % number, 'project_id': PROJECT_ID,
                                        'running': [{'seconds': 0.01, 'outcome': 'SUCCESSED'},
                                                    {'seconds': 0.01, 'outcome': 'FAILED'}]})
            report = asyncio.run(benchmark(modelarts_dataset_export_tasks, url, args))
        finally:
            subprocess.run([sys.executable, '-m', 'emulator', 'stop', '--state-dir', state], env=env, check=False)
    sys.stdout.write(markdown(args, report))


if __name__ == '__main__':
    main()
