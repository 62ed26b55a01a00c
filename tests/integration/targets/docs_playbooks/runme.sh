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

# prepare [OUTCOME [SECONDS [TASKS]]]: reset the emulator; with OUTCOME, add dataset model-inputs whose
# one export ends as OUTCOME (SUCCESSED or FAILED) SECONDS (15) from now, beside the finished TASKS
# (a JSON list, none by default); with OUTCOME "none", the dataset and TASKS only.
prepare() {
    emulator admin --url "$MLOPS_EMULATOR_URL" reset '{}' > /dev/null
    if [ $# -gt 0 ]; then
        local running='[]'
        if [ "$1" != none ]; then
            running='[{"seconds": '"${2:-15}"', "outcome": "'"$1"'"}]'
        fi
        emulator admin --url "$MLOPS_EMULATOR_URL" datasets \
            '{"dataset_name": "model-inputs", "running": '"$running"', "tasks": '"${3:-[]}"'}' > /dev/null
    fi
}

# An export of model-inputs that SUCCESSED in 2020, long before any gate of these tests.
old_success='[{"task_id": "oldSuccess000000001", "status": "SUCCESSED", "progress": 100.0, "path": "/emulator-obs/old/",
  "export_type": 0, "export_format": 2, "total_sample_count": 20, "finished_sample_count": 20,
  "create_time": 1606103820120, "update_time": 1606103824823}]'

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

# The gate's message for the FAILED export of dataset model-inputs (its ids differ each run): the
# playbooks name the dataset by name, and the message names it as they did.
gate_failed_msg="Export task [A-Za-z0-9]* of dataset model-inputs ([A-Za-z0-9]*) is FAILED (ModelArts.4358: Invalid export path); required: SUCCESSED"
no_export_msg="No export task of dataset model-inputs ([A-Za-z0-9]*) exists; required: SUCCESSED (allow_empty: true passes an empty selection)"

# Every guide's environment block sets the region as the README's does; the playbooks take it from there.
export OS_REGION_NAME=eu-de

# --- gate-on-export.md: the newest export, password credentials from OS_* variables ---
export OS_USERNAME=emulator-user OS_PASSWORD=emulator-password OS_USER_DOMAIN_NAME=emulator-domain
newest_gate=("$guides/gate-on-export.yml" "${endpoints[@]}" -e dataset_name=model-inputs -e export_wait_sleep=1)

# Passes: the newest export SUCCESSED while the gate waited (an older one SUCCESSED too).
prepare SUCCESSED 6 "$old_success"
ansible-playbook "${newest_gate[@]}" "$@" | tee "$work_dir/gate-ok.log"
grep -q "of dataset model-inputs SUCCESSED, written to /emulator-obs/model-inputs/" "$work_dir/gate-ok.log"

# Fails: the newest export FAILED while the gate waited.
prepare FAILED 6 "$old_success"
expect_failure "$work_dir/gate-failed.log" "${newest_gate[@]}" "$@"
grep -q "\"msg\": \"$gate_failed_msg\"" "$work_dir/gate-failed.log"
grep -q "failed=1" "$work_dir/gate-failed.log"

# Fails: the newest export FAILED a second after it started, before the gate did; an older one
# SUCCESSED. A gate on "what is running now" passed here.
prepare FAILED 1 "$old_success"
sleep 2
expect_failure "$work_dir/gate-failed-before.log" "${newest_gate[@]}" "$@"
grep -q "\"msg\": \"$gate_failed_msg\"" "$work_dir/gate-failed-before.log"

# Fails: the newest export is still running when wait_timeout runs out; the message names it with its progress.
prepare SUCCESSED 15
expect_failure "$work_dir/gate-timeout.log" "${newest_gate[@]}" -e export_wait_timeout=3 "$@"
grep -q "\"msg\": \"Timed out after 3s waiting for export tasks of dataset model-inputs ([A-Za-z0-9]*) to finish; still unfinished: [A-Za-z0-9]* (RUNNING, [0-9.]*%)\"" \
    "$work_dir/gate-timeout.log"

# Fails: the dataset has no export at all.
prepare none
expect_failure "$work_dir/gate-no-export.log" "${newest_gate[@]}" "$@"
grep -q "\"msg\": \"$no_export_msg\"" "$work_dir/gate-no-export.log"

expect_failure "$work_dir/gate-unknown.log" "${newest_gate[@]}" \
    -e dataset_name=no-such-dataset "$@"
grep -q "No dataset named no-such-dataset in project" "$work_dir/gate-unknown.log"

