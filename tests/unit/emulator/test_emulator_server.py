"""Tests of the local IAM/ModelArts emulator, run as a real process and spoken to over HTTP."""

import datetime
import os
import subprocess
import sys
import time

import pytest

requests = pytest.importorskip("requests")
pytest.importorskip("huaweicloudsdkcore")

from huaweicloudsdkcore.sdk_request import SdkRequest  # noqa: E402
from huaweicloudsdkcore.signer.signer import Signer  # noqa: E402

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
def base_url(tmp_path_factory):
    log = open(str(tmp_path_factory.mktemp("emulator") / "serve.log"), "wb")
    process = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=log, env=_env())
    line = process.stdout.readline().decode().strip()
    assert line.startswith("EMULATOR_URL=http://127.0.0.1:"), line
    yield line.split("=", 1)[1]
    process.terminate()
    assert process.wait(timeout=10) == 0
    log.close()


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
    for _ in range(3):
        token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token)
    requests.get(base_url + "/nowhere")
    requests.get(base_url + "/_emulator/health")
    stats = requests.get(base_url + "/_emulator/stats").json()
    assert stats["total"] == 5
    assert stats["by_route"]["POST /v3/auth/tokens"] == 1
    assert stats["by_route"]["GET /v2/{project_id}/datasets/{dataset_id}/export-tasks"] == 3
    assert stats["requests"][-1] == {"method": "GET", "path": "/nowhere", "query": "", "status": 404}


def test_created_task_goes_init_running_successed(base_url):
    requests.post(base_url + "/_emulator/config", json={"task_init_seconds": 0.3, "task_run_seconds": 0.6})
    token = get_token(base_url)
    created = requests.post(base_url + TASKS_PATH % seed.DATASET_EXAMPLE_ID, headers={"X-Auth-Token": token},
                            json={"path": "/bucket/out/", "export_type": 0})
    task_id = created.json()["task_id"]
    listing = token_get(base_url, TASKS_PATH % seed.DATASET_EXAMPLE_ID, token).json()
    assert listing["total_count"] == 3 and listing["export_tasks"][0]["task_id"] == task_id
    seen = []
    deadline = time.monotonic() + 5
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
        "dataset_name": "added", "task_count": 12, "running": [{"seconds": 0.3, "outcome": "FAILED"}]})
    dataset_id = added.json()["dataset_id"]
    token = get_token(base_url)
    assert token_get(base_url, TASKS_PATH % dataset_id, token).json()["total_count"] == 13
    time.sleep(0.4)
    newest = token_get(base_url, TASKS_PATH % dataset_id, token, {"limit": 1}).json()["export_tasks"][0]
    assert newest["status"] == "FAILED" and newest["error_code"] == seed.RUNNING_FAILURE_ERROR_CODE


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
