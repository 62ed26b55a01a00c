# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declarations built here, not only the catalog's: defaults, the calls they name, their messages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    ResponseFormatError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.info_query import (
    InfoQuery,
    describe_unfinished,
    info_argument_spec,
    info_constraints,
)
from ansible_collections.mlops.cloud.plugins.module_utils.resources import Resource, ResourceApi, States
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.params import default_params


def declare():
    """A parent and a child API with every default left alone, as a new catalog entry would start."""
    parent = Resource('shelf', 'shelves', '/v2/{project_id}/shelves', 'shelves', 'total', 'shelf_id')
    states = States('state', [('NEW', 'NEW'), ('OK', 'OK'), ('BAD', 'BAD')], terminal=('OK', 'BAD'),
                    failed=('BAD',))
    child = Resource('book', 'books', '/v2/{project_id}/shelves/{parent_id}/books', 'books', 'count', 'book_id',
                     states=states, parent=parent)
    return parent, child


class RecordingClient:
    """Answers every page with ``page``; records each call's path, query, action and thread."""

    def __init__(self, page=None, detail=None):
        self.page = page
        self.detail = detail
        self.calls = []
        self.cancel = threading.Event()
        self.budget = None

    def get(self, base, path, query=None, action=None):
        self.calls.append((path, dict(query or {}), action, threading.current_thread().name))
        return self.page if self.detail is None else self.detail


class Connection:
    modelarts_endpoint = 'https://modelarts.example'
    project_id = 'p1'
    max_concurrent_requests = 4

    def __init__(self, client):
        self.client = client


def test_defaults_of_a_declaration():
    parent, child = declare()
    assert (parent.max_limit, parent.default_limit) == (100, 100)
    assert (parent.filters, parent.filter_specs, parent.detail_filters) == ((), {}, ())
    assert (parent.states, parent.parent, parent.name_key, parent.name_filter, parent.short) == (None,) * 5
    assert parent.children == ()
    assert child.shape.what == 'book list' and child.shape.items_key == 'books' and child.shape.total_key == 'count'
    assert child.shape.id_key == 'book_id' and child.shape.state_key == 'state'
    assert child.label('b1', 's1') == 'book b1 of shelf s1' and parent.label('s1') == 'shelf s1'


def test_states_keep_their_declaration():
    states = declare()[1].states
    assert states.names == ('NEW', 'OK', 'BAD') and states.key == 'state'
    assert (states.terminal, states.failed, states.progress_key, states.error_keys) == (('OK', 'BAD'), ('BAD',), None, ())
    assert states.is_valid('NEW') and not states.is_valid(3)
    assert states.describe({'state': 'BAD'}) == 'BAD' and states.describe({'state': 'NEW'}) == 'NEW'


def test_an_unknown_state_is_named_and_cut():
    states = declare()[1].states
    assert states.name_of({'state': 'LOST'}) == 'UNKNOWN (LOST)'
    assert states.name_of({'state': 'x' * 50}) == 'UNKNOWN (%s...)' % ('x' * 37)
    assert states.name_of({}) == 'UNKNOWN ()'


def test_the_list_call_names_its_parent_and_page():
    client = RecordingClient(page={'count': 1, 'books': [{'book_id': 'b1', 'state': 'OK'}]})
    items, total = ResourceApi(declare()[1], Connection(client), 's1', {'genre': None, 'lang': 'de'}).list_page(2, 10)
    assert (items, total) == ([{'book_id': 'b1', 'state': 'OK'}], 1)
    assert client.calls[0][:3] == ('/v2/p1/shelves/s1/books', {'lang': 'de', 'limit': 10, 'offset': 2},
                                   'List books of shelf s1 (page 2)')
    client.page = {'total': 0, 'shelves': []}
    ResourceApi(declare()[0], Connection(client)).list_page(0, 1)
    assert client.calls[1][2] == 'List shelves (page 0)'


def test_a_parent_id_that_would_change_the_path_is_refused_naming_the_parents_id():
    with pytest.raises(ConfigurationError, match=r"^shelf_id must be an id, not '\.\.'$"):
        ResourceApi(declare()[1], Connection(RecordingClient()), '..').list_page(0, 10)


