# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: modelarts_dataset_versions
short_description: The versions of a ModelArts dataset, as data declared in vars
version_added: 1.1.0
description:
  - Returns the versions of a ModelArts dataset (every page, one page, or one version), exactly the list that
    M(mlops.cloud.modelarts_dataset_version_info) returns as C(versions), the API's dicts verbatim,
    in the API's order (newest first), each once.
  - Takes the module's options, checked the same way before any request, as keyword arguments; a single term
    may give O(dataset_id). States are named as for the module, by name (V(RUNNING) is ready) or by the API's number
    as text. A lookup does not wait; the module does, with O(mlops.cloud.modelarts_dataset_version_info#module:wait).
  - With O(require_status) it is a gate in a template or an C(assert); the lookup fails with the same one-line
    message as the module.
author:
  - mlops.cloud maintainers (@mlops-cloud)
extends_documentation_fragment:
  - mlops.cloud.lookup
  - mlops.cloud.dataset_parent
  - mlops.cloud.dataset_versions
  - mlops.cloud.gate
  - mlops.cloud.connection
  - mlops.cloud.connection.plugins
seealso:
  - module: mlops.cloud.modelarts_dataset_version_info
  - name: Gate a deployment on the dataset version an export created
    description: The guide, with a playbook the tests run against the local emulator.
    link: https://github.com/mlops-cloud/mlops.cloud/blob/main/docs/gate-on-dataset-version.md
'''

EXAMPLES = r'''
- name: Deploy only from a dataset's current version, and only if it is ready
  ansible.builtin.set_fact:
    current_version: "{{ query('mlops.cloud.modelarts_dataset_versions', 'WxCREuCkBSAlQr9xrde', region='eu-de')
                         | selectattr('is_current') | first }}"

- name: Gate - the newest version of the dataset must be ready; fails naming it and its message, or when there is none
  ansible.builtin.assert:
    that: versions | length == 1
  vars:
    versions: "{{ query('mlops.cloud.modelarts_dataset_versions', dataset_name='flowers', region='eu-de',
                        latest=true, require_status=['RUNNING']) }}"
'''

RETURN = r'''
_raw:
  description:
    - The versions, as the API returns them (see the module's C(versions)). Use C(query) (or
      C(wantlist=true)) to always get a list.
  type: list
  elements: dict
'''

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import DATASET_VERSIONS
from ansible_collections.mlops.cloud.plugins.plugin_utils.lookup import ModelArtsLookup


class LookupModule(ModelArtsLookup):
    RESOURCE = DATASET_VERSIONS
