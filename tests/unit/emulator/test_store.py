"""In-process tests of the emulator's store: the ordering cache and the copies it hands out."""

import os
import sys

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, REPO_ROOT)

from emulator import seed, store  # noqa: E402


def test_listing_order_follows_tasks_added_after_a_listing():
    state = store.Store()
    dataset = state.add_dataset(seed.PROJECT_EU_DE_ID, "ordering", task_count=30)
    before = [task.task_id for task in dataset.tasks_newest_first()]
    labeled_before = [task.task_id for task in dataset.tasks_newest_first(0)]
    created = state.create_task(dataset, "/bucket/new/", 0, 2, {})
    after = [task.task_id for task in dataset.tasks_newest_first()]
    assert after == [created.task_id] + before
    assert dataset.tasks_newest_first(0)[0].task_id == created.task_id
    assert [task.task_id for task in dataset.tasks_newest_first(0)][1:] == labeled_before


def test_rendered_tasks_share_nothing_with_the_store():
    state = store.Store()
    dataset = state.add_dataset(seed.PROJECT_EU_DE_ID, "copies", tasks=[{
        "task_id": "copiesTask000000001", "path": "/bucket/a/", "export_type": 0, "create_time": 1,
        "update_time": 1, "status": "SUCCESSED", "progress": 100.0,
        "export_params": {"export_dest": "DIR", "ratio_sample_usage": False, "samples": ["a", "b"]}}])
    first = dataset.tasks[0].render(state.now())
    first["export_params"]["samples"].append("c")
    first["export_params"]["export_dest"] = "NEW_DATASET"
    second = dataset.tasks[0].render(state.now())
    assert second["export_params"] == {"export_dest": "DIR", "ratio_sample_usage": False, "samples": ["a", "b"]}
