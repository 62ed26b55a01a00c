"""In-memory state of the emulator: datasets, export tasks, configuration, request counts.

Tasks that progress over time keep a timeline (when they start running, when they finish, how)
instead of a mutable status, and their status, progress, finished_sample_count and update_time
are computed when read. Nothing then has to run in the background, and a read always agrees
with the clock.
"""

import collections
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
    # Agency tokens and temporary AK/SK: 0 = they live as long as asked (duration_seconds); N > 0 =
    # every one issued afterwards expires N s after issue, so a test sees them expire.
    "assume_role_ttl_seconds": 0,
    # The ECS metadata service (GET /openstack/latest/securitykey).
    "metadata_session": "optional",           # "optional", "required" or "absent" (the PUT token step)
    "metadata_key_ttl_seconds": 3600,         # lifetime of the keys it hands out
    "metadata_account": "emulator-domain",    # whose keys: a domain name, or "none" (no agency on the ECS)
}
METADATA_SESSION_MODES = ("optional", "required", "absent")
METADATA_ACCOUNTS = tuple(domain["name"] for domain in seed.DOMAINS.values()) + ("none",)
RECENT_REQUESTS_KEPT = 1000
# A failing task stops at this share of its work, so FAILED tasks do not claim 100 %.
FAILED_FINAL_PROGRESS = 50.0


def now_ms(now):
    """Epoch seconds (float) to the API's epoch milliseconds (int)."""
    return int(now * 1000)


WAITING, RUNNING, FINISHED = "waiting", "running", "finished"  # the phases of a timeline


class Timeline(object):
    """When an item starts running and finishes, and how it ends, in epoch seconds."""

    def __init__(self, running_at, finished_at, outcome="SUCCESSED", error_code=None, error_msg=None):
        self.running_at = running_at
        self.finished_at = finished_at
        self.outcome = outcome
        self.error_code = error_code
        self.error_msg = error_msg

    def phase(self, now):
        """``(WAITING|RUNNING|FINISHED, share of the run done)`` at epoch time ``now``."""
        if now < self.running_at:
            return WAITING, 0.0
        if now < self.finished_at:
            return RUNNING, (now - self.running_at) / max(self.finished_at - self.running_at, 1e-9)
        return FINISHED, 1.0


class Item(object):
    """One listed thing of a dataset: its documented fields, an optional timeline, and fields only
    its detail answer shows (the API reference's detail examples have a few the list examples lack)."""

    id_key = None
    waiting_status = None  # the status before the timeline's run starts

    def __init__(self, fields, sequence, timeline=None, detail_fields=None):
        self.fields = fields
        self.sequence = sequence  # insertion order, breaks create_time ties deterministically
        self.timeline = timeline
        self.detail_fields = detail_fields or {}

    @property
    def item_id(self):
        return self.fields[self.id_key]

    @property
    def create_time(self):
        return self.fields["create_time"]

    def status_at(self, now):
        """The status the API shows at ``now``, without copying the fields."""
        if self.timeline is None:
            return self.fields.get("status")
        return self._timeline_status(self.timeline.phase(now)[0])

    def render(self, now, detail=False):
        """Return the item as the API shows it at epoch time ``now`` (in a detail answer if ``detail``)."""
        body = copy_json(self.fields)
        if detail:
            body.update(copy_json(self.detail_fields))
        if self.timeline is not None:
            phase, share = self.timeline.phase(now)
            self._apply_timeline(body, now, phase, share)
        return body

    def _timeline_status(self, phase):
        return {WAITING: self.waiting_status, RUNNING: "RUNNING", FINISHED: self.timeline.outcome}[phase]

    def _apply_timeline(self, body, now, phase, share):
        raise NotImplementedError


class ExportTask(Item):
    """An export task: INIT, RUNNING with progress, then SUCCESSED or FAILED."""

    id_key = "task_id"
    waiting_status = "INIT"

    @property
    def task_id(self):
        return self.item_id

    @property
    def export_type(self):
        return self.fields.get("export_type")

    def _apply_timeline(self, body, now, phase, share):
        timeline = self.timeline
        total = body.get("total_sample_count", 0)
        final_progress = 100.0 if timeline.outcome == "SUCCESSED" else FAILED_FINAL_PROGRESS
        progress = round(final_progress * share, 1)
        update_time = {WAITING: body["create_time"], RUNNING: now_ms(now),
                       FINISHED: now_ms(timeline.finished_at)}[phase]
        if phase == FINISHED and timeline.outcome == "FAILED":
            body["error_code"] = timeline.error_code
            body["error_msg"] = timeline.error_msg
        body.update(status=self._timeline_status(phase), progress=progress, update_time=update_time,
                    finished_sample_count=int(total * progress / 100))


class Version(Item):
    """A dataset version: 0 (creating) until it is published, then 1 (ready) or 4 (error, with a message)."""

    id_key = "version_id"

    def _timeline_status(self, phase):
        return self.timeline.outcome if phase == FINISHED else seed.VERSION_CREATING

    def _apply_timeline(self, body, now, phase, share):
        timeline = self.timeline
        status = self._timeline_status(phase)
        finished = phase == FINISHED
        body.update(status=status, update_time=now_ms(timeline.finished_at) if finished else body["create_time"])
        if status == seed.VERSION_ERROR:
            body["message"] = timeline.error_msg