# --- gate-on-export.md: every export since the pipeline started ---
since_gate=("$guides/gate-on-all-exports.yml" "${endpoints[@]}" -e dataset_name=model-inputs -e export_wait_sleep=1)
since_msg="export(s) of dataset model-inputs since [0-9TZ:-]*, all SUCCESSED"

# Passes: the export of this run SUCCESSED; the one of 2020 is not selected.
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
prepare SUCCESSED 6 "$old_success"
ansible-playbook "${since_gate[@]}" -e "exports_since=$since" "$@" | tee "$work_dir/since-ok.log"
grep -q "\"msg\": \"1 $since_msg\"" "$work_dir/since-ok.log"

# Fails: it FAILED while the gate waited.
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
prepare FAILED 6 "$old_success"
expect_failure "$work_dir/since-failed.log" "${since_gate[@]}" -e "exports_since=$since" "$@"
grep -q "\"msg\": \"$gate_failed_msg\"" "$work_dir/since-failed.log"

# Fails: it FAILED before the gate started.
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
prepare FAILED 1 "$old_success"
sleep 2
expect_failure "$work_dir/since-failed-before.log" "${since_gate[@]}" -e "exports_since=$since" "$@"
grep -q "\"msg\": \"$gate_failed_msg\"" "$work_dir/since-failed-before.log"

# Fails: still running when wait_timeout runs out.
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
prepare SUCCESSED 15
expect_failure "$work_dir/since-timeout.log" "${since_gate[@]}" -e "exports_since=$since" -e export_wait_timeout=3 "$@"
grep -q "\"msg\": \"Timed out after 3s waiting for export tasks of dataset model-inputs ([A-Za-z0-9]*) to finish; still unfinished: " \
    "$work_dir/since-timeout.log"

# Fails: no export since then (only the one of 2020), naming the window; passes with allow_empty=true.
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
prepare none 0 "$old_success"
expect_failure "$work_dir/since-none.log" "${since_gate[@]}" -e "exports_since=$since" "$@"
grep -q "\"msg\": \"No export task of dataset model-inputs ([A-Za-z0-9]*) matched created_after $since; required: SUCCESSED (allow_empty: true passes an empty selection)\"" \
    "$work_dir/since-none.log"
ansible-playbook "${since_gate[@]}" -e "exports_since=$since" -e allow_empty=true "$@" | tee "$work_dir/since-none-allowed.log"
grep -q "\"msg\": \"0 $since_msg\"" "$work_dir/since-none-allowed.log"

# A bad time is refused before any request, naming the option.
expect_failure "$work_dir/since-bad.log" "${since_gate[@]}" -e exports_since=1796544000 "$@"
grep -q "created_after as a number is epoch milliseconds (13 digits today), got 1796544000; that looks like seconds: multiply by 1000" \
    "$work_dir/since-bad.log"
unset OS_USERNAME OS_PASSWORD OS_USER_DOMAIN_NAME

# --- audit-exports.md, password credentials from the README's OS_* variables ---
prepare
report="$work_dir/export-audit.md"
OS_USERNAME=emulator-user OS_PASSWORD=emulator-password OS_USER_DOMAIN_NAME=emulator-domain \
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
# Each family is taken whole: the HW_* keys with HW_REGION_NAME, the SDK's keys with the region as an option.
HW_ACCESS_KEY=EMULATORAK0000000001 HW_SECRET_KEY=emulator-sk-0000000000000000000000000001 HW_REGION_NAME=eu-de \
    ansible-playbook "$guides/authentication.yml" "${endpoints[@]}" "$@" | tee "$work_dir/auth-aksk.log"
OS_AUTH_TOKEN="$(python ../setup_emulator/issue_token.py "$MLOPS_EMULATOR_URL")" \
    ansible-playbook "$guides/authentication.yml" "${endpoints[@]}" "$@" | tee "$work_dir/auth-token.log"
HUAWEICLOUD_SDK_AK=EMULATORAK0000000001 HUAWEICLOUD_SDK_SK=emulator-sk-0000000000000000000000000001 \
    ansible-playbook "$guides/authentication.yml" "${endpoints[@]}" -e region=eu-de "$@" | tee "$work_dir/auth-sdk.log"
for method in password aksk token sdk; do
    grep -q '"msg": "5 datasets in eu-de: dataset-detection, ' "$work_dir/auth-$method.log"
done
# ECS metadata keys (the emulator plays the metadata service), and an agency of another account on top
# of AK/SK and of a password: the audited account's project has one dataset.
HW_METADATA_CREDENTIALS=true HW_METADATA_ENDPOINT="$MLOPS_EMULATOR_URL" HW_REGION_NAME=eu-de \
    ansible-playbook "$guides/authentication.yml" "${endpoints[@]}" "$@" | tee "$work_dir/auth-metadata.log"
