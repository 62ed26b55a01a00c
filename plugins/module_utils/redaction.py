# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets and the one scrubber every error and warning passes through.

Ansible masks a ``no_log`` value only where it appears verbatim. A secret can reach
a message in other spellings: ``repr`` of a header (``'tok\\r\\n'``), JSON escaping
in an echoed request body, percent-encoding in an echoed URL. Each secret is kept
with those spellings, so both this scrubber and Ansible's masking find them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import threading
import weakref
from urllib.parse import quote, quote_plus

MASK = '********'
# clip() leaves no run of this many characters of a secret in server text, wherever it cuts.
SECRET_RUN = 6
# How much more than a message's window of server text is reflowed: whitespace beyond would not be shown.
CLIP_SCAN_FACTOR = 16
# Whitespace as str.split() finds it, and the control characters a message must not carry raw (C0, DEL, C1).
_WHITESPACE = re.compile(r'\s+')
_CONTROL = re.compile('[\x00-\x1f\x7f-\x9f]')

# Every Redactor of the process, so that clip() knows the secrets of the run wherever server text is
# quoted (a lookup's and a module's alike): a weak set, a finished run's secrets go with its Redactor.
_LIVE = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


def spellings(value):
    """The forms in which ``value`` can appear in a message, longest first."""
    forms = {
        value,
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        # An environment variable of bytes that are not UTF-8 holds lone surrogates: still a secret.
        quote(value, safe='', errors='surrogateescape'),
        quote_plus(value, safe='', errors='surrogateescape'),
        repr(value.encode('utf-8', 'surrogatepass'))[2:-1],
    }
    return sorted((form for form in forms if form), key=len, reverse=True)


class Redactor:
    """The secrets of one run. ``sink`` (a set, e.g. ``AnsibleModule.no_log_values``) receives every spelling."""

    def __init__(self, sink=None):
        self._forms = []
        self._sink = sink
        self._lock = threading.Lock()
        with _LIVE_LOCK:
            _LIVE.add(self)

    def add(self, value):
        """Register a secret the moment it exists (an option, a cached or a freshly issued token)."""
        if not isinstance(value, str) or not value:
            return
        with self._lock:
            for form in spellings(value):
                if form not in self._forms:
                    self._forms.append(form)
                    if self._sink is not None:
                        self._sink.add(form)
            self._forms.sort(key=len, reverse=True)

    def forms(self):
        with self._lock:
            return list(self._forms)

    def scrub(self, text):
        """``text`` with every spelling of every secret replaced by a mask."""
        return _replace(str(text), self.forms())


def _replace(text, forms):
    for form in forms:
        if form in text:
            text = text.replace(form, MASK)
    return text


def _live_forms():
    with _LIVE_LOCK:
        redactors = list(_LIVE)
    forms = set()
    for redactor in redactors:
        forms.update(redactor.forms())
    return sorted(forms, key=len, reverse=True)


def _mask_runs(text, forms):
    """``text`` with every run of ``SECRET_RUN`` or more characters found in a secret masked: a secret the
    server echoed in part, or whose end a cut took off."""
    runs = set(form[start:start + SECRET_RUN] for form in forms for start in range(len(form) - SECRET_RUN + 1))
    hidden = [False] * len(text)
    for start in range(len(text) - SECRET_RUN + 1) if runs else ():
        if text[start:start + SECRET_RUN] in runs:
            hidden[start:start + SECRET_RUN] = [True] * SECRET_RUN
    parts, index = [], 0
    while index < len(text):
        if hidden[index]:
            while index < len(text) and hidden[index]:
                index += 1
            parts.append(MASK)
        else:
            parts.append(text[index])
            index += 1
    return ''.join(parts)


def _escape_controls(text):
    """Control characters left after reflowing (ESC of a terminal sequence, NUL, DEL, C1) as ``\\xNN``:
    server text cannot clear the user's terminal or set its title through a message."""
    return _CONTROL.sub(lambda found: '\\x%02x' % ord(found.group()), text)


def clip(text, limit):
    """Server text, as a message may quote it: every secret of the run masked on the whole text, then put on one
    line (masked again: collapsed whitespace can form one) with control characters escaped, then at most ``limit`` characters with ``...``; no run
    of ``SECRET_RUN`` characters of a secret is left, so neither a cut nor a partial echo shows one. None stays None.
    """
    if text is None:
        return None
    forms = _live_forms()
    text = _replace(str(text), forms)
    # Only the start of the text can be shown: whitespace is collapsed there alone (the pieces of a pass
    # over a server's 20 MB message would take ten times its size); the secrets were masked in all of it.
    size = 2 * limit + SECRET_RUN
    start = text[:CLIP_SCAN_FACTOR * size]
    cut = len(start) < len(text)
    text = _replace(_WHITESPACE.sub(' ', start).strip(), forms)
    # Only what can be shown is searched for runs; a masked run can be longer than its mask. Text past
    # that window is cut even when the masked window is short: the ``...`` says something was left out.
    # Escaping only lengthens the text, so the window is the start of the escaped first size + 1 characters.
    head = _escape_controls(text[:size + 1])
    window = head[:size]
    shown = _mask_runs(window, forms)
    return shown if len(shown) <= limit and len(head) <= size and not cut else shown[:max(limit - 3, 0)] + '...'
