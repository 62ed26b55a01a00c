# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a failed request is described and whether it is tried again: transport errors as requests raises
them (built here: no request may leave loopback, so a DNS failure cannot be produced for real)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import socket

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.module_utils import client
from ansible_collections.mlops.cloud.plugins.module_utils.client import AnswerReadError, describe_transport_error
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError

DNS_FAILURES = ['[Errno -2] Name or service not known', 'nodename nor servname provided, or not known',
                '[Errno -3] Temporary failure in name resolution', '[Errno -5] No address associated with hostname',
                "Failed to resolve 'iam.example'"]


def caused_by(outer, inner, how='reason'):
    """``outer`` whose cause is ``inner``, linked as urllib3 (``reason``) or Python (``__cause__``/``__context__``) does."""
    if how == 'reason':
        outer.reason = inner
    elif how == 'cause':
        outer.__cause__ = inner
    else:
        outer.__context__ = inner
    return outer


@pytest.mark.parametrize('text', DNS_FAILURES)
def test_a_host_name_that_does_not_resolve_is_said_so_and_not_retried(text):
    exc = caused_by(requests.exceptions.ConnectionError('Max retries exceeded'), socket.gaierror(text))
    assert describe_transport_error(exc, 'iam.example:443') == (
        'connection failed: host name could not be resolved (%s) (iam.example:443)' % ' '.join(text.split()))
    assert client._is_retryable_transport(exc) is False


@pytest.mark.parametrize('how', ['reason', 'cause', 'context'])
def test_the_innermost_cause_is_found_however_it_is_linked(how):
    innermost = ConnectionRefusedError(111, 'Connection   refused')
    middle = caused_by(OSError('while connecting'), innermost, how)
    exc = caused_by(requests.exceptions.ConnectionError('outer'), middle, how)
    assert describe_transport_error(exc, '127.0.0.1:9') == (
        'connection failed: connection refused ([Errno 111] Connection refused) (127.0.0.1:9)')
    assert client._is_retryable_transport(exc) is True


def test_a_cycle_of_causes_ends_and_a_cause_without_text_is_named_by_its_type():
    first = requests.exceptions.ConnectionError('')
    second = caused_by(ValueError(''), first, 'cause')
    caused_by(first, second, 'cause')
    assert describe_transport_error(first, 'h') == 'connection failed: ConnectionError (h)'  # and it ends
    assert describe_transport_error(requests.exceptions.ConnectionError(), 'h') == 'connection failed: ConnectionError (h)'


@pytest.mark.parametrize('exc, reason, retryable', [
    (requests.exceptions.SSLError('CERTIFICATE_VERIFY_FAILED'),
     'TLS error (certificate not trusted? set ca_cert, or validate_certs=false to skip): CERTIFICATE_VERIFY_FAILED', False),
    (requests.exceptions.ConnectTimeout('connect timeout'), 'timed out connecting', True),
    (requests.exceptions.ReadTimeout('read timeout'), 'ReadTimeout: read timeout', True),
    (requests.exceptions.ChunkedEncodingError('broken'), 'connection broken while reading the answer', True),
    (requests.exceptions.InvalidURL('bad url'), 'InvalidURL: bad url', False),
    (requests.exceptions.MissingSchema('no scheme'), 'MissingSchema: no scheme', False),
    (requests.exceptions.InvalidSchema('ftp'), 'InvalidSchema: ftp', False),
    (requests.exceptions.TooManyRedirects('loop'), 'TooManyRedirects: loop', False),
    (AnswerReadError('answer larger than 32 MiB', retryable=False), 'answer larger than 32 MiB', False),
    (AnswerReadError('connection lost mid-answer', retryable=True), 'connection lost mid-answer', True),
])
def test_each_transport_failure_has_its_reason_and_retry_decision(exc, reason, retryable):
    assert describe_transport_error(exc, 'modelarts.example') == '%s (modelarts.example)' % reason
    assert client._is_retryable_transport(exc) is retryable


@pytest.mark.parametrize('exc, timed_out', [
    (AnswerReadError('timed out reading the answer', retryable=True, timed_out=True), True),
    (requests.exceptions.ReadTimeout('read timeout'), True),
    (AnswerReadError('connection broken while reading the answer', retryable=True), False),
    (requests.exceptions.ConnectTimeout('connect timeout'), False),  # before the connection: told apart as such
    (requests.exceptions.ConnectionError('refused'), False),
])
def test_a_timeout_after_the_connection_was_made_is_told_apart_even_before_the_watchdog_cuts(exc, timed_out):
    # A socket timeout can end a read an instant before the watchdog marks the attempt cut: either way the user
    # is told the answer did not come within ``timeout``; any other failure keeps its own reason.
    assert client._answer_timed_out(exc) is timed_out


def test_the_number_of_attempts_is_said_only_after_more_than_one():
    once = client._exhausted(ApiError('List tasks', 503, None, 'busy', None), 1)
    assert 'gave up' not in str(once)
    twice = client._exhausted(ValueError('List tasks failed: HTTP 503'), 2)
    assert str(twice) == 'List tasks failed: HTTP 503 (gave up after 2 attempts)'


@pytest.mark.parametrize('location, target', [
    ('https://evil.example:8443/steal?x=1', 'evil.example:8443'),
    ('https://user:pw@evil.example/steal', 'evil.example'),
    ('/v3/elsewhere', 'the same host'),
    ('', 'the same host'),
    ('https://%s.example/steal' % ('h' * 120), 'h' * 97 + '...'),  # a long host is cut to 100 characters
])
def test_a_redirect_is_reported_with_its_target_host_only(location, target):
    error = client._redirect_error('List datasets', 302, {'Location': location} if location else {})
    assert str(error) == ('List datasets failed: HTTP 302 redirect to %s, not followed (credentials are not sent on); '
                          'check modelarts_endpoint and iam_endpoint' % target)


@pytest.mark.parametrize('value, segment', [('a/b?c#d', 'a%2Fb%3Fc%23d'), ('task 1', 'task%201'), (12, '12'), ('.x', '.x')])
def test_an_id_is_one_path_segment(value, segment):
    assert client.path_segment(value) == segment


def test_a_refused_id_is_named_id_when_no_option_is_given():
    with pytest.raises(client.ConfigurationError, match=r"^id must be an id, not '\.\.'$"):
        client.path_segment('..')


@pytest.mark.parametrize('value', ['', ' ', '.', '..', ' .. '])
def test_a_dot_segment_or_blank_id_is_refused_naming_the_option(value):
    with pytest.raises(client.ConfigurationError, match=r'^dataset_id must be an id, not %s$' % re.escape(repr(value))):
        client.path_segment(value, 'dataset_id')
