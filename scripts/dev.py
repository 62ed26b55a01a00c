# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Developer entry point for the mlops.cloud collection.

Usage::

    python3 scripts/dev.py venv                      # create or reuse .venv only
    python3 scripts/dev.py test                      # every stage, stops at the first failure
    python3 scripts/dev.py test --only units --only lint
    python3 scripts/dev.py matrix                    # units + integration on ansible-core 2.16 ... 2.21,
                                                     # sanity + lint on the newest (see docs/supported-versions.md)
    python3 scripts/dev.py matrix --core 2.16 --only units
    python3 scripts/dev.py demo                      # run docs/demo.yml against the emulator

Only the Python standard library is used here: the tools come from the virtual
environment ``.venv/`` that this script creates from ``tests/requirements.txt``, the
release tools from ``build/venvs/release`` (``tests/requirements-release.txt``) and each
matrix entry from ``build/venvs/core-X.Y`` (``tests/matrix/requirements-X.Y.txt``).
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_DIR = os.path.join(ROOT, '.venv')
VENV_BIN = os.path.join(VENV_DIR, 'bin')
VENV_PYTHON = os.path.join(VENV_BIN, 'python')
VENV_STAMP = os.path.join(VENV_DIR, '.requirements.sha256')
REQUIREMENTS = os.path.join(ROOT, 'tests', 'requirements.txt')
# MLOPS_BUILD_DIR lets two runs share a checkout without removing each other's tree.
BUILD_DIR = os.environ.get('MLOPS_BUILD_DIR') or os.path.join(ROOT, 'build')
COLLECTIONS_DIR = BUILD_DIR  # the directory that holds ansible_collections/
TREE = os.path.join(BUILD_DIR, 'ansible_collections', 'mlops', 'cloud')
GET_PIP_STANDIN = os.path.join(ROOT, 'scripts', 'get_pip_standin.py')
STANDIN_MARKER = 'Offline stand-in for the ``get-pip.py`` bootstrap script'
PYTHON_VERSION = '%d.%d' % sys.version_info[:2]
STAGES = ('units', 'mutation', 'sanity', 'integration', 'lint', 'changelog', 'docs', 'build', 'importer', 'ee', 'molecule')
RELEASE_REQUIREMENTS = os.path.join(ROOT, 'tests', 'requirements-release.txt')
RELEASE_VENV = os.path.join(BUILD_DIR, 'venvs', 'release')
IMPORTER_CONFIG = os.path.join(ROOT, 'tests', 'galaxy-importer.cfg')
EE_FILE = os.path.join(ROOT, 'docs', 'execution-environment.yml')
HYPOTHESIS_DB = os.path.join(ROOT, '.hypothesis', 'examples')
# The mutation stage mutates these core files of plugins/module_utils (all of it takes longer than
# CI's time allows on 2 cores); MLOPS_MUTATE names others ("retries.py paging.py", or "all").
MUTATED_FILES = ('retries.py', 'waiting.py', 'paging.py', 'resources.py', 'signer.py', 'errors.py')
MUTATION_THRESHOLD = 85.0  # per cent of the mutants not reviewed as equivalent that the tests must kill
EQUIVALENT_MUTANTS = os.path.join(ROOT, 'tests', 'mutation', 'equivalent.txt')
KILLED_STATUSES = ('killed', 'timeout', 'caught by type check')

# ansible-core minor -> controller Python the matrix runs it with (each within that release's
# supported controller range; see docs/supported-versions.md). The last one is the newest.
MATRIX = (
    ('2.16', '3.11'),
    ('2.17', '3.11'),
    ('2.18', '3.11'),
    ('2.19', '3.11'),
    ('2.20', '3.12'),
    ('2.21', '3.12'),
)
MATRIX_STAGES = ('units', 'integration', 'sanity', 'lint')
NEWEST = MATRIX[-1][0]
SKIP_WALK = frozenset(('.venv', 'build', '.git', '.hypothesis', '__pycache__', '.pytest_cache', '.cache', '.ansible', 'output'))
WARNING_RE = re.compile(r'\[(DEPRECATION )?WARNING\]|^WARNING:', re.MULTILINE)

# Bump to force every developer's .venv to be recreated.
VENV_SCHEMA = '1'


class StageFailed(Exception):
    """A stage failed; the message says why."""


_OUTPUT = threading.local()


def emit(text):
    """Write runner or tool output: to the console, or to the log of a matrix entry run in parallel."""
    sink = getattr(_OUTPUT, 'sink', None)
    if sink is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        sink.write(text)
        sink.flush()


def log(msg):
    """Print a progress line for the runner itself."""
    emit('==> %s\n' % msg)


