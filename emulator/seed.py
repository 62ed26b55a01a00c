"""Seed data of the emulator: the account, its credentials, projects and datasets.

Everything here is a constant or a pure function so tests can import the same values the
server serves, and so a reset always brings the server back to exactly this state.
"""

import copy
import random
import string

DOMAIN_NAME = "emulator-domain"
DOMAIN_ID = "d0e1f2a3b4c54d6e8f90a1b2c3d4e5f6"
USER_NAME = "emulator-user"
USER_ID = "a0a1b2c3d4e54f6a8b9c0d1e2f3a4b5c"
USER_PASSWORD = "emulator-password"

PROJECT_EU_DE_NAME = "eu-de"
PROJECT_EU_DE_ID = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
PROJECT_EU_NL_NAME = "eu-nl"
PROJECT_EU_NL_ID = "9f8e7d6c5b4a40312a1b0c9d8e7f6a5b"
PROJECTS = {
    PROJECT_EU_DE_ID: PROJECT_EU_DE_NAME,
    PROJECT_EU_NL_ID: PROJECT_EU_NL_NAME,
}

# A second account, the delegating party ("account A" of obtaining_an_agency_token.rst): its own
# project in eu-de (same name, another id) and its agencies. AGENCY_NAME trusts emulator-domain, so
# emulator-user can assume it; UNTRUSTING_AGENCY_NAME exists but trusts another domain only.
PARTNER_DOMAIN_NAME = "partner-domain"
PARTNER_DOMAIN_ID = "5f4e3d2c1b0a49f88e7d6c5b4a392817"
PARTNER_PROJECT_EU_DE_NAME = "eu-de"
PARTNER_PROJECT_EU_DE_ID = "7c6b5a4f3e2d41c0b9a8f7e6d5c4b3a2"
PARTNER_PROJECTS = {PARTNER_PROJECT_EU_DE_ID: PARTNER_PROJECT_EU_DE_NAME}
AGENCY_NAME = "audit-agency"
AGENCY_ID = "e1d2c3b4a5f64e7d8c9b0a1f2e3d4c5b"
UNTRUSTING_AGENCY_NAME = "closed-agency"
UNTRUSTING_AGENCY_ID = "f0e9d8c7b6a54f3e2d1c0b9a8f7e6d5c"
OTHER_DOMAIN_NAME = "other-domain"  # the only domain closed-agency trusts; no such account is seeded
# domain id -> name and projects (id -> name); a project id belongs to exactly one domain.
DOMAINS = {
    DOMAIN_ID: {"name": DOMAIN_NAME, "projects": PROJECTS},
    PARTNER_DOMAIN_ID: {"name": PARTNER_DOMAIN_NAME, "projects": PARTNER_PROJECTS},
}
# agency name -> its id, the domain (id) that created it, the domain (name) it trusts.
AGENCIES = {
    AGENCY_NAME: {"id": AGENCY_ID, "domain_id": PARTNER_DOMAIN_ID, "trusted_domain": DOMAIN_NAME},
    UNTRUSTING_AGENCY_NAME: {"id": UNTRUSTING_AGENCY_ID, "domain_id": PARTNER_DOMAIN_ID,
                             "trusted_domain": OTHER_DOMAIN_NAME},
}
# Durations of agency tokens and temporary AK/SK (obtaining_a_temporary_ak_sk.rst: "from 15 minutes
# to 24 hours", default 15 minutes).
MIN_DURATION_SECONDS = 900
MAX_DURATION_SECONDS = 86400
DEFAULT_TEMPORARY_KEY_SECONDS = 900
# The partner project has one dataset of its own (no tasks), so a list there is not empty.
PARTNER_DATASET_NAME = "partner-dataset"
PARTNER_DATASET_ID = "partnerDatasetxxxxxx"


def domain_of_project(project_id):
    """The id of the domain a project belongs to, or None for an unknown project."""
    for domain_id, domain in DOMAINS.items():
        if project_id in domain["projects"]:
            return domain_id
    return None


def domain_id_by_name(name):
    for domain_id, domain in DOMAINS.items():
        if domain["name"] == name:
            return domain_id
    return None


PERMANENT_AK = "EMULATORAK0000000001"
PERMANENT_SK = "emulator-sk-0000000000000000000000000001"
TEMPORARY_AK = "EMULATORTMPAK0000002"
TEMPORARY_SK = "emulator-tmp-sk-00000000000000000000000002"
TEMPORARY_SECURITY_TOKEN = "emulator-security-token-0002"

