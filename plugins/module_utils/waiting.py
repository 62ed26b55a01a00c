# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling until things reach a terminal state, on a monotonic clock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from typing import Callable, Dict, Optional, Tuple


def wait_argument_spec() -> Dict[str, Dict]:
    """Options of doc fragment mlops.cloud.wait."""
    return dict(
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
        wait_sleep=dict(type='int', default=10),
    )


# A day of waiting is longer than any export; beyond it a typo (an extra zero or three) is more likely.
MAX_WAIT_TIMEOUT = 86400
MAX_WAIT_SLEEP = 3600


def validate_wait_options(params: Dict) -> Optional[str]:
    """A message naming the bad option and its range, or None."""
    if not 1 <= params['wait_timeout'] <= MAX_WAIT_TIMEOUT:
        return 'wait_timeout must be between 1 and %d seconds, got %s' % (MAX_WAIT_TIMEOUT, params['wait_timeout'])
    if not 1 <= params['wait_sleep'] <= MAX_WAIT_SLEEP:
        return 'wait_sleep must be between 1 and %d seconds, got %s' % (MAX_WAIT_SLEEP, params['wait_sleep'])
    return None


class Poller:
    """Calls ``poll(state)`` every ``sleep`` seconds until ``done(state)`` or the deadline.

    ``poll(state)`` returns the state as it is now; ``done`` decides whether waiting is over.
    Returns ``(state, True)`` when done, ``(state, False)`` when time ran out.
    """

    def __init__(self, timeout, sleep, clock=time.monotonic, pause=time.sleep):
        self.timeout = timeout
        self.sleep = sleep
        self._clock = clock
        self._pause = pause

    def deadline_from(self, start: float) -> float:
        return start + self.timeout

    def wait(self, state, poll: Callable, done: Callable, start: Optional[float] = None) -> Tuple[object, bool]:
        deadline = self.deadline_from(self._clock() if start is None else start)
        while not done(state):
            remaining = deadline - self._clock()
            if remaining <= 0:
                return state, False
            self._pause(min(self.sleep, remaining))
            # A poll after the deadline would be refused by the run's time bound: time ran out.
            if self._clock() >= deadline:
                return state, False
            state = poll(state)
        return state, True