class Toolchain:
    """A virtual environment (built from a pinned requirements file by one interpreter) and the
    collection tree its tools run on."""

    def __init__(self, name, venv_dir, requirements, python, build_dir):
        self.name = name
        self.venv_dir = venv_dir
        self.requirements = requirements
        self.python = python
        self.bin = os.path.join(venv_dir, 'bin')
        self.venv_python = os.path.join(self.bin, 'python')
        self.stamp = os.path.join(venv_dir, '.requirements.sha256')
        self.collections_dir = build_dir  # the directory that holds ansible_collections/
        self.tree = os.path.join(build_dir, 'ansible_collections', 'mlops', 'cloud')
        self._python_version = None

    @property
    def python_version(self):
        """X.Y of the interpreter the environment is built with."""
        if self._python_version is None:
            if self.python == sys.executable:
                self._python_version = PYTHON_VERSION
            else:
                self._python_version = subprocess.check_output(
                    [self.python, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], text=True).strip()
        return self._python_version

    def tool(self, name):
        return os.path.join(self.bin, name)

    def env(self, extra=None):
        """The environment for running tools from this virtual environment."""
        env = dict(os.environ)
        env.pop('PYTHONHOME', None)
        env['VIRTUAL_ENV'] = self.venv_dir
        env['PATH'] = self.bin + os.pathsep + env.get('PATH', '')
        if os.environ.get('CI'):
            env.setdefault('ANSIBLE_NOCOLOR', '1')
            env.setdefault('NO_COLOR', '1')
        if extra:
            env.update(extra)
        return env


MAIN = Toolchain('main', VENV_DIR, REQUIREMENTS, sys.executable, BUILD_DIR)


def tool_env(extra=None):
    """Return the environment for running tools from the main virtual environment."""
    return MAIN.env(extra)


def run(cmd, cwd=None, env=None, check=True):
    """Run a command, streaming its output; return its exit code."""
    return run_capture(cmd, cwd=cwd, env=env, check=check)[0]


def run_capture(cmd, cwd=None, env=None, check=True):
    """Run a command, streaming its output (stderr merged); return its exit code and output."""
    log('$ %s%s' % (' '.join(cmd), ('   (in %s)' % cwd) if cwd else ''))
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, errors='replace', bufsize=1)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        emit(line)
    rc = proc.wait()
    if check and rc != 0:
        raise StageFailed('%s exited with %d' % (os.path.basename(cmd[0]), rc))
    return rc, ''.join(lines)


# --------------------------------------------------------------------------
# interpreters and virtual environments
# --------------------------------------------------------------------------

def find_python(version):
    """Return the path of a Python X.Y interpreter, or fail naming every place looked at.

    Looked for, in order: $MLOPS_PYTHON_X_Y, this interpreter, pythonX.Y on PATH, pyenv
    (``pyenv prefix X.Y``, then $PYENV_ROOT/versions/X.Y.*), /usr/bin and /usr/local/bin.
    """
    looked = []
    override = 'MLOPS_PYTHON_%s' % version.replace('.', '_')
    candidates = []
    if os.environ.get(override):
        candidates.append(os.environ[override])
    looked.append('$%s' % override)
    if PYTHON_VERSION == version:
        candidates.append(sys.executable)
    exe = 'python%s' % version
    found = shutil.which(exe)
    looked.append('%s on PATH' % exe)
    if found:
        candidates.append(found)
    pyenv_root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    pyenv = shutil.which('pyenv') or os.path.join(pyenv_root, 'bin', 'pyenv')
    if os.path.exists(pyenv):
        try:
            prefixes = subprocess.run([pyenv, 'prefix', version], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True, check=False, timeout=60).stdout.split(os.pathsep)
        except (OSError, subprocess.SubprocessError):
            prefixes = []
        candidates.extend(os.path.join(prefix.strip(), 'bin', exe) for prefix in prefixes if prefix.strip())
        looked.append('pyenv prefix %s' % version)
    versions = sorted(glob.glob(os.path.join(pyenv_root, 'versions', version + '.*', 'bin', exe)), reverse=True)
    candidates.extend(versions)
    looked.append(os.path.join(pyenv_root, 'versions', version + '.*'))
    candidates.extend(os.path.join(d, exe) for d in ('/usr/local/bin', '/usr/bin'))
    looked.append('/usr/local/bin, /usr/bin')
    for candidate in candidates:
        if not candidate or not os.path.isfile(candidate):
            continue
        try:
            actual = subprocess.check_output([candidate, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                                             text=True, stderr=subprocess.DEVNULL).strip()
        except (OSError, subprocess.CalledProcessError):
            continue
        if actual == version:
            return candidate
    raise StageFailed('no Python %s interpreter found (looked at: %s); install one (for example '
                      '`pyenv install %s`) or set %s to its path' % (version, ', '.join(looked), version, override))


def requirements_hash(toolchain=None):
    """Return the hash recorded in a venv: requirements, Python version and schema."""
    toolchain = toolchain or MAIN
    digest = hashlib.sha256()
    with open(toolchain.requirements, 'rb') as req:
        digest.update(req.read())
    if toolchain.python == sys.executable:
        digest.update(sys.version.encode())
    else:
        digest.update(subprocess.check_output([toolchain.python, '-c', 'import sys; print(sys.version)']))
    digest.update(toolchain.python.encode())
    digest.update(VENV_SCHEMA.encode())
    return digest.hexdigest()


def ensure_venv(toolchain=None):
    """Create a toolchain's venv (or reuse it when its recorded requirements hash matches)."""
    toolchain = toolchain or MAIN
    wanted = requirements_hash(toolchain)
    try:
        with open(toolchain.stamp, encoding='utf-8') as stamp:
            recorded = stamp.read().strip()
    except OSError:
        recorded = None

    if recorded == wanted and os.path.exists(toolchain.venv_python):
        log('reusing %s (requirements hash %s)' % (toolchain.venv_dir, wanted[:12]))
        return

    if os.path.exists(toolchain.venv_dir):
        log('requirements changed: recreating %s' % toolchain.venv_dir)
        shutil.rmtree(toolchain.venv_dir)
    else:
        log('creating %s' % toolchain.venv_dir)

    if toolchain.python == sys.executable:
        venv.EnvBuilder(with_pip=True, clear=True).create(toolchain.venv_dir)
    else:
        run([toolchain.python, '-m', 'venv', '--clear', toolchain.venv_dir])
    env = toolchain.env()
    # The pip index, certificates and find-links come from the machine's pip configuration.
    run([toolchain.venv_python, '-m', 'pip', 'install', '--disable-pip-version-check', '-r', toolchain.requirements], env=env)
    run([toolchain.venv_python, '-m', 'pip', 'check'], env=env)

    with open(toolchain.stamp, 'w', encoding='utf-8') as stamp:
        stamp.write(wanted + '\n')


_STANDIN_LOCK = threading.Lock()


def install_get_pip_standin(toolchain=None):
    """Put the offline get-pip stand-in where ansible-test looks for its cached bootstrap script.

    The pip version comes from the toolchain's own ansible-test (it differs between releases:
    23.1.2 for 2.16 and 2.17, 24.2 for 2.19, 25.2 for 2.20 and 2.21). A real get-pip script
    that is already cached (downloaded on a machine with full network access) is left alone;
    an older copy of the stand-in is refreshed.
    """
    toolchain = toolchain or MAIN
    code = (
        'import ansible_test._internal.python_requirements as r, types\n'
        'print(r.get_venv_packages(types.SimpleNamespace(version="%s"))["pip"])\n' % toolchain.python_version
    )
    pip_version = subprocess.check_output([toolchain.venv_python, '-c', code], env=toolchain.env(), text=True).strip()
    cache_path = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace('.', '_'))

    with open(GET_PIP_STANDIN, encoding='utf-8') as src:
        standin = src.read()

    with _STANDIN_LOCK:
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


