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
import threading
from urllib.parse import quote, quote_plus

MASK = '********'


def spellings(value):
    """The forms in which ``value`` can appear in a message, longest first."""
    forms = {
        value,
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=''),
        quote_plus(value, safe=''),
        repr(value.encode('utf-8', 'surrogatepass'))[2:-1],
    }
    return sorted((form for form in forms if form), key=len, reverse=True)


class Redactor:
    """The secrets of one run. ``sink`` (a set, e.g. ``AnsibleModule.no_log_values``) receives every spelling."""

    def __init__(self, sink=None):
        self._forms = []
        self._sink = sink
        self._lock = threading.Lock()

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

    def scrub(self, text):
        """``text`` with every spelling of every secret replaced by a mask."""
        text = str(text)
        with self._lock:
            forms = list(self._forms)
        for form in forms:
            if form in text:
                text = text.replace(form, MASK)
        return text