DATASET_EXAMPLE_NAME = "dataset-example"
DATASET_EXAMPLE_ID = "WxCREuCkBSAlQr9xrde"
DATASET_250_NAME = "dataset-250"
DATASET_250_ID = "dataset250xxxxxxxxxx"
DATASET_250_TASK_COUNT = 250
DATASET_EMPTY_NAME = "dataset-empty"
DATASET_EMPTY_ID = "datasetEmptyxxxxxxxx"
DATASET_RUNNING_NAME = "dataset-running"
DATASET_RUNNING_ID = "datasetRunningxxxxxx"
DATASET_DETECTION_NAME = "dataset-detection"
DATASET_DETECTION_ID = "datasetDetectionxxxx"
# An export of dataset-detection that has been RUNNING (a snapshot, it never moves) this long.
DETECTION_STUCK_TASK_ID = "detectionStuck00003"
DETECTION_STUCK_AGE_MS = 3 * 3600 * 1000
# Dataset types of querying_the_dataset_list.rst; support_export=true keeps the exportable ones.
DATASET_TYPES = (0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900)
EXPORTABLE_DATASET_TYPES = (0, 1, 900)
RUNNING_TASK_TYPES = (0, 1, 2, 3, 4, 5, 6, 7)
RUNNING_TASK_TYPE_EXPORT = 2
# Both tasks of dataset-running are RUNNING when the server starts and reach their outcome
# this many seconds later, so a client's wait loop can be tested without creating tasks.
DATASET_RUNNING_FINISH_SECONDS = 4.0
RUNNING_SUCCESS_TASK_ID = "runningSuccess00001"
RUNNING_FAILURE_TASK_ID = "runningFailure00002"
RUNNING_FAILURE_ERROR_CODE = "ModelArts.4358"
RUNNING_FAILURE_ERROR_MSG = "Invalid export path"

# Dataset versions (querying_the_dataset_version_list.rst) have integer states.
VERSION_CREATING, VERSION_READY, VERSION_DELETING, VERSION_DELETED, VERSION_ERROR = 0, 1, 2, 3, 4
VERSION_STATES = (VERSION_CREATING, VERSION_READY, VERSION_DELETING, VERSION_DELETED, VERSION_ERROR)
# The list's version_format query value -> the version_format string the versions carry.
VERSION_FORMATS = {0: "Default", 1: "CarbonData", 2: "CSV"}
IMPORT_TASK_STATES = ("QUEUING", "STARTING", "RUNNING", "COMPLETED", "FAILED", "NOT_EXIST")
# dataset-250 also has more versions than one page of the maximum limit (1000) holds, and
# import tasks for three pages of the maximum limit (100).
DATASET_250_VERSION_COUNT = 1200
DATASET_250_IMPORT_TASK_COUNT = 250
# dataset-running also publishes two versions and runs two imports, all finishing with its export tasks.
RUNNING_VERSION_READY_ID = "runningVersionOk001"
RUNNING_VERSION_ERROR_ID = "runningVersionErr02"
RUNNING_VERSION_ERROR_MSG = "Dataset publish version failed"
RUNNING_IMPORT_COMPLETED_ID = "runningImportOk0001"
RUNNING_IMPORT_FAILED_ID = "runningImportFail02"
RUNNING_IMPORT_ERROR_CODE = "ModelArts.4362"
RUNNING_IMPORT_ERROR_MSG = "Import data error"

