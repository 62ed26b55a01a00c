# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Paging over list APIs whose ``offset`` is a page index and whose first page
tells the total: the first page is fetched alone, the rest concurrently, and
the result is checked to hold every item exactly once, in the API's order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    IncompleteResultError,
    ResponseFormatError,
)

# A listing that would need more pages than this is refused before it starts: a server
# (or proxy) that claims a huge total must not decide how many requests a run sends.
MAX_PAGES = 10000
# When the total grows while the list is read again in order, at most this many pages
# beyond the first count are read before the list is given up as unstable.
MAX_EXTRA_PAGES = 10


class Page:
    """One page of a list answer: its items and the server's total."""

    def __init__(self, items: List[Dict], total: int) -> None:
        self.items = items
        self.total = total


class ListShape:
    """Where a list API puts its items, its total and each item's id."""

    def __init__(self, what, items_key, total_key, id_key, state_key=None, state_valid=None, total_cap=None):
        self.what = what
        self.items_key = items_key
        self.total_key = total_key
        self.id_key = id_key
        self.state_key = state_key
        # A state the rest of the code can compare and count: strings unless the API says otherwise.
        self.state_valid = state_valid or (lambda value: isinstance(value, str))
        # The most the API's total ever says (documented), or None: a total equal to it may be short.
        self.total_cap = total_cap

    def parse(self, body, limit: Optional[int] = None) -> 'Page':
        """The page in ``body``; refused when it holds more than the ``limit`` asked for."""
        if not isinstance(body, dict):
            raise ResponseFormatError('The %s answer is not a JSON object' % self.what)
        items = body.get(self.items_key)
        total = body.get(self.total_key)
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ResponseFormatError('The %s answer has no "%s" list of objects' % (self.what, self.items_key))
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise ResponseFormatError('The %s answer has no valid "%s" (got %r)' % (self.what, self.total_key, total))
        if limit is not None and len(items) > limit:
            raise ResponseFormatError('The %s answer holds %d items on a page of at most %d (limit); '
                                      'refusing it' % (self.what, len(items), limit))
        for item in items:
            if not isinstance(item.get(self.id_key), str) or not item.get(self.id_key):
                raise ResponseFormatError('The %s answer has an item without "%s"' % (self.what, self.id_key))
            problem = id_problem(item[self.id_key])
            if problem:
                # Said to come from the server: the user gave no such id, and it must not reach a URL path.
                raise ResponseFormatError('The %s answer has an item whose "%s" %s; it came from the server, '
                                          'not from the play' % (self.what, self.id_key, problem))
            if self.state_key and self.state_key in item and not self.state_valid(item[self.state_key]):
                raise ResponseFormatError('The %s answer has an item whose "%s" is not a valid state'
                                          % (self.what, self.state_key))
        return Page(items, total)


def id_problem(value: str) -> Optional[str]:
    """Why a server-provided id cannot be used in a URL path or a message, or None."""
    if value.strip() in ('.', '..', ''):
        return 'is a dot segment or blank (%r)' % value[:20]
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        return 'is not valid Unicode (a lone surrogate)'
    return None


