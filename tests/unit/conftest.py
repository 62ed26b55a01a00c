# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hypothesis profiles for every property test of the collection.

``ci`` (the default when $CI is set, and what scripts/dev.py's mutation stage uses): derandomized,
so a run from a fresh clone tests the same examples every time. Hypothesis does not combine
``derandomize`` with an example database (the same seed finds the same examples anyway).

``dev`` (the default elsewhere): random, with the example database in ``.hypothesis/examples`` of
the repository (git-ignored; scripts/dev.py points $MLOPS_HYPOTHESIS_DB there), so a failure found
once is replayed first on the next run, even though the build tree is recreated every time.

Both allow 2 s per example: a loaded 2-core machine, never a test that hangs. $HYPOTHESIS_PROFILE
chooses a profile explicitly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import signal
import subprocess
import sys
import weakref

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

DEADLINE = datetime.timedelta(seconds=2)
TREE_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DEFAULT_DATABASE = os.path.join(TREE_ROOT, '.hypothesis', 'examples')

settings.register_profile('ci', derandomize=True, deadline=DEADLINE, print_blob=True)
settings.register_profile('dev', deadline=DEADLINE, database=DirectoryBasedExampleDatabase(
    os.environ.get('MLOPS_HYPOTHESIS_DB') or DEFAULT_DATABASE))
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE') or ('ci' if os.environ.get('CI') else 'dev'))


@pytest.fixture(scope='module')
def emulator_url(tmp_path_factory):
    """The URL of an emulator (``python -m emulator serve``) run as a real process for one test module."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(path for path in (TREE_ROOT, env.get('PYTHONPATH')) if path)
    with open(str(tmp_path_factory.mktemp('emulator') / 'serve.log'), 'wb') as log:
        process = subprocess.Popen([sys.executable, '-m', 'emulator', 'serve', '--port', '0'],
                                   stdout=subprocess.PIPE, stderr=log, env=env)
        line = process.stdout.readline().decode().strip()
        assert line.startswith('EMULATOR_URL=http://127.0.0.1:'), line
        yield line.split('=', 1)[1]
        process.terminate()
        assert process.wait(timeout=10) == 0


@pytest.fixture(autouse=True)
def process_state_restored(monkeypatch):
    """Each test starts with the process state a module run starts with.

    ``redaction`` masks, in every message, the secrets of every Redactor still alive in the process; a
    Redactor of an earlier test can live on (an exception's traceback cycle, a module's signal handler
    bound to it), and would mask words of a later test's messages. Each test gets a fresh set of live
    Redactors, and the SIGINT, SIGTERM and SIGHUP handlers a module run installs are put back after it."""
    from ansible_collections.mlops.cloud.plugins.module_utils import redaction  # pylint: disable=import-outside-toplevel
    monkeypatch.setattr(redaction, '_LIVE', weakref.WeakSet())
    saved = dict((signum, signal.getsignal(signum)) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP))
    yield
    for signum, handler in saved.items():
        if signal.getsignal(signum) is not handler:
            signal.signal(signum, handler)
