# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a gate is about: a time window on ``create_time`` and the newest item (``latest``).

Both apply after every other filter. They need each item's ``create_time`` (epoch milliseconds,
as every list API of the reference documents it); an item without one cannot be shown to be in a
window or to be the newest, so it is an error about the answer, never a silent skip.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import re
from typing import Dict, List, Optional

from ansible_collections.mlops.cloud.plugins.module_utils.errors import ResponseFormatError

CREATE_TIME = 'create_time'
TIME_OPTIONS = ('created_after', 'created_before')

# 2026-12-06T16:05:00Z, 2026-12-06 16:05:00.123+01:00, 2026-12-06T16:05+0100: a date-time that names its zone.
_ISO_8601 = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?'
    r'(Z|z|[+-]\d{2}(?::?\d{2})?)$')
# Epoch milliseconds from 1973-03-03 to 5138-11-16: a smaller number is almost surely in seconds.
MIN_EPOCH_MS = 10 ** 11
MAX_EPOCH_MS = 10 ** 14 - 1


class TimeValueError(ValueError):
    """A ``created_after``/``created_before`` value that is not a date-time with a zone or epoch milliseconds."""


def _shown(value) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + '...')


def parse_time(option: str, value) -> Optional[int]:
    """``value`` (ISO 8601 with ``Z`` or an offset, or epoch milliseconds) as epoch milliseconds; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TimeValueError('%s must be an ISO 8601 date-time with a time zone or epoch milliseconds, got a %s'
                             % (option, type(value).__name__))
    text = value.strip() if isinstance(value, str) else str(value)
    if re.match(r'^\d+$', text):
        millis = int(text)
        if not MIN_EPOCH_MS <= millis <= MAX_EPOCH_MS:
            raise TimeValueError('%s as a number is epoch milliseconds (13 digits today), got %s%s' % (
                option, text[:20], '; that looks like seconds: multiply by 1000' if millis < MIN_EPOCH_MS else ''))
        return millis
    match = _ISO_8601.match(text)
    if not match:
        raise TimeValueError('%s must be an ISO 8601 date-time with a time zone (2026-12-06T16:05:00Z or '
                             '2026-12-06T17:05:00+01:00) or epoch milliseconds, got %s' % (option, _shown(value)))
    year, month, day, hour, minute = (int(part) for part in match.groups()[:5])
    second = int(match.group(6) or 0)
    fraction = (match.group(7) or '0')[:3].ljust(3, '0')
    zone = match.group(8)
    if not (1 <= month <= 12 and 1 <= day <= _days_in(year, month) and hour <= 23 and minute <= 59
            and second <= 59):
        raise TimeValueError('%s is not a valid date-time: %s' % (option, _shown(value)))
    offset_minutes = 0
    if zone not in ('Z', 'z'):
        digits = zone[1:].replace(':', '')
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise TimeValueError('%s has an invalid time zone offset: %s' % (option, _shown(value)))
        offset_minutes = (hours * 60 + minutes) * (1 if zone[0] == '+' else -1)
    seconds = calendar.timegm((year, month, day, hour, minute, second)) - offset_minutes * 60
    return seconds * 1000 + int(fraction)


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def validate_time_options(params: Dict) -> Optional[str]:
    """A message naming the bad option, or None. Runs before any request."""
    try:
        after = parse_time('created_after', params.get('created_after'))
        before = parse_time('created_before', params.get('created_before'))
    except TimeValueError as exc:
        return str(exc)
    if after is not None and before is not None and after >= before:
        return 'created_after must be earlier than created_before (no item can be created in an empty window)'
    return None


def create_time_of(what: str, item: Dict, id_key: str) -> int:
    value = item.get(CREATE_TIME)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResponseFormatError('The %s answer for %s has no valid "%s", which latest and created_after/'
                                  'created_before compare' % (what, item.get(id_key), CREATE_TIME))
    return value


def in_window(what: str, items: List[Dict], id_key: str, after: Optional[int], before: Optional[int]) -> List[Dict]:
    """The items created at or after ``after`` and before ``before`` (epoch milliseconds; None: open)."""
    if after is None and before is None:
        return items
    kept = []
    for item in items:
        created = create_time_of(what, item, id_key)
        if (after is None or created >= after) and (before is None or created < before):
            kept.append(item)
    return kept


def newest(what: str, items: List[Dict], id_key: str) -> List[Dict]:
    """The one item with the greatest ``create_time`` (the first in the API's order on a tie), or none."""
    best, best_time = None, None
    for item in items:
        created = create_time_of(what, item, id_key)
        if best is None or created > best_time:
            best, best_time = item, created
    return [] if best is None else [best]
