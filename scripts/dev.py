# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bootstrap for the mlops.cloud test runner: creates .venv, installs the pinned tools (nox among
them, tests/requirements.txt) and hands over to nox (noxfile.py has the stages).

Usage::

    python3 scripts/dev.py demo                      # docs/demo.yml against the local emulator
    python3 scripts/dev.py test                      # the whole suite: every stage and matrix entry
    python3 scripts/dev.py test --only units --only lint
    python3 scripts/dev.py matrix                    # every ansible-core version (docs/supported-versions.md)
    python3 scripts/dev.py matrix --core 2.16 --only units
    python3 scripts/dev.py venv                      # create or update .venv only

The same from .venv: ``.venv/bin/nox -s units``, ``.venv/bin/nox -s matrix-2.16 -- units``,
``.venv/bin/nox -l``. Here a run also fails when a session it asked for did not pass (skipped, not
run) or nothing was selected, and ends with one "N passed, N failed" line.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_DIR = os.path.join(ROOT, '.venv')
VENV_PYTHON = os.path.join(VENV_DIR, 'bin', 'python')
REQUIREMENTS = os.path.join(ROOT, 'tests', 'requirements.txt')
BUILD_DIR = os.environ.get('MLOPS_BUILD_DIR') or os.path.join(ROOT, 'build')
JOBS = int(os.environ.get('MLOPS_JOBS', '3'))


def ensure_venv():
    """Create .venv on first use; pip brings it up to the pinned requirements every time (quick when it is)."""
    if not os.path.exists(VENV_PYTHON):
        print('==> creating %s' % VENV_DIR, flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV_DIR)
    # The pip index, certificates and find-links come from the machine's pip configuration.
    subprocess.check_call([VENV_PYTHON, '-m', 'pip', 'install', '-q', '--disable-pip-version-check',
                           '-r', REQUIREMENTS])
    subprocess.check_call([VENV_PYTHON, '-m', 'pip', 'check'], stdout=subprocess.DEVNULL)


def nox_command(*args):
    return [VENV_PYTHON, '-m', 'nox', '-f', os.path.join(ROOT, 'noxfile.py')] + list(args)


def selected_sessions(selection):
    """The names of the sessions nox would run for these -s/-t arguments (``nox -l --json``)."""
    listing = subprocess.run(nox_command('-l', '--json', *selection), stdout=subprocess.PIPE, text=True,
                             cwd=ROOT, check=True).stdout
    return [entry['name'] for entry in json.loads(listing)]


def verdict(report_path, wanted):
    """Print one line a session and the closing count; return True only when every wanted session passed.

    nox passes a run whose sessions were skipped; a session asked for that is missing from the
    report (not run after an earlier failure, or never registered) is a failure too.
    """
    try:
        with open(report_path, encoding='utf-8') as handle:
            reported = {entry['name']: entry for entry in json.load(handle)['sessions']}
    except (OSError, ValueError, KeyError):
        reported = {}
    print('\n' + '=' * 100)
    for name in wanted:
        entry = reported.get(name, {})
        result = entry.get('result', 'not run')
        reason = entry.get('reason') or ''
        print('%-22s %-8s %8s  %s' % (name, result, '%.1fs' % entry['duration'] if entry else '-', reason))
    print('=' * 100)
    passed = sum(1 for name in wanted if reported.get(name, {}).get('result') == 'success')
    print('%d passed, %d failed' % (passed, len(wanted) - passed))
    return bool(wanted) and passed == len(wanted)


def hand_over(name, selection, extra=(), posargs=()):
    """Run the selected nox sessions; return 0 when nox and the verdict on its report both say so."""
    wanted = selected_sessions(selection)
    report = os.path.join(BUILD_DIR, 'reports', 'nox-%s.json' % name)
    os.makedirs(os.path.dirname(report), exist_ok=True)
    if os.path.exists(report):
        os.remove(report)
    cmd = nox_command('--report', report, *selection, *extra)
    if posargs:
        cmd += ['--'] + list(posargs)
    print('==> $ %s' % ' '.join(cmd), flush=True)
    rc = subprocess.call(cmd, cwd=ROOT)
    ok = verdict(report, wanted)
    return 0 if rc == 0 and ok else 1


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    test = sub.add_parser('test', help='the whole suite: the stages, and the matrix entries of the ansible-core '
                                       'versions the stages do not run on (the default sessions of noxfile.py)')
    test.add_argument('--only', action='append', help='run only this session (repeatable; `.venv/bin/nox -l`)')
    test.add_argument('--jobs', '-j', type=int, default=JOBS, help='sessions run at once (default %d, or '
                      '$MLOPS_JOBS; most of a session is waiting for servers and subprocesses)' % JOBS)
    matrix = sub.add_parser('matrix', help='units and integration on every ansible-core version, '
                                           'sanity and lint on the newest')
    matrix.add_argument('--core', action='append', help='run only this ansible-core version (repeatable)')
    matrix.add_argument('--only', action='append', help='run only this stage: units, integration, sanity, lint')
    matrix.add_argument('--jobs', '-j', type=int, default=JOBS, help='versions run at once (default %d, or '
                        '$MLOPS_JOBS)' % JOBS)
    sub.add_parser('venv', help='create or update .venv')
    sub.add_parser('demo', help='run docs/demo.yml against the emulator')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    ensure_venv()
    if args.command == 'venv':
        print('==> ready: %s' % VENV_DIR)
        return 0
    if args.command == 'demo':
        return hand_over('demo', ['-s', 'demo'])
    parallel = ['--parallel', str(max(args.jobs, 1))]
    if args.command == 'test':
        # Without --only, nox runs its default sessions in noxfile.py's order, args.jobs at a time.
        return hand_over('test', ['-s'] + args.only if args.only else [], extra=['--stop-on-first-error'] + parallel)
    selection = ['-s'] + ['matrix-%s' % core for core in args.core] if args.core else ['-t', 'matrix']
    return hand_over('matrix', selection, extra=parallel, posargs=args.only or ())


if __name__ == '__main__':
    sys.exit(main())
