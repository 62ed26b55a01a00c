# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RetryPolicy and Retry-After on a fixed clock: defaults, bounds and the deadline's edge."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import time

from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy, parse_retry_after


def test_default_policy_doubles_from_half_a_second_for_four_retries():
    policy = RetryPolicy(jitter=lambda: 1.0)
    assert [policy.delay_before(number) for number in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, None]


def test_a_retry_ending_exactly_at_the_deadline_is_not_taken():
    def policy(deadline):
        return RetryPolicy(base_delay=1.0, deadline=deadline, clock=lambda: 9.0, jitter=lambda: 1.0)
    assert policy(10.0).delay_before(1) is None
    assert policy(10.001).delay_before(1) == 1.0


def test_retry_after_seconds_are_bounded_to_a_day():
    assert parse_retry_after('86400') == parse_retry_after('86401') == parse_retry_after('9' * 400) == 86400.0


def test_retry_after_as_a_date_counts_from_now():
    in_30_seconds = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= parse_retry_after(in_30_seconds) <= 30
    assert parse_retry_after(email.utils.formatdate(time.time() - 30, usegmt=True)) == 0.0


def test_an_api_error_without_details_says_none_for_each():
    assert str(ApiError('List export tasks', 500)) == (
        'List export tasks failed: HTTP 500, error code none, message: none, request id none')
