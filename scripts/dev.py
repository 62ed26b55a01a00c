# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Developer entry point for the mlops.cloud collection.

Usage::

    python3 scripts/dev.py venv                      # create or reuse .venv only
    python3 scripts/dev.py test                      # every stage, stops at the first failure
    python3 scripts/dev.py test --only units --only lint
    python3 scripts/dev.py demo                      # run docs/demo.yml against the emulator

Only the Python standard library is used here: the tools come from the virtual
environment ``.venv/`` that this script creates from ``tests/requirements.txt``.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_DIR = os.path.join(ROOT, '.venv')
VENV_BIN = os.path.join(VENV_DIR, 'bin')
VENV_PYTHON = os.path.join(VENV_BIN, 'python')
VENV_STAMP = os.path.join(VENV_DIR, '.requirements.sha256')
REQUIREMENTS = os.path.join(ROOT, 'tests', 'requirements.txt')
BUILD_DIR = os.path.join(ROOT, 'build')
COLLECTIONS_DIR = BUILD_DIR  # the directory that holds ansible_collections/
TREE = os.path.join(BUILD_DIR, 'ansible_collections', 'mlops', 'cloud')
GET_PIP_STANDIN = os.path.join(ROOT, 'scripts', 'get_pip_standin.py')
STANDIN_MARKER = 'Offline stand-in for the ``get-pip.py`` bootstrap script'
PYTHON_VERSION = '%d.%d' % sys.version_info[:2]
STAGES = ('units', 'sanity', 'integration', 'lint', 'build', 'molecule')
SKIP_WALK = frozenset(('.venv', 'build', '.git', '__pycache__', '.pytest_cache', '.cache', '.ansible', 'output'))
WARNING_RE = re.compile(r'\[(DEPRECATION )?WARNING\]|^WARNING:', re.MULTILINE)

# Bump to force every developer's .venv to be recreated.
VENV_SCHEMA = '1'


class StageFailed(Exception):
    """A stage failed; the message says why."""


class StageSkipped(Exception):
    """A stage had nothing to do; the message says why."""


def log(msg):
    """Print a progress line for the runner itself."""
    print('==> %s' % msg, flush=True)


def tool_env(extra=None):
    """Return the environment for running tools from the virtual environment."""
    env = dict(os.environ)
    env.pop('PYTHONHOME', None)
    env['VIRTUAL_ENV'] = VENV_DIR
    env['PATH'] = VENV_BIN + os.pathsep + env.get('PATH', '')
    if os.environ.get('CI'):
        env.setdefault('ANSIBLE_NOCOLOR', '1')
        env.setdefault('NO_COLOR', '1')
    if extra:
        env.update(extra)
    return env


def run(cmd, cwd=None, env=None, check=True):
    """Run a command, streaming its output; return its exit code."""
    log('$ %s%s' % (' '.join(cmd), ('   (in %s)' % cwd) if cwd else ''))
    rc = subprocess.call(cmd, cwd=cwd, env=env)
    if check and rc != 0:
        raise StageFailed('%s exited with %d' % (os.path.basename(cmd[0]), rc))
    return rc


# --------------------------------------------------------------------------
# virtual environment
# --------------------------------------------------------------------------

def requirements_hash():
    """Return the hash recorded in .venv: requirements, Python version and schema."""
    digest = hashlib.sha256()
    with open(REQUIREMENTS, 'rb') as req:
        digest.update(req.read())
    digest.update(sys.version.encode())
    digest.update(sys.executable.encode())
    digest.update(VENV_SCHEMA.encode())
    return digest.hexdigest()


def ensure_venv():
    """Create .venv (or reuse it when its recorded requirements hash matches)."""
    wanted = requirements_hash()
    try:
        with open(VENV_STAMP, encoding='utf-8') as stamp:
            recorded = stamp.read().strip()
    except OSError:
        recorded = None

    if recorded == wanted and os.path.exists(VENV_PYTHON):
        log('reusing %s (requirements hash %s)' % (VENV_DIR, wanted[:12]))
        return

    if os.path.exists(VENV_DIR):
        log('requirements changed: recreating %s' % VENV_DIR)
        shutil.rmtree(VENV_DIR)
    else:
        log('creating %s' % VENV_DIR)

    venv.EnvBuilder(with_pip=True, clear=True).create(VENV_DIR)
    env = tool_env()
    # The pip index, certificates and find-links come from the machine's pip configuration.
    run([VENV_PYTHON, '-m', 'pip', 'install', '--disable-pip-version-check', '-r', REQUIREMENTS], env=env)
    run([VENV_PYTHON, '-m', 'pip', 'check'], env=env)

    with open(VENV_STAMP, 'w', encoding='utf-8') as stamp:
        stamp.write(wanted + '\n')


