# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument validation and the pieces of the module that need no HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import given, strategies as st

from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_export_tasks_info as module
from ansible_collections.mlops.cloud.plugins.module_utils.export_tasks import count_by_status, describe_unfinished
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.params import default_params


def params(**overrides):
    overrides.setdefault('dataset_id', 'd1')
    return default_params(module.argument_spec(), **overrides)


@pytest.mark.parametrize('overrides,message', [
    ({'limit': 0}, 'limit must be between 1 and 100, got 0'),
    ({'limit': 101}, 'limit must be between 1 and 100, got 101'),
    ({'offset': -1}, 'offset must be 0 or more'),
    ({'dataset_id': '  '}, 'dataset_id must not be empty'),
    ({'dataset_id': None, 'dataset_name': ' '}, 'dataset_name must not be empty'),
    ({'task_id': ''}, 'task_id must not be empty'),
    ({'wait_timeout': 0}, 'wait_timeout must be at least 1'),
    ({'wait_sleep': 0}, 'wait_sleep must be at least 1'),
])
def test_bad_values_are_named(overrides, message):
    assert module.validate(params(**overrides)).startswith(message)


@given(limit=st.integers(1, 100), offset=st.one_of(st.none(), st.integers(0, 10 ** 6)))
def test_valid_ranges_pass(limit, offset):
    assert module.validate(params(limit=limit, offset=offset)) is None


@given(limit=st.integers().filter(lambda n: not 1 <= n <= 100))
def test_any_limit_outside_the_range_is_refused(limit):
    assert module.validate(params(limit=limit)).startswith('limit must be between 1 and 100')


def test_status_counts_has_all_four_states():
    tasks = [{'status': 'RUNNING'}, {'status': 'FAILED'}, {'status': 'RUNNING'}, {'status': 'SOMETHING_NEW'}]
    assert count_by_status(tasks) == {'INIT': 0, 'RUNNING': 2, 'SUCCESSED': 0, 'FAILED': 1}


def test_unfinished_tasks_are_described_with_progress():
    tasks = [{'task_id': 'a', 'status': 'RUNNING', 'progress': 42.5}, {'task_id': 'b', 'status': 'SUCCESSED'},
             {'task_id': 'c', 'status': 'INIT'}]
    assert describe_unfinished(tasks) == 'a (RUNNING, 42.5%), c (INIT, 0%)'


def test_wait_is_over_when_all_terminal_or_one_failed():
    assert module._wait_is_over([{'status': 'SUCCESSED'}, {'status': 'FAILED'}])
    assert module._wait_is_over([{'status': 'RUNNING'}, {'status': 'FAILED'}])
    assert not module._wait_is_over([{'status': 'RUNNING'}, {'status': 'SUCCESSED'}])
    assert module._wait_is_over([])