# The two tasks of the example response in querying_the_dataset_export_task_list.rst, verbatim.
EXAMPLE_TASKS = [
    {
        "task_id": "rF9NNoB56k5rtYKg2Y7",
        "path": "/test-obs/classify/input/",
        "export_type": 3,
        "version_format": "Default",
        "export_format": 2,
        "export_params": {
            "sample_state": "",
            "export_dest": "NEW_DATASET",
            "export_new_dataset_name": "dataset-export-test",
            "export_new_dataset_work_path": "/test-obs/classify/output/",
            "clear_hard_property": True,
            "train_sample_ratio": 1.0,
            "ratio_sample_usage": False,
        },
        "status": "SUCCESSED",
        "progress": 100.0,
        "total_sample_count": 20,
        "finished_sample_count": 20,
        "create_time": 1606103820120,
        "update_time": 1606103824823,
    },
    {
        "task_id": "TZMuy7OKbClkGCAc3gb",
        "path": "/test-obs/daoChu/",
        "export_type": 3,
        "version_format": "Default",
        "export_format": 2,
        "export_params": {
            "sample_state": "",
            "export_dest": "DIR",
            "clear_hard_property": True,
            "clear_difficult": False,
            "train_sample_ratio": 1.0,
            "ratio_sample_usage": False,
        },
        "status": "SUCCESSED",
        "progress": 100.0,
        "total_sample_count": 20,
        "finished_sample_count": 20,
        "create_time": 1606103424662,
        "update_time": 1606103497519,
    },
]

# Failure reasons drawn by the generator; all are export-related codes from error_codes.rst.
_GENERATED_FAILURES = [
    ("ModelArts.4358", "Invalid export path"),
    ("ModelArts.4312", "OBS path does not exist"),
    ("ModelArts.4314", "Obs error"),
]
_ID_ALPHABET = string.ascii_letters + string.digits
# Generated tasks start at this time (2023-11-14) and are one minute apart, so their order
# by create_time is unambiguous.
_GENERATED_BASE_TIME_MS = 1700000000000


def generate_tasks(n, seed=250):
    """Return ``n`` deterministic export-task dicts with every documented field.

    Statuses are mostly SUCCESSED, about one in ten FAILED (with error_code and error_msg) and
    about one in thirty RUNNING with progress below 100; these never progress, they are
    snapshots. The same ``(n, seed)`` always yields the same list, in creation order.
    """
    rng = random.Random(seed)
    tasks = []
    for index in range(n):
        task_id = "".join(rng.choice(_ID_ALPHABET) for _position in range(19))
        export_type = rng.randint(0, 3)
        total = rng.randint(1, 5000)
        create_time = _GENERATED_BASE_TIME_MS + index * 60000 + rng.randint(0, 999)
        roll = rng.random()
        task = {
            "task_id": task_id,
            "path": "/emulator-obs/export/%s/" % task_id,
            "export_type": export_type,
            "version_format": "Default",
            "export_format": rng.choice([1, 2]),
            "export_params": {
                "sample_state": "",
                "export_dest": "DIR",
                "clear_hard_property": True,
                "train_sample_ratio": 1.0,
                "ratio_sample_usage": False,
            },
            "total_sample_count": total,
            "create_time": create_time,
        }
        if roll < 0.033:
            progress = round(rng.uniform(1.0, 99.0), 1)
            task.update(status="RUNNING", progress=progress,
                        finished_sample_count=int(total * progress / 100))
        elif roll < 0.133:
            progress = round(rng.uniform(0.0, 99.0), 1)
            error_code, error_msg = rng.choice(_GENERATED_FAILURES)
            task.update(status="FAILED", progress=progress,
                        finished_sample_count=int(total * progress / 100),
                        error_code=error_code, error_msg=error_msg)
        else:
            task.update(status="SUCCESSED", progress=100.0, finished_sample_count=total)
        task["update_time"] = create_time + rng.randint(1000, 600000)
        tasks.append(task)
    return tasks


def detection_tasks(now_ms):
    """The three tasks of dataset-detection, relative to ``now_ms``: failed, stuck RUNNING, successful."""
    def task(task_id, age_ms, status, progress, **extra):
        fields = {
            "task_id": task_id,
            "path": "/emulator-obs/detection/%s/" % task_id,
            "export_type": 2,
            "version_format": "Default",
            "export_format": 1,
            "export_params": {"sample_state": "", "export_dest": "DIR", "clear_hard_property": True},
            "status": status,
            "progress": progress,
            "total_sample_count": 400,
            "finished_sample_count": int(400 * progress / 100),
            "create_time": now_ms - age_ms,
            "update_time": now_ms - age_ms + 60000,
        }
        fields.update(extra)
        return fields

    return [
        task("detectionFailed0001", 5 * 3600 * 1000, "FAILED", 12.5,
             error_code="ModelArts.4312", error_msg="OBS path does not exist"),
        task("detectionOk00000002", 4 * 3600 * 1000, "SUCCESSED", 100.0),
        task(DETECTION_STUCK_TASK_ID, DETECTION_STUCK_AGE_MS, "RUNNING", 37.5),
    ]