def install_get_pip_standin():
    """Put the offline get-pip stand-in where ansible-test looks for its cached bootstrap script.

    A real get-pip script that is already cached (downloaded on a machine with full
    network access) is left alone; an older copy of the stand-in is refreshed.
    """
    code = (
        'import ansible_test._internal.python_requirements as r, types\n'
        'print(r.get_venv_packages(types.SimpleNamespace(version="%s"))["pip"])\n' % PYTHON_VERSION
    )
    pip_version = subprocess.check_output([VENV_PYTHON, '-c', code], env=tool_env(), text=True).strip()
    cache_path = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace('.', '_'))

    with open(GET_PIP_STANDIN, encoding='utf-8') as src:
        standin = src.read()

    if os.path.exists(cache_path):
        with open(cache_path, encoding='utf-8', errors='replace') as existing:
            current = existing.read()
        if STANDIN_MARKER not in current:
            log('keeping cached pip bootstrap script %s' % cache_path)
            return
        if current == standin:
            return

    os.makedirs(os.path.dirname(cache_path), exist_ok=True)
    with open(cache_path, 'w', encoding='utf-8') as dst:
        dst.write(standin)
    log('installed offline pip bootstrap stand-in at %s' % cache_path)


# --------------------------------------------------------------------------
# collection tree
# --------------------------------------------------------------------------

def source_files():
    """Return the repository's tracked and untracked-but-not-ignored files (relative paths)."""
    if os.path.isdir(os.path.join(ROOT, '.git')) and shutil.which('git'):
        out = subprocess.check_output(['git', 'ls-files', '-z', '-co', '--exclude-standard'], cwd=ROOT)
        names = [name for name in out.decode('utf-8').split('\0') if name]
        return sorted(set(name for name in names if os.path.isfile(os.path.join(ROOT, name))))

    names = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT)
        dirnames[:] = [d for d in dirnames if d not in SKIP_WALK and not (rel_dir == 'tests' and d == 'output')]
        for filename in filenames:
            if filename.endswith('.pyc'):
                continue
            names.append(os.path.normpath(os.path.join(rel_dir, filename)))
    return sorted(names)


def build_tree():
    """Copy the collection into build/ansible_collections/mlops/cloud (the layout ansible-test needs)."""
    if os.path.exists(os.path.join(BUILD_DIR, 'ansible_collections')):
        shutil.rmtree(os.path.join(BUILD_DIR, 'ansible_collections'))
    os.makedirs(TREE)

    files = source_files()
    for name in files:
        dst = os.path.join(TREE, name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), dst)

    # build/ is ignored by the repository's .gitignore, and ansible-test and ansible-lint
    # look for the enclosing git repository to list files: without a repository of its own
    # the tree would look empty to them. An empty repository is enough: they list
    # untracked-but-not-ignored files.
    if shutil.which('git'):
        subprocess.check_call(['git', 'init', '-q', TREE])

    log('copied %d files to %s' % (len(files), TREE))


# --------------------------------------------------------------------------
# emulator
# --------------------------------------------------------------------------

def emulator_env():
    """Environment for running the emulator package from the repository."""
    pythonpath = os.environ.get('PYTHONPATH')
    return tool_env({'PYTHONPATH': ROOT + (os.pathsep + pythonpath if pythonpath else '')})


def start_emulator(state_dir):
    """Start the emulator and return its URL (the last non-empty line it prints)."""
    os.makedirs(state_dir, exist_ok=True)
    cmd = [VENV_PYTHON, '-m', 'emulator', 'start', '--state-dir', state_dir]
    log('$ %s' % ' '.join(cmd))
    proc = subprocess.run(cmd, cwd=ROOT, env=emulator_env(), stdout=subprocess.PIPE, text=True, check=False)
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        raise StageFailed('emulator start exited with %d' % proc.returncode)
    lines = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
    urls = [line for line in lines if re.match(r'https?://', line)]
    if not urls:
        raise StageFailed('emulator start printed no URL')
    return urls[-1]


def stop_emulator(state_dir):
    """Stop the emulator started with the same state directory."""
    run([VENV_PYTHON, '-m', 'emulator', 'stop', '--state-dir', state_dir], cwd=ROOT, env=emulator_env(), check=False)


