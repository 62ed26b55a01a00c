"""Tests of the local IAM/ModelArts emulator, run as a real process and spoken to over HTTP."""

import datetime
import email.utils
import json
import os
import re
import subprocess
import sys
import time
import zlib

import pytest
# Pinned in tests/requirements.txt (as is trustme, which the emulator's TLS mode needs): a missing
# one must fail the run, never skip these tests.
import requests
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, REPO_ROOT)

from emulator import seed  # noqa: E402

EU_DE = seed.PROJECT_EU_DE_ID
TASKS_PATH = "/v2/%s/datasets/%%s/export-tasks" % EU_DE


class Creds(object):
    def __init__(self, ak, sk):
        self.ak = ak
        self.sk = sk


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, env.get("PYTHONPATH")) if p)
    return env


@pytest.fixture(scope="module")
def base_url(emulator_url):
    return emulator_url


@pytest.fixture(autouse=True)
def fresh_state(base_url):
    assert requests.post(base_url + "/_emulator/reset").status_code == 200


def get_token(base_url, project_scope=None):
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": seed.USER_NAME, "password": seed.USER_PASSWORD, "domain": {"name": seed.DOMAIN_NAME}}}},
        "scope": {"project": project_scope or {"name": seed.PROJECT_EU_DE_NAME}}}}
    response = requests.post(base_url + "/v3/auth/tokens", json=body)
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def token_get(base_url, path, token, params=None):
    return requests.get(base_url + path, headers={"X-Auth-Token": token}, params=params)


def signed_request(base_url, method, path, query=None, body="", ak=seed.PERMANENT_AK, sk=seed.PERMANENT_SK,
                   extra_headers=None, sdk_date=None, tamper=None):
    """Sign like the SDK client does, optionally tamper with the signed request, then send it."""
    host = base_url.split("://", 1)[1]
    headers = {"Content-Type": "application/json"}
    headers.update(extra_headers or {})
    if sdk_date is not None:
        headers["X-Sdk-Date"] = sdk_date.strftime("%Y%m%dT%H%M%SZ")
    request = SdkRequest(method=method, schema="http", host=host, resource_path=path,
                         query_params=list((query or {}).items()), header_params=headers, body=body)
    Signer(Creds(ak, sk)).sign(request)
    url = "http://%s%s" % (host, request.uri)
    if tamper is not None:
        url = tamper(url)
    return requests.request(method, url, headers=request.header_params, data=request.body)


def assert_error(response, status, error_code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert len(response.headers["X-Request-Id"]) == 32
    assert response.json()["error_code"] == error_code, response.text
    return response.json()["error_msg"]


# --- IAM ---

def test_token_then_example_tasks_exactly_as_documented(base_url):
    token = get_token(base_url)
    response = token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token)
    assert response.status_code == 200
    assert len(response.headers["X-Request-Id"]) == 32
    assert response.json() == {"total_count": 2, "export_tasks": seed.EXAMPLE_TASKS}


def test_token_body_and_scope_by_project_id(base_url):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": seed.USER_NAME, "password": seed.USER_PASSWORD, "domain": {"name": seed.DOMAIN_NAME}}}},
        "scope": {"project": {"id": seed.PROJECT_EU_NL_ID}}}}
    response = requests.post(base_url + "/v3/auth/tokens", json=body)
    assert response.status_code == 201
    token = response.json()["token"]
    assert token["project"]["name"] == seed.PROJECT_EU_NL_NAME
    assert token["expires_at"].endswith("Z") and token["methods"] == ["password"]
    # That token is scoped to eu-nl: eu-de resources are forbidden with it.
    forbidden = token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, response.headers["X-Subject-Token"])
    assert_error(forbidden, 403, "ModelArts.0210")


def test_token_wrong_password_unknown_project_and_malformed_body(base_url):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": seed.USER_NAME, "password": "wrong", "domain": {"name": seed.DOMAIN_NAME}}}},
        "scope": {"project": {"name": "eu-de"}}}}
    response = requests.post(base_url + "/v3/auth/tokens", json=body)
    assert_error(response, 401, "IAM.0006")
    assert response.json()["error"]["message"] == "The username or password is wrong."
    body["auth"]["identity"]["password"]["user"]["password"] = seed.USER_PASSWORD
    body["auth"]["scope"]["project"]["name"] = "no-such-region"
    assert "no-such-region" in assert_error(requests.post(base_url + "/v3/auth/tokens", json=body), 400, "IAM.0011")
    assert_error(requests.post(base_url + "/v3/auth/tokens", data="{not json"), 400, "IAM.0011")


