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

DEFAULT_WORKERS = 8


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


def fetch_all_pages(fetch, shape, limit, workers=DEFAULT_WORKERS):
    """Every item of the list, once each, in the API's order; returns (items, total).

    ``fetch(offset, limit)`` returns one decoded page. Pages after the first are
    fetched ``workers`` at a time; the first failure cancels what has not started
    and is raised. Items created while paging push older ones to later pages, so
    paging goes on while the last page is full and the server's total grows;
    duplicates that such shifts produce are dropped by id. If fewer distinct items
    arrive than the server counted, the result is refused rather than returned.
    """
    first = fetch_page(fetch, shape, 0, limit)
    pages = [first]
    total = first.total
    next_offset = 1
    while next_offset < pages_needed(total, limit) and len(pages[-1].items) == limit:
        batch = range(next_offset, pages_needed(total, limit))
        pages.extend(_fetch_concurrently(fetch, shape, batch, limit, workers))
        next_offset = batch[-1] + 1
        total = max(total, pages[-1].total)
    items = _unique_in_order(pages, shape.id_key)
    if len(items) < first.total:
        raise IncompleteResultError(
            'Listing %s returned %d distinct items over %d pages but the API counted %d; '
            'refusing to return a partial list' % (shape.what, len(items), len(pages), first.total))
    return items, pages[-1].total


def _fetch_concurrently(fetch, shape, offsets, limit, workers):
    offsets = list(offsets)
    if workers <= 1 or len(offsets) == 1:
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
