# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scrubber masks a secret in every spelling a message can carry it in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import string
import tracemalloc
from urllib.parse import quote

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import CLIP_SCAN_FACTOR, MASK, SECRET_RUN, Redactor, clip

SECRET = 'Zq9/+x"y\\ü\r\n'


@pytest.mark.parametrize('spelling', [
    SECRET,
    repr(SECRET)[1:-1],
    json.dumps(SECRET)[1:-1],
    quote(SECRET, safe=''),
    repr(SECRET.encode('utf-8'))[2:-1],
])
def test_every_spelling_is_masked(spelling):
    redactor = Redactor()
    redactor.add(SECRET)
    scrubbed = redactor.scrub('Invalid header value %s in request' % spelling)
    assert scrubbed == 'Invalid header value %s in request' % MASK


def test_every_spelling_reaches_the_sink_for_ansibles_own_masking():
    sink = set()
    Redactor(sink=sink).add('tok\n')
    assert {'tok\n', 'tok\\n', 'tok%0A'} <= sink


def test_a_secret_added_later_is_masked_too():
    redactor = Redactor()
    redactor.add('first-secret')
    assert redactor.scrub('first-secret second-secret') == '%s second-secret' % MASK
    redactor.add('second-secret')
    assert redactor.scrub('first-secret second-secret') == '%s %s' % (MASK, MASK)


PASSWORD = 'Zq8#vLm2!rT5wXy9@pK3&nB7$hJ4cF6d'  # 32 characters, as in the attack


def shows_a_run_of(secret, text):
    """Whether ``text`` holds SECRET_RUN consecutive characters of ``secret``."""
    return any(secret[start:start + SECRET_RUN] in text for start in range(len(secret) - SECRET_RUN + 1))


def test_a_cut_never_leaves_a_run_of_a_secret_wherever_it_falls():
    redactor = Redactor()
    redactor.add(PASSWORD)
    echoed = '{"auth": {"identity": {"password": {"user": {"name": "me", "password": "%s"}}}}}' % PASSWORD
    for limit in range(4, len(echoed) + 10):
        shown = clip(echoed, limit)
        assert len(shown) <= limit
        assert not shows_a_run_of(PASSWORD, shown), (limit, shown)
    assert clip(echoed, 200) == echoed.replace(PASSWORD, MASK)


def test_a_secret_is_masked_before_its_whitespace_is_collapsed():
    redactor = Redactor()
    redactor.add('correct  horse  battery  staple')
    shown = clip('rejected: correct  horse  battery  staple\n(try again)', 300)
    assert shown == 'rejected: %s (try again)' % MASK


def test_a_secret_the_server_echoed_only_in_part_is_masked():
    token = 'MIIemulator' + 'Ab3_' * 60
    redactor = Redactor()
    redactor.add(token)
    shown = clip('X-Auth-Token: %s [truncated by the proxy]' % token[:150], 300)
    assert shown == 'X-Auth-Token: %s [truncated by the proxy]' % MASK


def test_text_without_a_secret_is_only_put_on_one_line_and_cut():
    Redactor().add(PASSWORD)
    assert clip('Invalid\n  export path', 300) == 'Invalid export path'
    assert clip('x' * 301, 300) == 'x' * 297 + '...'
    assert clip('x' * 300, 300) == 'x' * 300
    assert clip(None, 300) is None


def test_an_api_error_quotes_a_huge_server_message_scrubbed_and_short():
    redactor = Redactor()
    redactor.add(PASSWORD)
    error = ApiError('Get an IAM token', 400, 'APIGW.0301', ('echo: %s ' % PASSWORD) * 10 ** 5, 'r' * 5000)
    assert len(str(error)) < 800
    assert not shows_a_run_of(PASSWORD, str(error))
    assert str(error).startswith('Get an IAM token failed: HTTP 400, error code APIGW.0301, message: echo: %s echo' % MASK)