def test_projects_by_name_needs_credentials(base_url):
    assert_error(requests.get(base_url + "/v3/projects", params={"name": "eu-de"}), 401, "APIG.1000")
    response = signed_request(base_url, "GET", "/v3/projects", query={"name": "eu-nl"})
    assert response.status_code == 200
    assert response.json()["projects"][0]["id"] == seed.PROJECT_EU_NL_ID
    assert token_get(base_url, "/v3/projects", get_token(base_url), {"name": "nowhere"}).json()["projects"] == []


# --- ModelArts reads ---

def test_paging_250_tasks_by_page_index(base_url):
    token = get_token(base_url)
    pages = [token_get(base_url, TASKS_PATH % seed.DATASET_250_ID, token, {"limit": 100, "offset": offset}).json()
             for offset in range(4)]
    assert [len(page["export_tasks"]) for page in pages] == [100, 100, 50, 0]
    assert {page["total_count"] for page in pages} == {250}
    tasks = [task for page in pages for task in page["export_tasks"]]
    assert len({task["task_id"] for task in tasks}) == 250
    create_times = [task["create_time"] for task in tasks]
    assert create_times == sorted(create_times, reverse=True)
    failed = [task for task in tasks if task["status"] == "FAILED"]
    assert failed and all(task["error_code"].startswith("ModelArts.") and task["error_msg"] for task in failed)


def test_export_type_filter_counts_matching_tasks(base_url):
    expected = sum(1 for task in seed.generate_tasks(seed.DATASET_250_TASK_COUNT) if task["export_type"] == 1)
    response = token_get(base_url, TASKS_PATH % seed.DATASET_250_ID, get_token(base_url),
                         {"export_type": 1, "limit": 100})
    assert response.json()["total_count"] == expected
    assert {task["export_type"] for task in response.json()["export_tasks"]} == {1}


@pytest.mark.parametrize("name,value", [
    ("limit", "0"), ("limit", "101"), ("limit", "ten"), ("offset", "-1"), ("offset", "1.5"),
    ("export_type", "4"), ("export_type", "x"),
])
def test_invalid_query_parameters_are_400_naming_the_parameter(base_url, name, value):
    response = token_get(base_url, TASKS_PATH % seed.DATASET_250_ID, get_token(base_url), {name: value})
    assert name in assert_error(response, 400, "ModelArts.4200")


def test_unknown_dataset_and_task(base_url):
    token = get_token(base_url)
    assert_error(token_get(base_url, TASKS_PATH % "nope", token), 400, "ModelArts.4352")
    assert_error(token_get(base_url, "/v2/%s/datasets/nope" % EU_DE, token), 400, "ModelArts.4352")
    assert_error(token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID + "/nope", token), 400, "ModelArts.4359")
    task = token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID + "/TZMuy7OKbClkGCAc3gb", token).json()
    assert task == seed.EXAMPLE_TASKS[1]


def test_dataset_list_and_detail(base_url):
    token = get_token(base_url)
    listing = token_get(base_url, "/v2/%s/datasets" % EU_DE, token, {"search_content": "dataset-e"}).json()
    assert sorted(d["dataset_name"] for d in listing["datasets"]) == ["dataset-empty", "dataset-example"]
    assert listing["total_number"] == 2
    detail = token_get(base_url, "/v2/%s/datasets/%s" % (EU_DE, seed.DATASET_EMPTY_ID), token).json()
    assert detail["dataset_name"] == seed.DATASET_EMPTY_NAME
    empty = token_get(base_url, TASKS_PATH % seed.DATASET_EMPTY_ID, token).json()
    assert empty == {"total_count": 0, "export_tasks": []}


def test_dataset_list_pages_by_page_index_and_filters(base_url):
    token = get_token(base_url)
    path = "/v2/%s/datasets" % EU_DE
    everything = token_get(base_url, path, token).json()
    assert everything["total_number"] == 5
    second = token_get(base_url, path, token, {"limit": 2, "offset": 1}).json()
    assert second["datasets"] == everything["datasets"][2:4]
    detection = token_get(base_url, path, token, {"dataset_type": 1}).json()
    assert [d["dataset_id"] for d in detection["datasets"]] == [seed.DATASET_DETECTION_ID]
    assert token_get(base_url, path, token, {"support_export": "true"}).json()["total_number"] == 5
    assert token_get(base_url, path, token, {"workspace_id": "elsewhere"}).json()["total_number"] == 0
    assert_error(token_get(base_url, path, token, {"dataset_type": 2}), 400, "ModelArts.4200")
    assert_error(token_get(base_url, path, token, {"support_export": "yes"}), 400, "ModelArts.4200")


