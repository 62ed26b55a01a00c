# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible's own masking is the second layer under the collection's scrubber: every secret the
module holds, from the environment or obtained from IAM, is handed to it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import io
import json
import os
from unittest import mock

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.module import ModelArtsModule
from ansible_collections.mlops.cloud.tests.unit.plugins.modules.run_module import PROJECT_ID, module_args


def test_every_secret_reaches_ansibles_no_log_values_and_masks_what_the_scrubber_never_sees(emulator_url, tmp_path):
    environ = {'OS_USERNAME': 'emulator-user', 'OS_PASSWORD': 'emulator-password',
               'OS_USER_DOMAIN_NAME': 'emulator-domain', 'HW_SECURITY_TOKEN': 'unused-secret-key-value',
               'XDG_CACHE_HOME': str(tmp_path)}
    args = dict(modelarts_endpoint=emulator_url, iam_endpoint=emulator_url + '/v3', project_id=PROJECT_ID,
                token_cache=False)
    with module_args(args), mock.patch.dict(os.environ, environ):
        module = ModelArtsModule(argument_spec={})
        connection = module.connect()
        token = connection.auth.token().value
        connection.close()
        held = module.module.no_log_values
        assert {'emulator-password', 'unused-secret-key-value', token} <= set(held)
        output = io.StringIO()
        # exit_json itself, with no scrubber in the way: Ansible masks what it was told of.
        with contextlib.redirect_stdout(output), pytest.raises(SystemExit):
            module.module.exit_json(changed=False, echoed=' '.join(('emulator-password', token, 'unused-secret-key-value')))
    echoed = json.loads(output.getvalue())['echoed']
    assert 'emulator-password' not in echoed and token not in echoed and 'unused-secret-key-value' not in echoed