# --------------------------------------------------------------------------
# stages
# --------------------------------------------------------------------------

def stage_units():
    """pytest on tests/unit, importing the collection as ansible_collections.mlops.cloud."""
    if not os.path.isdir(os.path.join(TREE, 'tests', 'unit')):
        raise StageSkipped('no tests/unit directory')
    env = tool_env({
        # build/ makes ``ansible_collections.mlops.cloud...`` importable; the tree root makes ``emulator`` importable.
        'PYTHONPATH': os.pathsep.join([COLLECTIONS_DIR, TREE]),
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_DIR,
    })
    rc = run([VENV_PYTHON, '-m', 'pytest', 'tests/unit', '-p', 'no:cacheprovider'], cwd=TREE, env=env, check=False)
    if rc == 5:
        raise StageSkipped('pytest collected no tests')
    if rc != 0:
        raise StageFailed('pytest exited with %d' % rc)


def ansible_test(*args):
    """Run ansible-test from the tree with a virtual environment of its own."""
    install_get_pip_standin()
    cmd = ['ansible-test'] + list(args) + ['--venv', '--python', PYTHON_VERSION, '--color', 'no']
    run([os.path.join(VENV_BIN, cmd[0])] + cmd[1:], cwd=TREE, env=tool_env())


def stage_sanity():
    """ansible-test sanity (no ignore files)."""
    ansible_test('sanity')


def stage_integration():
    """ansible-test integration; each target's runme.sh starts the emulator itself."""
    targets_dir = os.path.join(TREE, 'tests', 'integration', 'targets')
    targets = sorted(d for d in os.listdir(targets_dir) if os.path.isdir(os.path.join(targets_dir, d))) if os.path.isdir(targets_dir) else []
    if not targets:
        raise StageSkipped('no integration targets')
    ansible_test('integration', '--requirements')


