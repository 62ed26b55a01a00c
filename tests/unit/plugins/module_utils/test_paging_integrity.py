# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fetch_all_pages, one page at a time: the exact refusal for each malformed or moving list, and
the requests made when a list grows while it is read (cases the mutation stage found untested)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.errors import IncompleteResultError, ResponseFormatError
from ansible_collections.mlops.cloud.plugins.module_utils.catalog import EXPORT_TASKS
from ansible_collections.mlops.cloud.plugins.module_utils.paging import MAX_PAGES, fetch_all_pages


def tasks(*ids):
    return [{'task_id': task_id} for task_id in ids]


def serving(*bodies):
    """A list API that answers with ``bodies`` in turn (the last one again and again)."""
    requests = []

    def fetch(offset, limit):
        requests.append(offset)
        return bodies[min(len(requests), len(bodies)) - 1]
    return fetch, requests


@pytest.mark.parametrize('bodies, limit, message', [
    ([[]], 2, 'The export task list answer is not a JSON object'),
    ([{'total_count': 1}], 2, 'The export task list answer has no "export_tasks" list of objects'),
    ([{'total_count': True, 'export_tasks': []}], 2, 'The export task list answer has no valid "total_count" (got True)'),
    ([{'total_count': 3, 'export_tasks': tasks('a', 'b', 'c')}], 2,
     'The export task list answer holds 3 items on a page of at most 2 (limit); refusing it'),
    ([{'total_count': 1, 'export_tasks': [{'status': 'RUNNING'}]}], 2,
     'The export task list answer has an item without "task_id"'),
    ([{'total_count': 1, 'export_tasks': [{'task_id': 7}]}], 2,
     'The export task list answer has an item without "task_id"'),
    ([{'total_count': 1, 'export_tasks': [{'task_id': 'a', 'status': 1}]}], 2,
     'The export task list answer has an item whose "status" is not a valid state'),
])
def test_a_malformed_page_is_refused_with_one_exact_line(bodies, limit, message):
    fetch, _requests = serving(*bodies)
    with pytest.raises(ResponseFormatError) as raised:
        fetch_all_pages(fetch, EXPORT_TASKS.shape, limit, workers=1)
    assert str(raised.value) == message


@pytest.mark.parametrize('bodies, message', [
    ([{'total_count': 5, 'export_tasks': tasks('a', 'b')}, {'total_count': 4, 'export_tasks': tasks('c', 'd')}],
     'Items of the export task list were deleted while it was read (the count went from 5 to 4); '
     'refusing to return a list that may miss some: run again'),
    ([{'total_count': 5, 'export_tasks': tasks('a', 'b')}, {'total_count': 5, 'export_tasks': tasks('a', 'b')}],
     'Listing the export task list returned 2 distinct items over 3 pages but the API counted 5; '
     'refusing to return a partial list'),
])
def test_a_list_that_moved_or_lacks_items_is_refused(bodies, message):
    fetch, _requests = serving(*bodies)
    with pytest.raises(IncompleteResultError) as raised:
        fetch_all_pages(fetch, EXPORT_TASKS.shape, 2, workers=1)
    assert str(raised.value) == message


def test_a_total_needing_more_than_max_pages_is_refused_naming_the_numbers():
    fetch, requests = serving({'total_count': MAX_PAGES + 1, 'export_tasks': tasks('a')})
    with pytest.raises(IncompleteResultError) as raised:
        fetch_all_pages(fetch, EXPORT_TASKS.shape, 1, workers=1)
    assert str(raised.value) == (
        'The export task list answer says total_count is %d, which would take %d pages of 1; refusing a listing '
        'of more than %d pages (use offset to read single pages)' % (MAX_PAGES + 1, MAX_PAGES + 1, MAX_PAGES))
    assert requests == [0]


def test_exactly_max_pages_are_read():
    def fetch(offset, limit):
        return {'total_count': MAX_PAGES, 'export_tasks': tasks('task-%d' % offset)}
    items, total = fetch_all_pages(fetch, EXPORT_TASKS.shape, 1, workers=1)
    assert total == len(items) == MAX_PAGES


def test_a_list_that_grows_once_is_read_again_in_order_up_to_its_last_full_page():
    # Newest first: three tasks are created after the first page was read, pushing the others back.
    oldest = ['t%d' % n for n in range(9)]
    requests = []

    def fetch(offset, limit):
        requests.append(offset)
        now = (['new1', 'new2', 'new3'] if len(requests) > 1 else []) + oldest
        return {'total_count': len(now), 'export_tasks': tasks(*now[offset * limit:(offset + 1) * limit])}

    items, total = fetch_all_pages(fetch, EXPORT_TASKS.shape, 4, workers=1)
    assert [item['task_id'] for item in items] == oldest and total == 12
    # Pages 1 and 2 once more, in order; page 2 is full but reaches the total, so no page 3.
    assert requests == [0, 1, 2, 1, 2]


def test_a_list_that_keeps_growing_is_refused_after_the_extra_pages():
    requests = []

    def growing(offset, limit):
        requests.append(offset)
        return {'total_count': 4 + 2 * len(requests),
                'export_tasks': tasks(*('%d-%d' % (len(requests), n) for n in range(limit)))}

    with pytest.raises(IncompleteResultError) as raised:
        fetch_all_pages(growing, EXPORT_TASKS.shape, 2, workers=1)
    assert str(raised.value) == ('The export task list kept growing while it was read again (total_count went from '
                                 '12 to 34); refusing to return a list that may miss some: run again')
    # 3 pages by the first total, then pages 1 to 12: the 3 counted plus 10 extra, less page 0.
    assert requests == [0, 1, 2] + list(range(1, 13))
