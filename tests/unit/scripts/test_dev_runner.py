# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/dev.py cannot go green by accident: exceptions, empty selections and skips are failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import importlib.util
import os
import sys

import pytest

DEV_PY = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'scripts', 'dev.py')


@pytest.fixture
def dev(tmp_path, monkeypatch):
    """A fresh scripts/dev.py module whose build directory is a temporary one."""
    monkeypatch.setenv('MLOPS_BUILD_DIR', str(tmp_path / 'build'))
    spec = importlib.util.spec_from_file_location('dev_under_test', DEV_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def matrix_args(**overrides):
    args = dict(core=['2.16', '2.17'], only=['units'], jobs=2)
    args.update(overrides)
    return argparse.Namespace(**args)


def closing_line(output):
    return output.strip().splitlines()[-1]


def test_any_exception_in_a_stage_is_a_recorded_failure(dev):
    def broken():
        raise ValueError('runner bug')

    results = []
    assert dev.timed('units', broken, results) is False
    assert [(name, result, note) for name, result, _seconds, note in results] == [
        ('units', 'failed', 'ValueError: runner bug')]


def test_an_interrupted_stage_still_leaves_a_failed_line(dev):
    def interrupted():
        raise KeyboardInterrupt

    results = []
    with pytest.raises(KeyboardInterrupt):
        dev.timed('units', interrupted, results)
    assert [result for _name, result, _seconds, _note in results] == ['failed']


@pytest.mark.parametrize('jobs', [1, 2])
def test_an_exception_in_a_matrix_entry_fails_the_matrix(dev, monkeypatch, capsys, jobs):
    def no_python(version):
        raise ValueError('no Python %s today' % version)

    monkeypatch.setattr(dev, 'find_python', no_python)
    assert dev.cmd_matrix(matrix_args(jobs=jobs)) == 1
    output = capsys.readouterr().out
    assert closing_line(output) == '0 passed, 2 failed'
    assert 'ansible-core 2.16 python' in output and 'ValueError: no Python 3.11 today' in output


def test_a_matrix_worker_that_dies_fails_its_entry(dev, monkeypatch, capsys):
    def crash(*_args, **_kwargs):
        raise RuntimeError('worker died')

    monkeypatch.setattr(dev, 'run_matrix_entry', crash)
    assert dev.cmd_matrix(matrix_args()) == 1
    output = capsys.readouterr().out
    assert closing_line(output) == '0 passed, 2 failed'
    assert output.count('produced no results') == 2


def test_an_exception_outside_the_stages_is_recorded_for_the_entry(dev, monkeypatch):
    def broken_toolchain(*_args):
        raise KeyError('requirements')

    monkeypatch.setattr(dev, 'matrix_toolchain', broken_toolchain)
    results = []
    dev.run_matrix_entry('2.16', '3.11', ['units'], results)
    assert [(name, result) for name, result, _seconds, _note in results] == [('ansible-core 2.16 runner', 'failed')]


def unit_tree(dev, tmp_path, test_source):
    """A toolchain on this interpreter's environment whose tree holds one test file."""
    tree = tmp_path / 'collections' / 'ansible_collections' / 'mlops' / 'cloud'
    (tree / 'tests' / 'unit').mkdir(parents=True)
    (tree / 'tests' / 'unit' / 'test_sample.py').write_text(test_source)
    return dev.Toolchain('t', sys.prefix, None, sys.executable, str(tmp_path / 'collections'))


@pytest.mark.parametrize('source, reason', [
    ('', 'pytest collected no tests'),
    ('import pytest\npytest.importorskip("a_pinned_package_that_is_missing")\n', 'pytest collected no tests'),
    ('import pytest\n\ndef test_one():\n    pass\n\ndef test_two():\n    pytest.importorskip("missing_pin")\n',
     'pytest skipped tests (1 passed, 1 skipped)'),
    ('def test_one():\n    assert False\n', 'pytest exited with 1'),
])
def test_units_with_nothing_run_or_something_skipped_fail(dev, tmp_path, source, reason):
    toolchain = unit_tree(dev, tmp_path, source)
    results = []
    assert dev.timed('units', lambda: dev.stage_units(toolchain), results) is False
    assert results[0][1:2] == ('failed',) and results[0][3].startswith(reason)


def test_units_that_ran_pass_with_their_counts(dev, tmp_path):
    toolchain = unit_tree(dev, tmp_path, 'def test_one():\n    pass\n')
    results = []
    assert dev.timed('units', lambda: dev.stage_units(toolchain), results) is True
    assert results[0][3] == '1 passed'


def test_no_integration_targets_is_a_failure(dev, tmp_path):
    toolchain = unit_tree(dev, tmp_path, '')
    results = []
    assert dev.timed('integration', lambda: dev.stage_integration(toolchain), results) is False
    assert results[0][3] == 'no integration targets'