def build_tree(toolchain=None):
    """Copy the collection into <build>/ansible_collections/mlops/cloud (the layout ansible-test needs)."""
    toolchain = toolchain or MAIN
    top = os.path.join(toolchain.collections_dir, 'ansible_collections')
    if os.path.exists(top):
        shutil.rmtree(top)
    os.makedirs(toolchain.tree)

    files = source_files()
    for name in files:
        dst = os.path.join(toolchain.tree, name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), dst)

    # build/ is ignored by the repository's .gitignore, and ansible-test and ansible-lint
    # look for the enclosing git repository to list files: without a repository of its own
    # the tree would look empty to them. An empty repository is enough: they list
    # untracked-but-not-ignored files.
    if shutil.which('git'):
        subprocess.check_call(['git', 'init', '-q', toolchain.tree])

    log('copied %d files to %s' % (len(files), toolchain.tree))


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
    emit(proc.stdout)
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
# what a stage ran, for the summaries
# --------------------------------------------------------------------------

def pytest_counts(output):
    """'N passed, N skipped' from pytest's closing line."""
    lines = [line for line in output.splitlines() if re.search(r'\d+ (passed|failed|error)', line)]
    if not lines:
        return ''
    counts = re.findall(r'(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)', lines[-1])
    return ', '.join('%s %s' % pair for pair in counts)


def integration_counts(output):
    """Targets, playbook runs and tasks from ansible-test integration's output."""
    targets = set(re.findall(r'Running (\S+) integration test (?:role|script)', output))
    recaps = re.findall(r'^\S+\s*:\s*ok=(\d+)\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)', output, re.MULTILINE)
    tasks = sum(int(ok) for ok, _unreachable, _failed in recaps)
    failed = sum(int(failed) for _ok, _unreachable, failed in recaps)
    return '%d target(s), %d playbook run(s), %d task(s) ok, %d failed (some by design)' % (
        len(targets), len(recaps), tasks, failed)


def sanity_counts(output):
    """How many sanity tests ran."""
    tests = re.findall(r"""Running sanity test ["']([^"']+)["']""", output)
    return '%d sanity test(s)' % len(tests)


def lint_counts(output):
    """ansible-lint's closing line."""
    match = re.search(r'Passed\S*: .*? (?:on|in) (\d+) files', output)
    return ('%s files, 0 failures' % match.group(1)) if match else ''


# --------------------------------------------------------------------------
# stages
# --------------------------------------------------------------------------

def stage_units(toolchain=None):
    """pytest on tests/unit, importing the collection as ansible_collections.mlops.cloud."""
    toolchain = toolchain or MAIN
    if not os.path.isdir(os.path.join(toolchain.tree, 'tests', 'unit')):
        raise StageFailed('no tests/unit directory')
    env = toolchain.env({
        # build/ makes ``ansible_collections.mlops.cloud...`` importable; the tree root makes ``emulator`` importable.
        'PYTHONPATH': os.pathsep.join([toolchain.collections_dir, toolchain.tree]),
        'ANSIBLE_COLLECTIONS_PATH': toolchain.collections_dir,
        # Outside the build tree, which is recreated on every run (see tests/unit/conftest.py).
        'MLOPS_HYPOTHESIS_DB': HYPOTHESIS_DB,
    })
    # -rs prints why a test was skipped: a skip is a failure here (a missing pinned dependency
    # must not hide the tests that need it).
    rc, output = run_capture([toolchain.venv_python, '-m', 'pytest', 'tests/unit', '-p', 'no:cacheprovider', '-rs'],
                             cwd=toolchain.tree, env=env, check=False)
    return check_pytest_run(rc, output)


