# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""created_after / created_before values, the time window and latest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest
from hypothesis import given, strategies as st

from ansible_collections.mlops.cloud.plugins.module_utils.errors import ResponseFormatError
from ansible_collections.mlops.cloud.plugins.module_utils.selection import (
    TimeValueError,
    in_window,
    newest,
    parse_time,
    validate_time_options,
)

UTC = datetime.timezone.utc


def millis(moment):
    return int(round(moment.timestamp() * 1000))


@pytest.mark.parametrize('text, expected', [
    ('2026-12-06T16:05:00Z', datetime.datetime(2026, 12, 6, 16, 5, tzinfo=UTC)),
    ('2026-12-06T16:05:00z', datetime.datetime(2026, 12, 6, 16, 5, tzinfo=UTC)),
    ('2026-12-06 16:05Z', datetime.datetime(2026, 12, 6, 16, 5, tzinfo=UTC)),
    ('2026-12-06T17:05:00+01:00', datetime.datetime(2026, 12, 6, 16, 5, tzinfo=UTC)),
    ('2026-12-06T10:35:00-0530', datetime.datetime(2026, 12, 6, 16, 5, tzinfo=UTC)),
    ('2026-12-07T01:05:00+09', datetime.datetime(2026, 12, 6, 16, 5, tzinfo=UTC)),
    ('2026-12-06T16:05:00.25Z', datetime.datetime(2026, 12, 6, 16, 5, 0, 250000, tzinfo=UTC)),
    ('2026-12-06T16:05:00,123456789Z', datetime.datetime(2026, 12, 6, 16, 5, 0, 123000, tzinfo=UTC)),
    ('2024-02-29T23:59:59Z', datetime.datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
])
def test_iso_8601_with_a_zone_is_epoch_milliseconds(text, expected):
    assert parse_time('created_after', text) == millis(expected)


@given(st.datetimes(min_value=datetime.datetime(1974, 1, 1), max_value=datetime.datetime(5000, 1, 1),
                    timezones=st.sampled_from([UTC, datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
                                               datetime.timezone(datetime.timedelta(hours=-11))])))
def test_any_isoformat_with_an_offset_is_the_same_instant(moment):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert parse_time('created_after', moment.isoformat()) == millis(moment)


@pytest.mark.parametrize('value', [1765036800000, '1765036800000', ' 1765036800000 '])
def test_epoch_milliseconds_as_a_number_or_text(value):
    assert parse_time('created_before', value) == 1765036800000


@pytest.mark.parametrize('value, message', [
    ('2026-12-06T16:05:00', 'created_after must be an ISO 8601 date-time with a time zone'),
    ('2026-12-06', 'created_after must be an ISO 8601 date-time with a time zone'),
    ('', 'created_after must be an ISO 8601 date-time with a time zone'),
    ('x' * 200, "got '" + 'x' * 57 + "...'"),
    ('2026-13-01T00:00:00Z', 'created_after is not a valid date-time'),
    ('2025-02-29T00:00:00Z', 'created_after is not a valid date-time'),
    ('2026-12-06T24:00:00Z', 'created_after is not a valid date-time'),
    ('2026-12-06T23:60:00Z', 'created_after is not a valid date-time'),
    ('2026-12-06T23:00:60Z', 'created_after is not a valid date-time'),
    ('2026-12-06T23:00:00+24:00', 'created_after has an invalid time zone offset'),
    ('2026-12-06T23:00:00+01:60', 'created_after has an invalid time zone offset'),
    (1765036800, 'that looks like seconds: multiply by 1000'),
    (99999999999, 'that looks like seconds'),
    (10 ** 14, 'created_after as a number is epoch milliseconds (13 digits today), got 100000000000000'),
    (True, 'got a bool'),
    (12.5, 'got a float'),
    (['2026-12-06T16:05:00Z'], 'got a list'),
])
def test_anything_else_is_refused_naming_the_option(value, message):
    with pytest.raises(TimeValueError) as error:
        parse_time('created_after', value)
    assert message in str(error.value)


def test_the_range_of_epoch_milliseconds_is_inclusive():
    assert parse_time('created_after', 10 ** 11) == 10 ** 11
    assert parse_time('created_after', 10 ** 14 - 1) == 10 ** 14 - 1


def test_a_window_must_not_be_empty():
    assert validate_time_options({'created_after': 1765036800000, 'created_before': 1765036800000}) == \
        'created_after must be earlier than created_before (no item can be created in an empty window)'
    assert validate_time_options({'created_after': 1765036800000, 'created_before': 1765036800001}) is None
    assert validate_time_options({'created_after': None, 'created_before': 'soon'}).startswith('created_before must')
    assert validate_time_options({}) is None


TASKS = [{'task_id': 'c', 'create_time': 300}, {'task_id': 'b', 'create_time': 200},
         {'task_id': 'b2', 'create_time': 200}, {'task_id': 'a', 'create_time': 100}]


def ids(items):
    return [item['task_id'] for item in items]


def test_the_window_includes_its_start_and_excludes_its_end():
    assert ids(in_window('export task', TASKS, 'task_id', 200, 300)) == ['b', 'b2']
    assert ids(in_window('export task', TASKS, 'task_id', None, 200)) == ['a']
    assert ids(in_window('export task', TASKS, 'task_id', 301, None)) == []
    assert in_window('export task', TASKS, 'task_id', None, None) is TASKS


def test_newest_is_the_greatest_create_time_and_the_first_on_a_tie():
    assert ids(newest('export task', TASKS, 'task_id')) == ['c']
    assert ids(newest('export task', list(reversed(TASKS)), 'task_id')) == ['c']
    assert ids(newest('export task', TASKS[1:], 'task_id')) == ['b']
    assert ids(newest('export task', TASKS[2:0:-1], 'task_id')) == ['b2']
    assert newest('export task', [], 'task_id') == []


@pytest.mark.parametrize('bad', [None, '300', 3.5, True])
def test_an_item_without_an_integer_create_time_is_an_error_about_the_answer(bad):
    items = [{'task_id': 'ok', 'create_time': 1}, {'task_id': 'odd', 'create_time': bad}]
    for select in (lambda: newest('export task', items, 'task_id'),
                   lambda: newest('export task', items[1:], 'task_id'),
                   lambda: in_window('export task', items, 'task_id', 0, None)):
        with pytest.raises(ResponseFormatError, match='The export task answer for odd has no valid "create_time"'):
            select()


def test_the_error_about_a_missing_create_time_says_what_compares_it():
    with pytest.raises(ResponseFormatError) as error:
        newest('dataset version', [{'version_id': 'v1'}], 'version_id')
    assert str(error.value) == ('The dataset version answer for v1 has no valid "create_time", which latest and '
                                'created_after/created_before compare')


def test_the_largest_zone_offsets_are_accepted_and_are_integers():
    east = parse_time('created_after', '2026-12-06T23:59:00+23:59')
    west = parse_time('created_after', '2026-12-06T00:00:00-00:59')
    assert east == millis(datetime.datetime(2026, 12, 6, 0, 0, tzinfo=UTC))
    assert west == millis(datetime.datetime(2026, 12, 6, 0, 59, tzinfo=UTC))
    assert all(isinstance(value, int) for value in (east, west, parse_time('created_after', '2026-12-06T01:00:00+01:00')))


def test_an_invalid_offset_is_shown_as_given():
    with pytest.raises(TimeValueError) as error:
        parse_time('created_before', '2026-12-06T23:00:00+00:60')
    assert str(error.value) == "created_before has an invalid time zone offset: '2026-12-06T23:00:00+00:60'"


def test_a_long_value_is_shown_whole_up_to_60_characters_and_cut_after():
    sixty = 'y' * 60
    with pytest.raises(TimeValueError) as error:
        parse_time('created_after', sixty)
    assert str(error.value).endswith("got '%s'" % sixty)
    with pytest.raises(TimeValueError) as error:
        parse_time('created_after', sixty + 'y')
    assert str(error.value).endswith("got '%s...'" % ('y' * 57))


@pytest.mark.parametrize('value, message', [
    (10 ** 24, 'created_after as a number is epoch milliseconds (13 digits today), got 10000000000000000000'),
    (1765036800, 'created_after as a number is epoch milliseconds (13 digits today), got 1765036800; '
                 'that looks like seconds: multiply by 1000'),
])
def test_a_number_out_of_range_is_shown_to_20_digits_with_the_seconds_hint_only_when_small(value, message):
    with pytest.raises(TimeValueError) as error:
        parse_time('created_after', value)
    assert str(error.value) == message