def test_running_tasks_are_detected_only_when_asked(base_url):
    token = get_token(base_url)
    detail_path = "/v2/%s/datasets/%s" % (EU_DE, seed.DATASET_DETECTION_ID)
    assert token_get(base_url, detail_path, token).json()["exist_running_task"] is False
    detected = token_get(base_url, detail_path, token, {"check_running_task": "true"}).json()
    assert detected["exist_running_task"] is True
    assert detected["running_tasks_id"] == [seed.DETECTION_STUCK_TASK_ID]
    labeling = token_get(base_url, detail_path, token, {"check_running_task": "true", "running_task_type": 0}).json()
    assert labeling["running_tasks_id"] == []
    listing = token_get(base_url, "/v2/%s/datasets" % EU_DE, token, {"check_running_task": "true"}).json()
    running = dict((d["dataset_name"], d["exist_running_task"]) for d in listing["datasets"])
    assert running == {seed.DATASET_EXAMPLE_NAME: False, seed.DATASET_250_NAME: True, seed.DATASET_EMPTY_NAME: False,
                       seed.DATASET_RUNNING_NAME: True, seed.DATASET_DETECTION_NAME: True}


def test_seeded_running_dataset_is_running_at_start(base_url):
    tasks = token_get(base_url, TASKS_PATH % seed.DATASET_RUNNING_ID, get_token(base_url)).json()["export_tasks"]
    assert {task["task_id"] for task in tasks} == {seed.RUNNING_SUCCESS_TASK_ID, seed.RUNNING_FAILURE_TASK_ID}
    assert all(task["status"] == "RUNNING" and 0 < task["progress"] < 100 for task in tasks)


# --- token checks ---

def test_bad_and_expired_tokens(base_url):
    path = TASKS_PATH % seed.DATASET_EXAMPLE_ID
    assert_error(requests.get(base_url + path), 401, "APIG.1000")
    assert_error(token_get(base_url, path, "made-up"), 401, "APIG.0307")
    requests.post(base_url + "/_emulator/config", json={"token_ttl_seconds": 0})
    assert_error(token_get(base_url, path, get_token(base_url)), 401, "APIG.0307")


# --- AK/SK ---

def test_sdk_signed_requests_are_accepted(base_url):
    response = signed_request(base_url, "GET", TASKS_PATH % seed.DATASET_250_ID,
                              query={"limit": 5, "offset": 2, "export_type": 2},
                              extra_headers={"X-Project-Id": EU_DE})
    assert response.status_code == 200, response.text
    assert len(response.json()["export_tasks"]) <= 5
    created = signed_request(base_url, "POST", TASKS_PATH % seed.DATASET_EMPTY_ID,
                             body='{"path": "/bucket/out dir/", "export_type": 3}')
    assert created.status_code == 200, created.text
    assert created.json()["task_id"]


@pytest.mark.parametrize("case", ["changed_query", "wrong_sk", "old_date", "unknown_ak"])
def test_bad_signatures_are_401(base_url, case):
    options = {
        "changed_query": {"tamper": lambda url: url.replace("limit=5", "limit=6")},
        "wrong_sk": {"sk": "not-the-secret"},
        "old_date": {"sdk_date": datetime.datetime.utcnow() - datetime.timedelta(minutes=20)},
        "unknown_ak": {"ak": "UNKNOWNAK00000000000"},
    }[case]
    response = signed_request(base_url, "GET", TASKS_PATH % seed.DATASET_250_ID, query={"limit": 5}, **options)
    message = assert_error(response, 401, "APIG.0301")
    expected_words = {"changed_query": "signature fail", "wrong_sk": "signature fail",
                      "old_date": "clock skew", "unknown_ak": "unknown access key"}[case]
    assert expected_words in message


