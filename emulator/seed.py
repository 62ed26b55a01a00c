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
