# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fetch_all_pages against in-memory page functions (the HTTP side is covered by integration tests)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ApiError,
    IncompleteResultError,
    ResponseFormatError,
)
from ansible_collections.mlops.cloud.plugins.module_utils import paging
from ansible_collections.mlops.cloud.plugins.module_utils.paging import ListShape, fetch_all_pages

SHAPE = ListShape('export task list', 'export_tasks', 'total_count', 'task_id')


class PagedServer:
    """A list served by page index (or record offset), newest first; ``on_fetch`` may change it."""

    def __init__(self, count, on_fetch=None, record_offsets=False):
        self.tasks = [{'task_id': 't%04d' % number} for number in range(count, 0, -1)]
        self.on_fetch = on_fetch
        self.record_offsets = record_offsets
        self.offsets = []
        self.lock = threading.Lock()

    def __call__(self, offset, limit):
        with self.lock:
            self.offsets.append(offset)
            if self.on_fetch:
                self.on_fetch(self, offset)
            start = offset if self.record_offsets else offset * limit
            return {'total_count': len(self.tasks), 'export_tasks': self.tasks[start:start + limit]}


@pytest.mark.parametrize('count,limit,requests', [(0, 100, 1), (1, 100, 1), (100, 100, 1), (101, 100, 2),
                                                  (250, 100, 3), (250, 7, 36), (3, 1, 3)])
def test_every_item_once_in_order_with_minimal_requests(count, limit, requests):
    server = PagedServer(count)
    items, total = fetch_all_pages(server, SHAPE, limit, workers=4)
    assert [item['task_id'] for item in items] == [task['task_id'] for task in server.tasks]
    assert total == count
    assert sorted(server.offsets) == list(range(requests))


def test_sequential_and_concurrent_give_the_same_result():
    sequential = fetch_all_pages(PagedServer(523), SHAPE, 10, workers=1)
    concurrent = fetch_all_pages(PagedServer(523), SHAPE, 10, workers=8)
    assert sequential == concurrent


def _insert_newest(server, count):
    for _number in range(count):
        server.tasks.insert(0, {'task_id': 'new%04d' % len(server.tasks)})


@pytest.mark.parametrize('workers', [1, 8])
@pytest.mark.parametrize('inserted_per_request', [1, 3, 150])
def test_tasks_created_while_paging_lose_nothing_and_repeat_nothing(workers, inserted_per_request):
    def insert_after_each_page(server, offset):
        if len(server.offsets) > 1 and len(server.tasks) < 1000:
            _insert_newest(server, inserted_per_request)

    server = PagedServer(450, on_fetch=insert_after_each_page)
    original = [task['task_id'] for task in server.tasks]
    items, total = fetch_all_pages(server, SHAPE, 100, workers=workers)
    ids = [item['task_id'] for item in items]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if i in original] == original
    assert total >= 450


def test_out_of_order_pages_with_inserts_are_read_again_in_order():
    """Page 2 answered as of before 5 inserts, page 1 after them: the first pass has a gap of 5."""
    server = PagedServer(300)
    original = [task['task_id'] for task in server.tasks]
    before_inserts = list(server.tasks)
    first_pass = []

    def out_of_order(offset, limit):
        first_pass.append(offset)
        if first_pass == [0, 1]:
            _insert_newest(server, 5)
        if first_pass == [0, 1, 2]:
            return {'total_count': 300, 'export_tasks': before_inserts[200:300]}
        return server(offset, limit)

    items, _total = fetch_all_pages(out_of_order, SHAPE, 100, workers=1)
    ids = [item['task_id'] for item in items]
    assert [i for i in ids if i in original] == original
    assert len(ids) == len(set(ids))


def test_record_offset_server_is_detected_and_read_completely():
    server = PagedServer(250, record_offsets=True)
    items, total = fetch_all_pages(server, SHAPE, 100, workers=4)
    assert [item['task_id'] for item in items] == [task['task_id'] for task in server.tasks]
    assert total == 250
    assert sorted(server.offsets) == [0, 1, 2, 100, 200]


