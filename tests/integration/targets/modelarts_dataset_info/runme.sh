#!/usr/bin/env bash
# Starts the local ModelArts emulator, runs each playbook against it, stops it.
set -eu -o pipefail

# shellcheck source=../setup_emulator/emulator.sh
source "$(dirname "$0")/../setup_emulator/emulator.sh"

for playbook in listing bad_input include; do
    ansible-playbook "$playbook.yml" "$@"
done