def test_terminal_control_sequences_from_the_server_are_escaped():
    shown = clip('\x1b[2J\x1b]0;pwned\x07Invalid\x00 path\x7f\x9b', 300)
    assert shown == '\\x1b[2J\\x1b]0;pwned\\x07Invalid\\x00 path\\x7f\\x9b'
    assert clip('Ünïcödé stays', 300) == 'Ünïcödé stays'


def test_only_control_characters_are_escaped_at_the_edges_of_their_ranges():
    assert clip('a\x19b c~d\x7fe\x9ff\xa1g', 300) == 'a\\x19b c~d\\x7fe\\x9ff\xa1g'


def test_a_secret_with_spaces_is_masked_in_a_form_encoded_echo():
    redactor = Redactor()
    redactor.add('open sesame+now')
    assert redactor.scrub('body: password=open+sesame%2Bnow&user=me') == 'body: password=%s&user=me' % MASK
    assert redactor.scrub('"password": "open sesame+now"') == '"password": "%s"' % MASK


def test_a_non_ascii_secret_is_masked_in_json_escaped_and_unescaped_echoes():
    redactor = Redactor()
    redactor.add('pässwörd-1')
    assert redactor.scrub('{"password": "p\\u00e4ssw\\u00f6rd-1"}') == '{"password": "%s"}' % MASK
    assert redactor.scrub('{"password": "pässwörd-1"}') == '{"password": "%s"}' % MASK


def test_the_longest_spelling_is_masked_whole_not_around_a_shorter_one():
    redactor = Redactor()
    redactor.add('ab\ncd')  # its repr, ab\\ncd, holds neither the secret nor a shorter spelling of it
    assert redactor.scrub('header ab\\ncd sent') == 'header %s sent' % MASK
    redactor = Redactor()
    redactor.add('a b')  # percent-encoded a%20b; the secret itself is inside no longer form
    assert redactor.scrub('x a%20b y a b') == 'x %s y %s' % (MASK, MASK)


def test_a_secret_found_only_in_part_is_masked_from_its_first_to_its_last_shared_character():
    redactor = Redactor()
    redactor.add('0123456789abcdef')
    shown = clip('left 3456789a right', 300)
    assert shown == 'left %s right' % MASK
    assert clip('left 34567 right', 300) == 'left 34567 right'  # five characters: not a run


def test_a_secret_in_a_json_echo_that_keeps_non_ascii_is_masked():
    redactor = Redactor()
    redactor.add('pä"ss-wörd')
    assert redactor.scrub('{"password": "pä\\"ss-wörd"}') == '{"password": "%s"}' % MASK


def test_a_secret_with_a_slash_is_masked_in_a_percent_encoded_url():
    redactor = Redactor()
    redactor.add('to/ken=1')
    assert redactor.scrub('GET /v3/auth?token=to%2Fken%3D1 failed') == 'GET /v3/auth?token=%s failed' % MASK
    redactor.add('open sesame/1')  # a space, so its form encoding (open+sesame%2F1) is not this spelling
    assert redactor.scrub('GET /v3/auth?token=open%20sesame%2F1 failed') == 'GET /v3/auth?token=%s failed' % MASK


def test_a_secret_with_a_lone_surrogate_is_taken_and_masked():
    redactor = Redactor()
    redactor.add('ab\udcffcdefgh')
    assert redactor.scrub('echo ab\udcffcdefgh and b\'ab\\xed\\xb3\\xbfcdefgh\'') == "echo %s and b'%s'" % (MASK, MASK)
    # As os.environ holds a variable of bytes that are not UTF-8, and as a URL carries those bytes.
    assert redactor.scrub('GET /x?password=ab%FFcdefgh') == 'GET /x?password=%s' % MASK


def test_only_text_is_taken_as_a_secret():
    redactor = Redactor()
    redactor.add(12345)
    redactor.add(None)
    assert redactor.scrub('port 12345') == 'port 12345'


