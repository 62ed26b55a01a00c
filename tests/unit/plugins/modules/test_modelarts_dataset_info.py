# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument validation and selection of modelarts_dataset_info, without HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.cloud.plugins.modules import modelarts_dataset_info as module
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.params import default_params


def params(**overrides):
    return default_params(module.argument_spec(), **overrides)


@pytest.mark.parametrize('overrides,message', [
    ({'limit': 0}, 'limit must be between 1 and 100, got 0'),
    ({'limit': 101}, 'limit must be between 1 and 100, got 101'),
    ({'offset': -1}, 'offset must be 0 or more'),
    ({'dataset_id': ' '}, 'dataset_id must not be empty'),
    ({'dataset_name': ''}, 'dataset_name must not be empty'),
    ({'search_content': ''}, 'search_content must not be empty'),
])
def test_bad_values_are_named(overrides, message):
    assert module.validate(params(**overrides)).startswith(message)


def test_defaults_are_valid():
    assert module.validate(params()) is None


def test_an_exact_name_is_searched_for_server_side():
    filters = module.list_filters(params(dataset_name='train', dataset_type=1, support_export=True))
    assert filters == {'search_content': 'train', 'dataset_type': 1, 'support_export': True, 'workspace_id': None,
                       'check_running_task': None, 'running_task_type': None}


class FakeApi:
    def __init__(self, datasets):
        self.datasets = datasets
        self.calls = []

    def list_all(self, limit):
        self.calls.append(('all', limit))
        return self.datasets, len(self.datasets)

    def list_page(self, offset, limit):
        self.calls.append(('page', offset, limit))
        return self.datasets, 42

    def get(self, dataset_id):
        self.calls.append(('get', dataset_id))
        return {'dataset_id': dataset_id}


DATASETS = [{'dataset_id': 'a', 'dataset_name': 'train-v2'}, {'dataset_id': 'b', 'dataset_name': 'train'}]


def test_every_page_unless_offset_is_set_and_total_is_the_apis():
    api = FakeApi(DATASETS)
    assert module.gather_datasets(api, params()) == (DATASETS, 2)
    assert module.gather_datasets(api, params(offset=3, limit=10)) == (DATASETS, 42)
    assert api.calls == [('all', 100), ('page', 3, 10)]


def test_dataset_name_keeps_exact_matches_only_but_not_the_total():
    assert module.gather_datasets(FakeApi(DATASETS), params(dataset_name='train')) == ([DATASETS[1]], 2)


def test_dataset_id_returns_one_element_list():
    api = FakeApi(DATASETS)
    assert module.gather_datasets(api, params(dataset_id='x')) == ([{'dataset_id': 'x'}], 1)
    assert api.calls == [('get', 'x')]
