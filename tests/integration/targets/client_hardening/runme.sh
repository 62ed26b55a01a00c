#!/usr/bin/env bash
# The HTTP client under faults, hostile servers and signals, and the token cache's password binding.
set -eu -o pipefail

# shellcheck source=../setup_emulator/emulator.sh
source "$(dirname "$0")/../setup_emulator/emulator.sh"

# The fault matrix: every fault, the exact outcome and requests of each.
MLOPS_TEST_TOKEN="$(python ../setup_emulator/issue_token.py "$MLOPS_EMULATOR_URL")" ansible-playbook faults.yml "$@"

# Hostile servers and bad input: outcome, requests and time of each (a fresh token: the fault
# matrix expired the earlier one).
MLOPS_TEST_TOKEN="$(python ../setup_emulator/issue_token.py "$MLOPS_EMULATOR_URL")" ansible-playbook hostile.yml "$@"

# The cache serves a token only to the password that obtained it.
mkdir -m 0700 "$work_dir/private-cache"
XDG_CACHE_HOME="$work_dir/private-cache" ansible-playbook token_cache_binding.yml "$@"

# SIGINT / SIGTERM / SIGHUP, a lost reader, a task timeout, Ctrl-C and cancel of ansible-playbook while pages
# stall in their headers: every process of the run is gone within 2 s and nothing is sent after.
PYTHONPATH="$(cd "$collection_root/../../.." && pwd)${PYTHONPATH:+:$PYTHONPATH}" python interrupt.py "$MLOPS_EMULATOR_URL"

# The fault matrix with peak memory: each attack through ansible-playbook, by the module and the lookup.
python memory.py "$MLOPS_EMULATOR_URL"
