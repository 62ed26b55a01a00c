# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  wait:
    description:
      - Wait until every selected task has reached a terminal state before returning.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait at most. When they run out the module fails, naming each unfinished task.
    type: int
    default: 600
  wait_sleep:
    description:
      - Seconds between two polls while waiting.
    type: int
    default: 10
'''