def check_pytest_run(rc, output):
    """Fail a pytest run that failed, collected nothing or skipped anything; return its counts."""
    if rc == 5:
        raise StageFailed('pytest collected no tests')
    if rc != 0:
        raise StageFailed('pytest exited with %d' % rc)
    counts = pytest_counts(output)
    if not re.search(r'\b[1-9]\d* passed', counts):
        raise StageFailed('pytest passed no test (%s)' % (counts or 'no summary line'))
    if re.search(r'\b\d+ skipped', counts):
        raise StageFailed('pytest skipped tests (%s); see the SKIPPED lines above' % counts)
    return counts


def stage_mutation():
    """mutmut over the core files of plugins/module_utils; fails below MUTATION_THRESHOLD per cent killed."""
    work = os.path.join(BUILD_DIR, 'mutation')
    if os.path.exists(work):
        shutil.rmtree(work)
    # A collections directory of its own: mutmut imports the mutated copy in mutants/ by module name.
    shutil.copytree(TREE, os.path.join(work, 'ansible_collections', 'mlops', 'cloud'),
                    ignore=shutil.ignore_patterns('output', '.git', '__pycache__', '.hypothesis'))
    with open(os.path.join(work, 'setup.cfg'), 'w', encoding='utf-8') as cfg:
        cfg.write(mutmut_config(mutated_files()))
    env = tool_env({'HYPOTHESIS_PROFILE': 'ci'})
    env.pop('PYTHONPATH', None)  # only mutants/ may provide the collection
    log_path = os.path.join(work, 'mutmut.log')
    rc = run_to_log([MAIN.tool('mutmut'), 'run', '--max-children', str(os.cpu_count() or 2)], work, env, log_path)
    if rc != 0:
        raise StageFailed('mutmut run exited with %d (output in %s)' % (rc, log_path))
    statuses = mutant_statuses(run_capture([MAIN.tool('mutmut'), 'results', '--all', 'true'], cwd=work, env=env)[1])
    if not statuses:
        raise StageFailed('mutmut reported no mutants')
    return mutation_verdict(statuses, load_equivalent_mutants(), work, env)


def mutated_files():
    """The module_utils files to mutate: MUTATED_FILES, or those $MLOPS_MUTATE names ("all" for every one)."""
    wanted = os.environ.get('MLOPS_MUTATE', '').split() or list(MUTATED_FILES)
    if wanted == ['all']:
        return []
    return wanted


def mutmut_config(files):
    """setup.cfg for mutmut run from the mutation work directory."""
    module_utils = 'ansible_collections/mlops/cloud/plugins/module_utils/'
    lines = ['[mutmut]', 'source_paths = ' + module_utils, 'also_copy = ansible_collections/mlops/cloud/',
             'pytest_add_cli_args_test_selection = ansible_collections/mlops/cloud/tests/unit/plugins',
             'pytest_add_cli_args = -p no:cacheprovider']
    if files:
        lines.append('only_mutate =\n' + '\n'.join('    %s%s' % (module_utils, name) for name in files))
    return '\n'.join(lines) + '\n'


def run_to_log(cmd, cwd, env, log_path):
    """Run a command with its output in a file (mutmut redraws a progress line); show the tail; return rc."""
    log('$ %s   (in %s, output in %s)' % (' '.join(cmd), cwd, log_path))
    with open(log_path, 'w', encoding='utf-8') as out:
        rc = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, check=False).returncode
    with open(log_path, encoding='utf-8', errors='replace') as out:
        lines = [line.strip() for line in re.split(r'[\r\n]+', out.read()) if line.strip()]
    emit(''.join(line + '\n' for line in lines[-15:]))
    return rc


def mutant_statuses(output):
    """{mutant name: status} from ``mutmut results --all true``."""
    return dict(re.findall(r'^\s+(\S+__mutmut_\d+): (.+?)\s*$', output, re.MULTILINE))


def load_equivalent_mutants():
    """{mutant name: why it is equivalent} from tests/mutation/equivalent.txt ("name  reason", # comments)."""
    equivalent = {}
    with open(EQUIVALENT_MUTANTS, encoding='utf-8') as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith('#'):
                name, _sep, reason = line.partition(' ')
                if not reason.strip():
                    raise StageFailed('%s: %s has no reason' % (os.path.relpath(EQUIVALENT_MUTANTS, ROOT), name))
                equivalent[name] = reason.strip()
    return equivalent