def test_temporary_ak_needs_its_security_token(base_url):
    path = TASKS_PATH % seed.DATASET_EXAMPLE_ID
    without = signed_request(base_url, "GET", path, ak=seed.TEMPORARY_AK, sk=seed.TEMPORARY_SK)
    assert "X-Security-Token" in assert_error(without, 401, "APIG.0301")
    with_token = signed_request(base_url, "GET", path, ak=seed.TEMPORARY_AK, sk=seed.TEMPORARY_SK,
                                extra_headers={"X-Security-Token": seed.TEMPORARY_SECURITY_TOKEN})
    assert with_token.status_code == 200, with_token.text


def test_project_header_must_match_path(base_url):
    response = signed_request(base_url, "GET", TASKS_PATH % seed.DATASET_EXAMPLE_ID,
                              extra_headers={"X-Project-Id": seed.PROJECT_EU_NL_ID})
    assert_error(response, 403, "ModelArts.0210")


# --- admin, progression, faults ---

def test_stats_count_served_requests_but_not_admin_ones(base_url):
    token = get_token(base_url)
    for _attempt in range(3):
        token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token)
    requests.get(base_url + "/nowhere")
    requests.get(base_url + "/_emulator/health")
    stats = requests.get(base_url + "/_emulator/stats").json()
    assert stats["total"] == 5
    assert stats["by_route"]["POST /v3/auth/tokens"] == 1
    assert stats["by_route"]["GET /v2/{project_id}/datasets/{dataset_id}/export-tasks"] == 3
    last = dict(stats["requests"][-1])
    arrived = last.pop("at")
    assert last == {"method": "GET", "path": "/nowhere", "query": "", "status": 404}
    # "at" is the server's monotonic clock: each request arrived no earlier than the one before.
    assert [entry["at"] for entry in stats["requests"]] == sorted(entry["at"] for entry in stats["requests"])
    assert isinstance(arrived, float)


def test_created_task_goes_init_running_successed(base_url):
    # Phases long enough that polling every 50 ms sees each of them even on a loaded machine.
    requests.post(base_url + "/_emulator/config", json={"task_init_seconds": 1.0, "task_run_seconds": 2.0})
    token = get_token(base_url)
    created = requests.post(base_url + TASKS_PATH % seed.DATASET_EXAMPLE_ID, headers={"X-Auth-Token": token},
                            json={"path": "/bucket/out/", "export_type": 0})
    task_id = created.json()["task_id"]
    listing = token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token).json()
    assert listing["total_count"] == 3 and listing["export_tasks"][0]["task_id"] == task_id
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        task = token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID + "/" + task_id, token).json()
        if not seen or seen[-1] != task["status"]:
            seen.append(task["status"])
        if task["status"] == "SUCCESSED":
            break
        time.sleep(0.05)
    assert seen == ["INIT", "RUNNING", "SUCCESSED"]
    assert task["progress"] == 100.0 and task["finished_sample_count"] == task["total_sample_count"]


def test_admin_dataset_with_failing_task(base_url):
    added = requests.post(base_url + "/_emulator/datasets", json={
        "dataset_name": "added", "task_count": 12, "running": [{"seconds": 2.0, "outcome": "FAILED"}]})
    dataset_id = added.json()["dataset_id"]
    token = get_token(base_url)
    assert token_get(base_url, TASKS_PATH % dataset_id, token).json()["total_count"] == 13
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and seen[-1:] != ["FAILED"]:
        newest = token_get(base_url, TASKS_PATH % dataset_id, token, {"limit": 1}).json()["export_tasks"][0]
        if seen[-1:] != [newest["status"]]:
            seen.append(newest["status"])
        time.sleep(0.05)
    assert seen == ["RUNNING", "FAILED"]
    assert newest["error_code"] == seed.RUNNING_FAILURE_ERROR_CODE


def test_injected_statuses_then_normal_service(base_url):
    requests.post(base_url + "/_emulator/faults", json={"status_sequence": [429, 503], "retry_after": 1})
    token = get_token(base_url)  # IAM is not affected by the ModelArts fault plan
    path = TASKS_PATH % seed.DATASET_EXAMPLE_ID
    throttled = token_get(base_url, path, token)
    assert_error(throttled, 429, "APIG.0308")
    assert throttled.headers["Retry-After"] == "1"
    assert_error(token_get(base_url, path, token), 503, "APIG.0202")
    assert token_get(base_url, path, token).status_code == 200


def test_record_offset_mode(base_url):
    requests.post(base_url + "/_emulator/faults", json={"offset_mode": "record"})
    token = get_token(base_url)
    first = token_get(base_url, TASKS_PATH % seed.DATASET_250_ID, token, {"limit": 10, "offset": 0}).json()
    second = token_get(base_url, TASKS_PATH % seed.DATASET_250_ID, token, {"limit": 10, "offset": 5}).json()
    assert second["export_tasks"][0] == first["export_tasks"][5]


