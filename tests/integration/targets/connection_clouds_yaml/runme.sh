#!/usr/bin/env bash
# The cloud option: profiles from a clouds.yaml named by OS_CLIENT_CONFIG_FILE, and from
# ./clouds.yaml, against the local emulator.
set -eu -o pipefail

# shellcheck source=../setup_emulator/emulator.sh
source "$(dirname "$0")/../setup_emulator/emulator.sh"

target_dir="$(cd "$(dirname "$0")" && pwd)"
clouds_dir="$work_dir/openstack"
mkdir -p "$clouds_dir"
cat > "$clouds_dir/clouds.yaml" <<YAML
clouds:
  emulator-pw:
    region_name: eu-de
    auth:
      auth_url: ${MLOPS_EMULATOR_URL}/v3
      username: emulator-user
      project_name: eu-de
      user_domain_name: emulator-domain
    modelarts_endpoint_override: ${MLOPS_EMULATOR_URL}
  emulator-aksk:
    auth_type: aksk
    region_name: eu-de
    auth:
      auth_url: ${MLOPS_EMULATOR_URL}
      ak: EMULATORAK0000000001
      sk: emulator-sk-0000000000000000000000000001
    modelarts_endpoint_override: ${MLOPS_EMULATOR_URL}
  emulator-wrong-password:
    region_name: eu-de
    auth:
      auth_url: ${MLOPS_EMULATOR_URL}/v3
      username: emulator-user
      password: not-the-right-one
      user_domain_name: emulator-domain
    modelarts_endpoint_override: ${MLOPS_EMULATOR_URL}
YAML
# The password lives apart, in secure.yaml, as openstacksdk allows.
cat > "$clouds_dir/secure.yaml" <<YAML
clouds:
  emulator-pw:
    auth:
      password: emulator-password
YAML

export OS_CLIENT_CONFIG_FILE="$clouds_dir/clouds.yaml" OS_CLIENT_SECURE_FILE="$clouds_dir/secure.yaml"
ansible-playbook "$target_dir/profiles.yml" "$@" 2>&1 | tee "$work_dir/clouds.log"
# No secret of any profile appears in the output, even when a profile's credentials are refused.
for secret in emulator-password emulator-sk-0000000000000000000000000001 not-the-right-one; do
    if grep -q -- "$secret" "$work_dir/clouds.log"; then
        echo "secret $secret leaked into the output" >&2
        exit 1
    fi
done

# OS_CLOUD selects the profile; ./clouds.yaml is found without OS_CLIENT_CONFIG_FILE. A module
# run by the local connection starts in the playbook's directory: the file goes beside the playbook.
unset OS_CLIENT_CONFIG_FILE OS_CLIENT_SECURE_FILE
mkdir -p "$work_dir/play" "$work_dir/setup_emulator"
cp "$target_dir/os_cloud.yml" "$clouds_dir/clouds.yaml" "$clouds_dir/secure.yaml" "$work_dir/play/"
cp -r "$target_dir/../setup_emulator/vars" "$work_dir/setup_emulator/"
OS_CLOUD=emulator-aksk ansible-playbook "$work_dir/play/os_cloud.yml" "$@"
