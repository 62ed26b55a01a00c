# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The attributes every read-only (_info) module of the collection shares, as ansible-core's
    # action_common_attributes fragments describe them.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
    description:
      - Can run in check_mode and return changed status prediction without modifying target.
      - The module never changes anything; it runs the same in check mode.
  diff_mode:
    support: none
    description:
      - Will return details on what has changed when in diff mode.
      - Nothing changes, so there is no diff.
  platform:
    support: full
    platforms: posix
    description:
      - Target OS/families that can be operated against.
      - The module only talks HTTPS to the cloud, from wherever it runs (Python 3.8+ and C(requests));
        usually the controller (a play on C(localhost), or C(delegate_to) it).
  action_group:
    support: full
    membership:
      - mlops.cloud.modelarts
    description:
      - Use C(group/mlops.cloud.modelarts) in C(module_defaults) to set defaults (credentials, region,
        endpoints) for every module of the collection.
'''
