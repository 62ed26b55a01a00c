"""Hostile answers: what a broken proxy or an attacker's endpoint sends, for the client's bounds.

Each is a counted fault (``POST /_emulator/faults`` with ``{"<kind>": N, ...}``) that applies to
the next N matching ``/v2`` requests, at most one hostile kind per request, in ``KINDS`` order.
The request is served normally first; the hostile kind then rewrites or replaces its answer:

- ``huge_total``: the list's total becomes ``huge_total_value`` (default 10**9);
- ``growing_total``: the total grows by a page on every use, and the page is padded to full with
  new tasks, so a client that reads "while the page is full" never stops on its own;
- ``page_over_limit``: the page holds one item more than the ``limit`` asked for;
- ``echo_headers``: 400 whose ``error_msg`` echoes the request's credential headers (``ECHOED_HEADERS``:
  plain, JSON-escaped and percent-encoded), as some proxies do with all of them;
- ``control_chars``: 400 whose ``error_msg`` clears the terminal and sets its title (``CONTROL_TEXT``);
- ``echo_body``: 400 in ``text/plain`` that echoes the request body, as some WAFs do; it also applies to
  IAM (``/v3``) requests, so that a password sent for a token comes back (``IAM_KINDS``);
- ``redirect``: 302 to ``redirect_location`` (default ``https://attacker.example/collect``);
- ``gzip_bomb``: a gzip body of about 1 MB that inflates to ``gzip_bomb_mb`` MiB (default 1024);
- ``gzip_trailer``: the real answer, gzipped, then ``gzip_trailer_mb`` MiB (default 64) of bytes that are not
  gzip after the end of the stream: a client that decodes the stream and keeps reading holds all of it;
- ``trickle_body``: the answer's body is sent one byte every ``trickle_seconds`` (default 1);
- ``trickle_headers``: the status line and headers are sent one byte every ``trickle_seconds``, so
  that no single read waits long, yet the headers take minutes;
- ``continue_flood``: ``100 Continue`` interim answers without end (``flood_seconds``, default 3600,
  or until the client goes away) before the real one;
- ``deep_json``: a 200 whose body is an array nested ``deep_json_levels`` deep (default 100,000);
- ``state_not_string``: every listed item's ``status`` becomes a list;
- ``fat_items``: every listed item gets a ``padding`` field of ``fat_item_kb`` KiB (default 30): valid
  answers, each well under the client's 32 MiB bound, that add up over the pages of a listing;
- ``huge_error``: 400 whose ``error_msg`` is ``huge_error_mb`` MiB long (default 20);
- ``surrogate_field``: every listed item's ``description`` holds a lone surrogate (``\\ud800`` in the JSON:
  valid JSON, yet no valid Unicode);
- ``surrogate_id``: every listed item's id ends in a lone surrogate;
- ``dot_id``: every listed item's id becomes ``..`` (a path segment the client would climb with);
- ``all_failed``: every listed item's ``status`` becomes ``FAILED`` (a gate over a listing that failed whole).

``skip_first`` (default 0) serves that many matching requests normally first (they count as uses),
so that, for example, the first page of a listing arrives and the later ones stall.
"""

import copy
import json
import threading
import zlib
from urllib.parse import parse_qs, quote

KINDS = ("redirect", "echo_headers", "echo_body", "control_chars", "gzip_bomb", "gzip_trailer", "trickle_body",
         "trickle_headers", "continue_flood", "deep_json", "huge_error",
         "huge_total", "growing_total", "page_over_limit", "state_not_string", "fat_items",
         "surrogate_field", "surrogate_id", "dot_id", "all_failed")
PARAMETERS = {"huge_total_value": 10 ** 9, "deep_json_levels": 100000, "gzip_bomb_mb": 1024, "gzip_trailer_mb": 64,
              "huge_error_mb": 20,
              "trickle_seconds": 1.0,
              "flood_seconds": 3600.0, "skip_first": 0, "fat_item_kb": 30,
              "redirect_location": "https://attacker.example/collect"}
# The hostile kinds that also apply to IAM requests; the others rewrite ModelArts answers only.
IAM_KINDS = ("echo_body",)
ECHOED_HEADERS = ("Authorization", "X-Auth-Token", "X-Security-Token", "X-Project-Id")
CONTROL_TEXT = "\x1b[2J\x1b]0;owned by the server\x07Bad request"
TOTAL_KEYS = ("total_count", "total_number")
LIST_KEYS = ("export_tasks", "datasets", "versions", "import_tasks")
ID_KEYS = ("task_id", "dataset_id", "version_id")

_BOMBS = {}
_BOMBS_LOCK = threading.Lock()


def validate_parameters(spec):
    """Raise ValueError naming a bad hostile parameter."""
    for key in ("huge_total_value", "deep_json_levels", "skip_first", "fat_item_kb"):
        value = spec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError("%s must be a non-negative integer" % key)
    for key in ("gzip_bomb_mb", "gzip_trailer_mb", "huge_error_mb", "trickle_seconds", "flood_seconds"):
        value = spec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
            raise ValueError("%s must be a positive number" % key)
    location = spec.get("redirect_location")
    if location is not None and (not isinstance(location, str) or not location):
        raise ValueError("redirect_location must be a non-empty string")


def parameters_of(spec):
    return dict((key, spec.get(key, default)) for key, default in PARAMETERS.items())