# --- CLI ---

def test_start_and_stop_in_background(tmp_path):
    state_dir = str(tmp_path / "state")
    started = subprocess.run([sys.executable, "-m", "emulator", "start", "--state-dir", state_dir],
                             env=_env(), stdout=subprocess.PIPE, timeout=30, check=True)
    url = started.stdout.decode().strip()
    with open(os.path.join(state_dir, "url")) as handle:
        assert handle.read().strip() == url
    assert requests.get(url + "/_emulator/health").json() == {"ok": True}
    subprocess.run([sys.executable, "-m", "emulator", "stop", "--state-dir", state_dir],
                   env=_env(), timeout=30, check=True)
    assert not os.path.exists(os.path.join(state_dir, "pid"))
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/_emulator/health", timeout=2)
    # Stopping again, with nothing running, still succeeds.
    subprocess.run([sys.executable, "-m", "emulator", "stop", "--state-dir", state_dir],
                   env=_env(), timeout=30, check=True)


def _admin(*args):
    return subprocess.run([sys.executable, "-m", "emulator", "admin"] + list(args), env=_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=False)


def test_admin_posts_json_and_gets_without_a_body(base_url):
    posted = _admin("--url", base_url, "config", '{"task_run_seconds": 7}')
    assert posted.returncode == 0, posted.stderr
    assert requests.get(base_url + "/_emulator/config").json()["task_run_seconds"] == 7
    got = _admin("--url", base_url, "config")
    assert got.returncode == 0 and json.loads(got.stdout)["task_run_seconds"] == 7


@pytest.mark.parametrize("args, status, message", [
    (["datasets", "{}"], 1, "HTTP 400: .*dataset_name is required"),
    (["datasets", "{not json"], 2, "BODY is not JSON"),
])
def test_admin_fails_saying_why(base_url, args, status, message):
    outcome = _admin("--url", base_url, *args)
    assert outcome.returncode == status
    assert re.search(message, outcome.stderr.decode())


def test_an_exited_server_awaiting_its_reaper_counts_as_stopped():
    # ``stop`` waits until the server is gone; one that has exited but is not yet reaped (a zombie:
    # its parent, init, reaps it when it gets to it) must not keep ``stop`` waiting.
    from emulator import cli

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # it has exited; WNOWAIT leaves it unreaped
        assert not cli._pid_alive(child.pid)
    finally:
        child.wait()
    assert not cli._pid_alive(child.pid)


# --- more faults ---

def post_faults(base_url, spec):
    response = requests.post(base_url + "/_emulator/faults", json=spec)
    assert response.status_code == 200, response.text
    return response.json()


def recent_statuses(base_url, count):
    return [entry["status"] for entry in requests.get(base_url + "/_emulator/stats").json()["requests"][-count:]]


def test_drop_connections_only_on_matching_paths(base_url):
    token = get_token(base_url)
    post_faults(base_url, {"drop_connections": 1, "only_paths_containing": "/export-tasks"})
    # A /v2 path without the substring is served normally and does not use the fault up.
    assert token_get(base_url, "/v2/%s/datasets" % EU_DE, token).status_code == 200
    with pytest.raises(requests.ConnectionError) as raised:
        token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token)
    assert "RemoteDisconnected" in repr(raised.value) or "reset" in repr(raised.value).lower()
    assert token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token).status_code == 200
    assert recent_statuses(base_url, 3) == [200, 0, 200]
    stats = requests.get(base_url + "/_emulator/stats").json()
    assert stats["by_route"]["GET /v2/{project_id}/datasets/{dataset_id}/export-tasks"] == 2
    assert stats["total"] == 4  # token, datasets, dropped, served
    assert requests.get(base_url + "/_emulator/faults").json()["pending"] == []


def test_malformed_json_has_a_correct_length_and_keeps_the_connection(base_url):
    token = get_token(base_url)
    post_faults(base_url, {"malformed_json": 2})
    with requests.Session() as session:
        session.headers["X-Auth-Token"] = token
        for _attempt in range(2):
            response = session.get(base_url + TASKS_PATH % seed.DATASET_EXAMPLE_ID)
            assert response.status_code == 200
            assert int(response.headers["Content-Length"]) == len(response.content) > 0
            with pytest.raises(ValueError):
                response.json()
        assert session.get(base_url + TASKS_PATH % seed.DATASET_EXAMPLE_ID).json()["total_count"] == 2
    assert recent_statuses(base_url, 3) == [200, 200, 200]