@pytest.mark.parametrize('count,limit,offsets', [
    (5, 2, [0, 1, 2, 2, 4]),  # the smallest page that can show the shift: 2 items
    (150, 100, [0, 1, 100]),  # a list of two pages
])
def test_record_offset_server_is_detected_at_the_smallest_page_and_with_two_pages(count, limit, offsets):
    server = PagedServer(count, record_offsets=True)
    items, total = fetch_all_pages(server, SHAPE, limit, workers=4)
    assert [item['task_id'] for item in items] == [task['task_id'] for task in server.tasks]
    assert total == count
    assert sorted(server.offsets) == offsets


def test_record_offset_server_growing_while_read_again_is_read_in_order_with_record_offsets():
    """Items created during the second (record offset) read: the pages are read once more, in order,
    still with record offsets, and nothing is lost or repeated."""
    def insert_during_second_read(server, offset):
        if len(server.offsets) in (4, 5):
            _insert_newest(server, 1)

    server = PagedServer(250, on_fetch=insert_during_second_read, record_offsets=True)
    original = [task['task_id'] for task in server.tasks]
    items, total = fetch_all_pages(server, SHAPE, 100, workers=1)
    ids = [item['task_id'] for item in items]
    assert [i for i in ids if i in original] == original
    assert len(ids) == len(set(ids))
    assert total == 252
    assert server.offsets == [0, 1, 2, 100, 200, 100, 200]


def test_a_state_that_is_a_string_is_accepted_by_default():
    shape = ListShape('export task list', 'export_tasks', 'total_count', 'task_id', state_key='status')
    body = {'total_count': 2, 'export_tasks': [{'task_id': 'a', 'status': 'RUNNING'}, {'task_id': 'b'}]}
    assert fetch_all_pages(lambda offset, limit: body, shape, 100, workers=1) == (body['export_tasks'], 2)


def test_deletions_while_paging_are_refused():
    def delete_one(server, offset):
        if offset == 1:
            del server.tasks[0]

    with pytest.raises(IncompleteResultError, match='deleted while it was read'):
        fetch_all_pages(PagedServer(250, on_fetch=delete_one), SHAPE, 100, workers=1)


def test_a_list_shorter_than_its_total_is_refused():
    def lying(offset, limit):
        return {'total_count': 300, 'export_tasks': [{'task_id': 'a%d' % offset}]}
    with pytest.raises(IncompleteResultError, match='refusing to return a partial list'):
        fetch_all_pages(lying, SHAPE, 100, workers=8)


def test_one_failing_page_fails_the_whole_listing():
    def failing(offset, limit):
        if offset == 2:
            raise ApiError('List export tasks', 503, 'APIG.0201', 'busy', 'req-1')
        return {'total_count': 500, 'export_tasks': [{'task_id': '%d-%d' % (offset, n)} for n in range(limit)]}
    with pytest.raises(ApiError, match='HTTP 503'):
        fetch_all_pages(failing, SHAPE, 100, workers=4)


def test_pages_not_started_are_cancelled_after_a_failure():
    started = []
    gate = threading.Event()

    def failing_first(offset, limit):
        started.append(offset)
        if offset == 1:
            gate.set()
            raise ApiError('List export tasks', 500, None, 'boom', None)
        if offset > 1:
            gate.wait(5)
        return {'total_count': 100 * 40, 'export_tasks': [{'task_id': '%d-%d' % (offset, n)} for n in range(limit)]}

    with pytest.raises(ApiError):
        fetch_all_pages(failing_first, SHAPE, 100, workers=2)
    assert len(started) < 40


