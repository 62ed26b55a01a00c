"""Dataset versions and import tasks in the emulator, spoken to over HTTP like test_emulator_server.py."""

import collections
import time

import pytest
import requests

from test_emulator_server import EU_DE, assert_error, get_token, post_faults, signed_request, token_get
# Fixtures pytest finds in this module's namespace: one real emulator process, reset before each test.
from test_emulator_server import base_url, fresh_state  # noqa: F401  # pylint: disable=unused-import
from emulator import seed

VERSIONS = "/v2/%s/datasets/%%s/versions" % EU_DE
IMPORTS = "/v2/%s/datasets/%%s/import-tasks" % EU_DE
VERSIONS_ROUTE = "GET /v2/{project_id}/datasets/{dataset_id}/versions"
VERSION_ROUTE = VERSIONS_ROUTE + "/{version_id}"
IMPORTS_ROUTE = "GET /v2/{project_id}/datasets/{dataset_id}/import-tasks"
IMPORT_ROUTE = IMPORTS_ROUTE + "/{task_id}"


@pytest.fixture
def token(base_url):
    return get_token(base_url)


def get_json(base_url, path, token, params=None):
    response = token_get(base_url, path, token, params)
    assert response.status_code == 200, response.text
    return response.json()


def newest_first(items):
    return [item["create_time"] for item in items] == sorted((item["create_time"] for item in items), reverse=True)


def changes(values):
    """``values`` without repeats of the value before."""
    return [value for index, value in enumerate(values) if index == 0 or values[index - 1] != value]