def test_truncated_body_is_an_incomplete_read(base_url):
    token = get_token(base_url)
    post_faults(base_url, {"truncated_body": 1})
    with pytest.raises(requests.RequestException) as raised:
        token_get(base_url, TASKS_PATH % seed.DATASET_250_ID, token)
    assert "IncompleteRead" in repr(raised.value)
    assert token_get(base_url, TASKS_PATH % seed.DATASET_250_ID, token).json()["total_count"] == 250
    assert recent_statuses(base_url, 2) == [200, 200]


def test_slow_body_times_out_a_short_read_timeout(base_url):
    token = get_token(base_url)
    # A slow body takes 2 s; a read timeout of 1.5 s tells slow from normal with room for a loaded machine.
    post_faults(base_url, {"slow_body": 2, "slow_body_seconds": 2.0})
    path = base_url + TASKS_PATH % seed.DATASET_EXAMPLE_ID
    with pytest.raises(requests.RequestException) as raised:
        requests.get(path, headers={"X-Auth-Token": token}, timeout=(5, 1.5))
    assert "timed out" in str(raised.value)
    started = time.monotonic()
    patient = requests.get(path, headers={"X-Auth-Token": token}, timeout=(5, 10))
    assert time.monotonic() - started >= 1.9
    assert patient.json()["total_count"] == 2
    # Both slow answers are used up: the next one arrives within the same short read timeout.
    assert requests.get(path, headers={"X-Auth-Token": token}, timeout=(5, 1.5)).status_code == 200
    assert recent_statuses(base_url, 3) == [200, 200, 200]


def test_gzip_trailer_sends_the_real_page_gzipped_then_its_trailer(base_url):
    token = get_token(base_url)
    path = base_url + TASKS_PATH % seed.DATASET_EXAMPLE_ID
    post_faults(base_url, {"gzip_trailer": 1, "gzip_trailer_mb": 0.5})
    raw = requests.get(path, headers={"X-Auth-Token": token}, stream=True).raw.read(decode_content=False)
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    page = json.loads(stream.decompress(raw))
    assert stream.eof and len(stream.unused_data) == 512 * 1024
    assert not stream.unused_data.startswith(b"\x1f\x8b") and stream.unused_data.strip(b"\0")  # no gzip member, no padding
    assert page == token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token).json()


def test_huge_error_is_a_400_whose_message_is_as_long_as_asked(base_url):
    token = get_token(base_url)
    post_faults(base_url, {"huge_error": 1, "huge_error_mb": 0.25})
    answer = token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token)
    assert answer.status_code == 400
    assert 0.25 * 1024 * 1024 - 12 < len(answer.json()["error_msg"]) <= 0.25 * 1024 * 1024
    assert token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token).status_code == 200


def test_surrogate_field_is_valid_json_that_is_not_text(base_url):
    token = get_token(base_url)
    post_faults(base_url, {"surrogate_field": 1})
    answer = token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token)
    tasks = answer.json()["export_tasks"]  # the JSON parses...
    assert len(tasks) == 2 and all("\ud800" in task["description"] for task in tasks)
    with pytest.raises(UnicodeEncodeError):  # ...into strings that are not valid Unicode
        tasks[0]["description"].encode("utf-8")
    assert "description" not in token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token).json()["export_tasks"][0]


@pytest.mark.parametrize("kind, expected", [("dot_id", lambda old: ".."), ("surrogate_id", lambda old: old[:10] + "\ud800")])
def test_server_ids_can_be_made_unusable_in_a_path(base_url, kind, expected):
    token = get_token(base_url)
    path = "/v2/%s/datasets" % EU_DE
    before = [dataset["dataset_id"] for dataset in token_get(base_url, path, token).json()["datasets"]]
    post_faults(base_url, {kind: 1})
    after = [dataset["dataset_id"] for dataset in token_get(base_url, path, token).json()["datasets"]]
    assert len(before) > 1 and after == [expected(old) for old in before]