def dataset_record(dataset_id, dataset_name, create_time_ms, description="", dataset_type=0):
    """Return the static fields of a dataset, shaped like the documented detail response."""
    work_path = "/emulator-obs/%s/output/" % dataset_name
    inner = "%s%s-%s/" % (work_path, dataset_name, dataset_id)
    return {
        "dataset_id": dataset_id,
        "dataset_name": dataset_name,
        "dataset_type": dataset_type,
        "data_format": "Default",
        "next_version_num": 1,
        "status": 1,
        "data_sources": [{"data_type": 0, "data_path": "/emulator-obs/%s/input/" % dataset_name}],
        "create_time": create_time_ms,
        "update_time": create_time_ms,
        "description": description,
        "total_sample_count": 20,
        "annotated_sample_count": 20,
        "unconfirmed_sample_count": 0,
        "work_path": work_path,
        "inner_work_path": inner,
        "inner_annotation_path": inner + "annotation/",
        "inner_data_path": inner + "data/",
        "inner_log_path": inner + "logs/",
        "inner_temp_path": inner + "temp/",
        "inner_task_path": inner + "task/",
        "work_path_type": 0,
        "workspace_id": "0",
        "enterprise_project_id": "0",
        "exist_running_task": False,
        "exist_workforce_task": False,
        "running_tasks_id": [],
        "workforce_task_count": 0,
        "feature_supports": ["0"],
        "managed": False,
        "import_data": False,
        "label_task_count": 0,
        "dataset_format": 0,
        "dataset_version_count": 0,
        "content_labeling": True,
        "labels": [],
    }


def example_tasks():
    """Return a deep copy of the documented example tasks, safe to mutate."""
    return copy.deepcopy(EXAMPLE_TASKS)


# The three versions of the example response in querying_the_dataset_version_list.rst, verbatim.
_EXAMPLE_VERSION_PATH = "/test-obs/classify/output/dataset-f9e8-gfghHSokody6AJigS5A/annotation/"


def _example_version(version_id, name, previous_id, create_time, is_current, ratio):
    version = {"version_id": version_id, "version_name": name, "version_format": "Default"}
    if previous_id:
        version["previous_version_id"] = previous_id
    version.update({
        "status": 1, "create_time": create_time, "total_sample_count": 10, "annotated_sample_count": 10,
        "total_sub_sample_count": 0, "annotated_sub_sample_count": 0,
        "manifest_path": "%s%s/%s.manifest" % (_EXAMPLE_VERSION_PATH, name, name),
        "data_path": "%s%s/data/" % (_EXAMPLE_VERSION_PATH, name),
        "is_current": is_current, "analysis_status": 3, "train_evaluate_sample_ratio": ratio,
        "remove_sample_usage": False, "export_images": False, "description": "", "task_type": 0,
        "extract_serial_number": False})
    return version


EXAMPLE_VERSIONS = [
    _example_version("54IXbeJhfttGpL46lbv", "V003", "eSOKEQaXhKzxN00WKoV", 1605930512183, True, "0.8"),
    _example_version("eSOKEQaXhKzxN00WKoV", "V002", "vlGvUqOcxxGPIB0ugeE", 1605691027084, False, "0.9999"),
    _example_version("vlGvUqOcxxGPIB0ugeE", "V001", None, 1605690687346, False, "0.99"),
]
# What the example of querying_details_about_a_dataset_version.rst shows of V002 beyond its list
# item. (That example also calls V002 current; the list example's V003 is kept as the current one.)
EXAMPLE_VERSION_DETAILS = {
    "eSOKEQaXhKzxN00WKoV": {
        "label_stats": [
            {"name": "Rabbits", "type": 0, "property": {"@modelarts:color": "#3399ff"}, "count": 5,
             "sample_count": 5},
            {"name": "Bees", "type": 0, "property": {"@modelarts:color": "#3399ff"}, "count": 5, "sample_count": 5},
        ],
        "label_type": "single",
    },
}