def mutation_verdict(statuses, equivalent, work, env):
    """Write the survivors' report; fail below the threshold; return the stage's note."""
    killed = [name for name, status in statuses.items() if status in KILLED_STATUSES]
    survivors = sorted(name for name, status in statuses.items() if status not in KILLED_STATUSES)
    reviewed = [name for name in survivors if name in equivalent]
    unreviewed = [name for name in survivors if name not in equivalent]
    stale = sorted(name for name in equivalent if statuses.get(name) in KILLED_STATUSES)
    score = 100.0 * len(killed) / max(1, len(statuses) - len(reviewed))
    report = os.path.join(work, 'survivors.txt')
    with open(report, 'w', encoding='utf-8') as out:
        out.write('%.1f%% killed: %d of %d mutants, %d reviewed as equivalent\n' % (
            score, len(killed), len(statuses), len(reviewed)))
        for name in unreviewed:
            diff = subprocess.run([MAIN.tool('mutmut'), 'show', name], cwd=work, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors='replace', check=False).stdout
            out.write('\n%s (%s)\n%s' % (name, statuses[name], diff))
        for name in reviewed:
            out.write('\n%s (equivalent: %s)\n' % (name, equivalent[name]))
        for name in stale:
            out.write('\n%s is listed as equivalent but is now killed: remove it from the list\n' % name)
    log('mutation report: %s' % report)
    note = '%.1f%% of %d mutants killed, %d survivor(s) not reviewed, %d equivalent' % (
        score, len(statuses), len(unreviewed), len(reviewed))
    if score < MUTATION_THRESHOLD:
        raise StageFailed('%s; below %.0f%% (survivors in %s)' % (note, MUTATION_THRESHOLD, report))
    return note


def ansible_test(toolchain, *args):
    """Run ansible-test from the tree with a virtual environment of its own; return its output."""
    install_get_pip_standin(toolchain)
    cmd = [toolchain.tool('ansible-test')] + list(args) + ['--venv', '--python', toolchain.python_version, '--color', 'no']
    return run_capture(cmd, cwd=toolchain.tree, env=toolchain.env())[1]


def stage_sanity(toolchain=None):
    """ansible-test sanity (no ignore files)."""
    toolchain = toolchain or MAIN
    return sanity_counts(ansible_test(toolchain, 'sanity'))


def stage_integration(toolchain=None):
    """ansible-test integration; each target's runme.sh starts the emulator itself."""
    toolchain = toolchain or MAIN
    targets_dir = os.path.join(toolchain.tree, 'tests', 'integration', 'targets')
    targets = sorted(d for d in os.listdir(targets_dir) if os.path.isdir(os.path.join(targets_dir, d))) if os.path.isdir(targets_dir) else []
    if not targets:
        raise StageFailed('no integration targets')
    return integration_counts(ansible_test(toolchain, 'integration', '--requirements'))


def stage_lint(toolchain=None):
    """ansible-lint with the production profile."""
    toolchain = toolchain or MAIN
    env = toolchain.env({'ANSIBLE_COLLECTIONS_PATH': toolchain.collections_dir})
    # tests/output holds ansible-test's results and virtual environments: not collection content.
    cmd = [toolchain.tool('ansible-lint'), '--profile', 'production', '--offline', '--exclude', 'tests/output']
    return lint_counts(run_capture(cmd, cwd=toolchain.tree, env=env)[1])


# ---- release tooling (build/venvs/release) ----

RELEASE = Toolchain('release', RELEASE_VENV, RELEASE_REQUIREMENTS, sys.executable, BUILD_DIR)


def release_env(extra=None):
    """Environment for the release tools; their venv is created on first use."""
    ensure_venv(RELEASE)
    return RELEASE.env(extra)


def galaxy_version(tree):
    """The collection version from galaxy.yml (a plain ``version:`` line)."""
    with open(os.path.join(tree, 'galaxy.yml'), encoding='utf-8') as handle:
        match = re.search(r'^version:\s*["\']?([0-9][^"\'\s]*)', handle.read(), re.MULTILINE)
    if not match:
        raise StageFailed('galaxy.yml has no version')
    return match.group(1)


def release_tree(dest):
    """Copy the tree to <dest>/ansible_collections/mlops/cloud and add the release's changelog there.

    ``antsibull-changelog release`` turns the fragments into changelogs/changelog.yaml and
    writes CHANGELOG.md, as a maintainer does at release time (docs/releasing.md); the
    repository itself keeps its fragments until then.
    """
    tree = os.path.join(dest, 'ansible_collections', 'mlops', 'cloud')
    shutil.copytree(TREE, tree, ignore=shutil.ignore_patterns('output', '.git', '__pycache__'))
    env = release_env({'ANSIBLE_COLLECTIONS_PATH': dest})
    version = galaxy_version(tree)
    with open(os.path.join(tree, 'changelogs', 'changelog.yaml'), encoding='utf-8') as handle:
        released = re.search(r'^  %s:' % re.escape(version), handle.read(), re.MULTILINE)
    if released:
        run([RELEASE.tool('antsibull-changelog'), 'generate'], cwd=tree, env=env)
    else:
        run([RELEASE.tool('antsibull-changelog'), 'release', '--version', version], cwd=tree, env=env)
    if not os.path.isfile(os.path.join(tree, 'CHANGELOG.md')):
        raise StageFailed('antsibull-changelog wrote no CHANGELOG.md')
    return tree


