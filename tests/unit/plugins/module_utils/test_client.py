# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error-body mapping, URL building and the retry policy (small pure functions)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.client import MAX_JSON_DEPTH, _error_fields, _parse_json, build_url
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy, parse_retry_after


@pytest.mark.parametrize('body,expected', [
    ({'error_code': 'ModelArts.4352', 'error_msg': 'Dataset not found'}, ('ModelArts.4352', 'Dataset not found')),
    ({'errorCode': 'ModelArts.4359', 'errorMsg': 'No task'}, ('ModelArts.4359', 'No task')),
    ({'code': 'APIG.0308', 'message': 'throttled'}, ('APIG.0308', 'throttled')),
    ({'error': {'code': 401, 'message': 'The username or password is wrong.', 'title': 'Unauthorized'}},
     ('401', 'The username or password is wrong.')),
    ({'error_code': 'IAM.0101', 'error_msg': 'The account is locked.', 'error': {'code': 401, 'message': 'Unauthorized'}},
     ('IAM.0101', 'The account is locked.')),
    ({'error': {'error_code': 'APIG.1002', 'code': 401, 'title': 'Unauthorized'}}, ('APIG.1002', 'Unauthorized')),
    ({'error_code': 'ModelArts.0104'}, ('ModelArts.0104', None)),
    ({'errorMsg': 'No such dataset'}, (None, 'No such dataset')),
    ({'something': 'else'}, (None, None)),
    ('not a dict', (None, None)),
])
def test_error_fields_from_every_documented_shape(body, expected):
    assert _error_fields(body) == expected


def test_api_error_is_one_line_with_status_code_message_and_request_id():
    error = ApiError('List export tasks of dataset d1 (page 0)', 404, 'ModelArts.4352',
                     'Dataset d1\nnot found', 'abc123')
    assert str(error) == ('List export tasks of dataset d1 (page 0) failed: HTTP 404, error code ModelArts.4352, '
                          'message: Dataset d1 not found, request id abc123')


def test_build_url_drops_unset_values_and_encodes_like_the_signer():
    assert build_url('http://h:1/', '/v2/p', {'limit': 10, 'offset': 0, 'export_type': None, 'q': 'a b'}) == \
        'http://h:1/v2/p?limit=10&offset=0&q=a%20b'


@pytest.mark.parametrize('base, query, url', [
    ('https://gateway.example/tenantX/', None, 'https://gateway.example/tenantX/v2/p'),
    ('https://gateway.example/tenantX//', {}, 'https://gateway.example/tenantX/v2/p'),
    ('https://gateway.example/tenantX', {'export_type': None}, 'https://gateway.example/tenantX/v2/p'),
])
def test_build_url_strips_only_trailing_slashes_and_adds_no_empty_query(base, query, url):
    assert build_url(base, '/v2/p', query) == url


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after('7') == 7.0
    assert parse_retry_after(email.utils.formatdate(1000 + 30, usegmt=True), now=1000) == 30.0
    assert parse_retry_after('soon') is None
    assert parse_retry_after(None) is None


def test_backoff_grows_is_capped_and_stops_after_max_retries():
    policy = RetryPolicy(max_retries=6, base_delay=1.0, max_delay=8.0, jitter=lambda: 1.0)
    assert [policy.delay_before(n) for n in range(1, 8)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, None]


def test_jitter_keeps_at_least_half_of_the_backoff():
    policy = RetryPolicy(max_retries=3, base_delay=2.0, jitter=lambda: 0.0)
    assert policy.delay_before(2) == 2.0


def test_retry_after_is_honoured_but_capped():
    policy = RetryPolicy(max_retries=3, max_delay=10.0)
    assert policy.delay_before(1, retry_after=3.0) == 3.0
    assert policy.delay_before(1, retry_after=3600.0) == 10.0


def test_no_retry_that_would_end_after_the_deadline():
    now = [100.0]
    policy = RetryPolicy(max_retries=5, base_delay=4.0, deadline=105.0, clock=lambda: now[0], jitter=lambda: 1.0)
    assert policy.delay_before(1) == 4.0
    assert policy.delay_before(2) is None


def nested(levels, inner=b'1'):
    return b'{"a": ' * levels + inner + b'}' * levels


@pytest.mark.parametrize('levels', [MAX_JSON_DEPTH + 1, 600, 990, 100000])
def test_an_answer_nested_deeper_than_the_bound_is_refused_whatever_the_decoder_could_take(levels):
    with pytest.raises(ValueError, match='^nested too deeply'):
        _parse_json(nested(levels))
    with pytest.raises(ValueError, match='^nested too deeply'):
        _parse_json(b'[' * levels + b']' * levels)


def test_an_answer_at_the_bound_and_a_scalar_are_accepted():
    document = _parse_json(nested(MAX_JSON_DEPTH - 1, b'[2]'))
    for _level in range(MAX_JSON_DEPTH - 1):
        document = document['a']
    assert document == [2]
    assert _parse_json(b'"text"') == 'text'
    assert _parse_json(b'[[], {"a": []}]') == [[], {'a': []}]


@pytest.mark.parametrize('content, document', [
    (b'["\\ud83d\\ude00", "\\uD83D\\uDE00"]', ['\U0001f600', '\U0001f600']),  # a pair, either case: one character
    (b'{"path": "C:\\\\udfff"}', {'path': 'C:\\udfff'}),  # an escaped backslash, then text: no surrogate
    ('{"name": "\U0001f600"}'.encode('utf-8'), {'name': '\U0001f600'}),
])
def test_text_outside_the_basic_plane_is_accepted(content, document):
    assert _parse_json(content) == document


@pytest.mark.parametrize('content', [b'["\\ud800"]', b'{"\\uDBFF": 1}', b'{"a": {"b": ["x\\udc00y"]}}',
                                     b'["\\ud83d\\u0041"]'])
def test_a_lone_surrogate_anywhere_is_refused(content):
    with pytest.raises(ValueError, match=r'^not valid Unicode \(a lone surrogate in a string\)$'):
        _parse_json(content)
