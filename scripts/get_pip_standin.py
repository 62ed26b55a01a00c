# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the ``get-pip.py`` bootstrap script used by ``ansible-test --venv``.

ansible-test creates its virtual environments with ``--without-pip`` and then runs
``~/.ansible/test/cache/get_pip_<version>.py`` (downloading it first from a host
that is not reachable from behind a proxy or on a registry-only network, see
ansible/ansible#77304). ``scripts/dev.py`` copies this file to that cache path.

It bootstraps pip from the wheel bundled with the standard library (``ensurepip``)
and then runs ``pip install --upgrade <args>`` with the arguments ansible-test gave
to get-pip (for example ``--disable-pip-version-check pip==24.2``), so the pinned pip
version still comes from the package index configured for this machine.

``ensurepip.bootstrap()`` deletes every ``PIP_*`` variable from ``os.environ`` and sets
``PIP_CONFIG_FILE=/dev/null``; the environment is saved before and restored after, so
the machine's pip settings (index URL, certificates, find-links) apply to the upgrade.
"""
from __future__ import annotations

import ensurepip
import os
import subprocess
import sys

# Options understood by get-pip.py but not by ``pip install``.
GET_PIP_ONLY_OPTIONS = frozenset(('--no-setuptools', '--no-wheel'))


def main():
    """Bootstrap pip, then install the requested packages with it."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]

    saved_environ = dict(os.environ)

    try:
        ensurepip.bootstrap(upgrade=True, default_pip=True)
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)

    packages = [arg for arg in args if not arg.startswith('-')]

    if not packages:
        return

    cmd = [sys.executable, '-m', 'pip', 'install', '--upgrade'] + args
    sys.exit(subprocess.call(cmd))


if __name__ == '__main__':
    main()
