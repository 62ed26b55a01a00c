# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guides show their playbooks verbatim: the files the integration tests run are the ones users read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'docs')

GUIDE_FILES = [
    ('gate-on-export.md', 'playbooks/gate-on-export.yml'),
    ('gate-on-export.md', 'playbooks/gate-on-all-exports.yml'),
    ('audit-exports.md', 'playbooks/audit-exports.yml'),
    ('audit-exports.md', 'playbooks/templates/export-audit.md.j2'),
    ('authentication.md', 'playbooks/authentication.yml'),
]


def read(name):
    with open(os.path.join(DOCS, name), encoding='utf-8') as handle:
        return handle.read()


@pytest.mark.parametrize('guide,playbook', GUIDE_FILES)
def test_guide_includes_its_playbook_verbatim(guide, playbook):
    assert read(playbook) in read(guide), '%s does not show %s as it is; copy the file into the guide' % (guide, playbook)
