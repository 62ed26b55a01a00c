#!/usr/bin/env bash
# Starts the local ModelArts emulator, runs each playbook against it, stops it.
set -eu -o pipefail

# The collection root: ansible-test exposes the collection through ANSIBLE_COLLECTIONS_PATH;
# outside ansible-test the checkout itself is the root.
collection_root=""
IFS=':' read -r -a collection_paths <<< "${ANSIBLE_COLLECTIONS_PATH:-}"
for path in "${collection_paths[@]}"; do
    if [ -n "$path" ] && [ -d "$path/ansible_collections/mlops/cloud/emulator" ]; then
        collection_root="$path/ansible_collections/mlops/cloud"
        break
    fi
done
if [ -z "$collection_root" ]; then
    collection_root="$(cd "$(dirname "$0")/../../../.." && pwd)"
fi

work_dir="$(mktemp -d)"
emulator() { PYTHONPATH="$collection_root${PYTHONPATH:+:$PYTHONPATH}" python -m emulator "$@"; }
cleanup() {
    emulator stop --state-dir "$work_dir/emulator" || true
    emulator stop --state-dir "$work_dir/tls-emulator" || true
    rm -rf "$work_dir"
}
trap cleanup EXIT

MLOPS_EMULATOR_URL="$(emulator start --state-dir "$work_dir/emulator")"
export MLOPS_EMULATOR_URL
# Keep token caches of this run away from the user's own.
export XDG_CACHE_HOME="$work_dir/cache"
# No credential may leak in from the caller's environment: each playbook chooses its own.
for variable in $(env | cut -d= -f1 | grep -E '^(OS|HW)_' || true); do
    unset "$variable"
done

MLOPS_TEST_TOKEN="$(python issue_token.py "$MLOPS_EMULATOR_URL")"
export MLOPS_TEST_TOKEN

for playbook in auth listing bad_input wait faults; do
    ansible-playbook "$playbook.yml" "$@"
done

# Secrets: every method, success and failure, at -vvvv; no secret may appear in the output.
# (A fresh token: the fault matrix expired the earlier one.)
MLOPS_TEST_TOKEN="$(python issue_token.py "$MLOPS_EMULATOR_URL")"
OS_AUTH_TOKEN="$MLOPS_TEST_TOKEN" ansible-playbook -vvvv secrets.yml "$@" > "$work_dir/secrets.log" 2>&1 || { cat "$work_dir/secrets.log"; exit 1; }
python check_secrets.py "$work_dir/secrets.log" "$XDG_CACHE_HOME"

# A token cache directory that other users can write is not used.
mkdir -p "$work_dir/shared-cache/mlops.cloud/tokens"
chmod 0777 "$work_dir/shared-cache/mlops.cloud/tokens"
XDG_CACHE_HOME="$work_dir/shared-cache" ansible-playbook token_cache.yml "$@" 2>&1 | tee "$work_dir/token_cache.log"
grep -q "Token cache directory $work_dir/shared-cache/mlops.cloud/tokens is writable by other users" \
    "$work_dir/token_cache.log"

# HTTPS with a throwaway CA; the warning for validate_certs=false is checked in the output.
MLOPS_EMULATOR_TLS_URL="$(emulator start --state-dir "$work_dir/tls-emulator" --tls-dir "$work_dir/tls")"
MLOPS_EMULATOR_CA="$work_dir/tls/ca.pem"
export MLOPS_EMULATOR_TLS_URL MLOPS_EMULATOR_CA
ansible-playbook tls.yml "$@" 2>&1 | tee "$work_dir/tls.log"
grep -q "validate_certs is false: the TLS certificate of the endpoints is not verified" "$work_dir/tls.log"

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
