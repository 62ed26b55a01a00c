#!/usr/bin/env bash
# The lookups against the emulator: the module's data, the module's checks, and no secret in any output.
set -eu -o pipefail

# shellcheck source=../setup_emulator/emulator.sh
source "$(dirname "$0")/../setup_emulator/emulator.sh"

MLOPS_TEST_TOKEN="$(python ../setup_emulator/issue_token.py "$MLOPS_EMULATOR_URL")"
export MLOPS_TEST_TOKEN

ansible-playbook lookups.yml "$@"

# Secrets: every method, success and failure, at several verbosities; lookups have no no_log.
for verbosity in 0 2 4; do
    log="$work_dir/secrets-v$verbosity.log"
    ANSIBLE_VERBOSITY=$verbosity ansible-playbook secrets.yml "$@" > "$log" 2>&1 || { cat "$log"; exit 1; }
    python ../setup_emulator/check_secrets.py "$log" "$XDG_CACHE_HOME"
done