def test_a_listing_in_a_pool_reads_its_pages_in_its_own_thread():
    client = RecordingClient()
    api = ResourceApi(declare()[1], Connection(client), 's1')

    def pages(offset, limit):
        client.calls.append(('', {'offset': offset}, '', threading.current_thread().name))
        return {'count': 300, 'books': [{'book_id': 'b%d-%d' % (offset, n), 'state': 'OK'} for n in range(limit)]}

    api._fetch = pages  # pylint: disable=protected-access
    api.list_all(100, workers=1)
    assert set(call[3] for call in client.calls) == {threading.current_thread().name}


def test_a_failed_page_sets_the_clients_cancel_event():
    client = RecordingClient()
    api = ResourceApi(declare()[1], Connection(client), 's1')

    def pages(offset, limit):
        if offset >= 1:
            raise ApiError('List books', 500, None, 'broken', None)
        return {'count': 500, 'books': [{'book_id': 'b%d' % n, 'state': 'OK'} for n in range(limit)]}

    api._fetch = pages  # pylint: disable=protected-access
    with pytest.raises(ApiError):
        api.list_all(100)
    assert client.cancel.is_set()


@pytest.mark.parametrize('detail,message', [
    ({'state': 'OK'}, r'^The book answer for b1 has no "book_id"$'),
    ({'book_id': '', 'state': 'OK'}, r'^The book answer for b1 has no "book_id"$'),
    ({'book_id': 'b1', 'state': ['OK']}, r'^The book answer for b1 has no valid "state"$'),
    ({'book_id': 'b1'}, r'^The book answer for b1 has no valid "state"$'),
])
def test_a_detail_answer_of_the_wrong_shape_is_refused(detail, message):
    api = ResourceApi(declare()[1], Connection(RecordingClient(detail=detail)), 's1')
    with pytest.raises(ResponseFormatError, match=message):
        api.get('b1')


def test_a_detail_call_names_the_item_and_sends_only_detail_filters():
    parent = Resource('shelf', 'shelves', '/v2/{project_id}/shelves', 'shelves', 'total', 'shelf_id',
                      filters={'lang': {}, 'deep': {}}, detail_filters=('deep',))
    client = RecordingClient(detail={'shelf_id': 's/1'})
    assert ResourceApi(parent, Connection(client), query={'lang': 'de', 'deep': True}).get('s/1') == {'shelf_id': 's/1'}
    assert client.calls[0][:3] == ('/v2/p1/shelves/s%2F1', {'deep': 'true'}, 'Get shelf s/1')


def declare_named():
    """A parent selected by exact name through its own filter, and a child with numbered states and progress."""
    parent = Resource('shelf', 'shelves', '/v2/{project_id}/shelves', 'shelves', 'total', 'shelf_id',
                      name_key='shelf_name', name_filter='search')
    states = States('status', [('NEW', 0), ('READING', 1), ('DONE', 2)], terminal=('DONE',), failed=(),
                    progress_key='percent')
    child = Resource('book', 'books', '/v2/{project_id}/shelves/{parent_id}/books', 'books', 'count', 'book_id',
                     states=states, parent=parent, short='book')
    parent.children = (child,)
    return parent, child


class RoutingClient(RecordingClient):
    """Answers the shelf list with two shelves whose names contain the one searched, and every book list
    with one book in state 1 (``READING``)."""

    def get(self, base, path, query=None, action=None):
        self.calls.append((path, dict(query or {}), action, threading.current_thread().name))
        if path.endswith('/shelves'):
            shelves = [{'shelf_id': 's1', 'shelf_name': 'novels-old'}, {'shelf_id': 's2', 'shelf_name': 'novels'}]
            return {'total': 2, 'shelves': shelves}
        return {'count': 1, 'books': [{'book_id': 'b1', 'status': 1, 'percent': 40}]}


