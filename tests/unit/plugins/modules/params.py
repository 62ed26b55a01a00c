# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module parameters as AnsibleModule would pass them: every option at its default, then overrides."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def default_params(argument_spec, **overrides):
    values = dict((name, spec.get('default')) for name, spec in argument_spec.items())
    values.update(overrides)
    return values
