"""In-memory state of the emulator: datasets, export tasks, configuration, request counts.

Tasks that progress over time keep a timeline (when they start running, when they finish, how)
instead of a mutable status, and their status, progress, finished_sample_count and update_time
are computed when read. Nothing then has to run in the background, and a read always agrees
with the clock.
"""

import collections
import copy
import random
import string
import threading
import time

from emulator import seed

DEFAULT_CONFIG = {
    "latency_ms": 0,
    "token_ttl_seconds": 86400,
    "task_init_seconds": 1.0,
    "task_run_seconds": 3.0,
}
RECENT_REQUESTS_KEPT = 1000
# A failing task stops at this share of its work, so FAILED tasks do not claim 100 %.
FAILED_FINAL_PROGRESS = 50.0


def now_ms(now):
    """Epoch seconds (float) to the API's epoch milliseconds (int)."""
    return int(now * 1000)


class Timeline(object):
    """When a task runs and how it ends, in epoch seconds."""

    def __init__(self, running_at, finished_at, outcome="SUCCESSED", error_code=None, error_msg=None):
        self.running_at = running_at
        self.finished_at = finished_at
        self.outcome = outcome
        self.error_code = error_code
        self.error_msg = error_msg


class ExportTask(object):
    """An export task: static documented fields plus an optional timeline."""

    def __init__(self, fields, sequence, timeline=None):
        self.fields = fields
        self.sequence = sequence  # insertion order, breaks create_time ties deterministically
        self.timeline = timeline

    @property
    def task_id(self):
        return self.fields["task_id"]

    @property
    def create_time(self):
        return self.fields["create_time"]

    @property
    def export_type(self):
        return self.fields.get("export_type")

    def render(self, now):
        """Return the task as the API shows it at epoch time ``now``."""
        body = copy_json(self.fields)
        timeline = self.timeline
        if timeline is None:
            return body
        total = body.get("total_sample_count", 0)
        final_progress = 100.0 if timeline.outcome == "SUCCESSED" else FAILED_FINAL_PROGRESS
        if now < timeline.running_at:
            status, progress, update_time = "INIT", 0.0, body["create_time"]
        elif now < timeline.finished_at:
            share = (now - timeline.running_at) / max(timeline.finished_at - timeline.running_at, 1e-9)
            status, progress, update_time = "RUNNING", round(final_progress * share, 1), now_ms(now)
        else:
            status, progress, update_time = timeline.outcome, final_progress, now_ms(timeline.finished_at)
            if timeline.outcome == "FAILED":
                body["error_code"] = timeline.error_code
                body["error_msg"] = timeline.error_msg
        body.update(status=status, progress=progress, update_time=update_time,
                    finished_sample_count=int(total * progress / 100))
        return body


class Dataset(object):
    """A dataset of one project and its export tasks."""

    def __init__(self, project_id, fields):
        self.project_id = project_id
        self.fields = fields
        self.tasks = []
        self._next_sequence = 0
        # export_type (or None) -> the matching tasks, newest first; emptied whenever a task is added.
        # Sorting 10,000 tasks on every page request cost the emulator more CPU than the module's own
        # work, on the same cores, and the benchmark then measured the emulator.
        self._newest_first = {}

    @property
    def dataset_id(self):
        return self.fields["dataset_id"]

    def add_task(self, fields, timeline=None):
        task = ExportTask(fields, self._next_sequence, timeline)
        self._next_sequence += 1
        self.tasks.append(task)
        self._newest_first.clear()
        return task

    def tasks_newest_first(self, export_type=None):
        """The tasks (of ``export_type`` if given), newest first; the caller must not change the list."""
        ordered = self._newest_first.get(export_type)
        if ordered is None:
            matching = [t for t in self.tasks if export_type is None or t.export_type == export_type]
            ordered = sorted(matching, key=lambda t: (t.create_time, t.sequence), reverse=True)
            self._newest_first[export_type] = ordered
        return ordered

    def running_task_ids(self, now):
        """IDs of the tasks not yet finished at ``now`` (INIT or RUNNING), newest first."""
        return [t.task_id for t in self.tasks_newest_first() if t.render(now)["status"] in ("INIT", "RUNNING")]

    def find_task(self, task_id):
        for task in self.tasks:
            if task.task_id == task_id:
                return task
        return None


