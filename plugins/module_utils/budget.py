# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one gathering of results may keep in memory, whatever the server sends.

Every answer and every page is within its own bound (32 MiB, ``limit`` items, 10,000 pages),
but those multiply: 10,000 pages of 32 MiB. ``ResultBudget`` bounds their sum for one gathering
(a run, or one poll while waiting): the bytes of the answers kept, charged while they are read,
and the items of the pages kept. Going over fails at once, naming the option to raise.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.mlops.cloud.plugins.module_utils.errors import ResultTooLargeError

MIB = 1024 * 1024
DEFAULT_MAX_RESULT_MB = 64
DEFAULT_MAX_ITEMS = 100000
MAX_RESULT_MB = 4096
MAX_ITEMS = 10000000
NARROWING = 'or narrow what is read (dataset_id or dataset_name, status, created_after, created_before)'


class ResultBudget:
    """Bytes and items one gathering keeps; pages read concurrently charge it under one lock."""

    def __init__(self, max_result_mb: int = DEFAULT_MAX_RESULT_MB, max_items: int = DEFAULT_MAX_ITEMS) -> None:
        self.max_result_mb = max_result_mb
        self.max_bytes = max_result_mb * MIB
        self.max_items = max_items
        self._bytes = 0
        self._items = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        """A new gathering (the next poll) replaces what the last one kept."""
        with self._lock:
            self._bytes = 0
            self._items = 0

    def bytes_left(self) -> int:
        with self._lock:
            return max(0, self.max_bytes - self._bytes)

    def charge_bytes(self, count: int, action: str) -> None:
        with self._lock:
            self._bytes += count
            over = self._bytes > self.max_bytes
        if over:
            raise self.bytes_exceeded(action)

    def bytes_exceeded(self, action: str) -> ResultTooLargeError:
        return ResultTooLargeError(
            '%s stopped: the answers of this run would keep more than max_result_mb (%d MiB) in memory; '
            'raise max_result_mb (up to %d), %s' % (action, self.max_result_mb, MAX_RESULT_MB, NARROWING))

    def charge_items(self, count: int, action: str) -> None:
        with self._lock:
            self._items += count
            over = self._items > self.max_items
        if over:
            raise ResultTooLargeError(
                '%s stopped: this run would keep more than max_items (%d) items; raise max_items (up to %d), %s'
                % (action, self.max_items, MAX_ITEMS, NARROWING))
