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
      - Wait until every selected item (task or version) has reached a terminal state; the module never returns
        successfully with a selected item unfinished.
      - With C(require_status), waiting ends early, failing, as soon as one selected item has finished in a state
        the gate does not allow (a V(FAILED) export fails the gate at once). Without C(require_status) nothing ends
        it early.
      - The items are those selected at the first fetch, polled until they finish; with C(latest), the newest one.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait at most. When they run out the module fails, naming each unfinished item and its
        progress, with every return value as of the last poll.
    type: int
    default: 600
  wait_sleep:
    description:
      - Seconds between two polls while waiting.
    type: int
    default: 10
'''
