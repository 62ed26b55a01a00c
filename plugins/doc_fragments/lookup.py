# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # What every lookup of the collection shares: its term, and how lookups differ from modules.
    DOCUMENTATION = r'''
options:
  _terms:
    description:
      - The dataset ID, instead of O(dataset_id). At most one term.
    type: str
    required: false
notes:
  - Connection options may also be set once as variables named C(mlops_cloud_<option>), for example
    C(mlops_cloud_password) from a vault; a keyword argument wins over the variable, and both over the environment.
  - Lookups run on the controller, in the Python that runs C(ansible-playbook), which needs C(requests).
  - Lookups ignore check mode, and are evaluated lazily, each time the variable that holds one is used;
    pin the result with M(ansible.builtin.set_fact) to ask the cloud once.
  - A lookup has no C(no_log); this one masks every secret in its errors and warnings itself.
'''