# The task of the example response in querying_the_dataset_import_task_list.rst, verbatim (its
# dataset_id too); its detail (querying_details_about_a_dataset_import_task.rst) adds update_ms.
EXAMPLE_IMPORT_TASKS = [{
    "status": "COMPLETED",
    "task_id": "gfghHSokody6AJigS5A_RHJ1zOkIoI3Nzwxj8nh",
    "dataset_id": "gfghHSokody6AJigS5A",
    "import_path": "obs://test-obs/daoLu_images/animals/",
    "import_type": 0,
    "total_sample_count": 20,
    "imported_sample_count": 20,
    "annotated_sample_count": 20,
    "total_sub_sample_count": 0,
    "imported_sub_sample_count": 0,
    "total_file_size": 0,
    "finished_file_count": 0,
    "finished_file_size": 0,
    "total_file_count": 0,
    "create_time": 1606114833874,
    "elapsed_time": 2,
}]
EXAMPLE_IMPORT_TASK_DETAILS = {"gfghHSokody6AJigS5A_RHJ1zOkIoI3Nzwxj8nh": {"update_ms": 1606114833955}}

# Failure reasons drawn by the generators, from error_codes.rst.
_VERSION_FAILURES = [
    "Dataset publish version failed",
    "Publishing requires splitting but annotated samples do not satisfied for splitting rules",
    "Dataset export file error",
]
_IMPORT_FAILURES = [
    ("ModelArts.4362", "Import data error"),
    ("ModelArts.4340", "Import path does not contain valid file"),
    ("ModelArts.4345", "File not found"),
]


def version_fields(version_id, number, create_time, status=VERSION_READY, total=10, path="/emulator-obs/versions/"):
    """The documented fields of a version named ``V<number>`` (at least three digits)."""
    name = "V%03d" % number
    return {
        "version_id": version_id, "version_name": name, "version_format": "Default", "status": status,
        "create_time": create_time, "update_time": create_time, "total_sample_count": total,
        "annotated_sample_count": total, "total_sub_sample_count": 0, "annotated_sub_sample_count": 0,
        "manifest_path": "%sannotation/%s/%s.manifest" % (path, name, name),
        "data_path": "%sannotation/%s/data/" % (path, name), "is_current": False, "analysis_status": 3,
        "train_evaluate_sample_ratio": "1.00", "remove_sample_usage": False, "export_images": False,
        "description": "", "task_type": 0, "extract_serial_number": False,
    }


def generate_versions(n, seed="versions"):
    """Return ``n`` deterministic versions V001, V002, ... in creation order, each after the previous one.

    States: mostly 1 (ready), about one in twelve 4 (error, with a ``message``), a few 3 (deleted),
    2 (deleting) and 0 (creating; snapshots that never move). The newest ready one is current.
    About one in ten is CSV, the rest Default; split ratios vary.
    """
    rng = random.Random(seed)
    versions = []
    for index in range(n):
        version_id = "".join(rng.choices(_ID_ALPHABET, k=19))
        version = version_fields(version_id, index + 1, _GENERATED_BASE_TIME_MS + index * 60000 + rng.randint(0, 999),
                                 total=rng.randint(1, 5000))
        if versions:
            version["previous_version_id"] = versions[-1]["version_id"]
        roll = rng.random()
        status = (VERSION_CREATING if roll < 0.03 else VERSION_DELETING if roll < 0.06
                  else VERSION_DELETED if roll < 0.11 else VERSION_ERROR if roll < 0.19 else VERSION_READY)
        version.update(status=status, update_time=version["create_time"] + rng.randint(1000, 600000),
                       version_format="CSV" if rng.random() < 0.1 else "Default",
                       train_evaluate_sample_ratio=rng.choice(["1.00", "0.9", "0.8", "0.7", "0.5"]))
        if status == VERSION_ERROR:
            version["message"] = rng.choice(_VERSION_FAILURES)
        versions.append(version)
    ready = [version for version in versions if version["status"] == VERSION_READY]
    if ready:
        ready[-1]["is_current"] = True
    return versions


def import_task_fields(task_id, dataset_id, create_time, status="COMPLETED", total=20, import_type=0):
    """The documented fields of an import task whose samples are all imported."""
    path = "obs://emulator-obs/import/%s/" % task_id
    return {
        "status": status, "task_id": task_id, "dataset_id": dataset_id,
        "import_path": path + "import.manifest" if import_type == 1 else path, "import_type": import_type,
        "total_sample_count": total, "imported_sample_count": total, "annotated_sample_count": total,
        "total_sub_sample_count": 0, "imported_sub_sample_count": 0, "total_file_size": total * 2048,
        "finished_file_count": total, "finished_file_size": total * 2048, "total_file_count": total,
        "create_time": create_time, "update_ms": create_time, "elapsed_time": 0,
    }


