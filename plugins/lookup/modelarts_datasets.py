# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: modelarts_datasets
short_description: The datasets of a ModelArts project, as data declared in vars
version_added: 1.1.0
description:
  - Returns the datasets of a project (every page or one, with the list API's filters), or one dataset, exactly
    the list that M(mlops.cloud.modelarts_dataset_info) returns as C(datasets), the API's dicts verbatim.
  - Takes the module's options, checked the same way before any request, as keyword arguments; a single term
    may give O(dataset_id).
author:
  - mlops.cloud maintainers (@mlops-cloud)
extends_documentation_fragment:
  - mlops.cloud.lookup
  - mlops.cloud.datasets
  - mlops.cloud.paging
  - mlops.cloud.connection
  - mlops.cloud.connection.plugins
seealso:
  - module: mlops.cloud.modelarts_dataset_info
  - name: Declare ModelArts data in vars
    description: The guide, with a pre-flight gate, an audit and a loop over datasets.
    link: https://github.com/mlops-cloud/mlops.cloud/blob/main/docs/declare-data-in-vars.md
'''

EXAMPLES = r'''
- name: Every exportable dataset of the project, once for the play
  ansible.builtin.set_fact:
    exportable: "{{ query('mlops.cloud.modelarts_datasets', region='eu-de', support_export=true) }}"

- name: Loop over them
  ansible.builtin.debug:
    msg: "{{ item.dataset_name }} ({{ item.dataset_id }})"
  loop: "{{ exportable }}"
'''

RETURN = r'''
_raw:
  description:
    - The datasets, as the API returns them (see the module's C(datasets)). Use C(query) to always get a list.
  type: list
  elements: dict
'''

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import DATASETS
from ansible_collections.mlops.cloud.plugins.plugin_utils.lookup import ModelArtsLookup


class LookupModule(ModelArtsLookup):
    RESOURCE = DATASETS