def copy_json(value):
    """A deep copy of a JSON-shaped value (dicts, lists, scalars); several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {key: copy_json(item) if isinstance(item, (dict, list)) else item for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) if isinstance(item, (dict, list)) else item for item in value]
    return value


def random_id(length=19):
    """An id shaped like ModelArts' dataset and task ids."""
    alphabet = string.ascii_letters + string.digits
    return "".join(random.SystemRandom().choice(alphabet) for _position in range(length))


class Store(object):
    """All mutable emulator state, guarded by one lock (requests are served on many threads)."""

    def __init__(self, default_config=None, clock=time.time):
        self._clock = clock
        self._default_config = dict(DEFAULT_CONFIG)
        self._default_config.update(default_config or {})
        self.lock = threading.RLock()
        self.reset()

    def now(self):
        return self._clock()

    def reset(self):
        """Back to the seed data, default configuration and zero counters."""
        with self.lock:
            self.config = dict(self._default_config)
            self.datasets = {}
            self.total_requests = 0
            self.by_route = collections.OrderedDict()
            self.recent_requests = collections.deque(maxlen=RECENT_REQUESTS_KEPT)
            self._seed_datasets(self.now())

    def _seed_datasets(self, now):
        project = seed.PROJECT_EU_DE_ID
        base_ms = now_ms(now) - 86400000
        example = self._add_dataset(project, seed.dataset_record(
            seed.DATASET_EXAMPLE_ID, seed.DATASET_EXAMPLE_NAME, 1606103000000,
            "The tasks of the API reference example"))
        for fields in seed.example_tasks():
            example.add_task(fields)
        many = self._add_dataset(project, seed.dataset_record(
            seed.DATASET_250_ID, seed.DATASET_250_NAME, base_ms, "250 generated tasks"))
        for fields in seed.generate_tasks(seed.DATASET_250_TASK_COUNT):
            many.add_task(fields)
        self._add_dataset(project, seed.dataset_record(
            seed.DATASET_EMPTY_ID, seed.DATASET_EMPTY_NAME, base_ms + 1000, "No tasks"))
        running = self._add_dataset(project, seed.dataset_record(
            seed.DATASET_RUNNING_ID, seed.DATASET_RUNNING_NAME, base_ms + 2000,
            "Tasks finishing %g s after start" % seed.DATASET_RUNNING_FINISH_SECONDS))
        detection = self._add_dataset(project, seed.dataset_record(
            seed.DATASET_DETECTION_ID, seed.DATASET_DETECTION_NAME, base_ms + 3000,
            "Object detection: a failed, a stuck and a successful export", dataset_type=1))
        for fields in seed.detection_tasks(now_ms(now)):
            detection.add_task(fields)
        finish = now + seed.DATASET_RUNNING_FINISH_SECONDS
        running.add_task(self._task_fields(seed.RUNNING_SUCCESS_TASK_ID, "/emulator-obs/running/ok/", now - 2),
                         Timeline(now - 1, finish))
        running.add_task(self._task_fields(seed.RUNNING_FAILURE_TASK_ID, "/emulator-obs/running/fail/", now - 1),
                         Timeline(now - 1, finish, "FAILED", seed.RUNNING_FAILURE_ERROR_CODE,
                                  seed.RUNNING_FAILURE_ERROR_MSG))

    def _add_dataset(self, project_id, fields):
        dataset = Dataset(project_id, fields)
        self.datasets[(project_id, dataset.dataset_id)] = dataset
        return dataset

    @staticmethod
    def _task_fields(task_id, path, created_at, export_type=0, export_format=2, export_params=None,
                     total_sample_count=20):
        return {
            "task_id": task_id,
            "path": path,
            "export_type": export_type,
            "version_format": "Default",
            "export_format": export_format,
            "export_params": export_params if export_params is not None else {},
            "status": "INIT",
            "progress": 0.0,
            "total_sample_count": total_sample_count,
            "finished_sample_count": 0,
            "create_time": now_ms(created_at),
            "update_time": now_ms(created_at),
        }

    # --- reads and writes used by the API handlers ---

    def get_dataset(self, project_id, dataset_id):
        return self.datasets.get((project_id, dataset_id))

    def list_datasets(self, project_id, search_content=None):
        """Datasets of a project whose name contains ``search_content``, newest first."""
        with self.lock:
            found = [d for (p, _dataset_id), d in self.datasets.items()
                     if p == project_id and (not search_content or search_content in d.fields["dataset_name"])]
        return sorted(found, key=lambda d: d.fields["create_time"], reverse=True)

    def create_task(self, dataset, path, export_type, export_format, export_params):
        """Create a task that goes INIT -> RUNNING -> SUCCESSED on the configured schedule."""
        with self.lock:
            now = self.now()
            running_at = now + float(self.config["task_init_seconds"])
            finished_at = running_at + float(self.config["task_run_seconds"])
            fields = self._task_fields(random_id(), path, now, export_type, export_format, export_params)
            return dataset.add_task(fields, Timeline(running_at, finished_at))

    def insert_newest_task(self, dataset):
        """Fault ``insert_tasks_between_pages``: add a task that sorts before every other one."""
        with self.lock:
            now = self.now()
            newest = max([t.create_time for t in dataset.tasks] + [now_ms(now)])
            fields = self._task_fields(random_id(), "/emulator-obs/inserted/", now)
            fields["create_time"] = fields["update_time"] = newest + 1
            running_at = now + float(self.config["task_init_seconds"])
            return dataset.add_task(fields, Timeline(running_at, running_at + float(self.config["task_run_seconds"])))

    def add_dataset(self, project_id, dataset_name, dataset_id=None, task_count=0, tasks=None, running=None):
        """Admin: add a dataset with generated, explicit and/or progressing tasks."""
        with self.lock:
            now = self.now()
            dataset = self._add_dataset(project_id, seed.dataset_record(
                dataset_id or random_id(), dataset_name, now_ms(now)))
            for fields in seed.generate_tasks(task_count, seed=dataset_name) if task_count else []:
                dataset.add_task(fields)
            for fields in tasks or []:
                dataset.add_task(copy.deepcopy(fields))
            for spec in running or []:
                outcome = spec.get("outcome", "SUCCESSED")
                dataset.add_task(self._task_fields(spec.get("task_id") or random_id(),
                                                   "/emulator-obs/%s/" % dataset_name, now),
                                 Timeline(now, now + float(spec.get("seconds", 4)), outcome,
                                          *(_failure_details(outcome))))
            return dataset

    def record_request(self, method, route, path, query, status):
        with self.lock:
            key = "%s %s" % (method, route)
            self.total_requests += 1
            self.by_route[key] = self.by_route.get(key, 0) + 1
            # "at" (server monotonic seconds) lets tests check the spacing of retries, not the run's duration.
            self.recent_requests.append({"method": method, "path": path, "query": query, "status": status,
                                         "at": time.monotonic()})

    def stats(self):
        with self.lock:
            return {"total": self.total_requests, "by_route": dict(self.by_route),
                    "requests": list(self.recent_requests)}

    def config_snapshot(self):
        with self.lock:
            return dict(self.config)

    def update_config(self, changes):
        with self.lock:
            self.config.update(changes)
            return dict(self.config)


def _failure_details(outcome):
    if outcome == "FAILED":
        return seed.RUNNING_FAILURE_ERROR_CODE, seed.RUNNING_FAILURE_ERROR_MSG
    return None, None
