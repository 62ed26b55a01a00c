# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: modelarts_dataset_import_tasks
short_description: The import tasks of a ModelArts dataset, as data declared in vars
version_added: 1.1.0
description:
  - Returns the import tasks of a ModelArts dataset (every page, one page, or one task), exactly the list that
    M(mlops.cloud.modelarts_dataset_import_task_info) returns as C(import_tasks), the API's dicts verbatim,
    in the API's order (newest first), each once.
  - Takes the module's options, checked the same way before any request, as keyword arguments; a single term
    may give O(dataset_id). A lookup does not wait; the module does, with
    O(mlops.cloud.modelarts_dataset_import_task_info#module:wait).
  - With O(require_status) it is a gate in a template or an C(assert); the lookup fails with the same one-line
    message as the module.
notes:
  - The tasks are the API's, returned as they are; a table import's C(data_source.source_info) may hold a
    C(user_password).
author:
  - mlops.cloud maintainers (@mlops-cloud)
extends_documentation_fragment:
  - mlops.cloud.lookup
  - mlops.cloud.dataset_parent
  - mlops.cloud.import_tasks
  - mlops.cloud.gate
  - mlops.cloud.paging
  - mlops.cloud.connection
  - mlops.cloud.connection.plugins
seealso:
  - module: mlops.cloud.modelarts_dataset_import_task_info
'''

EXAMPLES = r'''
- name: Pre-flight - fail, naming each import and its error, unless every import of the dataset COMPLETED (and one exists)
  ansible.builtin.assert:
    that: imports | length > 0
  vars:
    imports: "{{ query('mlops.cloud.modelarts_dataset_import_tasks', 'gfghHSokody6AJigS5A',
                       region='eu-de', require_status=['COMPLETED']) }}"

- name: Samples imported into a dataset found by name, pinned once
  ansible.builtin.set_fact:
    imported_samples: "{{ query('mlops.cloud.modelarts_dataset_import_tasks', dataset_name='flowers', region='eu-de')
                          | map(attribute='imported_sample_count') | sum }}"
'''

RETURN = r'''
_raw:
  description:
    - The import tasks, as the API returns them (see the module's C(import_tasks)). Use C(query) (or
      C(wantlist=true)) to always get a list.
  type: list
  elements: dict
'''

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import IMPORT_TASKS
from ansible_collections.mlops.cloud.plugins.plugin_utils.lookup import ModelArtsLookup


class LookupModule(ModelArtsLookup):
    RESOURCE = IMPORT_TASKS
