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
    ('audit-exports.md', 'playbooks/gate-on-project.yml'),
    ('declare-data-in-vars.md', 'playbooks/declare-data-in-vars.yml'),
    ('gate-on-dataset-version.md', 'playbooks/gate-on-dataset-version.yml'),
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


def test_the_readme_gates_are_tasks_of_playbooks_the_tests_run():
    gates = [block for block in yaml_blocks(os.path.join(ROOT, 'README.md')) if 'require_' in block]
    assert len(gates) >= 2, 'the README shows no gate on an export and no project-wide gate'
    for gate in gates:
        # A task of a play (4 spaces) or of a block in a play (8).
        as_task = [textwrap.indent(gate, ' ' * indent) for indent in (4, 8)]
        assert any(task in text for task in as_task for text in playbook_texts()), \
            'the README gate is in no docs/playbooks file:\n' + gate


def test_every_guide_is_listed_in_the_readme():
    readme = read(os.path.join('..', 'README.md'))
    for guide in sorted(os.listdir(DOCS)):
        if guide.endswith('.md') and guide.startswith(('gate-', 'audit-', 'authentication', 'declare-')):
            assert '(docs/%s' % guide in readme, '%s is not in the README' % guide


def test_the_guides_gate_the_fail_safe_way():
    """A gate on "what is running now" passes when the export failed before it looked."""
    for text in playbook_texts():
        for task in text.split('- name: ')[1:]:
            if 'require_status' in task:
                assert any(option in task for option in ('latest: true', 'task_id:', 'version_id:', 'created_after:', 'latest=true',
                                                         'task_id=', 'created_after=')), task


def test_every_lookup_is_listed_where_lookups_are():
    lookups = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'lookup'))
                     if name.endswith('.py') and not name.startswith('_'))
    for name in ('../README.md', 'declare-data-in-vars.md'):
        text = read(name)
        missing = [lookup for lookup in lookups if 'mlops.cloud.%s`' % lookup not in text]
        assert not missing, '%s does not list %s' % (name, ', '.join(missing))


@pytest.mark.parametrize('name', ['README.md', 'plugins/modules/modelarts_dataset_export_tasks_info.py']
                         + ['docs/' + f for f in sorted(os.listdir(DOCS)) if f.endswith('.md')])
def test_no_gate_ends_in_an_unknown_error(name):
    """A failed_when without a message ends in core's "Unknown error" on 2.19 and later; gates use require_status."""
    with open(os.path.join(ROOT, name), encoding='utf-8') as handle:
        assert 'failed_when' not in handle.read()
