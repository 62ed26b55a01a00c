# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's main() run in-process with its arguments, against the emulator over HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import io
import json
from unittest import mock

import pytest

# From emulator/seed.py: project eu-de and a permanent AK/SK of the emulator's user.
PROJECT_ID = '0a1b2c3d4e5f40718293a4b5c6d7e8f9'
ACCESS_KEY = 'EMULATORAK0000000001'
SECRET_KEY = 'emulator-sk-0000000000000000000000000001'


def run_main(module, emulator_url, **args):
    """``module.main()`` with these arguments plus the emulator's endpoints and AK/SK: (failed, result, output)."""
    args = dict(dict(modelarts_endpoint=emulator_url, iam_endpoint=emulator_url + '/v3', project_id=PROJECT_ID,
                     access_key=ACCESS_KEY, secret_key=SECRET_KEY), **args)
    output = io.StringIO()
    with module_args(args), contextlib.redirect_stdout(output), pytest.raises(SystemExit) as exit_:
        module.main()
    return exit_.value.code != 0, json.loads(output.getvalue()), output.getvalue()


@contextlib.contextmanager
def module_args(args):
    """Module arguments as ansible-core gives them to AnsibleModule (2.19 and later have a helper)."""
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:
        from ansible.module_utils import basic
        with mock.patch.object(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()):
            yield
        return
    with patch_module_args(args):
        yield
