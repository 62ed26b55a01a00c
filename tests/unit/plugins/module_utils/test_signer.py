# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sign_request must produce what the official SDK core's Signer produces."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
from urllib.parse import quote

from huaweicloudsdkcore import sdk_request
from huaweicloudsdkcore.signer import signer as sdk_signer
from hypothesis import given, settings, strategies as st

from ansible_collections.mlops.cloud.plugins.module_utils.signer import sign_request, encode_query


MOMENT = datetime.datetime(2026, 11, 28, 10, 0, 0)


class _Credentials:
    def __init__(self, ak, sk):
        self.ak = ak
        self.sk = sk


def sdk_authorization(method, host, path, query_pairs, headers, body, ak, sk):
    request = sdk_request.SdkRequest(method=method, schema='https', host=host, resource_path=path,
                                     query_params=list(query_pairs), header_params=dict(headers), body=body)
    signed = sdk_signer.Signer(_Credentials(ak, sk)).sign(request)
    return signed.header_params['Authorization']


def test_known_vector_from_the_sdk():
    # Computed once with huaweicloudsdkcore 3.1.219's Signer for this exact request; it
    # does not depend on the SDK being installed, so it also pins the algorithm itself.
    headers = sign_request('GET', 'https://modelarts.eu-de.otc.t-systems.com/v2/p1/datasets/d1/export-tasks?limit=100&offset=0',
                           {'X-Project-Id': 'p1'}, b'', 'AKEXAMPLE', 'SKEXAMPLE', now=MOMENT)
    assert headers['X-Sdk-Date'] == '20261128T100000Z'
    assert headers['Host'] == 'modelarts.eu-de.otc.t-systems.com'
    assert headers['Authorization'] == (
        'SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date, '
        'Signature=ae87d5d289fc9afe3693ff720adf3c5ba1ed23013f0b2ec759619636c59ee7ea')


def test_security_token_is_sent_and_signed():
    headers = sign_request('GET', 'https://h.example/v3/projects?name=eu-de', {}, b'', 'AK', 'SK',
                           security_token='temp-token', now=MOMENT)
    assert headers['X-Security-Token'] == 'temp-token'
    assert 'x-security-token' in headers['Authorization'].split('SignedHeaders=')[1].split(',')[0].split(';')


def test_headers_with_underscore_are_not_signed():
    headers = sign_request('GET', 'https://h.example/v2', {'X_Custom': 'a'}, b'', 'AK', 'SK', now=MOMENT)
    assert 'x_custom' not in headers['Authorization']


def test_input_headers_are_not_modified():
    original = {'Accept': 'application/json'}
    sign_request('GET', 'https://h.example/v2', original, b'', 'AK', 'SK', now=MOMENT)
    assert original == {'Accept': 'application/json'}


SEGMENT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters='/?#%'),
                  min_size=1, max_size=12)
QUERY_VALUE = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters='%'),
                      max_size=12)
HEADER_NAME = st.from_regex(r'\AX-[A-Za-z][A-Za-z0-9_-]{0,10}\Z')
HEADER_VALUE = st.from_regex(r'\A[ -~]{0,20}\Z')


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(['GET', 'POST', 'PUT', 'DELETE']),
    segments=st.lists(SEGMENT, min_size=0, max_size=4),
    query=st.dictionaries(st.from_regex(r'\A[a-z_]{1,8}\Z'), QUERY_VALUE, max_size=4),
    # HTTP header names are case-insensitive: a request cannot carry X-A and X-a apart.
    extra_headers=st.dictionaries(HEADER_NAME, HEADER_VALUE, max_size=3).filter(
        lambda headers: len(set(name.lower() for name in headers)) == len(headers)),
    body=st.binary(max_size=64),
    port=st.sampled_from(['', ':8443', ':31337']),
)
def test_matches_sdk_signer_on_generated_requests(method, segments, query, extra_headers, body, port):
    host = 'modelarts.eu-de.example.com' + port
    path = '/' + '/'.join(quote(segment, safe='') for segment in segments)
    pairs = sorted(query.items())
    url = 'https://%s%s' % (host, path) + ('?' + encode_query(pairs) if pairs else '')
    headers = sign_request(method, url, extra_headers, body, 'AK-' + method, 'secret/sk+=', now=MOMENT)
    sdk_headers = dict(extra_headers)
    sdk_headers.update({'X-Sdk-Date': '20261128T100000Z', 'Host': host})
    assert headers['Authorization'] == sdk_authorization(method, host, path, pairs, sdk_headers, body,
                                                         'AK-' + method, 'secret/sk+=')
