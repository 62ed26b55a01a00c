#!/usr/bin/env bash
# Starts the local ModelArts emulator, runs each playbook against it, stops it.
set -eu -o pipefail

# shellcheck source=../setup_emulator/emulator.sh
source "$(dirname "$0")/../setup_emulator/emulator.sh"

MLOPS_TEST_TOKEN="$(python ../setup_emulator/issue_token.py "$MLOPS_EMULATOR_URL")"
export MLOPS_TEST_TOKEN

for playbook in auth listing dataset_name bad_input wait; do
    ansible-playbook "$playbook.yml" "$@"
done

# Secrets: every method, success and failure, at -vvvv; no secret may appear in the output.
OS_AUTH_TOKEN="$MLOPS_TEST_TOKEN" ansible-playbook -vvvv secrets.yml "$@" > "$work_dir/secrets.log" 2>&1 || { cat "$work_dir/secrets.log"; exit 1; }
python ../setup_emulator/check_secrets.py "$work_dir/secrets.log" "$XDG_CACHE_HOME"

# warned LOG TEXT: the playbook output holds the warning TEXT. ansible-core before 2.19 wraps
# warnings at 79 columns, so lines are joined first (TEXT must not hold a hyphenated word).
warned() { tr '\n' ' ' < "$1" | tr -s ' ' | grep -qF -- "$2"; }

# A token cache directory that other users can write is not used.
mkdir -p "$work_dir/shared-cache/mlops.cloud/tokens"
chmod 0777 "$work_dir/shared-cache/mlops.cloud/tokens"
XDG_CACHE_HOME="$work_dir/shared-cache" ansible-playbook token_cache.yml "$@" 2>&1 | tee "$work_dir/token_cache.log"
warned "$work_dir/token_cache.log" "is writable by other users; not using it. Fix with: chmod 700"

# HTTPS with a throwaway CA; the warning for validate_certs=false is checked in the output.
start_emulator tls-emulator MLOPS_EMULATOR_TLS_URL --tls-dir "$work_dir/tls"
export MLOPS_EMULATOR_CA="$work_dir/tls/ca.pem"
ansible-playbook tls.yml "$@" 2>&1 | tee "$work_dir/tls.log"
warned "$work_dir/tls.log" "validate_certs is false: the TLS certificate of the endpoints is not verified"

# Credentials and settings from the environment, both families.
OS_USERNAME=emulator-user OS_PASSWORD=emulator-password OS_USER_DOMAIN_NAME=emulator-domain \
OS_PROJECT_NAME=eu-de OS_AUTH_URL="$MLOPS_EMULATOR_URL/v3" \
    ansible-playbook environment.yml -e expected_method=password "$@"
HW_ACCESS_KEY=EMULATORAK0000000001 HW_SECRET_KEY=emulator-sk-0000000000000000000000000001 \
HW_REGION_NAME=eu-de HW_AUTH_URL="$MLOPS_EMULATOR_URL/v3" \
    ansible-playbook environment.yml -e expected_method=aksk "$@"
OS_ACCESS_KEY=EMULATORAK0000000001 OS_SECRET_KEY=emulator-sk-0000000000000000000000000001 \
OS_USERNAME=emulator-user OS_PASSWORD=emulator-password \
    ansible-playbook environment.yml -e expected_method=conflict "$@"