def test_a_declaration_keeps_the_keys_it_declares():
    parent, child = declare_named()
    assert (child.list_key, child.total_key, child.id_key) == ('books', 'count', 'book_id')
    assert (parent.name_key, parent.name_filter, child.short) == ('shelf_name', 'search', 'book')


def test_options_of_a_named_parent_with_a_child():
    parent, child = declare_named()
    spec = info_argument_spec(parent)
    assert spec['shelf_name'] == dict(type='str')
    assert spec['include']['choices'] == ['books']
    assert spec['require_book_status']['choices'] == ['NEW', 'READING', 'DONE', '0', '1', '2']
    exclusive = info_constraints(parent)['mutually_exclusive']
    assert ('shelf_name', 'search') in exclusive and ('shelf_id', 'search') in exclusive
    assert info_argument_spec(child)['shelf_name'] == dict(type='str')


def test_a_child_listed_under_a_parent_given_by_exact_name():
    parent, child = declare_named()
    client = RoutingClient()
    params = default_params(info_argument_spec(child), shelf_name='novels', status=['1'])
    result = InfoQuery(child, params, Connection(client), started=0.0).gather()
    assert client.calls[0][:2] == ('/v2/p1/shelves', {'search': 'novels', 'limit': 100, 'offset': 0})
    assert client.calls[1][0] == '/v2/p1/shelves/s2/books'
    assert result == {'books': [{'book_id': 'b1', 'status': 1, 'percent': 40}], 'total_count': 1,
                      'shelf_id': 's2', 'shelf_name': 'novels', 'status_counts': {'NEW': 0, 'READING': 1, 'DONE': 0}}


def test_numbered_states_are_valid_in_a_list_and_named_by_their_number():
    _parent, child = declare_named()
    states = child.states
    items, total = ResourceApi(child, Connection(RoutingClient()), 's1').list_page(0, 10)
    assert (items, total) == ([{'book_id': 'b1', 'status': 1, 'percent': 40}], 1)
    assert states.is_valid(2) and not states.is_valid('READING') and not states.is_valid(True)
    assert states.normalize(['2', 'NEW', '0']) == ['DONE', 'NEW'] and states.api_value('READING') == 1
    assert states.describe(items[0]) == 'READING (40%)' and states.describe({'status': 2}) == 'DONE'
    assert describe_unfinished(child, items) == 'b1 (READING, 40%)'


def test_a_state_field_with_a_single_state():
    states = States('power', [('ON', 'on')], terminal=('ON',), failed=())
    assert states.choices() == ['ON'] and states.is_valid('on') and not states.is_valid(1)
    assert states.name_of({'power': 'on'}) == 'ON' and states.is_terminal({'power': 'on'})


def test_a_declared_total_cap_reaches_the_list_shape():
    capped = Resource('shelf', 'shelves', '/v2/{project_id}/shelves', 'shelves', 'total', 'shelf_id', total_cap=100)
    assert capped.shape.total_cap == 100 and declare()[0].shape.total_cap is None


def test_a_parent_named_by_the_play_is_named_in_the_action():
    client = RecordingClient(page={'books': [], 'count': 0})
    ResourceApi(declare()[1], Connection(client), 's1', parent_name='Fiction').list_page(0, 10)
    ResourceApi(declare()[1], Connection(client), 's1').list_page(0, 10)
    assert [call[2] for call in client.calls] == ['List books of shelf Fiction (s1) (page 0)',
                                                  'List books of shelf s1 (page 0)']


def test_error_details_that_are_blank_are_none_and_a_cap_is_kept():
    states = States('state', [('BAD', 'BAD')], terminal=('BAD',), failed=('BAD',), error_keys=('code', 'text'))
    assert states.error_of({'state': 'BAD', 'code': '', 'text': '  '}) == 'no error details'
    assert states.error_of({'state': 'BAD', 'code': 'E1', 'text': ' '}) == 'E1: none'
    assert states.error_of({'state': 'BAD', 'code': None, 'text': 'disk full'}) == 'none: disk full'
    assert states.describe({'state': 'BAD', 'code': 'E1', 'text': 'x' * 50}, 20) == 'BAD (E1: %s...)' % ('x' * 13)
