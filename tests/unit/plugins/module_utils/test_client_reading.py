# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How an answer's body is read: decoded per Content-Encoding, refused past its size limit while it is
read (also when it is a decompression bomb), ended by the attempt's deadline even when it trickles,
and a body that is not JSON reported with the request id.

``read_answer`` is called directly, without the client's watchdog: on real streamed ``requests``
answers from a server on 127.0.0.1, and on scripted raw streams where the chunking or the clock matters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os
import threading
import time
import zlib

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.mlops.cloud.plugins.module_utils import client
from ansible_collections.mlops.cloud.plugins.module_utils.client import (
    MAX_ANSWER_BYTES,
    READ_CHUNK_BYTES,
    AnswerReadError,
    ApiClient,
    _Attempt,
    _decode_json,
    _decoder,
    _nests_deeper_than,
    _parse_json,
    read_answer,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ResponseFormatError, TimeBoundError
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import (
    QuietHandler,
    peak_memory_of,
    serving,
    zeros_gzipped,
)

DOCUMENT = b'{"export_tasks": [{"task_id": "t1", "status": "SUCCESSED"}], "total_count": 1}'
# A trickling answer sends one byte this often; a stalled one is silent this long, then hangs up.
TRICKLE_SECONDS = 0.1
STALL_SECONDS = 6
# Seconds an answer may still be read; the reading must be over by then plus SLACK.
READ_SECONDS = 1.0
SLACK = 3.0


def deflated(data):
    """``data`` as a zlib stream (what HTTP calls deflate)."""
    return zlib.compress(data)


class Answers(QuietHandler):
    """Answers each path with the (headers, body, manner) scripted for it in ``script``.

    The manners: ``whole``; ``trickle``, a byte every TRICKLE_SECONDS; ``stall``, nothing for STALL_SECONDS,
    then hang up; ``hold``, the body, then nothing more for STALL_SECONDS; ``cut``, half the body, then hang up. A body is announced with its own Content-Length
    unless the headers name one."""

    script = {}
    stop = threading.Event()

    def do_GET(self):
        headers, body, manner = self.script[self.path]
        stop = self.stop
        self.start_answer(200, headers, len(body))
        try:
            if manner == 'trickle':
                for index in range(len(body)):
                    if stop.wait(TRICKLE_SECONDS):
                        break
                    self.wfile.write(body[index:index + 1])
            elif manner in ('stall', 'hold'):
                if manner == 'hold':
                    self.wfile.write(body)
                stop.wait(STALL_SECONDS)
            elif manner == 'cut':
                self.wfile.write(body[:len(body) // 2])
            else:
                self.wfile.write(body)
        except OSError:
            pass  # the client hung up first
        if manner != 'whole':
            self.close_connection = True


@pytest.fixture
def server():
    """``answer(headers, body, manner='whole')``: a streamed requests response from 127.0.0.1 answering so."""
    Answers.script = {}
    Answers.stop = threading.Event()
    with serving(Answers, poll_interval=0.05) as url:
        session = requests.Session()
        session.trust_env = False
        responses = []

        def answer(headers, body, manner='whole'):
            path = '/answer/%d' % len(Answers.script)
            Answers.script[path] = (list(headers), body, manner)
            response = session.get(url + path, stream=True, timeout=(5, 20))
            responses.append(response)
            return response

        yield answer
        Answers.stop.set()
        for response in responses:
            response.close()
        session.close()


class Urllib1Raw:
    """A raw stream without ``read1`` (urllib3 1.x): each read hands out the next piece, at most ``amt`` bytes of it."""

    def __init__(self, pieces):
        self.pieces = [bytes(piece) for piece in pieces]

    def read(self, amt=None, decode_content=None):
        assert decode_content is False, 'read_answer decodes the answer itself'
        if not self.pieces:
            return b''
        piece = self.pieces.pop(0)
        if amt is not None and len(piece) > amt:
            self.pieces.insert(0, piece[amt:])
            piece = piece[:amt]
        return piece


class ScriptedRaw(Urllib1Raw):
    """A raw stream with ``read1`` (urllib3 2.x) handing out the pieces as they are."""

    def read1(self, amt=None, decode_content=None):
        return self.read(amt, decode_content)


class ScriptedResponse:
    """What read_answer uses of a requests response: ``headers`` (case-insensitive, as requests has them) and ``raw``."""

    def __init__(self, raw, content_encoding=None):
        self.raw = raw
        self.headers = CaseInsensitiveDict({'content-encoding': content_encoding} if content_encoding else {})


class FrozenClock:
    """The client's ``time`` module, stopped at ``now``."""

    def __init__(self, now):
        self.now = now

    def monotonic(self):
        return self.now


def read_error(response, deadline=None, limit=None):
    with pytest.raises(AnswerReadError) as raised:
        read_answer(response, time.monotonic() + 10 if deadline is None else deadline, limit)
    return raised.value


def flags(error):
    return error.retryable, error.timed_out, error.too_large


# --- Content-Encoding ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('content_encoding, body', [
    ('gzip', gzip.compress(DOCUMENT)),
    ('x-gzip', gzip.compress(DOCUMENT)),
    ('deflate', deflated(DOCUMENT)),
    ('GZIP', gzip.compress(DOCUMENT)),
    (' X-Gzip ', gzip.compress(DOCUMENT)),
    ('Deflate', deflated(DOCUMENT)),
    ('identity', DOCUMENT),
    ('IDENTITY', DOCUMENT),
    ('', DOCUMENT),
    (None, DOCUMENT),
])
def test_an_answer_is_decoded_per_its_content_encoding_in_any_case(server, content_encoding, body):
    headers = [('Content-Type', 'application/json')]
    if content_encoding is not None:
        headers.append(('Content-Encoding', content_encoding))
    assert read_answer(server(headers, body), time.monotonic() + 10) == DOCUMENT


@pytest.mark.parametrize('content_encoding', ['gzip', 'x-gzip', 'deflate', 'Gzip', ' deflate '])
def test_each_encoding_asked_for_gets_a_decompressor_of_gzip_and_zlib_streams(content_encoding):
    for stream in (gzip.compress(DOCUMENT), deflated(DOCUMENT)):
        decoder = _decoder(content_encoding)
        assert decoder.decompress(stream) + decoder.flush() == DOCUMENT


@pytest.mark.parametrize('content_encoding', [None, '', '  ', 'identity', 'Identity', ' IDENTITY '])
def test_identity_needs_no_decompressor(content_encoding):
    assert _decoder(content_encoding) is None


@pytest.mark.parametrize('content_encoding, named', [
    ('br', 'br'),
    ('Zstd', 'zstd'),
    ('gzip,  BR', 'gzip, br'),
    ('gzip\tgzip', 'gzip gzip'),
    ('compress' * 8, ('compress' * 8)[:40]),
])
def test_an_encoding_not_asked_for_is_refused_by_name_and_not_retried(content_encoding, named):
    with pytest.raises(AnswerReadError) as raised:
        _decoder(content_encoding)
    assert str(raised.value) == 'the answer uses Content-Encoding %s, which was not asked for' % named
    assert flags(raised.value) == (False, False, False)
    assert raised.value.retryable is False


def test_an_answer_in_an_encoding_not_asked_for_is_refused_before_it_is_read(server):
    error = read_error(server([('Content-Encoding', 'br')], b'\x0b\x02\x80{}\x03'))
    assert str(error) == 'the answer uses Content-Encoding br, which was not asked for'


def test_the_answer_is_decoded_once_even_when_the_raw_stream_would_decode_it(server):
    response = server([('Content-Encoding', 'gzip')], gzip.compress(DOCUMENT))
    response.raw.decode_content = True  # what urllib3 does for a response opened without requests' adapter
    assert read_answer(response, time.monotonic() + 10) == DOCUMENT


@pytest.mark.parametrize('content_encoding, body', [
    ('gzip', b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03' + b'not deflate data at all'),
    ('deflate', b'{"plain": "json"}'),
    ('gzip', DOCUMENT),
])
def test_broken_compressed_data_is_refused_and_not_retried(server, content_encoding, body):
    error = read_error(server([('Content-Encoding', content_encoding)], body))
    assert str(error) == 'the answer is not valid compressed data'
    assert flags(error) == (False, False, False)
    assert error.retryable is False


@pytest.mark.parametrize('content_encoding, encode', [('gzip', gzip.compress), ('deflate', deflated)])
def test_a_compressed_answer_that_stops_short_of_its_end_is_refused_not_taken_as_whole(server, content_encoding, encode):
    # The server announces and sends every byte it has: only the compressed stream itself is incomplete.
    error = read_error(server([('Content-Encoding', content_encoding)], encode(DOCUMENT)[:-6]))
    assert str(error) == 'the answer is not valid compressed data'
    assert flags(error) == (False, False, False)


def test_an_empty_answer_is_empty_whatever_its_content_encoding(server):
    assert read_answer(server([('Content-Encoding', 'gzip')], b''), time.monotonic() + 10) == b''


def test_a_gzip_answer_whose_trailer_comes_in_a_read_of_its_own_is_decoded_whole_at_the_limit():
    body = os.urandom(4096)  # incompressible: the decompressor cannot run ahead of its input
    stream = gzip.compress(body)
    for pieces in ([stream[:-8], stream[-8:]], [stream[:-9], stream[-9:-8], stream[-8:]], [stream]):
        assert read_answer(ScriptedResponse(ScriptedRaw(pieces), 'gzip'), time.monotonic() + 10, len(body)) == body


@pytest.mark.parametrize('content_encoding, encode', [('gzip', gzip.compress), ('deflate', deflated)])
@pytest.mark.parametrize('after', [b'\x00', b'{"export_tasks": []}', 'a second compressed stream'])
def test_data_after_the_end_of_a_compressed_answer_is_refused_not_dropped(server, content_encoding, encode, after):
    trailer = encode(b'{"total_count": 0}') if after == 'a second compressed stream' else after
    error = read_error(server([('Content-Encoding', content_encoding)], encode(DOCUMENT) + trailer))
    assert str(error) == 'the answer has data after the end of its compressed stream'
    assert flags(error) == (False, False, False)


def test_data_after_the_end_of_a_compressed_answer_is_not_kept_while_it_comes():
    junk = bytes(READ_CHUNK_BYTES)
    # 64 MiB after a complete gzip stream: zlib would keep all of it, unread, for as long as it came.
    response = ScriptedResponse(ScriptedRaw([gzip.compress(DOCUMENT)] + [junk] * 1024), 'gzip')
    peak, error = peak_memory_of(AnswerReadError, read_answer, response, time.monotonic() + 10)
    assert str(error) == 'the answer has data after the end of its compressed stream'
    assert peak < 4 * READ_CHUNK_BYTES
    assert len(response.raw.pieces) == 1023  # nothing read past the first piece after the stream


# --- the size limit --------------------------------------------------------------------------------------

@pytest.mark.parametrize('content_encoding, encode', [(None, bytes), ('gzip', gzip.compress), ('deflate', deflated)])
def test_an_answer_exactly_at_the_limit_is_read_and_one_byte_more_is_refused(server, content_encoding, encode):
    headers = [('Content-Encoding', content_encoding)] if content_encoding else []
    assert read_answer(server(headers, encode(DOCUMENT)), time.monotonic() + 10, len(DOCUMENT)) == DOCUMENT
    error = read_error(server(headers, encode(DOCUMENT)), limit=len(DOCUMENT) - 1)
    assert str(error) == 'the answer is larger than %d bytes; refusing to read more' % (len(DOCUMENT) - 1)
    assert flags(error) == (False, False, True)
    assert error.retryable is False


def test_without_a_limit_an_answer_is_read_whole(server):
    assert read_answer(server([], DOCUMENT), time.monotonic() + 10) == DOCUMENT
    assert read_answer(server([], b''), time.monotonic() + 10, None) == b''


def test_without_a_limit_a_decompression_bomb_is_refused_past_max_answer_bytes(server):
    error = read_error(server([('Content-Encoding', 'gzip')], zeros_gzipped(MAX_ANSWER_BYTES + 1)))
    assert str(error) == 'the answer is larger than %d bytes; refusing to read more' % MAX_ANSWER_BYTES
    assert flags(error) == (False, False, True)


def test_a_decompression_bomb_is_decompressed_no_further_than_the_limit():
    limit = 2 * 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    # A first read that expands to just under the limit, then a read that would expand to 32 MiB.
    first = compressor.compress(bytes(limit - 1024)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    bomb = compressor.compress(bytes(32 * 1024 * 1024)) + compressor.flush()
    assert len(bomb) < READ_CHUNK_BYTES
    response = ScriptedResponse(ScriptedRaw([first, bomb]), 'gzip')
    peak, error = peak_memory_of(AnswerReadError, read_answer, response, time.monotonic() + 10, limit)
    assert flags(error) == (False, False, True)
    # The body and one copy of it; decompressing the whole read, or twice the limit, would take more than this.
    assert peak < 3 * limit


class HeldBackDecoder:
    """A gzip and zlib decompressor that gives nothing until ``flush``, then all it has: zlib's never holds output
    back so, but read_answer does not count on it."""

    def __init__(self):
        self.inner = zlib.decompressobj(32 + zlib.MAX_WBITS)
        self.held = b''

    @property
    def eof(self):
        return self.inner.eof

    @property
    def unused_data(self):
        return self.inner.unused_data

    def decompress(self, data, max_length=0):
        assert max_length > 0
        self.held += self.inner.decompress(data)
        return b''

    def flush(self):
        return self.held + self.inner.flush()


def test_output_that_a_decompressor_gives_only_at_its_flush_is_held_to_the_limit_too(monkeypatch):
    monkeypatch.setattr(client, '_decoder', lambda content_encoding: HeldBackDecoder())
    stream = gzip.compress(DOCUMENT)
    assert read_answer(ScriptedResponse(ScriptedRaw([stream]), 'gzip'), time.monotonic() + 10, len(DOCUMENT)) == DOCUMENT
    error = read_error(ScriptedResponse(ScriptedRaw([stream]), 'gzip'), limit=len(DOCUMENT) - 1)
    assert str(error) == 'the answer is larger than %d bytes; refusing to read more' % (len(DOCUMENT) - 1)
    assert flags(error) == (False, False, True)
    assert error.retryable is False and error.too_large is True


def test_an_answer_announcing_a_huge_length_is_read_in_bounded_chunks(server):
    declared = 64 * 1024 * 1024
    response = server([('Content-Length', str(declared))], os.urandom(512 * 1024), 'hold')
    peak, error = peak_memory_of(AnswerReadError, read_answer, response, time.monotonic() + 10, 100 * 1024)
    assert flags(error) == (False, False, True)
    assert peak < declared // 8


# --- the deadline ------------------------------------------------------------------------------------------

@pytest.mark.parametrize('raw_class', [ScriptedRaw, Urllib1Raw])
def test_nothing_is_read_after_the_deadline(raw_class):
    error = read_error(ScriptedResponse(raw_class([DOCUMENT])), deadline=time.monotonic() - 1)
    assert str(error) == 'timed out reading the answer'
    assert flags(error) == (True, True, False)
    assert error.retryable is True and error.timed_out is True


def test_nothing_is_read_at_the_deadline(monkeypatch):
    monkeypatch.setattr(client, 'time', FrozenClock(1000.0))
    error = read_error(ScriptedResponse(ScriptedRaw([DOCUMENT])), deadline=1000.0)
    assert str(error) == 'timed out reading the answer'
    assert flags(error) == (True, True, False)


@pytest.mark.parametrize('raw_class', [ScriptedRaw, Urllib1Raw])
def test_a_raw_stream_with_or_without_read1_is_read_whole(raw_class):
    pieces = [DOCUMENT[:10], DOCUMENT[10:11], DOCUMENT[11:]]
    assert read_answer(ScriptedResponse(raw_class(pieces)), time.monotonic() + 10, len(DOCUMENT)) == DOCUMENT
    pieces = [gzip.compress(DOCUMENT)]
    assert read_answer(ScriptedResponse(raw_class(pieces), 'gzip'), time.monotonic() + 10) == DOCUMENT


@pytest.mark.parametrize('manner', ['trickle', 'stall'])
def test_a_trickling_or_stalled_answer_ends_at_the_deadline(server, manner):
    response = server([], DOCUMENT, manner)
    started = time.monotonic()
    error = read_error(response, deadline=started + READ_SECONDS)
    assert time.monotonic() - started < READ_SECONDS + SLACK
    assert str(error) == 'timed out reading the answer'
    assert flags(error) == (True, True, False)


def test_an_answer_cut_off_midway_is_a_broken_connection_worth_retrying(server):
    error = read_error(server([], DOCUMENT, 'cut'))
    assert str(error) == 'connection broken while reading the answer'
    assert flags(error) == (True, False, False)
    assert error.timed_out is False and error.too_large is False


# --- the client's view of a timeout and a cut attempt ---------------------------------------------------------

def test_a_read_error_is_neither_a_timeout_nor_too_large_unless_it_says_so():
    error = AnswerReadError('connection lost', retryable=True)
    assert (str(error), error.retryable, error.timed_out, error.too_large) == ('connection lost', True, False, False)


def test_only_a_timeout_at_the_runs_deadline_is_the_run_bound_ending():
    api = ApiClient(timeout=5, deadline=time.monotonic() - 1)
    try:
        assert api._run_bound_ended(api.deadline, requests.exceptions.ConnectionError('refused')) is False
        assert api._run_bound_ended(api.deadline, AnswerReadError('broken', retryable=True)) is False
        assert api._run_bound_ended(api.deadline, requests.exceptions.ReadTimeout('slow')) is True
        assert api._run_bound_ended(api.deadline, AnswerReadError('slow', retryable=True, timed_out=True)) is True
    finally:
        api.close()


def test_a_timeout_exactly_at_the_runs_deadline_is_the_run_bound_ending(monkeypatch):
    api = ApiClient(timeout=5, deadline=1000.0)
    try:
        monkeypatch.setattr(client, 'time', FrozenClock(1000.0))
        assert api._run_bound_ended(1000.0, requests.exceptions.ReadTimeout('slow')) is True
        monkeypatch.setattr(client, 'time', FrozenClock(999.5))
        assert api._run_bound_ended(1000.0, requests.exceptions.ReadTimeout('slow')) is False
    finally:
        api.close()


def test_a_request_exactly_at_the_runs_deadline_is_not_sent(monkeypatch):
    api = ApiClient(timeout=5, deadline=1000.0)
    monkeypatch.setattr(client, 'time', FrozenClock(1000.0))
    try:
        with pytest.raises(TimeBoundError) as raised:
            api.get('http://127.0.0.1:9', '/v2/p1/datasets', action='List datasets')
    finally:
        api.close()
    assert str(raised.value) == 'List datasets not sent: the time bound of this run ran out'


def test_an_attempt_keeps_the_reason_it_was_first_cut_for():
    attempt = _Attempt(deadline=0)
    attempt.cut('deadline')
    attempt.cut('cancel')
    assert attempt.reason == 'deadline'


def test_a_finished_attempt_is_not_cut():
    attempt = _Attempt(deadline=0)
    attempt.finish()
    attempt.cut('cancel')
    assert attempt.reason is None


# --- JSON -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('content, document', [(b'42', 42), (b'"text"', 'text'), (b'null', None), (b'true', True),
                                               (b'[]', []), ('{"name": "caf\u00e9"}'.encode('utf-8'), {'name': 'caf\u00e9'})])
def test_any_json_document_is_parsed_scalars_included(content, document):
    assert _parse_json(content) == document
    assert _decode_json(content, 200, {}, 'List things', 'api.example') == document


@pytest.mark.parametrize('document', [0, 1.5, None, True, 'text', ''])
def test_a_scalar_has_no_levels(document):
    assert _nests_deeper_than(document, 0) is False
    assert _nests_deeper_than([document], 1) is False
    assert _nests_deeper_than([document], 0) is True


@pytest.mark.parametrize('headers, request_id', [
    ({'X-Request-Id': 'req-7'}, 'req-7'),
    ({'X-Openstack-Request-Id': 'req-8'}, 'req-8'),
    ({}, 'none'),
    ({'X-Request-Id': ''}, 'none'),
])
def test_an_answer_that_is_not_json_is_reported_with_its_request_id(headers, request_id):
    with pytest.raises(ResponseFormatError) as raised:
        _decode_json(b'<html>gateway</html>', 200, headers, 'List things', 'api.example:8443')
    assert str(raised.value) == 'List things failed: HTTP 200 answer is not valid JSON (from api.example:8443, request id %s)' % request_id


def test_an_answer_nested_too_deeply_says_so_with_its_request_id():
    with pytest.raises(ResponseFormatError) as raised:
        _decode_json(b'[' * 65 + b']' * 65, 201, {'X-Request-Id': 'req-9'}, 'Create thing', 'api.example')
    assert str(raised.value) == ('Create thing failed: HTTP 201 answer is nested too deeply (more than 64 levels) '
                                 '(from api.example, request id req-9)')
