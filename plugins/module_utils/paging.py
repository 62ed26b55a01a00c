# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Paging over list APIs whose ``offset`` is a page index and whose first page
tells the total: the first page is fetched alone, the rest concurrently, and
the result is checked to hold every item exactly once, in the API's order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    IncompleteResultError,
    ResponseFormatError,
)

# Both ModelArts list APIs accept 1..100 records a page.
MAX_PAGE_SIZE = 100


def paging_argument_spec():
    """``limit`` and ``offset`` (doc fragment mlops.cloud.paging) for every list module."""
    return dict(
        limit=dict(type='int', default=MAX_PAGE_SIZE),
        offset=dict(type='int'),
    )


def validate_paging_options(params):
    """A message naming the bad option and the allowed values, or None."""
    if not 1 <= params['limit'] <= MAX_PAGE_SIZE:
        return 'limit must be between 1 and %d, got %s' % (MAX_PAGE_SIZE, params['limit'])
    if params['offset'] is not None and params['offset'] < 0:
        return 'offset must be 0 or more (a page index), got %s' % params['offset']
    return None


class Page:
    """One page of a list answer: its items and the server's total."""

    def __init__(self, items, total):
        self.items = items
        self.total = total


class ListShape:
    """Where a list API puts its items, its total and each item's id."""

    def __init__(self, what, items_key, total_key, id_key):
        self.what = what
        self.items_key = items_key
        self.total_key = total_key
        self.id_key = id_key

    def parse(self, body):
        if not isinstance(body, dict):
            raise ResponseFormatError('The %s answer is not a JSON object' % self.what)
        items = body.get(self.items_key)
        total = body.get(self.total_key)
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ResponseFormatError('The %s answer has no "%s" list of objects' % (self.what, self.items_key))
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise ResponseFormatError('The %s answer has no valid "%s" (got %r)' % (self.what, self.total_key, total))
        for item in items:
            if not isinstance(item.get(self.id_key), str) or not item.get(self.id_key):
                raise ResponseFormatError('The %s answer has an item without "%s"' % (self.what, self.id_key))
        return Page(items, total)


def pages_needed(total, limit):
    return max(1, -(-total // limit))


def fetch_page(fetch, shape, offset, limit):
    return shape.parse(fetch(offset, limit))


def fetch_all_pages(fetch, shape, limit, workers):
    """Every item of the list, once each, in the API's order; returns (items, total).

    ``fetch(offset, limit)`` returns one decoded page. The first page gives the
    total; the other pages are then fetched ``workers`` at a time (the first
    failure cancels what has not started and is raised).

    Integrity, for lists ordered newest first where new items appear at the front:
    - if the server's total did not move while paging, the pages are consistent;
    - if it grew, pages fetched out of order may have skipped items pushed from one
      page to the next, so the pages after the first are read again in order (then
      shifts can only repeat an item, and repeats are dropped by id), continuing
      while the last page is full;
    - if it shrank (items deleted), no order of reads is safe: the result is refused;
    - a server that takes ``offset`` as a record offset, not a page index (page 1
      then starts with the first page's second item), is read again with record
      offsets.
    If fewer distinct items arrive than the server first counted, the result is
    refused rather than returned.
    """
    first = fetch_page(fetch, shape, 0, limit)
    count = pages_needed(first.total, limit)
    pages = [first] + _fetch_concurrently(fetch, shape, range(1, count), limit, workers)
    if _is_record_offset_server(pages, limit, shape.id_key):
        pages = [first] + _fetch_concurrently(fetch, shape, range(limit, count * limit, limit), limit, workers)
        step = limit
    else:
        step = 1
    totals = [page.total for page in pages]
    if min(totals) < first.total:
        raise IncompleteResultError(
            'Items of the %s were deleted while it was read (the count went from %d to %d); '
            'refusing to return a list that may miss some: run again' % (shape.what, first.total, min(totals)))
    if max(totals) > first.total:
        pages = [first] + _fetch_in_order(fetch, shape, limit, step)
    items = _unique_in_order(pages, shape.id_key)
    if len(items) < first.total:
        raise IncompleteResultError(
            'Listing the %s returned %d distinct items over %d pages but the API counted %d; '
            'refusing to return a partial list' % (shape.what, len(items), len(pages), first.total))
    return items, pages[-1].total


def _is_record_offset_server(pages, limit, id_key):
    """Page 1 starting with page 0's second item, at an unchanged total, means record offsets."""
    if limit < 2 or len(pages) < 2 or not pages[1].items or len(pages[0].items) < 2:
        return False
    return pages[1].total == pages[0].total and pages[1].items[0][id_key] == pages[0].items[1][id_key]


def _fetch_in_order(fetch, shape, limit, step):
    """Pages 1, 2, ... one after another, while the last is full and the total says more exist."""
    pages = []
    number = 1
    while True:
        page = fetch_page(fetch, shape, number * step, limit)
        pages.append(page)
        if len(page.items) < limit or (number + 1) * limit >= page.total:
            return pages
        number += 1


def _fetch_concurrently(fetch, shape, offsets, limit, workers):
    offsets = list(offsets)
    if workers <= 1 or len(offsets) <= 1:
        return [fetch_page(fetch, shape, offset, limit) for offset in offsets]
    executor = ThreadPoolExecutor(max_workers=min(workers, len(offsets)))
    futures = [executor.submit(fetch_page, fetch, shape, offset, limit) for offset in offsets]
    try:
        return [future.result() for future in futures]
    finally:
        for future in futures:
            future.cancel()
        executor.shutdown(wait=True)


def _unique_in_order(pages, id_key):
    seen = set()
    items = []
    for page in pages:
        for item in page.items:
            if item[id_key] not in seen:
                seen.add(item[id_key])
                items.append(item)
    return items


class PagedList:
    """``list_page`` and ``list_all`` for an API class with ``SHAPE``, ``_connection`` and ``_fetch(offset, limit)``."""

    SHAPE = None

    def list_page(self, offset, limit):
        """One page: (items, the API's total)."""
        page = fetch_page(self._fetch, self.SHAPE, offset, limit)
        return page.items, page.total

    def list_all(self, limit=MAX_PAGE_SIZE):
        """Every item, once each, in the API's order: (items, the API's total)."""
        return fetch_all_pages(self._fetch, self.SHAPE, limit, workers=self._connection.max_concurrent_requests)
