# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: modelarts_dataset_export_tasks
short_description: The export tasks of a ModelArts dataset, as data declared in vars
version_added: 1.1.0
description:
  - Returns the export tasks of a ModelArts dataset (every page, one page, or one task), exactly the list that
    M(mlops.cloud.modelarts_dataset_export_tasks_info) returns as C(export_tasks), the API's dicts verbatim,
    in the API's order (newest first), each once.
  - Takes the module's options, checked the same way before any request, as keyword arguments; a single term
    may give O(dataset_id). A lookup does not wait; the module does, with
    O(mlops.cloud.modelarts_dataset_export_tasks_info#module:wait).
  - With O(require_status) it is a gate in a template or an C(assert); the lookup fails with the same one-line
    message as the module.
author:
  - mlops.cloud maintainers (@mlops-cloud)
extends_documentation_fragment:
  - mlops.cloud.lookup
  - mlops.cloud.dataset_parent
  - mlops.cloud.export_tasks
  - mlops.cloud.gate
  - mlops.cloud.paging
  - mlops.cloud.connection
  - mlops.cloud.connection.plugins
seealso:
  - module: mlops.cloud.modelarts_dataset_export_tasks_info
  - name: Declare ModelArts data in vars
    description: The guide, with a pre-flight gate, an audit and a loop over datasets.
    link: https://github.com/mlops-cloud/mlops.cloud/blob/main/docs/declare-data-in-vars.md
'''

EXAMPLES = r'''
- name: Pre-flight gate - the newest export must have SUCCESSED; fails naming it and its error, or when there is none
  ansible.builtin.assert:
    that: exports | length == 1
  vars:
    exports: "{{ query('mlops.cloud.modelarts_dataset_export_tasks', 'WxCREuCkBSAlQr9xrde',
                        region='eu-de', latest=true, require_status=['SUCCESSED']) }}"

- name: Pin the newest successful export of a dataset found by name; fails, saying so, when none succeeded
  ansible.builtin.set_fact:
    newest_export: "{{ query('mlops.cloud.modelarts_dataset_export_tasks', dataset_name='flowers', region='eu-de',
                             latest=true, status=['SUCCESSED'], require_status=['SUCCESSED']) | first }}"

- name: Audit - every export since the start of December SUCCESSED
  ansible.builtin.debug:
    msg: "{{ query('mlops.cloud.modelarts_dataset_export_tasks', dataset_name='flowers', region='eu-de',
                   created_after='2026-12-01T00:00:00Z', require_status=['SUCCESSED']) | length }} exports, all SUCCESSED"
'''

RETURN = r'''
_raw:
  description:
    - The export tasks, as the API returns them (see the module's C(export_tasks)). Use C(query) (or
      C(wantlist=true)) to always get a list.
  type: list
  elements: dict
'''

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import EXPORT_TASKS
from ansible_collections.mlops.cloud.plugins.plugin_utils.lookup import ModelArtsLookup


class LookupModule(ModelArtsLookup):
    RESOURCE = EXPORT_TASKS