@pytest.mark.parametrize('body,message', [
    ([], 'not a JSON object'),
    ({'total_count': 1}, 'no "export_tasks" list'),
    ({'total_count': 1, 'export_tasks': ['x']}, 'no "export_tasks" list'),
    ({'export_tasks': []}, 'no valid "total_count"'),
    ({'total_count': '2', 'export_tasks': []}, 'no valid "total_count"'),
    ({'total_count': True, 'export_tasks': []}, 'no valid "total_count"'),
    ({'total_count': 1, 'export_tasks': [{'status': 'INIT'}]}, 'without "task_id"'),
    ({'total_count': 1, 'export_tasks': [{'task_id': '..'}]},
     r'an item whose "task_id" is a dot segment or blank \(\'\.\.\'\); it came from the server, not from the play'),
    ({'total_count': 1, 'export_tasks': [{'task_id': ' . '}]}, 'is a dot segment or blank'),
    ({'total_count': 1, 'export_tasks': [{'task_id': '   '}]}, 'is a dot segment or blank'),
    ({'total_count': 1, 'export_tasks': [{'task_id': 'a\ud800b'}]}, 'is not valid Unicode'),
])
def test_malformed_pages_are_format_errors(body, message):
    with pytest.raises(ResponseFormatError, match=message):
        fetch_all_pages(lambda offset, limit: body, SHAPE, 100, workers=8)


def test_a_later_page_failing_while_an_earlier_is_slow_stops_the_listing_at_once():
    """Page 1 hangs until released; page 2 fails. The failure must surface while page 1 still hangs,
    with no page beyond those first in flight started, and the cancel event set for the client."""
    started = []
    release = threading.Event()
    cancel = threading.Event()

    def slow_then_failing(offset, limit):
        started.append(offset)
        if offset == 1:
            release.wait(30)
        if offset == 2:
            raise ApiError('List export tasks', 500, None, 'boom', None)
        return {'total_count': 100 * 40, 'export_tasks': [{'task_id': '%d-%d' % (offset, n)} for n in range(limit)]}

    try:
        with pytest.raises(ApiError, match='boom'):
            fetch_all_pages(slow_then_failing, SHAPE, 100, workers=2, cancel=cancel)
        assert not release.is_set()  # raised while page 1 was still in flight
        assert sorted(started) == [0, 1, 2, 3][:len(started)] and len(started) <= 4
        assert cancel.is_set()
    finally:
        release.set()


def test_pages_are_submitted_lazily_never_more_than_workers_in_flight():
    in_flight = []
    peak = []
    lock = threading.Lock()

    def counting(offset, limit):
        with lock:
            in_flight.append(offset)
            peak.append(len(in_flight))
        try:
            return {'total_count': 100 * 30, 'export_tasks': [{'task_id': '%d-%d' % (offset, n)} for n in range(limit)]}
        finally:
            with lock:
                in_flight.remove(offset)

    items, _total = fetch_all_pages(counting, SHAPE, 100, workers=3)
    assert len(items) == 3000
    assert max(peak) <= 3


def test_a_page_with_more_items_than_limit_is_refused():
    body = {'total_count': 3, 'export_tasks': [{'task_id': 'a'}, {'task_id': 'b'}, {'task_id': 'c'}]}
    with pytest.raises(ResponseFormatError, match=r'holds 3 items on a page of at most 2 \(limit\)'):
        fetch_all_pages(lambda offset, limit: body, SHAPE, 2, workers=1)


@pytest.mark.parametrize('total', [10 ** 9, 10 ** 30])
def test_a_total_that_needs_too_many_pages_is_refused_after_one_request(total):
    calls = []

    def huge(offset, limit):
        calls.append(offset)
        return {'total_count': total, 'export_tasks': [{'task_id': 'x%d' % n} for n in range(limit)]}

    with pytest.raises(IncompleteResultError, match='says total_count is %d, .*more than 10000 pages' % total):
        fetch_all_pages(huge, SHAPE, 100, workers=8)
    assert calls == [0]


