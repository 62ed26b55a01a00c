# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sign_request with headers the caller already set, a text body, and URLs without a path or with
user info: the cases the mutation stage found untested (see tests/mutation/)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import types

from ansible_collections.mlops.cloud.plugins.module_utils import signer
from ansible_collections.mlops.cloud.plugins.module_utils.signer import canonical_uri, sign_request

MOMENT = datetime.datetime(2026, 11, 28, 10, 0, 0)
URL = 'https://modelarts.example/v2/p1/datasets'


def sign(url=URL, headers=None, body=b'', now=MOMENT):
    return sign_request('GET', url, headers or {}, body, 'AK', 'SK', now=now)


def test_a_date_header_the_caller_set_is_kept_in_any_spelling():
    for name in ('X-Sdk-Date', 'x-sdk-date'):
        signed = sign(headers={name: '20200101T000000Z'}, now=None)
        assert [header for header in signed if header.lower() == 'x-sdk-date'] == [name]
        assert signed[name] == '20200101T000000Z'
        assert signed['Authorization'] == sign(headers={'X-Sdk-Date': '20200101T000000Z'})['Authorization']


def test_a_host_header_the_caller_set_is_signed_instead_of_the_urls():
    signed = sign(headers={'host': 'gateway.example'})
    assert 'Host' not in signed
    assert signed['Authorization'] == sign('https://gateway.example/v2/p1/datasets')['Authorization']


def test_the_host_signed_leaves_out_user_info():
    for url in ('https://someone@modelarts.example/v2/p1/datasets', 'https://some:p@ss@modelarts.example/v2/p1/datasets'):
        signed = sign(url)
        assert signed['Host'] == 'modelarts.example'
        assert signed['Authorization'] == sign()['Authorization']


def test_a_text_body_is_signed_as_its_utf8_bytes():
    body = '{"name": "d\u00e9j\u00e0"}'
    assert sign(body=body)['Authorization'] == sign(body=body.encode('utf-8'))['Authorization']
    assert sign(body=body)['Authorization'] != sign(body=b'')['Authorization']


def test_an_empty_path_is_the_root():
    assert canonical_uri('') == canonical_uri('/') == '/'
    assert sign('https://modelarts.example')['Authorization'] == sign('https://modelarts.example/')['Authorization']


class _ClockInIndia(datetime.datetime):
    """The clock of a machine whose local time is UTC+05:30, stopped at 2026-03-01 23:30:15 UTC."""

    INSTANT = datetime.datetime(2026, 3, 1, 23, 30, 15, tzinfo=datetime.timezone.utc)

    @classmethod
    def now(cls, tz=None):
        if tz is None:
            return cls.INSTANT.astimezone(datetime.timezone(datetime.timedelta(hours=5, minutes=30))).replace(tzinfo=None)
        return cls.INSTANT.astimezone(tz)


def test_without_a_date_the_current_time_is_signed_in_utc_whatever_the_local_time_zone(monkeypatch):
    monkeypatch.setattr(signer, 'datetime', types.SimpleNamespace(datetime=_ClockInIndia, timezone=datetime.timezone))
    signed = sign(now=None)
    assert signed['X-Sdk-Date'] == '20260301T233015Z'
    assert signed['Authorization'] == sign(now=_ClockInIndia.INSTANT)['Authorization']
