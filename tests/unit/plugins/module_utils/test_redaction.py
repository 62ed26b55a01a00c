# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scrubber masks a secret in every spelling a message can carry it in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import quote

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.redaction import MASK, Redactor

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