def stage_lint():
    """ansible-lint with the production profile."""
    env = tool_env({'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_DIR})
    # tests/output holds ansible-test's results and virtual environments: not collection content.
    cmd = [os.path.join(VENV_BIN, 'ansible-lint'), '--profile', 'production', '--offline', '--exclude', 'tests/output']
    run(cmd, cwd=TREE, env=env)


def stage_build():
    """Build the collection tarball, install it, and render every module's documentation."""
    tmp = tempfile.mkdtemp(prefix='mlops-cloud-build-')
    try:
        dist = os.path.join(tmp, 'dist')
        installed = os.path.join(tmp, 'collections')
        env = tool_env({'ANSIBLE_COLLECTIONS_PATH': installed})
        run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', dist, TREE], cwd=tmp, env=env)
        tarballs = [os.path.join(dist, f) for f in os.listdir(dist) if f.endswith('.tar.gz')]
        if len(tarballs) != 1:
            raise StageFailed('expected one tarball, found %r' % tarballs)
        run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', '-p', installed, tarballs[0]], cwd=tmp, env=env)

        modules_dir = os.path.join(installed, 'ansible_collections', 'mlops', 'cloud', 'plugins', 'modules')
        modules = sorted(os.path.splitext(f)[0] for f in os.listdir(modules_dir)
                         if f.endswith('.py') and not f.startswith('_')) if os.path.isdir(modules_dir) else []
        if not modules:
            raise StageFailed('the installed collection has no modules')

        problems = []
        for module in modules:
            fqcn = 'mlops.cloud.%s' % module
            cmd = [os.path.join(VENV_BIN, 'ansible-doc'), '-t', 'module', fqcn]
            log('$ %s' % ' '.join(cmd))
            proc = subprocess.run(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
            sys.stdout.write(proc.stdout)
            sys.stdout.write(proc.stderr)
            if proc.returncode != 0:
                problems.append('%s: ansible-doc exited with %d' % (fqcn, proc.returncode))
            elif WARNING_RE.search(proc.stderr) or WARNING_RE.search(proc.stdout):
                problems.append('%s: ansible-doc printed warnings' % fqcn)
            elif fqcn not in proc.stdout and module not in proc.stdout:
                problems.append('%s: ansible-doc output does not name the module' % fqcn)
        if problems:
            raise StageFailed('; '.join(problems))
        log('ansible-doc ok for %d module(s): %s' % (len(modules), ', '.join(modules)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def stage_molecule():
    """molecule test -s default, run from the collection root (collection mode: extensions/molecule/)."""
    if not os.path.isfile(os.path.join(TREE, 'extensions', 'molecule', 'default', 'molecule.yml')):
        raise StageFailed('extensions/molecule/default/molecule.yml is missing')
    state_dir = os.path.join(BUILD_DIR, 'molecule-emulator')
    env = tool_env({'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_DIR, 'MLOPS_EMULATOR_STATE_DIR': state_dir})
    env.pop('MLOPS_EMULATOR_URL', None)  # the scenario starts (and stops) its own emulator
    try:
        run([os.path.join(VENV_BIN, 'molecule'), 'test', '-s', 'default'], cwd=TREE, env=env)
    finally:
        # destroy.yml stops the emulator; this catches a molecule run that died before it.
        if os.path.exists(os.path.join(state_dir, 'molecule_url')):
            stop_emulator(state_dir)


STAGE_FUNCS = {
    'units': stage_units,
    'sanity': stage_sanity,
    'integration': stage_integration,
    'lint': stage_lint,
    'build': stage_build,
    'molecule': stage_molecule,
}


def print_summary(results, not_run):
    """Print one line a stage and a final count."""
    print('', flush=True)
    print('=' * 60)
    print('%-12s %-8s %9s  %s' % ('stage', 'result', 'duration', 'note'))
    for name, result, seconds, note in results:
        print('%-12s %-8s %8.1fs  %s' % (name, result, seconds, note))
    for name in not_run:
        print('%-12s %-8s %9s  %s' % (name, 'not run', '-', 'after the failure above'))
    print('=' * 60)
    passed = sum(1 for r in results if r[1] == 'passed')
    failed = sum(1 for r in results if r[1] == 'failed')
    skipped = sum(1 for r in results if r[1] == 'skipped')
    line = '%d passed, %d failed' % (passed, failed)
    if skipped:
        line += ', %d skipped' % skipped
    print(line, flush=True)


def timed(name, func, results):
    """Run one stage, record its result; return True when it did not fail."""
    log('stage %s' % name)
    start = time.monotonic()
    result, note = 'passed', ''
    try:
        func()
    except StageSkipped as ex:
        result, note = 'skipped', str(ex)
    except StageFailed as ex:
        result, note = 'failed', str(ex)
    except (OSError, subprocess.CalledProcessError) as ex:
        result, note = 'failed', '%s: %s' % (type(ex).__name__, ex)
    results.append((name, result, time.monotonic() - start, note))
    log('stage %s %s%s' % (name, result, (': ' + note) if note else ''))
    return result != 'failed'


def cmd_test(args):
    """Run the test stages in order, stopping at the first failure."""
    selected = [s for s in STAGES if not args.only or s in args.only]
    results = []
    ok = timed('venv', ensure_venv, results) and timed('tree', build_tree, results)
    if ok:
        for name in selected:
            if not timed(name, STAGE_FUNCS[name], results):
                ok = False
                break
    not_run = [s for s in selected if s not in [r[0] for r in results]]
    print_summary(results, not_run)
    return 0 if ok else 1


def cmd_venv(_args):
    """Create or reuse .venv."""
    ensure_venv()
    log('ready: %s' % VENV_DIR)
    return 0


def cmd_demo(_args):
    """Run docs/demo.yml against a freshly started emulator."""
    ensure_venv()
    build_tree()
    state_dir = os.path.join(BUILD_DIR, 'emulator')
    playbook = os.path.join(ROOT, 'docs', 'demo.yml')
    url = None
    try:
        url = start_emulator(state_dir)
        log('emulator at %s' % url)
        inventory = os.path.join(BUILD_DIR, 'demo-inventory.yml')
        with open(inventory, 'w', encoding='utf-8') as inv:
            inv.write('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                      '      ansible_python_interpreter: %s\n' % VENV_PYTHON)
        env = tool_env({'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_DIR, 'MLOPS_EMULATOR_URL': url})
        return run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory, playbook], cwd=ROOT, env=env, check=False)
    except StageFailed as ex:
        log('demo failed: %s' % ex)
        return 1
    finally:
        stop_emulator(state_dir)


def main():
    """Parse the command line and dispatch."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    test = sub.add_parser('test', help='run the test stages: %s' % ', '.join(STAGES))
    test.add_argument('--only', action='append', choices=STAGES, help='run only this stage (repeatable)')
    test.set_defaults(func=cmd_test)
    sub.add_parser('venv', help='create or reuse .venv').set_defaults(func=cmd_venv)
    sub.add_parser('demo', help='run docs/demo.yml against the emulator').set_defaults(func=cmd_demo)
    args = parser.parse_args()
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
