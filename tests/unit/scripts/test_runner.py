# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runner (scripts/dev.py handing over to noxfile.py) cannot go green by accident.

An exception in a session, a skipped session, a missing interpreter, a session that did not run,
a pytest run that collected nothing or skipped anything, an integration run without targets: each
is a failure. Real nox and real pytest runs in a temporary directory; nothing is faked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def dev(tmp_path, monkeypatch):
    monkeypatch.setenv('MLOPS_BUILD_DIR', str(tmp_path / 'build'))
    return load('dev_under_test', os.path.join('scripts', 'dev.py'))


@pytest.fixture(scope='module')
def noxfile():
    """noxfile.py imported once (importing it registers its sessions with nox)."""
    return load('noxfile_under_test', 'noxfile.py')


SESSIONS = '''
import nox

nox.options.error_on_missing_interpreters = True


@nox.session(venv_backend='none')
def passes(session):
    session.log('fine')


@nox.session(venv_backend='none')
def raises(session):
    raise ValueError('a runner bug')


@nox.session(venv_backend='none')
def skips(session):
    session.skip('a pinned package is missing')


@nox.session(python='3.99')
def no_interpreter(session):
    session.log('never')
'''


def run_nox(tmp_path, *args):
    """Real nox on a noxfile with one session of each kind; return the path of its report."""
    (tmp_path / 'noxfile.py').write_text(SESSIONS)
    report = tmp_path / 'report.json'
    subprocess.run([sys.executable, '-m', 'nox', '-f', str(tmp_path / 'noxfile.py'), '--envdir',
                    str(tmp_path / 'envs'), '--report', str(report)] + list(args), check=False)
    return str(report)


def closing_line(output):
    return output.strip().splitlines()[-1]


def test_only_sessions_that_passed_count(dev, tmp_path, capsys):
    report = run_nox(tmp_path, '-s', 'passes', 'raises', 'skips', 'no_interpreter')
    assert dev.verdict(report, ['passes', 'raises', 'skips', 'no_interpreter']) is False
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == '1 passed, 3 failed'
    results = dict(line.split()[:2] for line in lines if line.split()[:1] in (['passes'], ['raises'], ['skips'],
                                                                              ['no_interpreter']))
    assert results == {'passes': 'success', 'raises': 'failed', 'skips': 'skipped', 'no_interpreter': 'failed'}


def test_a_session_not_run_after_a_failure_is_a_failure(dev, tmp_path, capsys):
    report = run_nox(tmp_path, '-s', 'raises', 'passes', '--stop-on-first-error')
    assert dev.verdict(report, ['raises', 'passes']) is False
    output = capsys.readouterr().out
    assert closing_line(output) == '0 passed, 2 failed'
    assert 'not run' in output


def test_a_selection_without_sessions_or_report_fails(dev, tmp_path, capsys):
    assert dev.verdict(str(tmp_path / 'no-report.json'), []) is False
    assert dev.verdict(str(tmp_path / 'no-report.json'), ['units']) is False
    assert closing_line(capsys.readouterr().out) == '0 passed, 1 failed'


def test_passing_sessions_pass(dev, tmp_path, capsys):
    assert dev.verdict(run_nox(tmp_path, '-s', 'passes'), ['passes']) is True
    assert closing_line(capsys.readouterr().out) == '1 passed, 0 failed'


