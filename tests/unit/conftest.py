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

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

DEADLINE = datetime.timedelta(seconds=2)
DEFAULT_DATABASE = os.path.join(os.path.dirname(__file__), '..', '..', '.hypothesis', 'examples')

settings.register_profile('ci', derandomize=True, deadline=DEADLINE, print_blob=True)
settings.register_profile('dev', deadline=DEADLINE, database=DirectoryBasedExampleDatabase(
    os.environ.get('MLOPS_HYPOTHESIS_DB') or DEFAULT_DATABASE))
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE') or ('ci' if os.environ.get('CI') else 'dev'))
