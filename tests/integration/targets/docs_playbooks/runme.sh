#!/usr/bin/env bash
# Runs each guide's playbook from docs/playbooks against the local emulator and checks what it did.
set -eu -o pipefail

# shellcheck source=../setup_emulator/emulator.sh
source "$(dirname "$0")/../setup_emulator/emulator.sh"

guides="$collection_root/docs/playbooks"
endpoints=(-e "modelarts_endpoint=$MLOPS_EMULATOR_URL" -e "iam_endpoint=$MLOPS_EMULATOR_URL/v3")

# expect_failure LOG PLAYBOOK ARGS...: the playbook must fail, saying why (never core's
# "Unknown error", which a failed_when without a message ends in on 2.19 and later);
# its output goes to LOG.
expect_failure() {
    local log="$1"
    shift
    if ansible-playbook "$@" > "$log" 2>&1; then
        cat "$log"
        echo "expected $1 to fail, it passed" >&2
        exit 1
    fi
    cat "$log"
    if grep -q "Unknown error" "$log"; then
        echo "$1 failed without saying why" >&2
        exit 1
    fi
}

# prepare [OUTCOME]: reset the emulator; with OUTCOME, add dataset model-inputs whose one export
# ends as OUTCOME (SUCCESSED or FAILED) 15 seconds from now.
prepare() {
    emulator admin --url "$MLOPS_EMULATOR_URL" reset '{}' > /dev/null
    if [ $# -gt 0 ]; then
        emulator admin --url "$MLOPS_EMULATOR_URL" datasets \
            '{"dataset_name": "model-inputs", "running": [{"seconds": 15, "outcome": "'"$1"'"}]}' > /dev/null
    fi
}

# prepare_version_gate EXPORT_OUTCOME VERSION_OUTCOME: reset the emulator; add dataset model-inputs
# with a finished export (SUCCESSED or FAILED) to version V001, and V001 being released: ready (1)
# or failed (4) in 3 s.
prepare_version_gate() {
    local failure='' finished=20
    if [ "$1" = FAILED ]; then
        failure=', "error_code": "ModelArts.4358", "error_msg": "Invalid export path"'
        finished=5
    fi
    emulator admin --url "$MLOPS_EMULATOR_URL" reset '{}' > /dev/null
    emulator admin --url "$MLOPS_EMULATOR_URL" datasets "$(cat <<JSON
{"dataset_name": "model-inputs",
 "tasks": [{"task_id": "exportToVersion0001", "path": "/emulator-obs/model-inputs/export/", "export_type": 2,
            "version_format": "Default", "export_format": 2,
            "export_params": {"export_dest": "DIR", "export_dataset_version_name": "V001",
                              "export_dataset_version_format": "Default", "clear_hard_property": true},
            "status": "$1", "progress": 100.0, "total_sample_count": 20, "finished_sample_count": $finished,
            "create_time": 1606103820120, "update_time": 1606103824823$failure}],
 "running_versions": [{"version_id": "exportedVersion0001", "seconds": 3, "outcome": $2}]}
JSON
)" > /dev/null
}

# The gate's message for the FAILED export of dataset model-inputs (its id differs each run).
gate_failed_msg="Export task [A-Za-z0-9]* of dataset [A-Za-z0-9]* is FAILED (ModelArts.4358: Invalid export path); required: SUCCESSED"

# --- gate-on-export.md, password credentials from OS_* variables ---
export OS_USERNAME=emulator-user OS_PASSWORD=emulator-password OS_USER_DOMAIN_NAME=emulator-domain

prepare SUCCESSED
ansible-playbook "$guides/gate-on-export.yml" "${endpoints[@]}" -e dataset_name=model-inputs \
    -e export_wait_sleep=1 "$@" | tee "$work_dir/gate-ok.log"
grep -q "of dataset model-inputs SUCCESSED, written to /emulator-obs/model-inputs/" "$work_dir/gate-ok.log"

prepare FAILED
expect_failure "$work_dir/gate-failed.log" "$guides/gate-on-export.yml" "${endpoints[@]}" \
    -e dataset_name=model-inputs -e export_wait_sleep=1 "$@"
grep -q "\"msg\": \"$gate_failed_msg\"" "$work_dir/gate-failed.log"
grep -q "failed=1" "$work_dir/gate-failed.log"

# The export is still running when wait_timeout runs out: the message names it with its progress.
prepare SUCCESSED
expect_failure "$work_dir/gate-timeout.log" "$guides/gate-on-export.yml" "${endpoints[@]}" \
    -e dataset_name=model-inputs -e export_wait_sleep=1 -e export_wait_timeout=3 "$@"
grep -q "\"msg\": \"Timed out after 3s waiting for export tasks of dataset [A-Za-z0-9]* to finish; still unfinished: [A-Za-z0-9]* (RUNNING, [0-9.]*%)\"" \
    "$work_dir/gate-timeout.log"

expect_failure "$work_dir/gate-unknown.log" "$guides/gate-on-export.yml" "${endpoints[@]}" \
    -e dataset_name=no-such-dataset "$@"
grep -q "No dataset named no-such-dataset in project" "$work_dir/gate-unknown.log"

# Every running export of a dataset: one that succeeds, then one that fails.
prepare SUCCESSED
ansible-playbook "$guides/gate-on-all-exports.yml" "${endpoints[@]}" -e dataset_name=model-inputs \
    -e export_wait_sleep=1 "$@" | tee "$work_dir/gate-all-ok.log"