def stage_changelog():
    """antsibull-changelog lint (fragments and changelog.yaml), and CHANGELOG.md for the release."""
    env = release_env()
    _rc, output = run_capture([RELEASE.tool('antsibull-changelog'), 'lint'], cwd=TREE, env=env)
    if output.strip():
        raise StageFailed('antsibull-changelog lint reported problems')
    run([RELEASE.tool('antsibull-changelog'), 'lint-changelog-yaml', os.path.join('changelogs', 'changelog.yaml')], cwd=TREE, env=env)
    tmp = tempfile.mkdtemp(prefix='mlops-cloud-changelog-')
    try:
        tree = release_tree(tmp)
        with open(os.path.join(tree, 'CHANGELOG.md'), encoding='utf-8') as handle:
            changelog = handle.read()
        version = galaxy_version(tree)
        if 'v%s' % version.replace('.', '\\.') not in changelog:
            raise StageFailed('CHANGELOG.md has no section for %s' % version)
        fragments = sorted(os.listdir(os.path.join(TREE, 'changelogs', 'fragments')))
        log('CHANGELOG.md for %s: %d lines from %d fragment(s)' % (version, changelog.count('\n'), len(fragments)))
        return '%d fragment(s) lint clean' % len(fragments)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def stage_docs():
    """antsibull-docs lint-collection-docs --plugin-docs: the documentation as docs.ansible.com renders it."""
    env = release_env({'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_DIR})
    run([RELEASE.tool('antsibull-docs'), 'lint-collection-docs', '--plugin-docs', '.'], cwd=TREE, env=env)


def build_tarball(dest):
    """Build the release tree's tarball into <dest>/dist; return its path."""
    tree = release_tree(os.path.join(dest, 'release'))
    dist = os.path.join(dest, 'dist')
    env = tool_env({'ANSIBLE_COLLECTIONS_PATH': os.path.join(dest, 'collections')})
    run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', dist, tree], cwd=dest, env=env)
    tarballs = [os.path.join(dist, f) for f in os.listdir(dist) if f.endswith('.tar.gz')]
    if len(tarballs) != 1:
        raise StageFailed('expected one tarball, found %r' % tarballs)
    return tarballs[0]


def install_tarball(tarball, dest):
    """ansible-galaxy collection install into an empty collections path; return that path."""
    installed = os.path.join(dest, 'collections')
    env = tool_env({'ANSIBLE_COLLECTIONS_PATH': installed})
    run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', '-p', installed, tarball], cwd=dest, env=env)
    return installed


def check_docs(installed, cwd):
    """Render every installed module's documentation; fail on warnings."""
    env = tool_env({'ANSIBLE_COLLECTIONS_PATH': installed})
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
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
        emit(proc.stdout)
        emit(proc.stderr)
        if proc.returncode != 0:
            problems.append('%s: ansible-doc exited with %d' % (fqcn, proc.returncode))
        elif WARNING_RE.search(proc.stderr) or WARNING_RE.search(proc.stdout):
            problems.append('%s: ansible-doc printed warnings' % fqcn)
        elif fqcn not in proc.stdout and module not in proc.stdout:
            problems.append('%s: ansible-doc output does not name the module' % fqcn)
    if problems:
        raise StageFailed('; '.join(problems))
    log('ansible-doc ok for %d module(s): %s' % (len(modules), ', '.join(modules)))
    return modules


def run_demo(collections_path, cwd):
    """Run docs/demo.yml against a freshly started emulator with only ``collections_path``; return its rc."""
    state_dir = os.path.join(cwd, 'emulator')
    try:
        url = start_emulator(state_dir)
        log('emulator at %s' % url)
        inventory = os.path.join(cwd, 'demo-inventory.yml')
        with open(inventory, 'w', encoding='utf-8') as inv:
            inv.write('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                      '      ansible_python_interpreter: %s\n' % VENV_PYTHON)
        env = tool_env({'ANSIBLE_COLLECTIONS_PATH': collections_path, 'MLOPS_EMULATOR_URL': url})
        playbook = os.path.join(cwd, 'demo.yml')
        shutil.copy2(os.path.join(ROOT, 'docs', 'demo.yml'), playbook)
        return run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory, playbook], cwd=cwd, env=env, check=False)
    finally:
        stop_emulator(state_dir)


def stage_build():
    """Build the tarball (with CHANGELOG.md), install it into an empty path, render the docs, run the demo from there."""
    tmp = tempfile.mkdtemp(prefix='mlops-cloud-build-')
    try:
        tarball = build_tarball(tmp)
        installed = install_tarball(tarball, tmp)
        modules = check_docs(installed, tmp)
        work = os.path.join(tmp, 'demo')
        os.makedirs(work)
        rc = run_demo(installed, work)
        if rc != 0:
            raise StageFailed('the demo failed with the installed collection (ansible-playbook exited with %d)' % rc)
        return '%s, %d module(s), demo ok' % (os.path.basename(tarball), len(modules))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def stage_importer():
    """galaxy-importer on the built tarball, with tests/galaxy-importer.cfg (see docs/releasing.md)."""
    tmp = tempfile.mkdtemp(prefix='mlops-cloud-importer-')
    try:
        tarball = build_tarball(tmp)
        work = os.path.join(tmp, 'importer')
        os.makedirs(work)
        env = release_env({'GALAXY_IMPORTER_CONFIG': IMPORTER_CONFIG, 'GALAXY_IMPORTER_TMP_ROOT_DIR': work,
                           'GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP': os.path.join(work, 'ansible-tmp'),
                           'ANSIBLE_COLLECTIONS_PATH': os.path.join(work, 'collections')})
        rc, output = run_capture([RELEASE.venv_python, '-m', 'galaxy_importer.main', tarball], cwd=work, env=env, check=False)
        if rc != 0:
            raise StageFailed('galaxy-importer exited with %d' % rc)
        problems = [line for line in output.splitlines() if re.search(r'\b(ERROR|WARNING)\b', line)]
        if problems:
            raise StageFailed('galaxy-importer reported %d problem(s), first: %s' % (len(problems), problems[0].strip()))
        if 'Importer processing completed successfully' not in output:
            raise StageFailed('galaxy-importer did not report a completed import')
        return 'no errors or warnings'
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def stage_ee():
    """ansible-builder create on docs/execution-environment.yml, and the collection's EE dependencies."""
    tmp = tempfile.mkdtemp(prefix='mlops-cloud-ee-')
    try:
        env = release_env()
        context = os.path.join(tmp, 'context')
        shutil.copy2(EE_FILE, os.path.join(tmp, 'execution-environment.yml'))
        run([RELEASE.tool('ansible-builder'), 'create', '-f', 'execution-environment.yml', '-c', context,
             '--output-filename', 'Containerfile'], cwd=tmp, env=env)
        build_files = os.path.join(context, '_build')
        problems = []
        containerfile = os.path.join(context, 'Containerfile')
        if not os.path.isfile(containerfile):
            problems.append('no Containerfile in the build context')
        galaxy_req = os.path.join(build_files, 'requirements.yml')
        galaxy_text = ''
        if os.path.isfile(galaxy_req):
            with open(galaxy_req, encoding='utf-8') as handle:
                galaxy_text = handle.read()
        if 'mlops.cloud' not in galaxy_text:
            problems.append('_build/requirements.yml does not name mlops.cloud')
        # What the image build's introspection step collects from the installed collection.
        tarball = build_tarball(tmp)
        installed = install_tarball(tarball, tmp)
        _rc, output = run_capture([RELEASE.tool('ansible-builder'), 'introspect', '--sanitize', installed],
                                  cwd=tmp, env=env)
        for wanted in ('requests', 'mlops.cloud'):
            if wanted not in output:
                problems.append('ansible-builder introspect does not list %s' % wanted)
        with open(os.path.join(ROOT, 'bindep.txt'), encoding='utf-8') as handle:
            system = [line.split()[0] for line in handle if line.strip() and not line.startswith('#')]
        for package in system:
            if package not in output:
                problems.append('ansible-builder introspect does not list system package %s' % package)
        if problems:
            raise StageFailed('; '.join(problems))
        return 'context ok; collection needs requests + %d system package(s)' % len(system)
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
    'mutation': stage_mutation,
    'sanity': stage_sanity,
    'integration': stage_integration,
    'lint': stage_lint,
    'changelog': stage_changelog,
    'docs': stage_docs,
    'build': stage_build,
    'importer': stage_importer,
    'ee': stage_ee,
    'molecule': stage_molecule,
}