grep -q '"msg": "5 datasets in eu-de: dataset-detection, ' "$work_dir/auth-metadata.log"
agency=(HW_ASSUME_ROLE_AGENCY_NAME=audit-agency HW_ASSUME_ROLE_DOMAIN_NAME=partner-domain HW_REGION_NAME=eu-de)
env "${agency[@]}" HW_ACCESS_KEY=EMULATORAK0000000001 HW_SECRET_KEY=emulator-sk-0000000000000000000000000001 \
    ansible-playbook "$guides/authentication.yml" "${endpoints[@]}" "$@" | tee "$work_dir/auth-agency-aksk.log"
env "${agency[@]}" HW_USER_NAME=emulator-user HW_USER_PASSWORD=emulator-password HW_DOMAIN_NAME=emulator-domain \
    ansible-playbook "$guides/authentication.yml" "${endpoints[@]}" "$@" | tee "$work_dir/auth-agency-password.log"
for method in aksk password; do
    grep -q '"msg": "1 datasets in eu-de: partner-dataset"' "$work_dir/auth-agency-$method.log"
done
# An agency that does not trust the user's account fails before any ModelArts request, naming it.
HW_ASSUME_ROLE_AGENCY_NAME=closed-agency HW_ASSUME_ROLE_DOMAIN_NAME=partner-domain HW_REGION_NAME=eu-de \
    HW_USER_NAME=emulator-user HW_USER_PASSWORD=emulator-password HW_DOMAIN_NAME=emulator-domain \
    expect_failure "$work_dir/auth-agency-refused.log" "$guides/authentication.yml" "${endpoints[@]}" "$@"
grep -q 'closed-agency of domain partner-domain' "$work_dir/auth-agency-refused.log"
if grep -q 'emulator-password' "$work_dir/auth-agency-refused.log"; then echo "the password was printed" >&2; exit 1; fi
# A complete HW_* password set goes to HW_AUTH_URL, not to an OS_AUTH_URL left over from another shell
# (here a closed port: had the password gone there, the run would fail).
hw_password_set=(HW_USER_NAME=emulator-user HW_USER_PASSWORD=emulator-password HW_DOMAIN_NAME=emulator-domain
                 HW_REGION_NAME=eu-de "HW_AUTH_URL=$MLOPS_EMULATOR_URL/v3")
(
    export "${hw_password_set[@]}" OS_AUTH_URL=http://127.0.0.1:9/v3
    ansible-playbook "$guides/authentication.yml" -e "modelarts_endpoint=$MLOPS_EMULATOR_URL" "$@" \
        | tee "$work_dir/auth-hw-family.log"
)
grep -q '"msg": "5 datasets in eu-de: dataset-detection, ' "$work_dir/auth-hw-family.log"
# With a stale OS_USERNAME as well, the families are not mixed: the run fails naming both, and what to unset.
(
    export "${hw_password_set[@]}"
    OS_USERNAME=stale-user expect_failure "$work_dir/auth-two-families.log" "$guides/authentication.yml" \
        "${endpoints[@]}" "$@"
)
grep -q 'The environment holds credentials of more than one family (OS_\*: OS_USERNAME; HW_\*: HW_USER_NAME, HW_USER_PASSWORD, HW_DOMAIN_NAME)' \
    "$work_dir/auth-two-families.log"
grep -q 'to keep HW_\*: unset OS_USERNAME)' "$work_dir/auth-two-families.log"
if grep -q 'emulator-password' "$work_dir/auth-two-families.log"; then echo "the password was printed" >&2; exit 1; fi

# --- declare-data-in-vars.md: lookups in vars, password credentials from OS_* variables ---
export OS_USERNAME=emulator-user OS_PASSWORD=emulator-password OS_USER_DOMAIN_NAME=emulator-domain
prepare
ansible-playbook "$guides/declare-data-in-vars.yml" "${endpoints[@]}" -e dataset_name=dataset-example "$@" \
    | tee "$work_dir/vars-ok.log"
grep -q '"msg": "dataset-example: 2 export(s), 0 FAILED"' "$work_dir/vars-ok.log"
grep -q '"msg": "dataset-detection: [0-9]* export(s), [1-9][0-9]* FAILED"' "$work_dir/vars-ok.log"
expect_failure "$work_dir/vars-failed.log" "$guides/declare-data-in-vars.yml" "${endpoints[@]}" \
    -e dataset_name=dataset-detection "$@"