def test_all_failed_makes_every_listed_task_failed_for_as_many_pages_as_asked(base_url):
    token = get_token(base_url)
    path = TASKS_PATH % seed.DATASET_250_ID
    post_faults(base_url, {"all_failed": 2})
    for _page in range(2):
        assert {task["status"] for task in token_get(base_url, path, token).json()["export_tasks"]} == {"FAILED"}
    assert "SUCCESSED" in {task["status"] for task in token_get(base_url, path, token).json()["export_tasks"]}


def test_missing_keys_only_affects_task_lists(base_url):
    token = get_token(base_url)
    post_faults(base_url, {"missing_keys": 1})
    assert token_get(base_url, "/v2/%s/datasets/%s" % (EU_DE, seed.DATASET_EXAMPLE_ID), token).status_code == 200
    broken = token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token)
    assert broken.status_code == 200
    body = broken.json()
    assert "total_count" not in body and "export_tasks" not in body
    assert len(body["tasks"]) == 2
    assert token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token).json()["total_count"] == 2


def test_expire_tokens_after_n_authenticated_requests(base_url):
    old = get_token(base_url)
    path = TASKS_PATH % seed.DATASET_EXAMPLE_ID
    post_faults(base_url, {"expire_tokens_after": 2})
    assert token_get(base_url, "/nowhere", old).status_code == 404  # not a /v2 request: not counted
    assert_error(token_get(base_url, path, "made-up"), 401, "APIG.0307")  # not authenticated: not counted
    assert token_get(base_url, path, old).status_code == 200
    assert requests.get(base_url + "/_emulator/faults").json()["remaining"] == {"expire_tokens_after": 1}
    assert token_get(base_url, path, old).status_code == 200
    assert_error(token_get(base_url, path, old), 401, "APIG.0307")
    new = get_token(base_url)
    assert token_get(base_url, path, new).status_code == 200
    assert_error(token_get(base_url, path, old), 401, "APIG.0307")
    # AK/SK requests are not token-based and keep working.
    assert signed_request(base_url, "GET", path).status_code == 200
    # 0 expires the tokens issued so far at once.
    post_faults(base_url, {"expire_tokens_after": 0})
    assert_error(token_get(base_url, path, new), 401, "APIG.0307")


def test_tasks_inserted_between_pages(base_url):
    token = get_token(base_url)
    path = TASKS_PATH % seed.DATASET_EXAMPLE_ID
    post_faults(base_url, {"insert_tasks_between_pages": {"dataset_id": seed.DATASET_EXAMPLE_ID, "count": 2}})
    # Other datasets do not use the fault up.
    assert token_get(base_url, TASKS_PATH % seed.DATASET_EMPTY_ID, token).json()["total_count"] == 0
    pages = [token_get(base_url, path, token, {"limit": 1, "offset": offset}).json() for offset in range(4)]
    newest, oldest = [task["task_id"] for task in seed.EXAMPLE_TASKS]
    assert [page["total_count"] for page in pages] == [2, 3, 4, 4]
    # Each insertion pushes everything back by one, so a page-by-page client sees repeats.
    assert [page["export_tasks"][0]["task_id"] for page in pages] == [newest, newest, newest, oldest]
    everything = token_get(base_url, path, token, {"limit": 10}).json()["export_tasks"]
    inserted = everything[:2]
    assert [task["task_id"] for task in everything[2:]] == [newest, oldest]
    assert inserted[0]["create_time"] > inserted[1]["create_time"] > everything[2]["create_time"]
    assert requests.get(base_url + "/_emulator/faults").json()["pending"] == []