grep -q "1 running export(s) of dataset model-inputs finished, all SUCCESSED" "$work_dir/gate-all-ok.log"
prepare FAILED
expect_failure "$work_dir/gate-all-failed.log" "$guides/gate-on-all-exports.yml" "${endpoints[@]}" \
    -e dataset_name=model-inputs -e export_wait_sleep=1 "$@"
grep -q "\"msg\": \"$gate_failed_msg\"" "$work_dir/gate-all-failed.log"
unset OS_USERNAME OS_PASSWORD OS_USER_DOMAIN_NAME

# --- audit-exports.md, AK/SK from HW_* variables ---
prepare
report="$work_dir/export-audit.md"
HW_ACCESS_KEY=EMULATORAK0000000001 HW_SECRET_KEY=emulator-sk-0000000000000000000000000001 \
    ansible-playbook "$guides/audit-exports.yml" "${endpoints[@]}" -e "report_path=$report" "$@"
echo "===== the audit report the playbook wrote ($report) ====="
cat "$report"
echo "===== end of the audit report ====="
grep -q "^# Export audit, region eu-de" "$report"
grep -q "^| dataset-detection | detectionFailed0001 | .* | 12.5% | ModelArts.4312 | OBS path does not exist |$" "$report"
grep -q "^| dataset-detection | detectionStuck00003 | RUNNING | .* | 3.0 h | 37.5% |" "$report"
grep -q "^| dataset-example | WxCREuCkBSAlQr9xrde | 0 | 0 | 2 | 0 |$" "$report"
# The seed's failed exports in dataset-250 (generated: the same every run).
test "$(grep -c '^| dataset-250 | [A-Za-z0-9]\{19\} | [0-9-]* [0-9:]* | [0-9.]*% | ModelArts' "$report")" -eq 27

# --- authentication.md: each method, from the environment ---
OS_USERNAME=emulator-user OS_PASSWORD=emulator-password OS_USER_DOMAIN_NAME=emulator-domain \
    ansible-playbook "$guides/authentication.yml" "${endpoints[@]}" "$@" | tee "$work_dir/auth-password.log"
HW_ACCESS_KEY=EMULATORAK0000000001 HW_SECRET_KEY=emulator-sk-0000000000000000000000000001 \
    ansible-playbook "$guides/authentication.yml" "${endpoints[@]}" "$@" | tee "$work_dir/auth-aksk.log"
OS_AUTH_TOKEN="$(python ../setup_emulator/issue_token.py "$MLOPS_EMULATOR_URL")" \
    ansible-playbook "$guides/authentication.yml" "${endpoints[@]}" "$@" | tee "$work_dir/auth-token.log"
for method in password aksk token; do
    grep -q '"msg": "5 datasets in eu-de: dataset-detection, ' "$work_dir/auth-$method.log"
done

# --- declare-data-in-vars.md: lookups in vars, password credentials from OS_* variables ---
export OS_USERNAME=emulator-user OS_PASSWORD=emulator-password OS_USER_DOMAIN_NAME=emulator-domain
prepare
ansible-playbook "$guides/declare-data-in-vars.yml" "${endpoints[@]}" -e dataset_name=dataset-example "$@" \
    | tee "$work_dir/vars-ok.log"
grep -q '"msg": "dataset-example: 2 export(s), 0 FAILED"' "$work_dir/vars-ok.log"
grep -q '"msg": "dataset-detection: [0-9]* export(s), [1-9][0-9]* FAILED"' "$work_dir/vars-ok.log"
expect_failure "$work_dir/vars-failed.log" "$guides/declare-data-in-vars.yml" "${endpoints[@]}" \
    -e dataset_name=dataset-detection "$@"
grep -q "Export task detectionFailed0001 of dataset datasetDetectionxxxx is FAILED (ModelArts.4312: OBS path does not exist)" \
    "$work_dir/vars-failed.log"
unset OS_USERNAME OS_PASSWORD OS_USER_DOMAIN_NAME

# --- gate-on-dataset-version.md: the export SUCCESSED, then the version it wrote is ready ---
export OS_USERNAME=emulator-user OS_PASSWORD=emulator-password OS_USER_DOMAIN_NAME=emulator-domain
version_gate=("$guides/gate-on-dataset-version.yml" "${endpoints[@]}" -e dataset_name=model-inputs
    -e export_task_id=exportToVersion0001 -e wait_sleep=1)
prepare_version_gate SUCCESSED 1
ansible-playbook "${version_gate[@]}" "$@" | tee "$work_dir/version-ok.log"
grep -q '"msg": "Dataset version V001 (exportedVersion0001) of dataset model-inputs is ready, from export exportToVersion0001; ' \
    "$work_dir/version-ok.log"
prepare_version_gate FAILED 1
expect_failure "$work_dir/version-export-failed.log" "${version_gate[@]}" "$@"
grep -q '"msg": "Export task exportToVersion0001 of dataset [A-Za-z0-9]* is FAILED (ModelArts.4358: Invalid export path); required: SUCCESSED"' \
    "$work_dir/version-export-failed.log"
prepare_version_gate SUCCESSED 4
expect_failure "$work_dir/version-failed.log" "${version_gate[@]}" "$@"
grep -q '"msg": "Dataset version exportedVersion0001 of dataset [A-Za-z0-9]* is ERROR (Dataset publish version failed); required: RUNNING"' \
    "$work_dir/version-failed.log"
unset OS_USERNAME OS_PASSWORD OS_USER_DOMAIN_NAME
