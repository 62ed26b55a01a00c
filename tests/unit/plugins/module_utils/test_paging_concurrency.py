# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How pages and jobs run: ``workers`` at a time, in the caller's thread when there is nothing to
overlap, the cancel event set on a failure only, and a failure raised without waiting for slower
pages (cases the mutation stage found untested, see tests/mutation/)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.connection import MAX_CONCURRENT_REQUESTS
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError
from ansible_collections.mlops.cloud.plugins.module_utils.paging import ListShape, fetch_all_pages, run_bounded

SHAPE = ListShape('export task list', 'export_tasks', 'total_count', 'task_id')
# Only a bound on a test whose pages never arrive together: no page waits this long when they do.
PATIENCE = 30


def full_pages(total):
    """A list API of ``total`` items served by page index."""
    def fetch(offset, limit):
        return {'total_count': total, 'export_tasks': [{'task_id': '%d-%d' % (offset, n)} for n in range(limit)]}
    return fetch


@pytest.mark.parametrize('workers', [2, MAX_CONCURRENT_REQUESTS])
def test_the_pages_after_the_first_are_fetched_workers_at_a_time(workers):
    """``workers`` pages after the first: all of them are in flight together (each waits for the
    others), up to the largest max_concurrent_requests a user may set."""
    together = threading.Barrier(workers, timeout=PATIENCE)
    serve = full_pages(workers + 1)

    def fetch(offset, limit):
        if offset:
            together.wait()
        return serve(offset, limit)

    items, total = fetch_all_pages(fetch, SHAPE, 1, workers=workers)
    assert total == workers + 1
    assert [item['task_id'] for item in items] == ['%d-0' % offset for offset in range(workers + 1)]


@pytest.mark.parametrize('count', [0, 1])
def test_a_single_job_runs_in_the_callers_thread(count):
    """With nothing to overlap no thread is started: the job runs where run_bounded was called."""
    threads = []

    def job():
        threads.append(threading.current_thread())
        return 'done'

    assert run_bounded([job] * count, workers=4) == ['done'] * count
    assert threads == [threading.current_thread()] * count


def test_a_successful_listing_leaves_the_cancel_event_unset():
    """The client refuses every request once the event is set: a listing that worked must not set it."""
    cancel = threading.Event()
    items, total = fetch_all_pages(full_pages(500), SHAPE, 100, workers=4, cancel=cancel)
    assert (len(items), total) == (500, 500)
    assert not cancel.is_set()


def test_a_record_offset_server_failing_on_its_second_read_sets_the_cancel_event():
    """The pages read again with record offsets run in the same bounded pool: a failure there sets
    the cancel event too, so the requests still in flight are not retried."""
    tasks = [{'task_id': 't%03d' % number} for number in range(250)]
    cancel = threading.Event()

    def record_offsets(offset, limit):
        if offset == 200:
            raise ApiError('List export tasks', 500, None, 'boom', None)
        return {'total_count': len(tasks), 'export_tasks': tasks[offset:offset + limit]}

    with pytest.raises(ApiError, match='boom'):
        fetch_all_pages(record_offsets, SHAPE, 100, workers=4, cancel=cancel)
    assert cancel.is_set()


def test_a_failure_is_raised_without_waiting_for_a_slower_page():
    """Page 2 fails while page 1 is still in flight: the error reaches the caller before page 1
    ends (page 1 ends only when the test releases it, after the error arrived)."""
    release = threading.Event()
    page_one_ended = threading.Event()
    released = []
    serve = full_pages(300)

    def fetch(offset, limit):
        if offset == 1:
            released.append(release.wait(PATIENCE))
            page_one_ended.set()
        if offset == 2:
            raise ApiError('List export tasks', 500, None, 'boom', None)
        return serve(offset, limit)

    try:
        with pytest.raises(ApiError, match='boom'):
            fetch_all_pages(fetch, SHAPE, 100, workers=2)
    finally:
        release.set()
    assert page_one_ended.wait(PATIENCE)
    assert released == [True]