class ImportTask(Item):
    """An import task: QUEUING, RUNNING while samples arrive, then COMPLETED or FAILED."""

    id_key = "task_id"
    waiting_status = "QUEUING"

    def _apply_timeline(self, body, now, phase, share):
        timeline = self.timeline
        done = share * (1.0 if timeline.outcome == "COMPLETED" else FAILED_FINAL_PROGRESS / 100)
        imported = int(body.get("total_sample_count", 0) * done)
        ran_until = min(now, timeline.finished_at)
        body.update(status=self._timeline_status(phase), imported_sample_count=imported,
                    annotated_sample_count=imported, finished_file_count=int(body.get("total_file_count", 0) * done),
                    finished_file_size=int(body.get("total_file_size", 0) * done),
                    update_ms=now_ms(ran_until) if phase != WAITING else body["create_time"],
                    elapsed_time=int(max(ran_until - timeline.running_at, 0)))
        if phase == FINISHED and timeline.outcome == "FAILED":
            body["error_code"] = timeline.error_code
            body["error_msg"] = timeline.error_msg


class Collection(object):
    """The items of one kind of a dataset, in insertion order."""

    def __init__(self, item_class):
        self.item_class = item_class
        self.items = []
        self._by_id = {}
        # (field, value) pairs -> the matching items, newest first; emptied whenever an item is added.
        # Sorting 10,000 tasks on every page request cost the emulator more CPU than the module's own
        # work, on the same cores, and the benchmark then measured the emulator.
        self._newest_first = {}

    def add(self, fields, timeline=None, detail_fields=None):
        item = self.item_class(fields, len(self.items), timeline, detail_fields)
        self.items.append(item)
        self._by_id.setdefault(item.item_id, item)
        self._newest_first.clear()
        return item

    def find(self, item_id):
        return self._by_id.get(item_id)

    def newest_first(self, **equal):
        """The items whose fields equal ``equal`` (None values ignored), newest first, ties broken by
        insertion order; the caller must not change the list."""
        wanted = tuple(sorted((field, value) for field, value in equal.items() if value is not None))
        ordered = self._newest_first.get(wanted)
        if ordered is None:
            matching = [item for item in self.items
                        if all(item.fields.get(field) == value for field, value in wanted)]
            ordered = sorted(matching, key=lambda item: (item.create_time, item.sequence), reverse=True)
            self._newest_first[wanted] = ordered
        return ordered


