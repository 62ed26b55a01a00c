# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The options that select dataset versions, shared by the module modelarts_dataset_version_info and the lookup
    # modelarts_dataset_versions. Paging is documented here: versions take pages of up to 1000, not 100.
    DOCUMENTATION = r'''
options:
  version_id:
    description:
      - Return just this version (its details), as a one-element list.
      - Cannot be combined with O(offset), O(version_format) or O(train_evaluate_ratio).
    type: str
  limit:
    description:
      - Page size sent to the API, from V(1) to V(1000) (the version list's own range and default).
      - When O(offset) is not set every page is fetched anyway; a smaller page size only means more requests.
    type: int
    default: 1000
  offset:
    description:
      - Page index (the API's start page, counted from V(0)). When set, exactly that page is returned.
      - When not set, every page is returned.
    type: int
  version_format:
    description:
      - Server-side filter on the format of the version.
      - V(0) Default, V(1) CarbonData (table datasets only), V(2) CSV. The versions return it as text
        (C(Default), C(CarbonData), C(CSV)).
    type: int
    choices: [0, 1, 2]
  train_evaluate_ratio:
    description:
      - Server-side filter on the split ratio of the version (C(train_evaluate_sample_ratio)), as two numbers,
        the minimum and the maximum, separated by a comma, for example V(0.8,1.0).
    type: str
  status:
    description:
      - Keep only the versions in these states. Applied after fetching; C(total_count) is not affected.
      - >-
        A state is named by its name or by the API's number, as text: V(CREATING) or V('0'), V(RUNNING) or V('1')
        (the API's word for a version that is ready to use), V(DELETING) or V('2'), V(DELETED) or V('3'),
        V(ERROR) or V('4'). An unquoted number in YAML works too. C(status_counts) and messages use the names.
      - With C(wait) (modules only), the versions selected at the first fetch are waited for and returned in their final state.
    type: list
    elements: str
    choices: [CREATING, RUNNING, DELETING, DELETED, ERROR, '0', '1', '2', '3', '4']
  require_status:
    description:
      - Fail unless every selected version is in one of these states, checked after fetching and, with C(wait),
        after waiting. Usually V([RUNNING]), the version is ready. States are named as for O(status).
      - >-
        One version not in these states fails the gate with its state, and for a V(ERROR) or V(DELETED) version the
        API's C(message) (the error of its release), for example "Dataset version eSOKEQaXhKzxN00WKoV of dataset
        WxCREuCkBSAlQr9xrde is ERROR (Dataset publish version failed); required: RUNNING". A dataset given by
        O(dataset_name) is named with its id, C(flowers (WxCREuCkBSAlQr9xrde)).
      - With C(wait), waiting ends as soon as a selected version has finished in a state not listed here, since the
        requirement can then no longer be met. Without C(wait) (and always in a lookup), it checks the versions as they
        are now (an audit).
      - Several offenders, an empty selection and the fail-safe selections are described in the notes.
    type: list
    elements: str
    choices: [CREATING, RUNNING, DELETING, DELETED, ERROR, '0', '1', '2', '3', '4']
'''