def print_summary(results, not_run, title='stage'):
    """Print one line a stage and a final count."""
    emit('\n' + '=' * 100 + '\n')
    emit('%-22s %-8s %9s  %s\n' % (title, 'result', 'duration', 'note'))
    for name, result, seconds, note in results:
        emit('%-22s %-8s %8.1fs  %s\n' % (name, result, seconds, note))
    for name in not_run:
        emit('%-22s %-8s %9s  %s\n' % (name, 'not run', '-', 'after the failure above'))
    emit('=' * 100 + '\n')
    passed = sum(1 for r in results if r[1] == 'passed')
    failed = sum(1 for r in results if r[1] == 'failed') + len(not_run)
    emit('%d passed, %d failed\n' % (passed, failed))


def timed(name, func, results):
    """Run one stage and record its result, whatever it raises; return True when it passed.

    Any exception is a failure (a runner bug must not pass for a green stage), and the result
    is recorded in ``finally`` so that even an interrupted stage leaves a line in the summary.
    """
    log('stage %s' % name)
    start = time.monotonic()
    result, note = 'failed', 'interrupted'
    try:
        note = func() or ''
        result = 'passed'
    except StageFailed as ex:
        note = str(ex)
    except Exception as ex:  # pylint: disable=broad-except
        note = '%s: %s' % (type(ex).__name__, ex)
    finally:
        results.append((name, result, time.monotonic() - start, note))
        log('stage %s %s%s' % (name, result, (': ' + note) if note else ''))
    return result == 'passed'


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


# --------------------------------------------------------------------------
# the ansible-core version matrix
# --------------------------------------------------------------------------

def matrix_toolchain(core, python_version):
    """The toolchain of one matrix entry (its interpreter is looked up when it is first needed)."""
    base = os.path.join(BUILD_DIR, 'matrix', core)
    requirements = os.path.join(ROOT, 'tests', 'matrix', 'requirements-%s.txt' % core)
    return Toolchain('core-%s' % core, os.path.join(BUILD_DIR, 'venvs', 'core-%s' % core), requirements,
                     None, base), python_version