def pages_needed(total: int, limit: int) -> int:
    return max(1, -(-total // limit))


def fetch_page(fetch: Callable[[int, int], object], shape: ListShape, offset: int, limit: int) -> Page:
    return shape.parse(fetch(offset, limit), limit)


def _check_page_count(shape: ListShape, total: int, limit: int) -> int:
    count = pages_needed(total, limit)
    if count > MAX_PAGES:
        raise IncompleteResultError(
            'The %s answer says %s is %d, which would take %d pages of %d; refusing a listing of more '
            'than %d pages (use offset to read single pages)'
            % (shape.what, shape.total_key, total, count, limit, MAX_PAGES))
    return count


def fetch_all_pages(fetch: Callable[[int, int], object], shape: ListShape, limit: int, workers: int,
                    cancel=None) -> Tuple[List[Dict], int]:
    """Every item of the list, once each, in the API's order; returns (items, total).

    ``fetch(offset, limit)`` returns one decoded page. The first page gives the
    total; the other pages are then fetched ``workers`` at a time (the first
    failure cancels what has not started, sets ``cancel`` (a ``threading.Event``
    the client checks before each attempt and retry) and is raised).

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

    A list whose API caps its total (``shape.total_cap``) may hold more items than the total
    says: when the total equals the cap and the last page is full, the following pages are
    read in order until one comes back short (one extra request when the list really ends
    there). The total returned is then the number of items read.
    """
    first = fetch_page(fetch, shape, 0, limit)
    count = _check_page_count(shape, first.total, limit)
    pages = [first] + _fetch_concurrently(fetch, shape, range(1, count), limit, workers, cancel)
    if _is_record_offset_server(pages, limit, shape.id_key):
        pages = [first] + _fetch_concurrently(fetch, shape, range(limit, count * limit, limit), limit, workers,
                                              cancel)
        step = limit
    else:
        step = 1
    totals = [page.total for page in pages]
    if min(totals) < first.total:
        raise IncompleteResultError(
            'Items of the %s were deleted while it was read (the count went from %d to %d); '
            'refusing to return a list that may miss some: run again' % (shape.what, first.total, min(totals)))
    if max(totals) > first.total:
        pages = [first] + _fetch_in_order(fetch, shape, limit, step, count + MAX_EXTRA_PAGES)
    capped = shape.total_cap is not None and first.total == shape.total_cap and len(pages[-1].items) == limit
    if capped:
        pages += _read_past_cap(fetch, shape, limit, step, len(pages))
    items = _unique_in_order(pages, shape.id_key)
    if len(items) < first.total:
        raise IncompleteResultError(
            'Listing the %s returned %d distinct items over %d pages but the API counted %d; '
            'refusing to return a partial list' % (shape.what, len(items), len(pages), first.total))
    return items, len(items) if capped else pages[-1].total


def _read_past_cap(fetch, shape: ListShape, limit: int, step: int, number: int) -> List[Page]:
    """Pages ``number``, ``number + 1``, ... until one is short, within the ``MAX_PAGES`` bound."""
    pages = []
    while True:
        if number >= MAX_PAGES:
            raise IncompleteResultError(
                'The %s answer keeps its %s at %d while full pages go on; refusing to read more than %d pages '
                '(use offset to read single pages)' % (shape.what, shape.total_key, shape.total_cap, MAX_PAGES))
        page = fetch_page(fetch, shape, number * step, limit)
        pages.append(page)
        if len(page.items) < limit:
            return pages
        number += 1


def _is_record_offset_server(pages: List[Page], limit: int, id_key: str) -> bool:
    """Page 1 starting with page 0's second item, at an unchanged total, means record offsets."""
    if limit < 2 or len(pages) < 2 or not pages[1].items or len(pages[0].items) < 2:
        return False
    return pages[1].total == pages[0].total and pages[1].items[0][id_key] == pages[0].items[1][id_key]


def _fetch_in_order(fetch, shape: ListShape, limit: int, step: int, max_pages: int) -> List[Page]:
    """Pages 1, 2, ... one after another, while the last is full and the total says more exist.

    A total that keeps growing would keep this going: after ``max_pages`` pages it is refused.
    """
    pages = []
    number = 1
    while True:
        if number >= max_pages:
            raise IncompleteResultError(
                'The %s kept growing while it was read again (%s went from %d to %d); refusing to '
                'return a list that may miss some: run again' % (shape.what, shape.total_key,
                                                                 pages[0].total if pages else 0, pages[-1].total))
        page = fetch_page(fetch, shape, number * step, limit)
        pages.append(page)
        if len(page.items) < limit or (number + 1) * limit >= page.total:
            return pages
        number += 1


def _fetch_concurrently(fetch, shape: ListShape, offsets: Iterable[int], limit: int, workers: int,
                        cancel=None) -> List[Page]:
    """The pages at ``offsets``, in order, at most ``workers`` requests in flight."""
    return run_bounded([lambda offset=offset: fetch_page(fetch, shape, offset, limit) for offset in offsets],
                       workers, cancel)


def run_bounded(jobs: Iterable[Callable[[], object]], workers: int, cancel=None) -> List:
    """The results of ``jobs`` (callables), in order, at most ``workers`` running at once.

    Jobs are submitted as earlier ones finish, so memory holds what was done and
    ``workers`` jobs, never a queue of every one. The first failure (or an
    interruption) stops new submissions, cancels what has not started, sets
    ``cancel`` so requests in flight are not retried, and is raised.
    """
    jobs = list(jobs)
    if workers <= 1 or len(jobs) <= 1:
        return [job() for job in jobs]
    results = [None] * len(jobs)
    executor = ThreadPoolExecutor(max_workers=min(workers, len(jobs)))
    running = {}
    queue = iter(enumerate(jobs))
    complete = False
    try:
        for index, job in _take(queue, workers):
            running[executor.submit(job)] = index
        while running:
            done, _pending = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                results[running.pop(future)] = future.result()
            for index, job in _take(queue, len(done)):
                running[executor.submit(job)] = index
        complete = True
        return results
    finally:
        if not complete and cancel is not None:
            cancel.set()
        for future in running:
            future.cancel()
        # Requests already sent end within one timeout; waiting for them here would keep
        # the first error (or the interruption) from the user for that long.
        executor.shutdown(wait=False)


def _take(iterator, count: int) -> List:
    return [item for _number, item in zip(range(count), iterator)]


def _unique_in_order(pages: Sequence[Page], id_key: str) -> List[Dict]:
    seen = set()
    items = []
    for page in pages:
        for item in page.items:
            if item[id_key] not in seen:
                seen.add(item[id_key])
                items.append(item)
    return items