def test_status_sequence_with_path_filter_and_http_date(base_url):
    token = get_token(base_url)
    post_faults(base_url, {"status_sequence": [429], "retry_after": 2, "retry_after_format": "http-date",
                           "only_paths_containing": seed.DATASET_250_ID})
    assert token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token).status_code == 200
    throttled = token_get(base_url, TASKS_PATH % seed.DATASET_250_ID, token)
    assert_error(throttled, 429, "APIG.0308")
    retry_at = email.utils.parsedate_to_datetime(throttled.headers["Retry-After"])
    assert retry_at.tzinfo is not None
    # Retry-After: 2 as a whole-second date: in the future, and not more than 2 s (plus rounding) away.
    waiting = (retry_at - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 0 < waiting <= 3
    assert token_get(base_url, TASKS_PATH % seed.DATASET_250_ID, token).status_code == 200


def test_combined_faults_are_used_in_order_and_counted(base_url):
    token = get_token(base_url)
    path = TASKS_PATH % seed.DATASET_EXAMPLE_ID
    plan = post_faults(base_url, {"drop_connections": 1, "status_sequence": [503], "malformed_json": 1})
    assert plan["remaining"] == {"drop_connections": 1, "malformed_json": 1}
    assert plan["status_sequence"] == [503]
    with pytest.raises(requests.ConnectionError):
        token_get(base_url, path, token)
    assert_error(token_get(base_url, path, token), 503, "APIG.0202")
    with pytest.raises(ValueError):
        token_get(base_url, path, token).json()
    assert token_get(base_url, path, token).status_code == 200
    assert recent_statuses(base_url, 4) == [0, 503, 200, 200]
    stats = requests.get(base_url + "/_emulator/stats").json()
    assert stats["by_route"]["GET /v2/{project_id}/datasets/{dataset_id}/export-tasks"] == 4
    assert stats["total"] == 5


def test_fault_plan_is_listed_validated_and_reset(base_url):
    for bad in ({"drop_conections": 1}, {"slow_body": 1}, {"slow_body_seconds": 1}, {"malformed_json": -1},
                {"retry_after_format": "minutes"}, {"insert_tasks_between_pages": {"count": 1}},
                {"only_paths_containing": 3}, {"latency_ms": -5}):
        response = requests.post(base_url + "/_emulator/faults", json=bad)
        assert response.status_code == 400, bad
        assert response.json()["error_code"] == "EMULATOR.0400"
    post_faults(base_url, {"offset_mode": "record"})
    plan = post_faults(base_url, {"truncated_body": 2, "slow_body": 1, "slow_body_seconds": 0.1,
                                  "only_paths_containing": "x"})
    assert plan["offset_mode"] == "record"  # a later POST without offset_mode keeps it
    assert plan["remaining"] == {"truncated_body": 2, "slow_body": 1}
    assert {"fault": "slow_body", "remaining": 1, "only_paths_containing": "x",
            "slow_body_seconds": 0.1} in plan["pending"]
    requests.post(base_url + "/_emulator/reset")
    plan = requests.get(base_url + "/_emulator/faults").json()
    assert plan["pending"] == [] and plan["status_sequence"] == [] and plan["offset_mode"] == "page"


# --- HTTPS ---

def test_https_with_generated_ca(tmp_path):
    tls_dir = tmp_path / "tls"
    process = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--tls-dir", str(tls_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    try:
        line = process.stdout.readline().decode().strip()
        assert line.startswith("EMULATOR_URL=https://127.0.0.1:"), line
        url = line.split("=", 1)[1]
        ca = str(tls_dir / "ca.pem")
        assert sorted(os.listdir(str(tls_dir))) == ["ca.pem", "server.key", "server.pem"]
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url + "/_emulator/health", timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.get(url.replace("https:", "http:") + "/_emulator/health", timeout=5)
        assert requests.get(url + "/_emulator/health", verify=ca, timeout=5).json() == {"ok": True}
        # The certificate also names localhost, and the API answers over TLS like over HTTP.
        localhost = url.replace("127.0.0.1", "localhost")
        response = requests.get(localhost + TASKS_PATH % seed.DATASET_EXAMPLE_ID, verify=ca, timeout=5)
        assert_error(response, 401, "APIG.1000")
        assert requests.get(localhost + "/_emulator/stats", verify=ca, timeout=5).json()["total"] == 1
    finally:
        process.terminate()
        _stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert b"Traceback" not in stderr, stderr.decode()


def test_start_with_tls_dir_reuses_existing_files(tmp_path):
    from emulator import cli
    tls_dir = str(tmp_path / "tls")
    ca_path = cli.ensure_tls_files(tls_dir)[0]
    with open(ca_path, "rb") as handle:
        ca_before = handle.read()
    state_dir = str(tmp_path / "state")
    started = subprocess.run([sys.executable, "-m", "emulator", "start", "--state-dir", state_dir,
                              "--tls-dir", tls_dir], env=_env(), stdout=subprocess.PIPE, timeout=30, check=True)
    try:
        url = started.stdout.decode().strip()
        assert url.startswith("https://127.0.0.1:")
        assert requests.get(url + "/_emulator/health", verify=ca_path, timeout=5).json() == {"ok": True}
    finally:
        subprocess.run([sys.executable, "-m", "emulator", "stop", "--state-dir", state_dir],
                       env=_env(), timeout=30, check=True)
    with open(ca_path, "rb") as handle:
        assert handle.read() == ca_before
