# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When to try an HTTP request again, and how long to wait first.

Provider-neutral: it knows HTTP statuses and the ``Retry-After`` header, not
ModelArts. The client asks it after each failed attempt.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import random
import time
from typing import Optional

# Throttling and gateway/server trouble are transient; any other status is an answer.
RETRYABLE_STATUSES = frozenset([429, 500, 502, 503, 504])
# The longest pause before a retry, whatever Retry-After asks for.
MAX_BACKOFF_SECONDS = 20.0


def parse_retry_after(value, now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(min(int(value), 86400))  # bounded: float() of a 400-digit number overflows
    try:
        moment = email.utils.parsedate_tz(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    seconds = email.utils.mktime_tz(moment) - (time.time() if now is None else now)
    return max(0.0, seconds)


class RetryPolicy:
    """Capped exponential backoff with full jitter, bounded by count and by a deadline."""

    def __init__(self, max_retries=4, base_delay=0.5, max_delay=MAX_BACKOFF_SECONDS, deadline=None,
                 clock=time.monotonic, jitter=random.random):
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.deadline = deadline
        self._clock = clock
        self._jitter = jitter

    def delay_before(self, retry_number: int, retry_after: Optional[float] = None) -> Optional[float]:
        """Seconds to sleep before retry ``retry_number`` (1-based), or None to give up."""
        if retry_number > self.max_retries:
            return None
        if retry_after is not None:
            # The server said when; do not come back earlier, but never wait unboundedly.
            delay = min(retry_after, self.max_delay)
        else:
            ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
            delay = ceiling * (0.5 + self._jitter() / 2)
        if self.deadline is not None and self._clock() + delay >= self.deadline:
            return None
        return delay