def test_a_matrix_entry_without_its_python_fails(tmp_path):
    env = dict(os.environ, MLOPS_BUILD_DIR=str(tmp_path / 'build'), MLOPS_PYTHON_3_11=str(tmp_path / 'no-python'))
    proc = subprocess.run([sys.executable, '-m', 'nox', '-f', os.path.join(ROOT, 'noxfile.py'), '-s', 'matrix-2.16'],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    assert proc.returncode != 0
    assert 'Session matrix-2.16 failed' in proc.stdout and 'no-python not found' in proc.stdout


def junit_of(tmp_path, source):
    """Run pytest on one test file and return the path of its JUnit report."""
    (tmp_path / 'test_sample.py').write_text(source)
    junit = tmp_path / 'junit.xml'
    subprocess.run([sys.executable, '-m', 'pytest', str(tmp_path / 'test_sample.py'), '-p', 'no:cacheprovider',
                    '--junitxml', str(junit)], cwd=str(tmp_path), check=False, stdout=subprocess.DEVNULL)
    return str(junit)


@pytest.mark.parametrize('source, reason', [
    ('', 'pytest collected no tests'),
    ('import pytest\npytest.importorskip("a_pinned_package_that_is_missing")\n', 'pytest skipped 1 test(s) (0 passed)'),
    ('import pytest\n\ndef test_one():\n    pass\n\ndef test_two():\n    pytest.importorskip("missing_pin")\n',
     'pytest skipped 1 test(s) (1 passed)'),
    ('def test_one():\n    assert False\n', 'pytest: 1 failed, 0 error(s)'),
])
def test_pytest_runs_with_nothing_run_or_something_skipped_fail(noxfile, tmp_path, source, reason):
    with pytest.raises(noxfile.StageFailed) as failure:
        noxfile.pytest_verdict(junit_of(tmp_path, source))
    assert str(failure.value).startswith(reason)


def test_a_pytest_run_without_a_report_fails(noxfile, tmp_path):
    with pytest.raises(noxfile.StageFailed, match='pytest wrote no JUnit report'):
        noxfile.pytest_verdict(str(tmp_path / 'missing.xml'))


def test_pytest_runs_that_ran_pass_with_their_counts(noxfile, tmp_path):
    assert noxfile.pytest_verdict(junit_of(tmp_path, 'def test_one():\n    pass\n')) == '1 passed'


@pytest.mark.parametrize('targets, output, reason', [
    ([], '', 'no integration targets'),
    (['lookups'], 'WARNING: All targets skipped.\n', 'ansible-test ran no integration target'),
])
def test_integration_without_targets_run_fails(noxfile, targets, output, reason):
    with pytest.raises(noxfile.StageFailed, match=reason):
        noxfile.integration_verdict(targets, output)


def test_integration_fails_when_a_selected_target_did_not_run(noxfile):
    output = 'Running lookups integration test script\n'
    with pytest.raises(noxfile.StageFailed, match='did not run: docs_playbooks$'):
        noxfile.integration_verdict(['docs_playbooks', 'lookups'], output)


def test_integration_targets_leave_out_hidden_ones_and_the_excluded_aliases(noxfile, tmp_path):
    targets_dir = tmp_path / 'tests' / 'integration' / 'targets'
    for name, aliases in [('setup_emulator', '# shared code\nhidden\n'), ('lookups', 'context/controller\n'),
                          ('client_hardening', '# hidden in a comment is no alias\ncore_independent\n')]:
        (targets_dir / name).mkdir(parents=True)
        (targets_dir / name / 'aliases').write_text(aliases)
    (targets_dir / '.shellcheckrc').write_text('disable=SC1091\n')
    assert noxfile.integration_targets(str(tmp_path)) == ['client_hardening', 'lookups']
    assert noxfile.integration_targets(str(tmp_path), ('core_independent',)) == ['lookups']


def test_only_the_newest_matrix_entry_runs_the_core_independent_targets(noxfile):
    # The stages run every target on the pinned core; the entries but the newest leave these out.
    with open(os.path.join(ROOT, 'tests', 'integration', 'targets', 'client_hardening', 'aliases')) as handle:
        assert noxfile.CORE_INDEPENDENT in handle.read().split()
    newest = noxfile.MATRIX[-1][0]
    assert noxfile.matrix_exclusions(newest) == ()
    assert all(noxfile.matrix_exclusions(core) == (noxfile.CORE_INDEPENDENT,)
               for core, _python in noxfile.MATRIX if core != newest)


def test_integration_names_the_targets_that_ran(noxfile):
    output = 'Running lookups integration test role\nRunning docs_playbooks integration test script\n'
    assert noxfile.integration_verdict(['docs_playbooks', 'lookups'], output) == (
        '2 target(s) ran: docs_playbooks, lookups')


@pytest.fixture(scope='module')
def run_jobs():
    return load('run_jobs_under_test', os.path.join('tests', 'ansible_runner', 'run_jobs.py'))


@pytest.fixture(scope='module')
def credential_types(run_jobs):
    with open(os.path.join(ROOT, 'docs', 'awx-credential-types.yml'), encoding='utf-8') as handle:
        return {kind['name']: kind for kind in run_jobs.yaml.safe_load(handle)}


def test_a_credential_injects_its_methods_variables_only(run_jobs, credential_types):
    injected = run_jobs.inject(credential_types['mlops.cloud AK/SK'], {'access_key': 'AK1', 'secret_key': 'SK1'})
    assert injected == {'OS_AUTH_URL': 'https://iam.eu-de.otc.t-systems.com/v3', 'OS_REGION_NAME': 'eu-de',
                        'OS_ACCESS_KEY': 'AK1', 'OS_SECRET_KEY': 'SK1'}


def test_a_credential_without_a_required_input_is_refused(run_jobs, credential_types):
    with pytest.raises(run_jobs.JobCheckFailed, match='mlops.cloud password: no value for password'):
        run_jobs.inject(credential_types['mlops.cloud password'], {'username': 'u', 'user_domain_name': 'd'})


@pytest.mark.parametrize('leak, reason', [
    ('"stdout": "X-Auth-Token: MIIemulatorAbCdEfGhIjKlMnOpQrStUvWx_-12"', 'an IAM token'),
    ('"msg": "login with s3cr3t-value failed"', 'the password'),
])
def test_a_secret_in_a_kept_artifact_fails_the_job(run_jobs, tmp_path, leak, reason):
    (tmp_path / 'job_events').mkdir()
    (tmp_path / 'job_events' / '3-abc.json').write_text('{%s}' % leak)
    with pytest.raises(run_jobs.JobCheckFailed, match='job_events/3-abc.json holds %s' % reason):
        run_jobs.check_no_secrets(str(tmp_path), {'the password': 's3cr3t-value'})


def test_the_command_artifact_is_not_what_awx_keeps(run_jobs, tmp_path):
    (tmp_path / 'command').write_text('{"env": {"OS_PASSWORD": "s3cr3t-value"}}')
    (tmp_path / 'stdout').write_text('ok=3 failed=0')
    assert run_jobs.check_no_secrets(str(tmp_path), {'the password': 's3cr3t-value'}) == 1


def test_the_test_command_runs_every_stage_and_every_other_ansible_core(dev, noxfile, monkeypatch):
    """`scripts/dev.py test` (what CI runs) selects the stages, and the matrix entries of every
    ansible-core but the one the stages run on (the one of this interpreter's environment)."""
    from importlib.metadata import version

    monkeypatch.setattr(dev, 'VENV_PYTHON', sys.executable)  # .venv is this environment (a test tree has none)
    wanted = dev.selected_sessions([])
    own_core = 'matrix-%s' % '.'.join(version('ansible-core').split('.')[:2])
    every_core = ['matrix-%s' % core for core, _python in noxfile.MATRIX]
    assert own_core in every_core
    assert set(wanted) == set(noxfile.STAGES) | set(every_core) - {own_core}


# --- the mutation stage's selection: a large file is mutated by function --------------------------------------------

CONNECTION = 'plugins/module_utils/connection.py'
CONNECTION_MODULE = 'ansible_collections.mlops.cloud.plugins.module_utils.connection.'


def test_functions_are_named_as_mutmut_names_them_and_hashed_by_their_code(noxfile, tmp_path):
    source = tmp_path / 'sample.py'
    source.write_text('try:\n    import zlib\nexcept ImportError:\n    zlib = None\n\n\n'
                      'def helper(value):\n    return value + 1\n\n\n'
                      'class Reader:\n    def read(self):\n        return 2\n\n\n'
                      'if zlib:\n    def guarded():\n        return 3\n')
    before = noxfile.function_hashes(str(source))
    assert sorted(before) == ['x_guarded', 'x_helper', 'xǁReaderǁread']
    source.write_text(source.read_text().replace('return value + 1', 'return value + 1  # a comment'))
    assert noxfile.function_hashes(str(source)) == before
    source.write_text(source.read_text().replace('return 2', 'return 4'))
    after = noxfile.function_hashes(str(source))
    assert [name for name in before if before[name] != after[name]] == ['xǁReaderǁread']


def test_a_large_file_is_mutated_in_its_changed_functions_and_one_shard_of_the_others(noxfile):
    hashes = noxfile.function_hashes(CONNECTION)
    assert {'x__proxy_for', 'xǁConnectionSettingsǁ_use_environment', 'xǁConnectionǁ_build_auth'} <= set(hashes)
    reviewed = dict((name, {'sha256': digest, 'mutants': 10}) for name, digest in hashes.items())
    reviewed['x__proxy_for'] = {'sha256': 'an older version', 'mutants': 10}
    baseline = {'files': {CONNECTION: {'complete': True, 'mutants': noxfile.LARGE_FILE_MUTANTS + 1,
                                       'sha256': 'an older version', 'functions': reviewed}}}
    seen = set()
    for count in range(noxfile.MUTATION_SHARDS):
        paths, why, selection = noxfile.mutated_paths([], baseline, count)
        assert paths == [CONNECTION]
        assert 'x__proxy_for' in selection[CONNECTION]
        assert len(selection[CONNECTION]) <= len(hashes) // noxfile.MUTATION_SHARDS + 2
        assert 'of connection.py only' in why
        seen.update(selection[CONNECTION])
    assert seen == set(hashes)  # every function comes round
    small = dict(baseline['files'][CONNECTION], mutants=noxfile.LARGE_FILE_MUTANTS)
    assert noxfile.mutated_paths([], {'files': {CONNECTION: small}}, 0)[2] == {}
    assert noxfile.mutated_paths(['connection.py'], baseline, 0) == ([CONNECTION], 'the files MLOPS_MUTATE names', {})
    assert noxfile.mutated_paths(['connection.py::x__proxy_for,x_run_time_bound', 'paging.py'], baseline, 0) == (
        ['plugins/module_utils/connection.py', 'plugins/module_utils/paging.py'], 'the files MLOPS_MUTATE names',
        {CONNECTION: ['x__proxy_for', 'x_run_time_bound']})


def test_mutmut_is_given_the_selected_functions_and_every_mutant_of_the_other_files(noxfile):
    other = 'plugins/module_utils/paging.py'
    assert noxfile.mutant_patterns([CONNECTION, other], {}) == []
    assert noxfile.mutant_patterns([CONNECTION, other], {CONNECTION: ['x__proxy_for']}) == [
        CONNECTION_MODULE + 'x__proxy_for__mutmut_*', 'ansible_collections.mlops.cloud.plugins.module_utils.paging.*']


def test_a_run_by_function_is_judged_on_its_functions_and_leaves_the_reviewed_entry(noxfile, tmp_path, monkeypatch):
    statuses = {CONNECTION_MODULE + 'x__proxy_for__mutmut_1': 'killed',
                CONNECTION_MODULE + 'x__proxy_for__mutmut_2': 'survived',
                CONNECTION_MODULE + 'x_run_time_bound__mutmut_1': 'not checked'}
    per_file = noxfile.mutation_scores(statuses, {}, [CONNECTION], {CONNECTION: ['x__proxy_for']})
    entry = per_file[CONNECTION]
    assert (entry['mutants'], entry['ran'], entry['killed'], entry['survived'], entry['score'], entry['complete']) == (
        2, 2, 1, 1, 50.0, True)
    assert entry['functions']['x__proxy_for']['mutants'] == 2 and entry['functions']['x_run_time_bound']['mutants'] == 1
    report = str(tmp_path / 'survivors.txt')
    with pytest.raises(noxfile.StageFailed, match='connection.py 50.0%'):
        noxfile.mutation_verdict(statuses, {}, {CONNECTION_MODULE + 'x__proxy_for__mutmut_2': 'a diff\n'}, report,
                                 per_file, {'files': {}})
    with open(report, encoding='utf-8') as handle:
        assert 'x_run_time_bound' not in handle.read()  # not run: neither a survivor nor counted
    # The bar of a selection is the reviewed score of the same functions (a point of slack), or the threshold.
    slice_reviewed = {'files': {CONNECTION: {'score': 99.0, 'functions': {'x__proxy_for': {'killed': 1, 'survived': 1}}}}}
    assert '1 survivor(s) not reviewed' in noxfile.mutation_verdict(
        statuses, {}, {CONNECTION_MODULE + 'x__proxy_for__mutmut_2': 'a diff\n'}, report, per_file, slice_reviewed)
    slice_reviewed['files'][CONNECTION]['functions']['x__proxy_for'] = {'killed': 3, 'survived': 1}
    with pytest.raises(noxfile.StageFailed, match=r'connection.py 50.0% < 74.0%'):
        noxfile.mutation_verdict(statuses, {}, {CONNECTION_MODULE + 'x__proxy_for__mutmut_2': 'a diff\n'}, report,
                                 per_file, slice_reviewed)
    reviewed = tmp_path / 'baseline.json'
    reviewed.write_text('{"files": {"%s": {"score": 95.0, "complete": true}}}' % CONNECTION)
    monkeypatch.setattr(noxfile, 'MUTATION_BASELINE', str(reviewed))
    written = tmp_path / 'written.json'
    noxfile.write_mutation_baseline(str(written), per_file, 1.0, False)
    assert '"score": 95.0' in written.read_text()
    del entry['selected']
    noxfile.write_mutation_baseline(str(written), per_file, 1.0, False)
    assert '"score": 50.0' in written.read_text()


def test_a_mutant_whose_tests_did_not_pass_is_caught_whatever_mutmut_calls_it(noxfile):
    statuses = dict((CONNECTION_MODULE + 'x__proxy_for__mutmut_%d' % number, status) for number, status in enumerate(
        ['killed', 'timeout', 'suspicious', 'caught by type check', 'survived'], 1))
    entry = noxfile.mutation_scores(statuses, {}, [CONNECTION])[CONNECTION]
    assert (entry['killed'], entry['survived'], entry['score']) == (4, 1, 80.0)