grep -q "Export task detectionStuck00003 of dataset dataset-detection (datasetDetectionxxxx) is RUNNING (37.5%); required: SUCCESSED" \
    "$work_dir/vars-failed.log"
expect_failure "$work_dir/vars-empty.log" "$guides/declare-data-in-vars.yml" "${endpoints[@]}" \
    -e dataset_name=dataset-empty "$@"
grep -q "No export task of dataset dataset-empty (datasetEmptyxxxxxxxx) exists; required: SUCCESSED" "$work_dir/vars-empty.log"
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
grep -q '"msg": "Export task exportToVersion0001 of dataset model-inputs ([A-Za-z0-9]*) is FAILED (ModelArts.4358: Invalid export path); required: SUCCESSED"' \
    "$work_dir/version-export-failed.log"
prepare_version_gate SUCCESSED 4
expect_failure "$work_dir/version-failed.log" "${version_gate[@]}" "$@"
grep -q '"msg": "Dataset version exportedVersion0001 of dataset [A-Za-z0-9]* is ERROR (Dataset publish version failed); required: RUNNING"' \
    "$work_dir/version-failed.log"
unset OS_USERNAME OS_PASSWORD OS_USER_DOMAIN_NAME

# --- audit-exports.md: the project-wide gate ---
export OS_USERNAME=emulator-user OS_PASSWORD=emulator-password OS_USER_DOMAIN_NAME=emulator-domain
project_gate=("$guides/gate-on-project.yml" "${endpoints[@]}" -e "violations_path=$work_dir/violations.json")
rules="require_export_status: SUCCESSED; require_version_status: RUNNING; require_import_status: COMPLETED"

# Fails on the seed project: a short message, every violation in the file the rescue wrote.
prepare
expect_failure "$work_dir/project-failed.log" "${project_gate[@]}" "$@"
message=$(sed -n 's/^fatal: .*"msg": "\([0-9]* violations in [0-9]* datasets: .*\)"}$/\1/p' "$work_dir/project-failed.log")
echo "project gate message (${#message} characters): $message"
test "${#message}" -gt 0 && test "${#message}" -lt 1000
case "$message" in *"; and "*" more; $rules") ;; *) echo "unexpected project gate message" >&2; exit 1 ;; esac
python - "$work_dir/violations.json" "$message" <<'PY'
import json, re, sys
violations = json.load(open(sys.argv[1]))
count = int(re.match(r'(\d+) violations in (\d+) datasets', sys.argv[2]).group(1))
assert len(violations) == count, (len(violations), count)
assert {v['resource'] for v in violations} == {'export task', 'dataset version', 'import task'}, violations[:3]
assert any(v['dataset_name'] == 'dataset-empty' and v['id'] is None for v in violations)
print('%d violations written, the message names the first ones' % len(violations))
PY

# Passes: one dataset whose export SUCCESSED, whose version is ready and whose import COMPLETED.
prepare none 0 "$old_success"
emulator admin --url "$MLOPS_EMULATOR_URL" datasets '{"dataset_name": "all-good", "tasks": '"$old_success"',
    "running_versions": [{"seconds": 0, "outcome": 1}], "running_imports": [{"seconds": 0, "outcome": "COMPLETED"}]}' > /dev/null
sleep 1
ansible-playbook "${project_gate[@]}" -e dataset_name=all-good "$@" | tee "$work_dir/project-ok.log"
grep -q '"msg": "1 dataset(s): every export SUCCESSED, every version ready, every import COMPLETED"' "$work_dir/project-ok.log"

# Fails: model-inputs has an export but no version and no import.
expect_failure "$work_dir/project-missing.log" "${project_gate[@]}" -e dataset_name=model-inputs "$@"
grep -q '"msg": "2 violations in 1 dataset: dataset model-inputs ([A-Za-z0-9]*) has no dataset version; dataset model-inputs ([A-Za-z0-9]*) has no import task; '"$rules"'"' \
    "$work_dir/project-missing.log"

# Fails: no dataset matched; passes with allow_empty=true.
expect_failure "$work_dir/project-none.log" "${project_gate[@]}" -e dataset_name=no-such-dataset "$@"
grep -q '"msg": "No dataset matched dataset_name no-such-dataset; '"$rules"' (allow_empty: true passes an empty selection)"' \
    "$work_dir/project-none.log"
ansible-playbook "${project_gate[@]}" -e dataset_name=no-such-dataset -e allow_empty=true "$@" \
    | tee "$work_dir/project-none-allowed.log"
grep -q '"msg": "0 dataset(s): every export SUCCESSED' "$work_dir/project-none-allowed.log"
unset OS_USERNAME OS_PASSWORD OS_USER_DOMAIN_NAME
