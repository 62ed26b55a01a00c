# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guides show their playbooks verbatim: the files the integration tests run are the ones users read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import textwrap

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')
DOCS = os.path.join(ROOT, 'docs')

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


def yaml_blocks(path):
    with open(path, encoding='utf-8') as handle:
        return re.findall(r'```yaml\n(.*?)```', handle.read(), re.DOTALL)


def playbook_texts():
    folder = os.path.join(DOCS, 'playbooks')
    return [read(os.path.join('playbooks', name)) for name in os.listdir(folder) if name.endswith('.yml')]


def test_the_readme_gate_is_a_task_of_a_playbook_the_tests_run():
    gates = [block for block in yaml_blocks(os.path.join(ROOT, 'README.md')) if 'require_status' in block]
    assert gates, 'the README shows no gate with require_status'
    for gate in gates:
        as_task = textwrap.indent(gate, '    ')
        assert any(as_task in text for text in playbook_texts()), 'the README gate is in no docs/playbooks file:\n' + gate


@pytest.mark.parametrize('name', ['README.md', 'plugins/modules/modelarts_dataset_export_tasks_info.py']
                         + ['docs/' + f for f in sorted(os.listdir(DOCS)) if f.endswith('.md')])
def test_no_gate_ends_in_an_unknown_error(name):
    """A failed_when without a message ends in core's "Unknown error" on 2.19 and later; gates use require_status."""
    with open(os.path.join(ROOT, name), encoding='utf-8') as handle:
        assert 'failed_when' not in handle.read()