def wait_for(read, done, seconds=30):
    """Call ``read`` every 50 ms until ``done(result)`` or the (generous) deadline; return every distinct result."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (seen and done(seen[-1])):
        result = read()
        if not seen or seen[-1] != result:
            seen.append(result)
        time.sleep(0.05)
    return seen


# --- the API reference examples ---

def test_example_versions_exactly_as_documented(base_url, token):
    listing = get_json(base_url, VERSIONS % seed.DATASET_EXAMPLE_ID, token)
    assert listing == {"total_number": 3, "versions": seed.EXAMPLE_VERSIONS}
    detail = get_json(base_url, VERSIONS % seed.DATASET_EXAMPLE_ID + "/eSOKEQaXhKzxN00WKoV", token)
    assert detail["label_type"] == "single"
    assert [label["name"] for label in detail.pop("label_stats")] == ["Rabbits", "Bees"]
    detail.pop("label_type")
    assert detail == seed.EXAMPLE_VERSIONS[1]
    # Only the detail shows the label statistics, as in the examples.
    assert get_json(base_url, VERSIONS % seed.DATASET_EXAMPLE_ID + "/54IXbeJhfttGpL46lbv", token) \
        == seed.EXAMPLE_VERSIONS[0]


def test_example_import_task_exactly_as_documented(base_url, token):
    listing = get_json(base_url, IMPORTS % seed.DATASET_EXAMPLE_ID, token)
    assert listing == {"total_count": 1, "import_tasks": seed.EXAMPLE_IMPORT_TASKS}
    task_id = seed.EXAMPLE_IMPORT_TASKS[0]["task_id"]
    detail = get_json(base_url, IMPORTS % seed.DATASET_EXAMPLE_ID + "/" + task_id, token)
    assert detail == dict(seed.EXAMPLE_IMPORT_TASKS[0], update_ms=1606114833955)


# --- seed sizes, paging, order ---

@pytest.mark.parametrize("dataset_id,versions,import_tasks", [
    (seed.DATASET_EXAMPLE_ID, 3, 1), (seed.DATASET_250_ID, 1200, 250), (seed.DATASET_EMPTY_ID, 0, 0),
    (seed.DATASET_RUNNING_ID, 2, 2), (seed.DATASET_DETECTION_ID, 5, 6),
])
def test_seed_sizes(base_url, token, dataset_id, versions, import_tasks):
    assert get_json(base_url, VERSIONS % dataset_id, token, {"limit": 1})["total_number"] == versions
    assert get_json(base_url, IMPORTS % dataset_id, token, {"limit": 1})["total_count"] == import_tasks


def test_versions_default_to_1000_a_page_and_offset_is_a_page_index(base_url, token):
    path = VERSIONS % seed.DATASET_250_ID
    pages = [get_json(base_url, path, token, {"offset": offset} if offset else None) for offset in range(3)]
    assert [len(page["versions"]) for page in pages] == [1000, 200, 0]
    assert {page["total_number"] for page in pages} == {seed.DATASET_250_VERSION_COUNT}
    versions = pages[0]["versions"] + pages[1]["versions"]
    assert len({version["version_id"] for version in versions}) == 1200
    assert newest_first(versions)
    assert versions[0]["version_name"] == "V1200" and versions[-1]["version_name"] == "V001"
    # Smaller pages cut the same order: page 3 of 300 is records 900..1199.
    assert get_json(base_url, path, token, {"limit": 300, "offset": 3})["versions"] == versions[900:]
    assert get_json(base_url, path, token, {"limit": 1000, "offset": 1})["versions"] == versions[1000:]


def test_import_tasks_default_to_10_a_page_and_page_250_in_three_pages_of_100(base_url, token):
    path = IMPORTS % seed.DATASET_250_ID
    pages = [get_json(base_url, path, token, {"limit": 100, "offset": offset}) for offset in range(4)]
    assert [len(page["import_tasks"]) for page in pages] == [100, 100, 50, 0]
    assert {page["total_count"] for page in pages} == {seed.DATASET_250_IMPORT_TASK_COUNT}
    tasks = [task for page in pages for task in page["import_tasks"]]
    assert len({task["task_id"] for task in tasks}) == 250
    assert newest_first(tasks)
    assert {task["dataset_id"] for task in tasks} == {seed.DATASET_250_ID}
    first = get_json(base_url, path, token)
    assert first["total_count"] == 250 and first["import_tasks"] == tasks[:10]
    assert get_json(base_url, path, token, {"offset": 24})["import_tasks"] == tasks[240:]


def test_generated_items_cover_every_state_with_failure_details(base_url, token):
    versions = get_json(base_url, VERSIONS % seed.DATASET_250_ID, token, {"limit": 1000})["versions"] \
        + get_json(base_url, VERSIONS % seed.DATASET_250_ID, token, {"offset": 1})["versions"]
    assert set(collections.Counter(version["status"] for version in versions)) == set(seed.VERSION_STATES)
    assert all(version["message"] for version in versions if version["status"] == seed.VERSION_ERROR)
    assert all("message" not in version for version in versions if version["status"] != seed.VERSION_ERROR)
    assert [version["version_name"] for version in versions if version["is_current"]] == \
        [next(version["version_name"] for version in versions if version["status"] == seed.VERSION_READY)]
    tasks = get_json(base_url, IMPORTS % seed.DATASET_250_ID, token, {"limit": 100})["import_tasks"]
    for offset in (1, 2):
        tasks += get_json(base_url, IMPORTS % seed.DATASET_250_ID, token, {"limit": 100, "offset": offset})["import_tasks"]
    assert set(task["status"] for task in tasks) == set(seed.IMPORT_TASK_STATES)
    failed = [task for task in tasks if task["status"] == "FAILED"]
    assert failed and all(task["error_code"].startswith("ModelArts.") and task["error_msg"] for task in failed)
    assert all("error_code" not in task for task in tasks if task["status"] != "FAILED")


def test_detection_dataset_has_one_version_and_one_import_task_per_state(base_url, token):
    versions = get_json(base_url, VERSIONS % seed.DATASET_DETECTION_ID, token)["versions"]
    assert [(v["version_name"], v["status"]) for v in versions] == [
        ("V005", 0), ("V004", 2), ("V003", 3), ("V002", 4), ("V001", 1)]
    error = get_json(base_url, VERSIONS % seed.DATASET_DETECTION_ID + "/" + seed.DETECTION_ERROR_VERSION_ID, token)
    assert error["status"] == 4 and error["message"] == seed.DETECTION_ERROR_VERSION_MSG
    current = get_json(base_url, VERSIONS % seed.DATASET_DETECTION_ID + "/" + seed.DETECTION_CURRENT_VERSION_ID, token)
    assert current["is_current"] is True and current["task_type"] == 1
    tasks = get_json(base_url, IMPORTS % seed.DATASET_DETECTION_ID, token)["import_tasks"]
    assert [task["status"] for task in tasks] == ["NOT_EXIST", "QUEUING", "STARTING", "RUNNING", "FAILED", "COMPLETED"]
    failed = get_json(base_url, IMPORTS % seed.DATASET_DETECTION_ID + "/" + seed.DETECTION_FAILED_IMPORT_ID, token)
    assert (failed["status"], failed["error_code"], failed["error_msg"]) == (
        "FAILED", seed.DETECTION_FAILED_IMPORT_CODE, seed.DETECTION_FAILED_IMPORT_MSG)
    assert failed["dataset_id"] == seed.DATASET_DETECTION_ID


# --- filters ---

def test_version_filters_count_the_matching_versions(base_url, token):
    path = VERSIONS % seed.DATASET_250_ID
    everything = get_json(base_url, path, token)["versions"] + get_json(base_url, path, token, {"offset": 1})["versions"]
    for status in seed.VERSION_STATES:
        expected = [v for v in everything if v["status"] == status]
        answer = get_json(base_url, path, token, {"status": status})
        assert answer["total_number"] == len(expected) > 0
        assert answer["versions"] == expected
    csv = get_json(base_url, path, token, {"version_format": 2})
    assert csv["total_number"] == len([v for v in everything if v["version_format"] == "CSV"]) > 0
    assert {v["version_format"] for v in csv["versions"]} == {"CSV"}
    assert get_json(base_url, path, token, {"version_format": 1})["total_number"] == 0
    split = get_json(base_url, path, token, {"train_evaluate_ratio": "0.6,0.8"})
    assert {v["train_evaluate_sample_ratio"] for v in split["versions"]} == {"0.7", "0.8"}
    assert split["total_number"] == len([v for v in everything if v["train_evaluate_sample_ratio"] in ("0.7", "0.8")])
    assert get_json(base_url, path, token, {"train_evaluate_ratio": ""})["total_number"] == 1200
    # Filters combine, and paging applies to what they keep.
    both = get_json(base_url, path, token, {"status": 1, "version_format": 0, "limit": 10, "offset": 2})
    kept = [v for v in everything if v["status"] == 1 and v["version_format"] == "Default"]
    assert both == {"total_number": len(kept), "versions": kept[20:30]}


def test_status_filter_follows_the_clock(base_url, token):
    path = VERSIONS % seed.DATASET_RUNNING_ID
    assert get_json(base_url, path, token, {"status": 0})["total_number"] == 2
    seen = wait_for(lambda: get_json(base_url, path, token, {"status": 0})["total_number"], lambda n: n == 0)
    assert seen == [2, 0]
    assert [v["version_id"] for v in get_json(base_url, path, token, {"status": 4})["versions"]] == [
        seed.RUNNING_VERSION_ERROR_ID]


# --- errors ---

@pytest.mark.parametrize("name,value", [
    ("limit", "0"), ("limit", "1001"), ("limit", "ten"), ("offset", "-1"), ("offset", "1.5"),
    ("status", "5"), ("status", "ready"), ("version_format", "3"), ("version_format", "CSV"),
    ("train_evaluate_ratio", "0.9,0.1"), ("train_evaluate_ratio", "0.5"), ("train_evaluate_ratio", "-1,1"),
    ("train_evaluate_ratio", "a,b"),
])
def test_bad_version_list_parameters_are_400_naming_the_parameter(base_url, token, name, value):
    response = token_get(base_url, VERSIONS % seed.DATASET_250_ID, token, {name: value})
    assert name in assert_error(response, 400, "ModelArts.4200")


@pytest.mark.parametrize("name,value", [("limit", "0"), ("limit", "101"), ("limit", "x"), ("offset", "-1")])
def test_bad_import_task_list_parameters_are_400_naming_the_parameter(base_url, token, name, value):
    response = token_get(base_url, IMPORTS % seed.DATASET_250_ID, token, {name: value})
    assert name in assert_error(response, 400, "ModelArts.4200")


def test_largest_limits_are_accepted(base_url, token):
    assert len(get_json(base_url, VERSIONS % seed.DATASET_250_ID, token, {"limit": 1000})["versions"]) == 1000
    assert len(get_json(base_url, IMPORTS % seed.DATASET_250_ID, token, {"limit": 100})["import_tasks"]) == 100


def test_unknown_dataset_version_and_import_task(base_url, token):
    for path in (VERSIONS % "nope", VERSIONS % "nope" + "/x", IMPORTS % "nope", IMPORTS % "nope" + "/x"):
        assert "nope" in assert_error(token_get(base_url, path, token), 400, "ModelArts.4352")
    message = assert_error(token_get(base_url, VERSIONS % seed.DATASET_EXAMPLE_ID + "/nope", token), 400,
                           "ModelArts.4353")
    assert "nope" in message
    # A version of another dataset is not one of this dataset's.
    assert_error(token_get(base_url, VERSIONS % seed.DATASET_EMPTY_ID + "/eSOKEQaXhKzxN00WKoV", token), 400,
                 "ModelArts.4353")
    assert_error(token_get(base_url, IMPORTS % seed.DATASET_EXAMPLE_ID + "/nope", token), 400, "ModelArts.4612")
    assert_error(token_get(base_url, IMPORTS % seed.DATASET_EMPTY_ID + "/" + seed.DETECTION_FAILED_IMPORT_ID, token),
                 400, "ModelArts.4612")


def test_credentials_and_project_are_checked(base_url):
    path = VERSIONS % seed.DATASET_EXAMPLE_ID
    assert_error(requests.get(base_url + path), 401, "APIG.1000")
    assert_error(requests.get(base_url + IMPORTS % seed.DATASET_EXAMPLE_ID), 401, "APIG.1000")
    other = get_token(base_url, {"name": seed.PROJECT_EU_NL_NAME})
    assert_error(token_get(base_url, path, other), 403, "ModelArts.0210")
    signed = signed_request(base_url, "GET", path + "/vlGvUqOcxxGPIB0ugeE", extra_headers={"X-Project-Id": EU_DE})
    assert signed.status_code == 200 and signed.json() == seed.EXAMPLE_VERSIONS[2]
    listed = signed_request(base_url, "GET", IMPORTS % seed.DATASET_250_ID, query={"limit": 5, "offset": 3})
    assert listed.status_code == 200 and len(listed.json()["import_tasks"]) == 5
    tampered = signed_request(base_url, "GET", IMPORTS % seed.DATASET_250_ID, query={"limit": 5},
                              tamper=lambda url: url.replace("limit=5", "limit=6"))
    assert_error(tampered, 401, "APIG.0301")
    temporary = signed_request(base_url, "GET", path, ak=seed.TEMPORARY_AK, sk=seed.TEMPORARY_SK,
                               extra_headers={"X-Security-Token": seed.TEMPORARY_SECURITY_TOKEN})
    assert temporary.status_code == 200 and temporary.json()["total_number"] == 3


# --- states over time ---

def test_seeded_running_versions_and_imports_finish_one_well_one_badly(base_url, token):
    versions, imports = VERSIONS % seed.DATASET_RUNNING_ID, IMPORTS % seed.DATASET_RUNNING_ID
    assert [v["status"] for v in get_json(base_url, versions, token)["versions"]] == [0, 0]
    started = get_json(base_url, imports, token)["import_tasks"]
    assert [t["status"] for t in started] == ["RUNNING", "RUNNING"]
    assert all(t["imported_sample_count"] < t["total_sample_count"] for t in started)

    def states():
        return (tuple(v["status"] for v in get_json(base_url, versions, token)["versions"]),
                tuple(t["status"] for t in get_json(base_url, imports, token)["import_tasks"]))

    seen = wait_for(states, lambda state: state == ((4, 1), ("FAILED", "COMPLETED")))
    assert seen[0] == ((0, 0), ("RUNNING", "RUNNING")) and seen[-1] == ((4, 1), ("FAILED", "COMPLETED"))
    error = get_json(base_url, versions + "/" + seed.RUNNING_VERSION_ERROR_ID, token)
    assert error["message"] == seed.RUNNING_VERSION_ERROR_MSG and error["update_time"] > error["create_time"]
    assert "message" not in get_json(base_url, versions + "/" + seed.RUNNING_VERSION_READY_ID, token)
    failed = get_json(base_url, imports + "/" + seed.RUNNING_IMPORT_FAILED_ID, token)
    assert (failed["error_code"], failed["error_msg"]) == (seed.RUNNING_IMPORT_ERROR_CODE, seed.RUNNING_IMPORT_ERROR_MSG)
    done = get_json(base_url, imports + "/" + seed.RUNNING_IMPORT_COMPLETED_ID, token)
    assert done["imported_sample_count"] == done["total_sample_count"] and "error_code" not in done
    assert failed["imported_sample_count"] < failed["total_sample_count"]


def test_admin_dataset_with_versions_and_import_tasks(base_url, token):
    explicit_version = dict(seed.EXAMPLE_VERSIONS[2], version_id="explicitVersion0001", create_time=1)
    explicit_task = dict(seed.EXAMPLE_IMPORT_TASKS[0], task_id="explicitImport00001", create_time=1)
    added = requests.post(base_url + "/_emulator/datasets", json={
        "dataset_name": "versioned", "version_count": 1001, "versions": [explicit_version],
        "running_versions": [{"seconds": 2.0, "outcome": 4, "version_id": "publishFails0000001"},
                             {"seconds": 2.0}],
        "import_task_count": 101, "import_tasks": [explicit_task],
        "running_imports": [{"seconds": 3.0, "queued_seconds": 1.5, "task_id": "importQueued0000001"},
                            {"seconds": 2.0, "outcome": "FAILED"}]})
    assert added.status_code == 200, added.text
    dataset_id = added.json()["dataset_id"]

    def states():
        version = get_json(base_url, VERSIONS % dataset_id + "/publishFails0000001", token)
        task = get_json(base_url, IMPORTS % dataset_id + "/importQueued0000001", token)
        return version["status"], task["status"]

    seen = wait_for(states, lambda state: state == (4, "COMPLETED"))
    assert changes([version for version, _task in seen]) == [0, 4]
    assert changes([task for _version, task in seen]) == ["QUEUING", "RUNNING", "COMPLETED"]
    assert get_json(base_url, VERSIONS % dataset_id + "/publishFails0000001", token)["message"]
    versions = get_json(base_url, VERSIONS % dataset_id, token)
    assert versions["total_number"] == 1004 and len(versions["versions"]) == 1000
    assert sorted(v["status"] for v in versions["versions"][:2]) == [1, 4]
    oldest = get_json(base_url, VERSIONS % dataset_id, token, {"offset": 1})["versions"]
    assert [v["version_id"] for v in oldest][-1] == "explicitVersion0001"
    assert get_json(base_url, VERSIONS % dataset_id + "/explicitVersion0001", token) == explicit_version
    assert get_json(base_url, IMPORTS % dataset_id, token, {"limit": 100})["total_count"] == 104
    assert get_json(base_url, IMPORTS % dataset_id + "/explicitImport00001", token) == explicit_task
    newest = get_json(base_url, IMPORTS % dataset_id, token, {"limit": 2})["import_tasks"]
    assert {t["status"] for t in newest} == {"COMPLETED", "FAILED"}
    assert all(t["dataset_id"] == dataset_id for t in newest)


@pytest.mark.parametrize("key,value", [
    ("version_count", -1), ("version_count", True), ("versions", [{"version_id": "x"}]),
    ("running_versions", [{"outcome": 2}]), ("running_versions", [{"seconds": "1"}]),
    ("import_task_count", "3"), ("import_tasks", [{"create_time": 1}]),
    ("running_imports", [{"outcome": "SUCCESSED"}]), ("running_imports", [{"seconds": 1, "queued_seconds": 2}]),
    ("running_imports", [{"task_id": 7}]),
])
def test_admin_refuses_bad_version_and_import_specs_and_adds_nothing(base_url, token, key, value):
    response = requests.post(base_url + "/_emulator/datasets", json={"dataset_name": "bad", key: value})
    assert response.status_code == 400 and response.json()["error_code"] == "EMULATOR.0400"
    assert key in response.json()["error_msg"]
    datasets = get_json(base_url, "/v2/%s/datasets" % EU_DE, token, {"search_content": "bad"})
    assert datasets["total_number"] == 0


# --- stats and faults ---

def test_stats_count_the_new_routes_by_template(base_url, token):
    get_json(base_url, VERSIONS % seed.DATASET_EXAMPLE_ID, token)
    get_json(base_url, VERSIONS % seed.DATASET_EXAMPLE_ID + "/vlGvUqOcxxGPIB0ugeE", token)
    get_json(base_url, VERSIONS % seed.DATASET_250_ID, token, {"limit": 1})
    token_get(base_url, IMPORTS % "nope", token)
    get_json(base_url, IMPORTS % seed.DATASET_EXAMPLE_ID + "/" + seed.EXAMPLE_IMPORT_TASKS[0]["task_id"], token)
    stats = requests.get(base_url + "/_emulator/stats").json()
    assert {route: stats["by_route"].get(route) for route in (
        VERSIONS_ROUTE, VERSION_ROUTE, IMPORTS_ROUTE, IMPORT_ROUTE)} == {
        VERSIONS_ROUTE: 2, VERSION_ROUTE: 1, IMPORTS_ROUTE: 1, IMPORT_ROUTE: 1}
    assert stats["requests"][-2]["status"] == 400


def test_fault_plan_applies_to_the_new_routes(base_url, token):
    post_faults(base_url, {"status_sequence": [503], "only_paths_containing": "/import-tasks"})
    assert get_json(base_url, VERSIONS % seed.DATASET_EXAMPLE_ID, token)["total_number"] == 3
    assert_error(token_get(base_url, IMPORTS % seed.DATASET_EXAMPLE_ID, token), 503, "APIG.0202")
    assert get_json(base_url, IMPORTS % seed.DATASET_EXAMPLE_ID, token)["total_count"] == 1


def test_hostile_list_rewrites_use_the_new_keys(base_url, token):
    post_faults(base_url, {"page_over_limit": 1, "only_paths_containing": "/versions"})
    versions = get_json(base_url, VERSIONS % seed.DATASET_250_ID, token, {"limit": 5})["versions"]
    assert len(versions) == 6 and len({v["version_id"] for v in versions}) == 6
    post_faults(base_url, {"huge_total": 1, "huge_total_value": 123456, "only_paths_containing": "/import-tasks"})
    assert get_json(base_url, IMPORTS % seed.DATASET_EXAMPLE_ID, token)["total_count"] == 123456


def test_export_task_only_faults_leave_the_new_lists_alone(base_url, token):
    post_faults(base_url, {"offset_mode": "record", "missing_keys": 1})
    path = VERSIONS % seed.DATASET_250_ID
    first = get_json(base_url, path, token, {"limit": 10})["versions"]
    # offset stays a page index, and the answers keep their keys.
    assert get_json(base_url, path, token, {"limit": 5, "offset": 1})["versions"] == first[5:10]
    assert "import_tasks" in get_json(base_url, IMPORTS % seed.DATASET_250_ID, token)
    pending = requests.get(base_url + "/_emulator/faults").json()["pending"]
    assert [entry["fault"] for entry in pending] == ["missing_keys"]


def test_split_ratio_filter_takes_the_documented_default_for_versions_without_one(base_url, token):
    bare = {"version_id": "bareVersion00000001", "create_time": 5, "status": 1}
    added = requests.post(base_url + "/_emulator/datasets", json={"dataset_name": "bare", "versions": [bare]})
    dataset_id = added.json()["dataset_id"]
    assert get_json(base_url, VERSIONS % dataset_id, token, {"train_evaluate_ratio": "1,1"})["versions"] == [bare]
    assert get_json(base_url, VERSIONS % dataset_id, token, {"train_evaluate_ratio": "0,0.99"})["total_number"] == 0