def test_a_spelling_that_holds_another_is_masked_whole():
    # The JSON and repr spellings of \k3y hold the secret itself one character in: longest first.
    redactor = Redactor()
    redactor.add('\\k3y-secret')
    assert redactor.scrub('sent "\\\\k3y-secret"') == 'sent "%s"' % MASK
    assert clip('sent "\\\\k3y-secret"', 300) == 'sent "%s"' % MASK


def test_a_secret_that_holds_an_earlier_one_is_masked_whole():
    redactor = Redactor()
    redactor.add('abcdefgh')
    redactor.add('0abcdefgh1')
    assert redactor.scrub('token 0abcdefgh1 sent') == 'token %s sent' % MASK
    assert clip('token 0abcdefgh1 sent', 300) == 'token %s sent' % MASK


def test_runs_at_the_ends_of_a_secret_and_of_the_text_are_masked():
    Redactor().add('0123456789abcdef')
    redactor = Redactor()
    redactor.add('0123456789abcdef')
    assert clip('tail abcdef', 300) == 'tail %s' % MASK  # the secret's last six, at the text's end
    assert clip('odd 3456789 run', 300) == 'odd %s run' % MASK  # seven characters, then the rest


def test_text_past_the_searched_window_is_cut_with_dots_even_when_the_masked_part_is_short():
    token = 'T0k3n' * 20  # 100 characters: masked to 8
    redactor = Redactor()
    redactor.add(token)
    shown = clip(token + ' ' + 'x' * 100, 60)
    assert shown.startswith(MASK + ' xxx') and shown.endswith('...') and len(shown) <= 60
    assert clip('abcdef', 3) == '...'


def test_a_partial_echo_is_searched_twice_the_limit_and_a_run_far_shown_whole_within_and_cut_past_it():
    secret = string.ascii_uppercase + string.ascii_lowercase
    redactor = Redactor()
    redactor.add(secret)
    limit = 20
    echo = 'echo: ' + secret  # cut below before the secret's end: only runs of it are found
    searched = 2 * limit + SECRET_RUN
    assert clip(echo[:searched], limit) == 'echo: %s' % MASK  # masked to 14 characters: fits
    assert clip(echo[:searched + 1], limit) == 'echo: %s...' % MASK  # one character past the search: cut


def test_a_huge_server_message_is_clipped_without_a_copy_per_word():
    # 20 MB of words, as a hostile server's error_msg: splitting or escaping it piece by piece took 270 MB.
    text = 'Bad request\t' * (2 * 1024 * 1024)
    tracemalloc.start()
    try:
        shown = clip(text, 500)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert shown == ('Bad request ' * 42)[:497] + '...'
    assert peak < len(text) // 10, peak


def test_whitespace_is_collapsed_within_the_scanned_start_and_what_lies_beyond_is_cut():
    limit = 10
    scanned = CLIP_SCAN_FACTOR * (2 * limit + SECRET_RUN)
    assert clip('a' + ' ' * (scanned - 2) + 'b', limit) == 'a b'  # the whole text is scanned: shown whole
    assert clip('a' + ' ' * (scanned - 1) + 'b', limit) == 'a...'  # b lies past the scanned start
    assert clip('a' + ' ' * scanned, limit) == 'a...'


def test_a_partial_echo_cut_at_the_end_of_the_scanned_start_shows_no_run_of_the_secret():
    secret = 'Zq8vLm2rT5wXy9pK3nB7'
    redactor = Redactor()  # kept: a redactor's secrets are masked while it lives
    redactor.add(secret)
    limit = 40
    scanned = CLIP_SCAN_FACTOR * (2 * limit + SECRET_RUN)
    for shown_part in range(1, len(secret)):
        # Whitespace up to the end of the scanned start, which cuts the echoed secret after shown_part characters.
        text = 'echo:' + ' ' * (scanned - 5 - shown_part) + secret[:-1] + ' end'
        shown = clip(text, limit)
        assert shown.startswith('echo: ') and shown.endswith('...'), shown
        assert not shows_a_run_of(secret, shown), (shown_part, shown)
