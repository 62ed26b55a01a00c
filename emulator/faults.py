"""Fault injection: misbehaviour a client must survive, switched on through the admin API.

Every ``POST /_emulator/faults`` adds *entries* to the plan; an entry applies to the next
matching ModelArts (``/v2``) requests and is consumed as it is used. All keys of one POST share
its optional ``only_paths_containing`` filter, so separate POSTs can aim different faults at
different paths. ``GET /_emulator/faults`` lists what remains; ``POST /_emulator/reset`` clears it.

Per request the server asks ``take_for_request`` which faults apply. At most one of the faults
that replace the answer is used, in this order: ``drop_connections``, ``status_sequence``,
``truncated_body``, ``malformed_json``. ``slow_body`` is taken as well for any request that gets
an answer at all. ``missing_keys`` and ``insert_tasks_between_pages`` are applied by the
export-task list handler, ``expire_tokens_after`` by the credential check (see ``api.py``).
"""

import math
import threading
import time
from email.utils import formatdate

from emulator import hostile

# Error bodies for injected statuses, shaped like the API gateway's own answers.
_FAULT_ERRORS = {
    429: ("APIG.0308", "The request is throttled."),
    500: ("APIG.0201", "Internal server error (injected by the emulator)."),
    502: ("APIG.0202", "Backend unavailable (injected by the emulator)."),
    503: ("APIG.0202", "Backend unavailable (injected by the emulator)."),
    504: ("APIG.0203", "Backend timeout (injected by the emulator)."),
}
OFFSET_MODES = ("page", "record")
RETRY_AFTER_FORMATS = ("seconds", "http-date")
# Faults given as "the next N requests".
_COUNTED_KEYS = ("drop_connections", "malformed_json", "truncated_body", "slow_body", "missing_keys")
KNOWN_KEYS = ("status_sequence", "retry_after", "retry_after_format", "offset_mode", "dataset_total_cap", "latency_ms",
              "slow_body_seconds", "expire_tokens_after", "insert_tasks_between_pages",
              "only_paths_containing") + _COUNTED_KEYS + hostile.KINDS + tuple(hostile.PARAMETERS)
# Answer-replacing faults, in the order they win when several match one request.
_REPLACING_ORDER = ("drop_connections", "status", "truncated_body", "malformed_json")


class InjectedFault(object):
    """An error answer to send instead of serving the request."""

    def __init__(self, status, error_code, error_msg, retry_after=None):
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.retry_after = retry_after  # the Retry-After header value (a string), or None


class RequestFaults(object):
    """What the plan decided for one request."""

    def __init__(self, replacing=None, status_fault=None, slow_seconds=None):
        self.drop = replacing == "drop_connections"
        self.status_fault = status_fault
        self.truncated = replacing == "truncated_body"
        self.malformed = replacing == "malformed_json"
        self.slow_seconds = slow_seconds


NO_FAULTS = RequestFaults()


class _Entry(object):
    """One planned fault: its kind, how many uses remain, its path filter and parameters."""

    def __init__(self, kind, remaining, path_filter, **params):
        self.kind = kind
        self.remaining = remaining
        self.path_filter = path_filter
        self.params = params

    def matches(self, path):
        return self.path_filter is None or self.path_filter in path

    def describe(self):
        described = {"fault": self.kind, "remaining": self.remaining, "only_paths_containing": self.path_filter}
        described.update(self.params)
        return described


def _count(spec, key):
    value = spec.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("%s must be a non-negative integer" % key)
    return value


