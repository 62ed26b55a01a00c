# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dataset API over a fake client: the requests it makes, and resolving a name to an id."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.budget import ResultBudget
from ansible_collections.mlops.cloud.plugins.module_utils.catalog import DATASETS
from ansible_collections.mlops.cloud.plugins.module_utils.info_query import resolve_id_by_name
from ansible_collections.mlops.cloud.plugins.module_utils.resources import ResourceApi
from ansible_collections.mlops.cloud.plugins.module_utils.errors import DatasetNameError, ResponseFormatError, ResultTooLargeError


class FakeClient:
    """Serves ``datasets`` by page index, filtering by ``search_content`` as a substring like the API."""

    def __init__(self, datasets, detail=None):
        self.datasets = datasets
        self.detail = detail
        self.requests = []
        self.cancel = threading.Event()
        self.budget = None

    def get(self, base, path, query=None, action=None):
        self.requests.append((path, dict(query or {})))
        if path.endswith('/datasets'):
            search = query.get('search_content') or ''
            found = [d for d in self.datasets if search in d['dataset_name']]
            start = query['offset'] * query['limit']
            return {'total_number': len(found), 'datasets': found[start:start + query['limit']]}
        return self.detail


class FakeConnection:
    modelarts_endpoint = 'https://modelarts.example'
    project_id = 'p1'
    max_concurrent_requests = 1

    def __init__(self, client):
        self.client = client


def dataset(dataset_id, name):
    return {'dataset_id': dataset_id, 'dataset_name': name}


def connection_with(*datasets):
    return FakeConnection(FakeClient(list(datasets)))


def test_a_name_resolves_by_exact_match_among_fuzzy_results():
    connection = connection_with(dataset('a', 'train-v2'), dataset('b', 'train'), dataset('c', 'pretrain'))
    assert resolve_id_by_name(DATASETS, connection, 'train') == 'b'
    assert connection.client.requests == [('/v2/p1/datasets', {'search_content': 'train', 'limit': 100, 'offset': 0})]


def test_no_dataset_of_that_name_fails_naming_it_and_the_project():
    connection = connection_with(dataset('a', 'train-v2'))
    with pytest.raises(DatasetNameError, match=r'^No dataset named train in project p1$'):
        resolve_id_by_name(DATASETS, connection, 'train')


def test_several_datasets_of_that_name_fail_listing_their_ids():
    connection = connection_with(dataset('a', 'train'), dataset('x', 'other'), dataset('b', 'train'))
    with pytest.raises(DatasetNameError, match=r'^2 datasets are named train: a, b; use dataset_id$'):
        resolve_id_by_name(DATASETS, connection, 'train')


def test_the_name_is_found_on_any_page():
    datasets = [dataset('id%03d' % number, 'set-%03d' % number) for number in range(250)]
    connection = connection_with(*datasets)
    assert resolve_id_by_name(DATASETS, connection, 'set-249') == 'id249'


def test_list_all_sends_filters_and_walks_pages_by_index():
    datasets = [dataset('id%03d' % number, 'set-%03d' % number) for number in range(5)]
    connection = connection_with(*datasets)
    api = ResourceApi(DATASETS, connection, query={'dataset_type': 1, 'support_export': True,
                                                   'workspace_id': None, 'check_running_task': False})
    items, total = api.list_all(limit=2)
    assert items == datasets and total == 5
    assert [query for _path, query in connection.client.requests] == [
        {'dataset_type': 1, 'support_export': 'true', 'check_running_task': 'false', 'limit': 2, 'offset': offset}
        for offset in (0, 1, 2)]


def test_get_sends_only_the_detail_apis_parameters():
    client = FakeClient([], detail={'dataset_id': 'a/b', 'dataset_name': 'x'})
    api = ResourceApi(DATASETS, FakeConnection(client),
                      query={'search_content': 'x', 'check_running_task': True, 'running_task_type': 2})
    assert api.get('a/b') == {'dataset_id': 'a/b', 'dataset_name': 'x'}
    assert client.requests == [('/v2/p1/datasets/a%2Fb', {'check_running_task': 'true', 'running_task_type': 2})]


def test_a_detail_answer_without_dataset_id_is_refused():
    api = ResourceApi(DATASETS, FakeConnection(FakeClient([], detail={'error': 'none'})))
    with pytest.raises(ResponseFormatError, match='no "dataset_id"'):
        api.get('a')


def test_the_items_of_every_page_count_against_max_items_naming_the_page():
    connection = connection_with(*[dataset('d%03d' % number, 'set-%03d' % number) for number in range(250)])
    connection.client.budget = ResultBudget(max_items=200)
    api = ResourceApi(DATASETS, connection)
    assert len(api.list_page(0, 100)[0]) == 100 and len(api.list_page(1, 100)[0]) == 100  # 200: at the bound
    with pytest.raises(ResultTooLargeError, match=r'^List datasets \(page 2\) stopped: this run would keep more than '
                                                  r'max_items \(200\) items'):
        api.list_page(2, 100)


def test_an_answer_that_is_not_an_object_is_refused_as_the_servers_error_not_counted():
    connection = connection_with()
    connection.client.budget = ResultBudget(max_items=10)
    connection.client.get = lambda base, path, query=None, action=None: ['not', 'an', 'object']
    with pytest.raises(ResponseFormatError):
        ResourceApi(DATASETS, connection).list_page(0, 100)
