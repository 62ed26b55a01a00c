"""Fault injection: misbehaviour a client must survive, switched on through the admin API.

The server consults the plan at the start of every ModelArts (``/v2``) request. Faults still to
come (dropped connections, malformed JSON, token expiry after N requests, tasks inserted between
pages) belong here too, as fields of ``FaultPlan`` and branches of ``next_status_fault``.
"""

import threading

# Error bodies for injected statuses, shaped like the API gateway's own answers.
_FAULT_ERRORS = {
    429: ("APIG.0308", "The request is throttled."),
    500: ("APIG.0201", "Internal server error (injected by the emulator)."),
    502: ("APIG.0202", "Backend unavailable (injected by the emulator)."),
    503: ("APIG.0202", "Backend unavailable (injected by the emulator)."),
    504: ("APIG.0203", "Backend timeout (injected by the emulator)."),
}
OFFSET_MODES = ("page", "record")


class InjectedFault(object):
    """An error answer to send instead of serving the request."""

    def __init__(self, status, error_code, error_msg, retry_after=None):
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.retry_after = retry_after


class FaultPlan(object):
    """The faults currently planned; thread-safe, cleared by ``reset``."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.status_sequence = []
            self.retry_after = None
            self.offset_mode = "page"

    def configure(self, spec):
        """Apply an admin request: ``status_sequence``, ``retry_after``, ``offset_mode``.

        Raises ValueError naming the bad field, so the admin API can answer 400.
        """
        statuses = spec.get("status_sequence", [])
        if not isinstance(statuses, list) or any(s not in _FAULT_ERRORS for s in statuses):
            raise ValueError("status_sequence must be a list of %s" % sorted(_FAULT_ERRORS))
        retry_after = spec.get("retry_after")
        if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
            raise ValueError("retry_after must be a non-negative integer (seconds)")
        offset_mode = spec.get("offset_mode", "page")
        if offset_mode not in OFFSET_MODES:
            raise ValueError("offset_mode must be one of %s" % list(OFFSET_MODES))
        with self._lock:
            self.status_sequence.extend(statuses)
            if retry_after is not None:
                self.retry_after = retry_after
            self.offset_mode = offset_mode

    def describe(self):
        with self._lock:
            return {"status_sequence": list(self.status_sequence), "retry_after": self.retry_after,
                    "offset_mode": self.offset_mode}

    def next_status_fault(self):
        """Pop the next planned error status, or return None to serve normally."""
        with self._lock:
            if not self.status_sequence:
                return None
            status = self.status_sequence.pop(0)
            retry_after = self.retry_after if status == 429 else None
        error_code, error_msg = _FAULT_ERRORS[status]
        return InjectedFault(status, error_code, error_msg, retry_after)

    def uses_record_offset(self):
        with self._lock:
            return self.offset_mode == "record"