class FaultPlan(object):
    """The faults currently planned; thread-safe, cleared by ``reset``.

    ``on_expire_tokens`` is called (without arguments, outside the plan's lock) when an
    ``expire_tokens_after`` countdown runs out.
    """

    def __init__(self, on_expire_tokens=None):
        self._lock = threading.Lock()
        self._on_expire_tokens = on_expire_tokens
        self.reset()

    def reset(self):
        with self._lock:
            self.entries = []
            self.retry_after = None
            self.retry_after_format = "seconds"
            self.offset_mode = "page"
            self.dataset_total_cap = None

    def configure(self, spec):
        """Add the faults of an admin request (see ``KNOWN_KEYS``).

        Validates everything before changing anything; raises ValueError naming the bad field,
        so the admin API can answer 400.
        """
        unknown = sorted(set(spec) - set(KNOWN_KEYS))
        if unknown:
            raise ValueError("unknown fault key(s) %s; known: %s" % (", ".join(unknown), ", ".join(KNOWN_KEYS)))
        statuses = spec.get("status_sequence", [])
        if not isinstance(statuses, list) or any(isinstance(s, bool) or s not in _FAULT_ERRORS for s in statuses):
            raise ValueError("status_sequence must be a list of %s" % sorted(_FAULT_ERRORS))
        retry_after = spec.get("retry_after")
        if retry_after is not None and (isinstance(retry_after, bool) or not isinstance(retry_after, int)
                                        or retry_after < 0):
            raise ValueError("retry_after must be a non-negative integer (seconds)")
        retry_after_format = spec.get("retry_after_format")
        if retry_after_format is not None and retry_after_format not in RETRY_AFTER_FORMATS:
            raise ValueError("retry_after_format must be one of %s" % list(RETRY_AFTER_FORMATS))
        offset_mode = spec.get("offset_mode")
        if offset_mode is not None and offset_mode not in OFFSET_MODES:
            raise ValueError("offset_mode must be one of %s" % list(OFFSET_MODES))
        total_cap = spec.get("dataset_total_cap")
        if total_cap is not None and (isinstance(total_cap, bool) or not isinstance(total_cap, int) or total_cap < 1):
            raise ValueError("dataset_total_cap must be a positive integer (the most total_number ever says)")
        path_filter = spec.get("only_paths_containing")
        if path_filter is not None and (not isinstance(path_filter, str) or not path_filter):
            raise ValueError("only_paths_containing must be a non-empty string")
        counts = dict((key, _count(spec, key)) for key in _COUNTED_KEYS)
        hostile_counts = dict((key, _count(spec, key)) for key in hostile.KINDS)
        hostile.validate_parameters(spec)
        slow_seconds = spec.get("slow_body_seconds")
        if slow_seconds is not None and (isinstance(slow_seconds, bool) or not isinstance(slow_seconds, (int, float))
                                         or slow_seconds < 0):
            raise ValueError("slow_body_seconds must be a non-negative number")
        if counts["slow_body"] and slow_seconds is None:
            raise ValueError("slow_body needs slow_body_seconds")
        if slow_seconds is not None and not counts["slow_body"]:
            raise ValueError("slow_body_seconds needs slow_body (how many answers to slow down)")
        expire_after = spec.get("expire_tokens_after")
        if expire_after is not None:
            expire_after = _count(spec, "expire_tokens_after")
        insert = spec.get("insert_tasks_between_pages")
        if insert is not None:
            if not isinstance(insert, dict) or set(insert) - {"dataset_id", "count"} \
                    or not isinstance(insert.get("dataset_id"), str) or not insert.get("dataset_id"):
                raise ValueError("insert_tasks_between_pages must be {\"dataset_id\": ID, \"count\": K}")
            _count(insert, "count")

        new_entries = [_Entry("status", 1, path_filter, status=status, retry_after=retry_after,
                              retry_after_format=retry_after_format) for status in statuses]
        for key in _COUNTED_KEYS:
            if counts[key]:
                params = {"slow_body_seconds": slow_seconds} if key == "slow_body" else {}
                new_entries.append(_Entry(key, counts[key], path_filter, **params))
        for kind in hostile.KINDS:
            if hostile_counts[kind]:
                new_entries.append(_Entry(kind, hostile_counts[kind], path_filter, used=0,
                                          **hostile.parameters_of(spec)))
        expire_now = expire_after == 0
        if expire_after:
            new_entries.append(_Entry("expire_tokens_after", expire_after, path_filter))
        if insert is not None and insert.get("count", 0):
            new_entries.append(_Entry("insert_tasks_between_pages", insert["count"], path_filter,
                                      dataset_id=insert["dataset_id"]))
        with self._lock:
            self.entries.extend(new_entries)
            if retry_after is not None:
                self.retry_after = retry_after
            if retry_after_format is not None:
                self.retry_after_format = retry_after_format
            if offset_mode is not None:
                self.offset_mode = offset_mode
            if total_cap is not None:
                self.dataset_total_cap = total_cap
        if expire_now:
            self._expire_tokens()

    def describe(self):
        with self._lock:
            remaining = {}
            for entry in self.entries:
                if entry.kind != "status":
                    remaining[entry.kind] = remaining.get(entry.kind, 0) + entry.remaining
            return {"status_sequence": [e.params["status"] for e in self.entries if e.kind == "status"],
                    "retry_after": self.retry_after, "retry_after_format": self.retry_after_format,
                    "offset_mode": self.offset_mode, "dataset_total_cap": self.dataset_total_cap,
                    "remaining": remaining,
                    "pending": [entry.describe() for entry in self.entries]}

    # --- used while serving ---

    def _take(self, kind, path, accept=None):
        """Consume one use of the first entry of ``kind`` matching ``path``; return it or None."""
        for entry in self.entries:
            if entry.kind == kind and entry.matches(path) and (accept is None or accept(entry)):
                entry.remaining -= 1
                if entry.remaining <= 0:
                    self.entries.remove(entry)
                return entry
        return None

    def take_for_request(self, path):
        """Decide (and consume) the faults for one ``/v2`` request to ``path``."""
        with self._lock:
            if not self.entries:
                return NO_FAULTS
            replacing, entry = None, None
            for kind in _REPLACING_ORDER:
                entry = self._take(kind, path)
                if entry is not None:
                    replacing = kind
                    break
            if replacing == "drop_connections":
                return RequestFaults(replacing)
            status_fault = self._status_fault(entry) if replacing == "status" else None
            slow = self._take("slow_body", path)
            return RequestFaults(replacing, status_fault, slow.params["slow_body_seconds"] if slow else None)

    def _status_fault(self, entry):
        status = entry.params["status"]
        error_code, error_msg = _FAULT_ERRORS[status]
        if status != 429:
            return InjectedFault(status, error_code, error_msg)
        seconds = entry.params["retry_after"] if entry.params["retry_after"] is not None else self.retry_after
        if seconds is None:
            return InjectedFault(status, error_code, error_msg)
        form = entry.params["retry_after_format"] or self.retry_after_format
        if form == "http-date":
            # HTTP-dates have whole seconds: round up so the client never waits less than asked.
            value = formatdate(math.ceil(time.time() + seconds), usegmt=True)
        else:
            value = str(seconds)
        return InjectedFault(status, error_code, error_msg, value)

    def next_status_fault(self, path="/v2/"):
        """Pop the next planned error status for ``path``, or return None (kept for callers)."""
        with self._lock:
            entry = self._take("status", path)
            return self._status_fault(entry) if entry is not None else None

    def take_hostile(self, path, kinds=hostile.KINDS):
        """(kind, parameters, earlier uses) of the hostile answer (one of ``kinds``) for this request, or None."""
        with self._lock:
            for kind in kinds:
                entry = self._take(kind, path)
                if entry is not None:
                    entry.params["used"] += 1
                    if entry.params["used"] <= entry.params.get("skip_first", 0):
                        return None  # served normally, counted as a use
                    return kind, entry.params, entry.params["used"] - 1
            return None

    def take_missing_keys(self, path):
        with self._lock:
            return self._take("missing_keys", path) is not None

    def take_task_insert(self, dataset_id, path):
        """True if a task is to be inserted into ``dataset_id`` after this list answer."""
        with self._lock:
            return self._take("insert_tasks_between_pages", path,
                              lambda entry: entry.params["dataset_id"] == dataset_id) is not None

    def note_authenticated(self, path):
        """Count one successfully authenticated ``/v2`` request against the token countdowns."""
        expire = False
        with self._lock:
            for entry in list(self.entries):
                if entry.kind == "expire_tokens_after" and entry.matches(path):
                    entry.remaining -= 1
                    if entry.remaining <= 0:
                        self.entries.remove(entry)
                        expire = True
        if expire:
            self._expire_tokens()

    def _expire_tokens(self):
        if self._on_expire_tokens is not None:
            self._on_expire_tokens()

    def dataset_total(self, count):
        """What the dataset list says its total_number is: ``count``, or the cap when one is set and lower."""
        with self._lock:
            return count if self.dataset_total_cap is None else min(count, self.dataset_total_cap)

    def uses_record_offset(self):
        with self._lock:
            return self.offset_mode == "record"
