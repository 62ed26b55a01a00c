# shellcheck shell=bash
# Sourced (not run) by the runme.sh of every target that runs against the local emulator;
# such a target lists needs/target/setup_emulator in its aliases.
#
# Sets collection_root (with the emulator package) and work_dir (removed on exit), defines
# emulator (the emulator CLI) and start_emulator, starts the default emulator
# (MLOPS_EMULATOR_URL), keeps token caches of the run away from the user's own, clears every
# OS_* / HW_* variable, puts the emulator_admin action on ANSIBLE_ACTION_PLUGINS, and stops each
# emulator it started when the shell exits.

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
    collection_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
fi

work_dir="$(mktemp -d)"
emulator_state_dirs=()
emulator() { PYTHONPATH="$collection_root${PYTHONPATH:+:$PYTHONPATH}" python -m emulator "$@"; }

# start_emulator NAME VARIABLE [ARGS...]: start an emulator with state in $work_dir/NAME and
# put its URL in VARIABLE (exported).
start_emulator() {
    local name="$1" variable="$2" url
    shift 2
    emulator_state_dirs+=("$work_dir/$name")
    url="$(emulator start --state-dir "$work_dir/$name" "$@")"
    printf -v "$variable" '%s' "$url"
    export "${variable?}"
}

stop_emulators() {
    for state_dir in "${emulator_state_dirs[@]}"; do
        emulator stop --state-dir "$state_dir" || true
    done
    rm -rf "$work_dir"
}
trap stop_emulators EXIT

start_emulator emulator MLOPS_EMULATOR_URL
# The emulator_admin action (the admin API on the controller, without a module process per call).
ANSIBLE_ACTION_PLUGINS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/action_plugins"
export ANSIBLE_ACTION_PLUGINS
export XDG_CACHE_HOME="$work_dir/cache"
# No credential may leak in from the caller's environment: each playbook chooses its own.
for variable in $(env | cut -d= -f1 | grep -E '^(OS|HW)_' || true); do
    unset "$variable"
done