def run_matrix_entry(core, python_version, stages, results, sink=None):
    """venv, tree and the selected stages of one ansible-core version; append to results.

    Whatever happens, the entry's results are appended, and an exception outside the stages
    is recorded as a failed line of its own.
    """
    _OUTPUT.sink = sink
    prefix = 'ansible-core %s ' % core
    entry = []
    try:
        toolchain, _version = matrix_toolchain(core, python_version)

        def find():
            toolchain.python = find_python(python_version)
            return toolchain.python

        ok = (timed(prefix + 'python', find, entry)
              and timed(prefix + 'venv', lambda: ensure_venv(toolchain), entry)
              and timed(prefix + 'tree', lambda: build_tree(toolchain), entry))
        if ok:
            for stage in stages:
                if stage in ('sanity', 'lint') and core != NEWEST:
                    continue
                func = {'units': stage_units, 'integration': stage_integration,
                        'sanity': stage_sanity, 'lint': stage_lint}[stage]
                if not timed(prefix + stage, lambda func=func: func(toolchain), entry):
                    break
    except Exception as ex:  # pylint: disable=broad-except
        entry.append((prefix + 'runner', 'failed', 0.0, '%s: %s' % (type(ex).__name__, ex)))
    finally:
        results.extend(entry)
        _OUTPUT.sink = None


def cmd_matrix(args):
    """Run units and integration on every ansible-core version, sanity and lint on the newest."""
    entries = [(core, py) for core, py in MATRIX if not args.core or core in args.core]
    stages = [s for s in MATRIX_STAGES if not args.only or s in args.only]
    start = time.monotonic()
    results_by_core = {}
    if args.jobs <= 1:
        for core, py in entries:
            results_by_core[core] = []
            run_matrix_entry(core, py, stages, results_by_core[core])
    else:
        os.makedirs(os.path.join(BUILD_DIR, 'matrix'), exist_ok=True)
        pending = list(entries)
        lock = threading.Lock()

        def worker():
            while True:
                with lock:
                    if not pending:
                        return
                    core, py = pending.pop(0)
                    results_by_core[core] = []
                log_path = os.path.join(BUILD_DIR, 'matrix', 'ansible-core-%s.log' % core)
                log('ansible-core %s: started, output in %s' % (core, log_path))
                try:
                    with open(log_path, 'w', encoding='utf-8') as sink:
                        run_matrix_entry(core, py, stages, results_by_core[core], sink)
                except Exception as ex:  # pylint: disable=broad-except
                    # The thread goes on with the next entry; this one is reported failed below.
                    log('ansible-core %s: the runner failed: %s: %s' % (core, type(ex).__name__, ex))
                failed = not results_by_core[core] or any(r[1] == 'failed' for r in results_by_core[core])
                log('ansible-core %s: %s' % (core, 'FAILED' if failed else 'done'))
                if failed and os.path.exists(log_path):
                    with open(log_path, encoding='utf-8') as done:
                        emit(done.read())

        threads = [threading.Thread(target=worker) for _index in range(args.jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    results = []
    for core, _py in entries:
        # An entry that recorded nothing did not run: that is a failure, never a silent pass.
        results.extend(results_by_core.get(core) or [('ansible-core %s' % core, 'failed', 0.0, 'produced no results')])
    emit('\nmatrix wall time %.1fs (%d job(s))\n' % (time.monotonic() - start, max(args.jobs, 1)))
    print_summary(results, [], title='matrix entry')
    return 0 if results and all(r[1] == 'passed' for r in results) else 1


def cmd_venv(_args):
    """Create or reuse .venv."""
    ensure_venv()
    log('ready: %s' % VENV_DIR)
    return 0


def cmd_demo(_args):
    """Run docs/demo.yml against a freshly started emulator."""
    ensure_venv()
    build_tree()
    try:
        return run_demo(COLLECTIONS_DIR, BUILD_DIR)
    except StageFailed as ex:
        log('demo failed: %s' % ex)
        return 1


def main():
    """Parse the command line and dispatch."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    test = sub.add_parser('test', help='run the test stages: %s' % ', '.join(STAGES))
    test.add_argument('--only', action='append', choices=STAGES, help='run only this stage (repeatable)')
    test.set_defaults(func=cmd_test)
    matrix = sub.add_parser('matrix', help='units and integration on ansible-core %s to %s, sanity and lint on %s'
                            % (MATRIX[0][0], NEWEST, NEWEST))
    matrix.add_argument('--core', action='append', choices=[core for core, _py in MATRIX],
                        help='run only this ansible-core version (repeatable)')
    matrix.add_argument('--only', action='append', choices=MATRIX_STAGES, help='run only this stage (repeatable)')
    matrix.add_argument('--jobs', '-j', type=int, default=int(os.environ.get('MLOPS_MATRIX_JOBS', '2')),
                        help='versions run at once, each logging to build/matrix/ansible-core-X.Y.log '
                             '(default 2, or $MLOPS_MATRIX_JOBS)')
    matrix.set_defaults(func=cmd_matrix)
    sub.add_parser('venv', help='create or reuse .venv').set_defaults(func=cmd_venv)
    sub.add_parser('demo', help='run docs/demo.yml against the emulator').set_defaults(func=cmd_demo)
    args = parser.parse_args()
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
