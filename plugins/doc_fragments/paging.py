# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  limit:
    description:
      - Page size sent to the API, from V(1) to V(100).
      - When O(offset) is not set every page is fetched anyway; a smaller page size only means more requests.
    type: int
    default: 100
  offset:
    description:
      - Page index (the API's start page, counted from V(0)). When set, exactly that page is returned.
      - When not set, every page is returned.
    type: int
'''
