# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The dataset whose export tasks, versions or import tasks a module or lookup returns.
    DOCUMENTATION = r'''
options:
  dataset_id:
    description:
      - ID of the dataset whose items (export tasks, versions or import tasks) to return.
      - Give O(dataset_id) or O(dataset_name).
    type: str
  dataset_name:
    description:
      - Name of the dataset, instead of O(dataset_id).
      - Resolved to an ID through the dataset list API (a fuzzy search, then an exact match on the name)
        before the items are listed. The run fails when no dataset has this name, or when several do
        (naming their IDs, so that one can be given as O(dataset_id)).
    type: str
'''