def generate_import_tasks(n, dataset_id, seed="import-tasks"):
    """Return ``n`` deterministic import tasks of ``dataset_id`` in creation order.

    Mostly COMPLETED, about one in ten FAILED (with error_code and error_msg), a few QUEUING,
    STARTING, RUNNING (part imported; snapshots that never move) and NOT_EXIST.
    """
    rng = random.Random(seed)
    tasks = []
    for index in range(n):
        task_id = "%s_%s" % (dataset_id, "".join(rng.choices(_ID_ALPHABET, k=19)))
        total = rng.randint(1, 5000)
        task = import_task_fields(task_id, dataset_id, _GENERATED_BASE_TIME_MS + index * 60000 + rng.randint(0, 999),
                                  total=total, import_type=rng.choice([0, 1]))
        roll = rng.random()
        status = ("QUEUING" if roll < 0.02 else "STARTING" if roll < 0.04 else "RUNNING" if roll < 0.07
                  else "FAILED" if roll < 0.17 else "NOT_EXIST" if roll < 0.18 else "COMPLETED")
        imported = total if status == "COMPLETED" else rng.randint(0, total - 1) if status in ("RUNNING", "FAILED") else 0
        elapsed = rng.randint(1, 600) if status not in ("QUEUING", "NOT_EXIST") else 0
        task.update(status=status, imported_sample_count=imported, annotated_sample_count=imported,
                    finished_file_count=imported, finished_file_size=imported * 2048, elapsed_time=elapsed,
                    update_ms=task["create_time"] + elapsed * 1000)
        if status == "FAILED":
            task["error_code"], task["error_msg"] = rng.choice(_IMPORT_FAILURES)
        tasks.append(task)
    return tasks


DETECTION_CURRENT_VERSION_ID = "detectionVersion001"
DETECTION_ERROR_VERSION_ID = "detectionVersion002"
DETECTION_ERROR_VERSION_MSG = _VERSION_FAILURES[1]
DETECTION_FAILED_IMPORT_ID = "detectionImport0002"
DETECTION_FAILED_IMPORT_CODE, DETECTION_FAILED_IMPORT_MSG = _IMPORT_FAILURES[1]


def detection_versions(now_ms):
    """dataset-detection's versions, one per state (snapshots), V001 the current one, V005 the newest."""
    path = "/emulator-obs/detection/"
    states = [(VERSION_READY, {"is_current": True}), (VERSION_ERROR, {"message": DETECTION_ERROR_VERSION_MSG}),
              (VERSION_DELETED, {}), (VERSION_DELETING, {}), (VERSION_CREATING, {})]
    versions = []
    for number, (status, extra) in enumerate(states, 1):
        created = now_ms - (6 - number) * 3600 * 1000
        version = version_fields("detectionVersion%03d" % number, number, created, status, 400, path)
        version.update(task_type=1, update_time=created + 60000, **extra)
        if versions:
            version["previous_version_id"] = versions[-1]["version_id"]
        versions.append(version)
    return versions


def detection_import_tasks(now_ms, dataset_id):
    """dataset-detection's import tasks, one per state (snapshots), 0001 the oldest."""
    tasks = []
    for number, status in enumerate(("COMPLETED", "FAILED", "RUNNING", "STARTING", "QUEUING", "NOT_EXIST"), 1):
        created = now_ms - (7 - number) * 3600 * 1000
        task = import_task_fields("detectionImport%04d" % number, dataset_id, created, status, 400, import_type=1)
        if status != "COMPLETED":
            task.update(imported_sample_count=50 if status in ("FAILED", "RUNNING") else 0)
            task.update(annotated_sample_count=task["imported_sample_count"],
                        finished_file_count=task["imported_sample_count"],
                        finished_file_size=task["imported_sample_count"] * 2048)
        if status == "FAILED":
            task.update(error_code=DETECTION_FAILED_IMPORT_CODE, error_msg=DETECTION_FAILED_IMPORT_MSG)
        task.update(update_ms=created + 60000, elapsed_time=60 if status in ("COMPLETED", "FAILED", "RUNNING") else 0)
        tasks.append(task)
    return tasks