def test_a_total_that_grows_on_every_read_stops_after_a_bounded_number_of_pages():
    calls = []

    def growing(offset, limit):
        calls.append(offset)
        return {'total_count': 250 + 100 * len(calls),
                'export_tasks': [{'task_id': '%d-%d-%d' % (len(calls), offset, n)} for n in range(limit)]}

    with pytest.raises(IncompleteResultError, match='kept growing'):
        fetch_all_pages(growing, SHAPE, 100, workers=4)
    assert len(calls) <= 4 + 4 + 10


def test_a_state_that_is_not_a_string_is_a_format_error():
    shape = ListShape('export task list', 'export_tasks', 'total_count', 'task_id', state_key='status')
    body = {'total_count': 1, 'export_tasks': [{'task_id': 'a', 'status': ['FAILED']}]}
    with pytest.raises(ResponseFormatError, match='whose "status" is not a valid state'):
        fetch_all_pages(lambda offset, limit: body, shape, 100, workers=1)


CAPPED = ListShape('dataset list', 'export_tasks', 'total_count', 'task_id', total_cap=100)


class CappedServer(PagedServer):
    """A list whose total says at most ``cap`` however many items its pages hold."""

    def __init__(self, count, cap=100, record_offsets=False):
        super(CappedServer, self).__init__(count, record_offsets=record_offsets)
        self.cap = cap

    def __call__(self, offset, limit):
        body = super(CappedServer, self).__call__(offset, limit)
        return dict(body, total_count=min(body['total_count'], self.cap))


@pytest.mark.parametrize('count,limit,pages', [(150, 100, 2), (100, 100, 2), (250, 100, 3), (300, 100, 4),
                                               (150, 30, 6), (101, 10, 11), (99, 100, 1), (100, 30, 4)])
def test_a_capped_total_is_read_past_until_a_page_comes_back_short(count, limit, pages):
    server = CappedServer(count)
    items, total = fetch_all_pages(server, CAPPED, limit, workers=4)
    assert [item['task_id'] for item in items] == [task['task_id'] for task in server.tasks]
    assert total == count
    assert sorted(server.offsets) == list(range(pages))


def test_a_capped_total_is_read_past_with_record_offsets():
    server = CappedServer(150, record_offsets=True)
    items, total = fetch_all_pages(server, CAPPED, 10, workers=2)
    assert [item['task_id'] for item in items] == [task['task_id'] for task in server.tasks]
    assert total == 150


def test_without_a_declared_cap_a_total_of_100_is_taken_at_its_word():
    server = CappedServer(150)
    items, total = fetch_all_pages(server, SHAPE, 100, workers=1)
    assert len(items) == total == 100 and server.offsets == [0]


def test_full_pages_past_the_cap_end_at_the_page_bound(monkeypatch):
    monkeypatch.setattr(paging, 'MAX_PAGES', 5)
    calls = []

    def endless(offset, limit):
        calls.append(offset)
        return {'total_count': 100, 'export_tasks': [{'task_id': '%d-%d' % (offset, n)} for n in range(limit)]}

    # The shape is declared here, in the test, so that mutation testing attributes its construction to it.
    capped = ListShape('dataset list', 'export_tasks', 'total_count', 'task_id', total_cap=100)
    with pytest.raises(IncompleteResultError) as raised:
        fetch_all_pages(endless, capped, 100, workers=1)
    assert str(raised.value) == ('The dataset list answer keeps its total_count at 100 while full pages go on; '
                                 'refusing to read more than 5 pages (use offset to read single pages)')
    assert calls == [0, 1, 2, 3, 4]


def test_an_id_is_shown_to_20_characters_and_ordinary_ids_pass():
    assert paging.id_problem('.' * 2) == "is a dot segment or blank ('..')"
    assert paging.id_problem(' ' * 30) == "is a dot segment or blank ('%s')" % (' ' * 20)
    assert paging.id_problem('TZMuy7OKbClkGCAc3gb') is None
    assert paging.id_problem('a.b..c') is None
    assert paging.id_problem('a\ud800') == 'is not valid Unicode (a lone surrogate)'
