"""pytest plugin of the installed ``mlops-cloud-emulator``: the ``modelarts_emulator`` fixture.

Registered through the ``pytest11`` entry point of the wheel, so ``pip install mlops-cloud-emulator``
is all a test suite needs::

    def test_gate_fails_on_a_failed_export(modelarts_emulator):
        modelarts_emulator.admin("datasets", {"dataset_name": "model-inputs",
                                              "running": [{"seconds": 1, "outcome": "FAILED"}]})
        ...  # run the playbook with modelarts_emulator.url / .iam_endpoint / .env()

One emulator process (``python -m emulator serve --port 0``) serves the whole session; every test
gets it freshly reset (``POST /_emulator/reset``: seed data, default config, no faults).
"""

import subprocess
import sys

import pytest

from emulator import client, seed

READY_PREFIX = "EMULATOR_URL="


class ModelArtsEmulator:
    """A running emulator: its URL, an admin client and the seed data's credentials."""

    domain_name = seed.DOMAIN_NAME
    user_name = seed.USER_NAME
    password = seed.USER_PASSWORD
    region = seed.PROJECT_EU_DE_NAME
    project_id = seed.PROJECT_EU_DE_ID
    access_key = seed.PERMANENT_AK
    secret_key = seed.PERMANENT_SK

    def __init__(self, url):
        self.url = url
        self.modelarts_endpoint = url
        self.iam_endpoint = url + "/v3"

    def admin(self, name, body=None):
        """GET ``URL/_emulator/NAME``, or POST ``body`` as JSON to it; return the answer's JSON."""
        return client.admin(self.url, name, body)

    def reset(self):
        return self.admin("reset", {})

    def env(self, **extra):
        """Environment variables for ``ansible-playbook`` with the seed user's password credentials."""
        values = {"OS_USERNAME": self.user_name, "OS_PASSWORD": self.password,
                  "OS_USER_DOMAIN_NAME": self.domain_name, "OS_REGION_NAME": self.region}
        values.update(extra)
        return values


@pytest.fixture(scope="session")
def modelarts_emulator_session(tmp_path_factory):
    """The session's one emulator process; use ``modelarts_emulator``, which also resets it."""
    log_path = tmp_path_factory.mktemp("modelarts-emulator") / "emulator.log"
    with open(str(log_path), "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        try:
            line = process.stdout.readline().decode("utf-8", "replace").strip()
            if not line.startswith(READY_PREFIX):
                raise RuntimeError("the emulator did not start (%r); see %s" % (line, log_path))
            yield ModelArtsEmulator(line[len(READY_PREFIX):])
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


@pytest.fixture
def modelarts_emulator(modelarts_emulator_session):
    """The session's emulator, reset for this test (seed data, default config, no faults)."""
    modelarts_emulator_session.reset()
    return modelarts_emulator_session