class Answer(object):
    """What the server is about to send: status, JSON payload (or raw bytes) and headers."""

    def __init__(self, status, payload, headers):
        self.status = status
        self.payload = payload
        self.headers = dict(headers or {})
        self.data = None  # raw bytes replacing the JSON payload
        self.trickle_seconds = None
        self.header_trickle_seconds = None
        self.flood_seconds = None


def apply(kind, params, answer, request_headers, query, uses, body=b""):
    """Rewrite ``answer`` for one use of ``kind``; ``uses`` counts earlier uses of this entry."""
    if kind == "redirect":
        answer.status, answer.payload = 302, {}
        answer.headers["Location"] = params["redirect_location"]
    elif kind == "echo_body":
        answer.status, answer.data = 400, b"Request rejected by the firewall; the body was: " + (body or b"")
        answer.headers["Content-Type"] = "text/plain"
    elif kind == "control_chars":
        answer.status, answer.payload = 400, {"error_code": "ModelArts.0400", "error_msg": CONTROL_TEXT}
    elif kind == "echo_headers":
        echoed = dict((name, value) for name, value in request_headers.items() if name in ECHOED_HEADERS)
        answer.status = 400
        answer.payload = {"error_code": "PROXY.0400", "error_msg": "Bad request; headers were: %s | %s | %s" % (
            "; ".join("%s: %s" % item for item in echoed.items()), json.dumps(echoed),
            quote(json.dumps(echoed)))}
    elif kind == "gzip_bomb":
        answer.status, answer.data = 200, _bomb(int(params["gzip_bomb_mb"]))
        answer.headers["Content-Encoding"] = "gzip"
    elif kind == "gzip_trailer":
        stream = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        document = stream.compress(json.dumps(answer.payload).encode("utf-8")) + stream.flush()
        answer.data = document + b"trailer!" * int(float(params["gzip_trailer_mb"]) * 1024 * 1024 / 8)
        answer.headers["Content-Encoding"] = "gzip"
    elif kind == "trickle_body":
        answer.trickle_seconds = float(params["trickle_seconds"])
    elif kind == "trickle_headers":
        answer.header_trickle_seconds = float(params["trickle_seconds"])
    elif kind == "continue_flood":
        answer.flood_seconds = float(params["flood_seconds"])
    elif kind == "huge_error":
        answer.status = 400
        answer.payload = {"error_code": "ModelArts.0400",
                          "error_msg": "Bad request " * int(float(params["huge_error_mb"]) * 1024 * 1024 / 12)}
    elif kind == "deep_json":
        levels = int(params["deep_json_levels"])
        answer.status, answer.data = 200, b"[" * levels + b"]" * levels
    elif answer.status == 200 and isinstance(answer.payload, dict):
        _rewrite_list(kind, params, answer.payload, query, uses)


def _rewrite_list(kind, params, payload, query, uses):
    total_key = next((key for key in TOTAL_KEYS if key in payload), None)
    list_key = next((key for key in LIST_KEYS if isinstance(payload.get(key), list)), None)
    if total_key is None or list_key is None:
        return
    items = payload[list_key]
    limit = _limit(query, len(items))
    if items:
        params.setdefault("template", copy.deepcopy(items[0]))  # to pad pages past the real end
    if kind == "huge_total":
        payload[total_key] = params["huge_total_value"]
    elif kind == "growing_total":
        payload[total_key] += limit * (uses + 1)
        _pad(items, params.get("template"), limit, "grown%d" % uses)
    elif kind == "page_over_limit":
        _pad(items, params.get("template"), limit + 1, "extra%d" % uses)
    elif kind == "state_not_string":
        for item in items:
            item["status"] = [item.get("status")]
    elif kind == "surrogate_field":
        for item in items:
            item["description"] = "exported \ud800 by the server"
    elif kind in ("surrogate_id", "dot_id"):
        for item in items:
            for key in ID_KEYS:
                if key in item:
                    item[key] = ".." if kind == "dot_id" else item[key][:10] + "\ud800"
    elif kind == "all_failed":
        for item in items:
            item["status"] = "FAILED"
    elif kind == "fat_items":
        padding = "x" * (int(params["fat_item_kb"]) * 1024)
        for item in items:
            item["padding"] = padding


def _limit(query, default):
    values = parse_qs(query).get("limit")
    try:
        return int(values[0]) if values else max(default, 1)
    except ValueError:
        return max(default, 1)


def _pad(items, template, size, tag):
    """Append copies of ``template``, each with a new id, until ``items`` holds ``size``."""
    if template is None:
        return
    number = 0
    while len(items) < size:
        extra = copy.deepcopy(template)
        for key in ID_KEYS:
            if key in extra:
                extra[key] = "%s%s%04d" % (template[key][:8], tag, number)
        items.append(extra)
        number += 1


def _bomb(megabytes):
    """A gzip stream of ``megabytes`` MiB of spaces, built once per size without holding the inflated data."""
    with _BOMBS_LOCK:
        if megabytes not in _BOMBS:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            block = b" " * (1024 * 1024)
            parts = [compressor.compress(b"{\"export_tasks\": [], \"total_count\": 0, \"pad\": \"")]
            parts.extend(compressor.compress(block) for _number in range(megabytes))
            parts.append(compressor.compress(b"\"}"))
            parts.append(compressor.flush())
            _BOMBS[megabytes] = b"".join(parts)
        return _BOMBS[megabytes]
