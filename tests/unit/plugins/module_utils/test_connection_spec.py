# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options a module takes are the ones ansible-doc shows (doc fragment mlops.cloud.connection):
same names, types, defaults and choices, and the secrets among them are never logged."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.mlops.cloud.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.mlops.cloud.plugins.module_utils.connection import connection_argument_spec

DOCUMENTED = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
# What PRODUCT.md and docs/security.md call secrets: Ansible must mask them in every output.
SECRETS = ['auth_token', 'password', 'secret_key', 'security_token']


def test_the_modules_take_exactly_the_documented_connection_options():
    assert sorted(connection_argument_spec()) == sorted(DOCUMENTED)


@pytest.mark.parametrize('option', sorted(DOCUMENTED))
def test_each_connection_option_has_its_documented_type_default_and_choices(option):
    spec, documented = connection_argument_spec()[option], DOCUMENTED[option]
    assert spec['type'] == documented.get('type', 'str')
    assert spec.get('default') == documented.get('default')
    assert spec.get('choices') == documented.get('choices')
    assert spec.get('aliases', []) == documented.get('aliases', [])


def test_only_the_secrets_are_never_logged():
    assert sorted(option for option, spec in connection_argument_spec().items() if spec.get('no_log')) == SECRETS
