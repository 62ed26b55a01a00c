# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poller on a simulated clock: it polls every ``sleep`` seconds and never waits past its deadline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.waiting import (
    Poller,
    validate_wait_options,
    wait_argument_spec,
)


class SimulatedClock:
    """A monotonic clock that only moves when the poller pauses (and ``poll_cost`` per poll)."""

    def __init__(self, poll_cost=0.0):
        self.now = 100.0
        self.pauses = []
        self.polls = []
        self.poll_cost = poll_cost

    def pause(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds

    def poll(self, state):
        self.polls.append(self.now)
        self.now += self.poll_cost
        return state + 1


def wait(clock, timeout, sleep, done_after=None, start=None):
    poller = Poller(timeout, sleep, clock=lambda: clock.now, pause=clock.pause)
    return poller.wait(0, clock.poll, lambda state: done_after is not None and state >= done_after, start=start)


def test_polls_every_sleep_seconds_until_done():
    clock = SimulatedClock()
    assert wait(clock, timeout=60, sleep=10, done_after=3) == (3, True)
    assert clock.pauses == [10, 10, 10]
    assert clock.polls == [110.0, 120.0, 130.0]


def test_already_done_returns_at_once_without_polling():
    clock = SimulatedClock()
    assert wait(clock, timeout=60, sleep=10, done_after=0) == (0, True)
    assert clock.pauses == [] and clock.polls == []


def test_the_last_pause_is_shortened_to_the_deadline_and_nothing_is_polled_after_it():
    clock = SimulatedClock()
    assert wait(clock, timeout=25, sleep=10) == (2, False)
    assert clock.pauses == [10, 10, 5]
    assert clock.polls == [110.0, 120.0]
    assert clock.now == 125.0  # exactly the deadline, not a whole sleep past it


def test_less_than_a_second_left_is_still_waited_for():
    clock = SimulatedClock()
    assert wait(clock, timeout=10.5, sleep=10) == (1, False)
    assert clock.pauses == [10, 0.5]


def test_slow_polls_count_against_the_deadline():
    clock = SimulatedClock(poll_cost=4.0)
    assert wait(clock, timeout=25, sleep=10) == (2, False)
    # 10 pause, 4 poll, 10 pause, 4 poll: 28 s > 25 s, so the third pause is never taken.
    assert clock.pauses == [10, 10]
    assert clock.now == 128.0


def test_the_deadline_counts_from_the_given_start():
    clock = SimulatedClock()
    assert wait(clock, timeout=25, sleep=10, start=90.0) == (1, False)
    assert clock.pauses == [10, 5]
    assert clock.now == 115.0


def test_a_deadline_already_reached_neither_pauses_nor_polls():
    clock = SimulatedClock()
    assert wait(clock, timeout=10, sleep=10, start=90.0) == (0, False)
    assert clock.pauses == [] and clock.polls == []


def test_wait_options_have_their_documented_defaults():
    assert wait_argument_spec() == dict(wait=dict(type='bool', default=False),
                                        wait_timeout=dict(type='int', default=600),
                                        wait_sleep=dict(type='int', default=10))


@pytest.mark.parametrize('timeout, sleep, message', [
    (1, 1, None),
    (0, 1, 'wait_timeout must be between 1 and 86400 seconds, got 0'),
    (1, 0, 'wait_sleep must be between 1 and 3600 seconds, got 0'),
    (-5, -5, 'wait_timeout must be between 1 and 86400 seconds, got -5'),
    (86401, 1, 'wait_timeout must be between 1 and 86400 seconds, got 86401'),
    (86400, 3601, 'wait_sleep must be between 1 and 3600 seconds, got 3601'),
    (86400, 3600, None),
])
def test_wait_options_are_validated_naming_the_option(timeout, sleep, message):
    assert validate_wait_options(dict(wait=True, wait_timeout=timeout, wait_sleep=sleep)) == message