class Dataset(object):
    """A dataset of one project with its export tasks, versions and import tasks."""

    def __init__(self, project_id, fields):
        self.project_id = project_id
        self.fields = fields
        self.export_tasks = Collection(ExportTask)
        self.versions = Collection(Version)
        self.import_tasks = Collection(ImportTask)

    @property
    def dataset_id(self):
        return self.fields["dataset_id"]

    @property
    def tasks(self):
        """The export tasks, in insertion order."""
        return self.export_tasks.items

    def add_task(self, fields, timeline=None):
        return self.export_tasks.add(fields, timeline)

    def tasks_newest_first(self, export_type=None):
        """The export tasks (of ``export_type`` if given), newest first; the caller must not change the list."""
        return self.export_tasks.newest_first(export_type=export_type)

    def running_task_ids(self, now):
        """IDs of the export tasks not yet finished at ``now`` (INIT or RUNNING), newest first."""
        return [t.task_id for t in self.tasks_newest_first() if t.status_at(now) in ("INIT", "RUNNING")]


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
        _add_copies(example.versions, seed.EXAMPLE_VERSIONS, seed.EXAMPLE_VERSION_DETAILS)
        _add_copies(example.import_tasks, seed.EXAMPLE_IMPORT_TASKS, seed.EXAMPLE_IMPORT_TASK_DETAILS)
        _add_copies(many.versions, seed.generate_versions(seed.DATASET_250_VERSION_COUNT))
        _add_copies(many.import_tasks, seed.generate_import_tasks(seed.DATASET_250_IMPORT_TASK_COUNT, many.dataset_id))
        _add_copies(detection.versions, seed.detection_versions(now_ms(now)))
        _add_copies(detection.import_tasks, seed.detection_import_tasks(now_ms(now), detection.dataset_id))
        self._seed_running(running, now)
        self._add_dataset(seed.PARTNER_PROJECT_EU_DE_ID, seed.dataset_record(
            seed.PARTNER_DATASET_ID, seed.PARTNER_DATASET_NAME, base_ms + 4000, "The partner account's dataset"))

    @staticmethod
    def _seed_running(running, now):
        """dataset-running: two export tasks, two versions and two imports, all RUNNING (versions:
        creating) now and finished DATASET_RUNNING_FINISH_SECONDS later, one well and one badly."""
        finish = now + seed.DATASET_RUNNING_FINISH_SECONDS
        running.add_task(Store._task_fields(seed.RUNNING_SUCCESS_TASK_ID, "/emulator-obs/running/ok/", now - 2),
                         Timeline(now - 1, finish))
        running.add_task(Store._task_fields(seed.RUNNING_FAILURE_TASK_ID, "/emulator-obs/running/fail/", now - 1),
                         Timeline(now - 1, finish, "FAILED", seed.RUNNING_FAILURE_ERROR_CODE,
                                  seed.RUNNING_FAILURE_ERROR_MSG))
        path = "/emulator-obs/%s/output/" % seed.DATASET_RUNNING_NAME
        ready = seed.version_fields(seed.RUNNING_VERSION_READY_ID, 1, now_ms(now - 2), seed.VERSION_CREATING, path=path)
        running.versions.add(ready, Timeline(now - 1, finish, seed.VERSION_READY))
        failing = seed.version_fields(seed.RUNNING_VERSION_ERROR_ID, 2, now_ms(now - 1), seed.VERSION_CREATING, path=path)
        failing["previous_version_id"] = seed.RUNNING_VERSION_READY_ID
        running.versions.add(failing, Timeline(now - 1, finish, seed.VERSION_ERROR, None, seed.RUNNING_VERSION_ERROR_MSG))
        running.import_tasks.add(seed.import_task_fields(seed.RUNNING_IMPORT_COMPLETED_ID, seed.DATASET_RUNNING_ID,
                                                         now_ms(now - 2), "RUNNING"),
                                 Timeline(now - 1, finish, "COMPLETED"))
        running.import_tasks.add(seed.import_task_fields(seed.RUNNING_IMPORT_FAILED_ID, seed.DATASET_RUNNING_ID,
                                                         now_ms(now - 1), "RUNNING"),
                                 Timeline(now - 1, finish, "FAILED", seed.RUNNING_IMPORT_ERROR_CODE,
                                          seed.RUNNING_IMPORT_ERROR_MSG))

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
            _add_copies(dataset.export_tasks, tasks or [])
            for spec in running or []:
                outcome = spec.get("outcome", "SUCCESSED")
                dataset.add_task(self._task_fields(spec.get("task_id") or random_id(),
                                                   "/emulator-obs/%s/" % dataset_name, now),
                                 Timeline(now, now + float(spec.get("seconds", 4)), outcome,
                                          *_failure(outcome, "FAILED", seed.RUNNING_FAILURE_ERROR_CODE,
                                                    seed.RUNNING_FAILURE_ERROR_MSG)))
            return dataset

    def add_versions(self, dataset, count=0, versions=(), running=()):
        """Admin: add generated, explicit and/or publishing versions (0 now, the outcome after ``seconds``)."""
        with self.lock:
            now = self.now()
            _add_copies(dataset.versions, seed.generate_versions(count, seed=dataset.fields["dataset_name"]))
            _add_copies(dataset.versions, versions)
            path = "/emulator-obs/%s/output/" % dataset.fields["dataset_name"]
            for spec in running:
                outcome = spec.get("outcome", seed.VERSION_READY)
                fields = seed.version_fields(spec.get("version_id") or random_id(), len(dataset.versions.items) + 1,
                                             now_ms(now), seed.VERSION_CREATING, path=path)
                failure = _failure(outcome, seed.VERSION_ERROR, None, seed.RUNNING_VERSION_ERROR_MSG)
                dataset.versions.add(fields, Timeline(now, now + float(spec.get("seconds", 4)), outcome, *failure))

    def add_import_tasks(self, dataset, count=0, tasks=(), running=()):
        """Admin: add generated, explicit and/or progressing import tasks (QUEUING for ``queued_seconds``,
        then RUNNING, the outcome after ``seconds``)."""
        with self.lock:
            now = self.now()
            _add_copies(dataset.import_tasks,
                        seed.generate_import_tasks(count, dataset.dataset_id, seed=dataset.fields["dataset_name"]))
            _add_copies(dataset.import_tasks, tasks)
            for spec in running:
                outcome = spec.get("outcome", "COMPLETED")
                failure = _failure(outcome, "FAILED", seed.RUNNING_IMPORT_ERROR_CODE, seed.RUNNING_IMPORT_ERROR_MSG)
                fields = seed.import_task_fields(spec.get("task_id") or random_id(), dataset.dataset_id, now_ms(now),
                                                 "QUEUING")
                dataset.import_tasks.add(fields, Timeline(now + float(spec.get("queued_seconds", 0)),
                                                          now + float(spec.get("seconds", 4)), outcome, *failure))

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


def _add_copies(collection, items, details=None):
    """Add copies of static ``items`` (and of their detail-only fields, by id) to ``collection``."""
    for fields in items:
        extra = (details or {}).get(fields[collection.item_class.id_key])
        collection.add(copy_json(fields), detail_fields=copy_json(extra) if extra else None)


def _failure(outcome, failed_outcome, error_code, error_msg):
    """The (error_code, error_msg) of a timeline ending in ``outcome``: set only when it fails."""
    return (error_code, error_msg) if outcome == failed_outcome else (None, None)
