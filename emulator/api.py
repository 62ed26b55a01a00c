"""The emulated endpoints (IAM, ModelArts, admin) and their route table.

Handlers take the ``Emulator`` state, a parsed ``Request`` and the path parameters, and return
``(status, body)`` or ``(status, body, headers)``; errors are raised as ``ApiError``. The HTTP
plumbing (threads, keep-alive, request ids, latency, counting) lives in ``server.py``.
"""

import copy
import datetime
import json
import re
import threading
from urllib.parse import parse_qs, unquote

from emulator import auth, seed
from emulator.errors import ApiError
from emulator.faults import FaultPlan
from emulator.store import METADATA_ACCOUNTS, METADATA_SESSION_MODES, Store

# error_codes.rst documents these with HTTP 400, so the emulator answers 400 (not 404) for them.
DATASET_NOT_FOUND = "ModelArts.4352"
TASK_NOT_FOUND = "ModelArts.4359"
VERSION_NOT_FOUND = "ModelArts.4353"  # "Dataset version does not exist"
# error_codes.rst has no import-specific code; this is its generic "Task not found" (400).
IMPORT_TASK_NOT_FOUND = "ModelArts.4612"
# error_codes.rst: 400 ModelArts.4200 "Invalid request. The values of the request parameters are
# invalid." The message names the parameter, so a client's error can say which one.
INVALID_PARAMETER = "ModelArts.4200"
INVALID_JSON = "ModelArts.4105"
# error_codes.rst: 403 ModelArts.0210 "The project id in the request URL does not match the token."
PROJECT_MISMATCH = "ModelArts.0210"
CONFIG_KEYS = ("latency_ms", "token_ttl_seconds", "task_init_seconds", "task_run_seconds", "assume_role_ttl_seconds",
               "metadata_session", "metadata_key_ttl_seconds", "metadata_account")
CONFIG_CHOICES = {"metadata_session": METADATA_SESSION_MODES, "metadata_account": METADATA_ACCOUNTS}
# IAM error codes (IAM's own API reference; error_codes.rst has none): 401 IAM.0001 "The request you
# have made requires authentication.", 403 IAM.0002 "You are not authorized to perform the requested
# action.", 404 IAM.0004 "Could not find %(target)s: %(target_id)s.", 400 IAM.0007 "Request
# parameter %(key)s is invalid."; the emulator's IAM.0011 ("Request parameter error") for bodies it
# cannot read, as for password tokens.
IAM_UNAUTHENTICATED = "IAM.0001"
IAM_FORBIDDEN = "IAM.0002"
IAM_NOT_FOUND = "IAM.0004"
IAM_INVALID_PARAMETER = "IAM.0007"
IAM_BAD_REQUEST = "IAM.0011"
# The metadata service's own error codes (the emulator's choice: the service documents none).
METADATA_BAD_TTL = "METADATA.0400"
METADATA_NO_SESSION = "METADATA.0401"
METADATA_NO_AGENCY = "METADATA.0402"
METADATA_NO_TOKEN_API = "METADATA.0404"
# The SDK core's MetadataAccessor treats a 401 with this text as "no agency", not as a stale session.
METADATA_NO_AGENCY_MESSAGE = "Please configure Cloud Service Agency first"
METADATA_TOKEN_TTL_RANGE = (1, 21600)


class Request(object):
    """The parts of an HTTP request the handlers need."""

    def __init__(self, method, raw_path, raw_query, headers, body):
        self.method = method
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.query = parse_qs(raw_query, keep_blank_values=True)
        self.headers = headers
        self.body = body


class Emulator(object):
    """All state of one emulator process."""

    def __init__(self, default_config=None):
        self.store = Store(default_config)
        self.tokens = auth.TokenRegistry()
        self.keys = auth.KeyRegistry()
        self.session_tokens = auth.SessionTokens()
        self.faults = FaultPlan(on_expire_tokens=self.tokens.expire_all)
        self._metadata_lock = threading.Lock()
        self._metadata_keys = None  # (the keys the metadata service hands out now, their lifetime)

    def reset(self):
        """Seed data, default config, zero counters, no faults. Issued tokens and keys stay valid;
        the metadata service hands out new keys."""
        self.store.reset()
        self.faults.reset()
        with self._metadata_lock:
            self._metadata_keys = None

    def metadata_keys(self, domain_id, ttl_seconds):
        """The metadata service's current keys: the same until they expire (or the account or
        lifetime changes), then new ones."""
        with self._metadata_lock:
            now = self.store.now()
            current = self._metadata_keys
            if current is None or now >= current[0].expires_at or current[0].domain_id != domain_id \
                    or current[1] != ttl_seconds:
                current = self._metadata_keys = (self.keys.issue(domain_id, now, ttl_seconds), ttl_seconds)
            return current[0]


# --- helpers ---

def _json_body(request, error_code=INVALID_JSON):
    try:
        payload = json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, error_code, "Incorrect JSON format of the input data.")
    if not isinstance(payload, dict):
        raise ApiError(400, error_code, "The request body must be a JSON object.")
    return payload


def _int_query(request, name, default, minimum, maximum=None):
    """An integer query parameter within [minimum, maximum], or 400 naming the parameter."""
    values = request.query.get(name)
    if values is None:
        return default
    value = values[-1]
    allowed = "%d..%d" % (minimum, maximum) if maximum is not None else ">= %d" % minimum
    if len(values) != 1 or not re.match(r"^-?\d+$", value) or int(value) < minimum \
            or (maximum is not None and int(value) > maximum):
        raise ApiError(400, INVALID_PARAMETER,
                       "Invalid request. Parameter '%s' must be an integer %s, got %r." % (name, allowed, value))
    return int(value)


def _require_dataset(emulator, params):
    dataset = emulator.store.get_dataset(params["project_id"], params["dataset_id"])
    if dataset is None:
        raise ApiError(400, DATASET_NOT_FOUND, "Dataset does not exist: %s" % params["dataset_id"])
    return dataset


def _show_item(emulator, request, params, collection_name, id_param, error_code, what):
    """The detail answer of one export task, version or import task of the path's dataset."""
    authenticate(emulator, request, params["project_id"])
    dataset = _require_dataset(emulator, params)
    with emulator.store.lock:
        item = getattr(dataset, collection_name).find(params[id_param])
        if item is None:
            raise ApiError(400, error_code, "%s does not exist: %s" % (what, params[id_param]))
        return 200, item.render(emulator.store.now(), detail=True)


def _rendered_page(items, start, limit, now):
    """Items ``start`` .. ``start + limit - 1`` as the API shows them at ``now``."""
    return [item.render(now) for item in items[start:start + limit]]


def _iam_error(status, error_code, message):
    titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
    return ApiError(status, error_code, message, body={
        "error": {"code": status, "message": message, "title": titles.get(status, "Error")},
        "error_code": error_code, "error_msg": message})


def _iso(epoch_seconds):
    moment = datetime.datetime.fromtimestamp(epoch_seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def authenticate(emulator, request, project_id=None):
    """Check the request's token and/or AK/SK signature; with ``project_id``, their project too.

    Both are checked when both are sent, so a client that sends a stale token next to a good
    signature is still caught. Return the id of the caller's domain (the token's, if both).
    """
    headers = request.headers
    has_signature = headers.get("Authorization") is not None
    has_token = headers.get("X-Auth-Token") is not None
    if not has_signature and not has_token:
        raise auth.no_credentials()
    now = emulator.store.now()
    domain_id = None
    if has_signature:
        credentials = auth.verify_signature(request.method, request.raw_path, request.raw_query, headers, request.body,
                                            now, emulator.keys)
        domain_id = credentials.domain_id
        header_project = headers.get("X-Project-Id")
        if project_id is not None and header_project is not None and header_project != project_id:
            raise ApiError(403, PROJECT_MISMATCH,
                           "The X-Project-Id header (%s) does not match the project id in the URL (%s)."
                           % (header_project, project_id))
        if project_id is not None and not credentials.allows(project_id):
            raise ApiError(403, PROJECT_MISMATCH,
                           "The project id in the request URL (%s) is not one these keys may use (account %s)."
                           % (project_id, seed.DOMAINS[credentials.domain_id]["name"]))
    if has_token:
        token = emulator.tokens.check(headers.get("X-Auth-Token"), now)
        domain_id = token.domain_id
        if project_id is not None and token.project_id != project_id:
            raise ApiError(403, PROJECT_MISMATCH,
                           "The project id in the request URL (%s) does not match the token (scoped to %s)."
                           % (project_id, token.project_id))
    if request.raw_path.startswith("/v2/"):
        emulator.faults.note_authenticated(request.raw_path)
    return domain_id


# --- IAM ---

def create_token(emulator, request, params):
    try:
        payload = json.loads(request.body.decode("utf-8"))
        methods = payload["auth"]["identity"]["methods"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        methods = None
    if isinstance(methods, list) and "assume_role" in methods:
        return create_agency_token(emulator, request, payload)
    try:
        payload = json.loads(request.body.decode("utf-8"))
        identity = payload["auth"]["identity"]
        user = identity["password"]["user"]
        methods = identity["methods"]
        name, password, domain = user["name"], user["password"], user["domain"]
        project = payload["auth"]["scope"]["project"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise _iam_error(400, "IAM.0011", "Request parameter error: expected auth.identity.password.user "
                                          "{name, password, domain} and auth.scope.project {name or id}.")
    if "password" not in methods:
        raise _iam_error(400, "IAM.0011", "Request parameter error: identity.methods must contain 'password'.")
    domain_ok = isinstance(domain, dict) and (domain.get("name") == seed.DOMAIN_NAME or domain.get("id") == seed.DOMAIN_ID)
    if not (domain_ok and name == seed.USER_NAME and password == seed.USER_PASSWORD):
        raise _iam_error(401, "IAM.0006", "The username or password is wrong.")
    if not isinstance(project, dict):
        raise _iam_error(400, "IAM.0011", "Request parameter error: auth.scope.project must be an object.")
    project_id = project.get("id")
    if project_id is None:
        by_name = dict((n, i) for i, n in seed.PROJECTS.items())
        project_id = by_name.get(project.get("name"))
    if project_id not in seed.PROJECTS:
        raise _iam_error(400, "IAM.0011", "Project %r does not exist in domain %s."
                         % (project.get("id") or project.get("name"), seed.DOMAIN_NAME))
    now = emulator.store.now()
    token = emulator.tokens.issue(project_id, now, float(emulator.store.config["token_ttl_seconds"]))
    domain_body = {"id": seed.DOMAIN_ID, "name": seed.DOMAIN_NAME}
    body = {"token": {
        "expires_at": _iso(token.expires_at),
        "issued_at": _iso(token.issued_at),
        "methods": ["password"],
        "project": {"id": project_id, "name": seed.PROJECTS[project_id], "domain": domain_body},
        "user": {"id": seed.USER_ID, "name": seed.USER_NAME, "domain": domain_body},
        "catalog": [],
    }}
    return 201, body, {"X-Subject-Token": token.value}


def list_projects(emulator, request, params):
    domain_id = authenticate(emulator, request)  # the caller's account: an agency token sees the partner's projects
    wanted = request.query.get("name", [None])[-1]
    projects = [{"id": project_id, "name": name, "domain_id": domain_id, "enabled": True,
                 "is_domain": False, "parent_id": domain_id, "description": ""}
                for project_id, name in seed.DOMAINS[domain_id]["projects"].items() if wanted is None or name == wanted]
    return 200, {"projects": projects, "links": {"next": None, "previous": None, "self": "/v3/projects"}}


# --- IAM: agencies and temporary AK/SK ---

def _iam_body(request):
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _iam_error(400, IAM_BAD_REQUEST, "Request parameter error: the body is not JSON.")
    identity = payload.get("auth", {}).get("identity") if isinstance(payload, dict) and isinstance(
        payload.get("auth"), dict) else None
    if not isinstance(identity, dict) or not isinstance(identity.get("methods"), list):
        raise _iam_error(400, IAM_BAD_REQUEST, "Request parameter error: expected auth.identity.methods (a list).")
    return payload, identity


def _iam_caller(emulator, request, allow_signature):
    """Who calls: the Token of its X-Auth-Token or, if ``allow_signature``, the Credentials of its AK/SK
    signature (both checked when both are sent; the token names the caller). 401 otherwise."""
    headers = request.headers
    now = emulator.store.now()
    caller = None
    if allow_signature and headers.get("Authorization") is not None:
        caller = auth.verify_signature(request.method, request.raw_path, request.raw_query, headers, request.body,
                                       now, emulator.keys)
    if headers.get("X-Auth-Token") is not None:
        try:
            caller = emulator.tokens.check(headers.get("X-Auth-Token"), now)
        except auth.AuthError:
            raise _iam_error(401, IAM_UNAUTHENTICATED, "The request you have made requires authentication: "
                                                       "the X-Auth-Token is unknown or expired.")
    if caller is None:
        raise _iam_error(401, IAM_UNAUTHENTICATED, "The request you have made requires authentication: send %s."
                         % ("X-Auth-Token or an AK/SK signature" if allow_signature else
                            "X-Auth-Token (an AK/SK signature is not accepted here)"))
    return caller


def _duration(block, name, default):
    """``duration_seconds`` of ``block``: an integer 900..86400, ``default`` when absent, else 400."""
    if "duration_seconds" not in block:
        return default
    value = block["duration_seconds"]
    if isinstance(value, bool) or not isinstance(value, int) \
            or not seed.MIN_DURATION_SECONDS <= value <= seed.MAX_DURATION_SECONDS:
        limits = (seed.MIN_DURATION_SECONDS, seed.MAX_DURATION_SECONDS)
        raise _iam_error(400, IAM_INVALID_PARAMETER, "Request parameter %s.duration_seconds is invalid: an integer "
                         "%d..%d (15 minutes to 24 hours), got %r." % ((name,) + limits + (value,)))
    return value


def _assume_role(caller_domain_id, block, default_duration):
    """Check an ``assume_role`` block for a caller of ``caller_domain_id``: return (agency name, the
    delegating domain's id, duration). The agency is named ``agency_name`` (the pages' tables) or
    ``xrole_name`` (their examples); IAM accepts both, and so does the emulator."""
    if not isinstance(block, dict):
        raise _iam_error(400, IAM_BAD_REQUEST, "Request parameter error: auth.identity.assume_role must be an object.")
    names = [block[key] for key in ("agency_name", "xrole_name") if key in block]
    if not names or not all(isinstance(name, str) and name for name in names) or len(set(names)) != 1:
        raise _iam_error(400, IAM_BAD_REQUEST, "Request parameter error: assume_role needs agency_name (or xrole_name, "
                                               "the same name if both are sent).")
    agency_name = names[0]
    domain_id, domain_name = block.get("domain_id"), block.get("domain_name")
    if not isinstance(domain_id, str) and not isinstance(domain_name, str):
        raise _iam_error(400, IAM_BAD_REQUEST, "Request parameter error: assume_role needs domain_id or domain_name.")
    duration = _duration(block, "assume_role", default_duration)
    target = domain_id if isinstance(domain_id, str) else seed.domain_id_by_name(domain_name)
    if target in seed.DOMAINS and isinstance(domain_name, str) and seed.DOMAINS[target]["name"] != domain_name:
        target = None  # domain_id and domain_name name different accounts
    agency = seed.AGENCIES.get(agency_name)
    shown_domain = domain_name if isinstance(domain_name, str) else domain_id
    if target not in seed.DOMAINS or agency is None or agency["domain_id"] != target:
        raise _iam_error(404, IAM_NOT_FOUND, "Could not find agency: %s in domain %s." % (agency_name, shown_domain))
    caller_domain = seed.DOMAINS[caller_domain_id]["name"]
    if agency["trusted_domain"] != caller_domain:
        raise _iam_error(403, IAM_FORBIDDEN, "You are not authorized to perform the requested action: agency %s of "
                                             "domain %s does not trust domain %s."
                         % (agency_name, seed.DOMAINS[target]["name"], caller_domain))
    return agency_name, target, duration


def _scope_in_domain(scope, domain_id):
    """``auth.scope`` within ``domain_id``: the project id of ``{"project": {id or name}}``, or None for
    ``{"domain": {id or name}}`` (the domain itself); 400 otherwise."""
    domain = seed.DOMAINS[domain_id]
    project = scope.get("project") if isinstance(scope, dict) else None
    if isinstance(project, dict):
        project_id = project.get("id")
        if project_id is None:
            project_id = dict((name, pid) for pid, name in domain["projects"].items()).get(project.get("name"))
        if not isinstance(project_id, str) or project_id not in domain["projects"]:
            raise _iam_error(400, IAM_BAD_REQUEST, "Project %r does not exist in domain %s."
                             % (project.get("id") or project.get("name"), domain["name"]))
        return project_id
    wanted = scope.get("domain") if isinstance(scope, dict) else None
    if isinstance(wanted, dict):
        if wanted.get("id") != domain_id and wanted.get("name") != domain["name"]:
            raise _iam_error(400, IAM_BAD_REQUEST, "Request parameter error: the scope's domain %r is not the agency's "
                                                   "domain %s." % (wanted.get("id") or wanted.get("name"), domain["name"]))
        return None
    raise _iam_error(400, IAM_BAD_REQUEST, "Request parameter error: auth.scope must be {\"project\": {id or name}} "
                                           "or {\"domain\": {id or name}}.")


def _assume_role_ttl(emulator, duration):
    """How long an agency token or temporary AK/SK lives: as asked, unless assume_role_ttl_seconds overrides it."""
    override = float(emulator.store.config_snapshot()["assume_role_ttl_seconds"])
    return override if override > 0 else float(duration)


def create_agency_token(emulator, request, payload):
    """``POST /v3/auth/tokens`` with methods ["assume_role"] (obtaining_an_agency_token.rst): authenticated by
    the caller's X-Auth-Token only (the page's header table; an AK/SK signature is 401)."""
    caller = _iam_caller(emulator, request, allow_signature=False)
    identity = payload["auth"]["identity"]
    agency_name, domain_id, duration = _assume_role(caller.domain_id, identity.get("assume_role"),
                                                    float(emulator.store.config_snapshot()["token_ttl_seconds"]))
    project_id = _scope_in_domain(payload["auth"].get("scope"), domain_id)
    now = emulator.store.now()
    token = emulator.tokens.issue(project_id, now, _assume_role_ttl(emulator, duration), domain_id, agency_name)
    domain = seed.DOMAINS[domain_id]
    domain_body = {"id": domain_id, "name": domain["name"]}
    caller_domain = seed.DOMAINS[caller.domain_id]
    body = {
        "methods": ["assume_role"],
        "issued_at": _iso(token.issued_at),
        "expires_at": _iso(token.expires_at),
        "user": {"id": seed.AGENCIES[agency_name]["id"], "name": "%s/%s" % (domain["name"], agency_name),
                 "domain": domain_body},
        "roles": [{"id": "0", "name": "modelarts_adm"}],
        "assumed_by": {"user": {"domain": {"name": caller_domain["name"], "id": caller.domain_id},
                                "id": seed.USER_ID, "name": seed.USER_NAME}},
        "catalog": [],
    }
    if project_id is None:
        body["domain"] = domain_body
    else:
        body["project"] = {"id": project_id, "name": domain["projects"][project_id], "domain": domain_body}
    return 201, {"token": body}, {"X-Subject-Token": token.value}


def create_security_token(emulator, request, params):
    """``POST /v3.0/OS-CREDENTIAL/securitytokens`` (obtaining_a_temporary_ak_sk.rst): methods ["assume_role"]
    (caller: X-Auth-Token or AK/SK signature) or ["token"] (X-Auth-Token, else auth.identity.token.id)."""
    payload, identity = _iam_body(request)
    methods = identity["methods"]
    if "assume_role" in methods:
        caller = _iam_caller(emulator, request, allow_signature=True)
        _agency_name, domain_id, duration = _assume_role(caller.domain_id, identity.get("assume_role"),
                                                         seed.DEFAULT_TEMPORARY_KEY_SECONDS)
        scope = payload["auth"].get("scope")
        project_id = None if scope is None else _scope_in_domain(scope, domain_id)
    elif "token" in methods:
        block = identity.get("token", {})
        if not isinstance(block, dict):
            raise _iam_error(400, IAM_BAD_REQUEST, "Request parameter error: auth.identity.token must be an object.")
        duration = _duration(block, "token", seed.DEFAULT_TEMPORARY_KEY_SECONDS)
        if request.headers.get("X-Auth-Token") is None and isinstance(block.get("id"), str):
            try:  # the token in the body, when the header does not carry one
                caller = emulator.tokens.check(block["id"], emulator.store.now())
            except auth.AuthError:
                raise _iam_error(401, IAM_UNAUTHENTICATED, "The request you have made requires authentication: "
                                                           "auth.identity.token.id is unknown or expired.")
        else:
            caller = _iam_caller(emulator, request, allow_signature=False)
        domain_id, project_id = caller.domain_id, None
    else:
        raise _iam_error(400, IAM_BAD_REQUEST, "Request parameter error: auth.identity.methods must be "
                                               "[\"assume_role\"] or [\"token\"].")
    keys = emulator.keys.issue(domain_id, emulator.store.now(), _assume_role_ttl(emulator, duration),
                               None if project_id is None else frozenset([project_id]))
    return 201, {"credential": _credential_body(keys)}


def _credential_body(keys):
    return {"access": keys.ak, "secret": keys.sk, "expires_at": _iso(keys.expires_at), "securitytoken": keys.security_token}


# --- ECS metadata service (same port, no credentials: it is link-local on a real ECS) ---

def metadata_session_token(emulator, request, params):
    """``PUT /meta-data/latest/api/token``: a session token (text/plain) for X-Metadata-Token-TTL-Seconds
    seconds (1..21600); 404 when metadata_session is "absent"."""
    if emulator.store.config_snapshot()["metadata_session"] == "absent":
        raise ApiError(404, METADATA_NO_TOKEN_API, "This metadata service has no session step: "
                                                   "PUT /meta-data/latest/api/token does not exist.")
    value = request.headers.get("X-Metadata-Token-TTL-Seconds")
    low, high = METADATA_TOKEN_TTL_RANGE
    if value is None or not re.match(r"^\d+$", value.strip()) or not low <= int(value) <= high:
        raise ApiError(400, METADATA_BAD_TTL, "Header X-Metadata-Token-TTL-Seconds must be an integer %d..%d, got %r."
                       % (low, high, value))
    token = emulator.session_tokens.issue(emulator.store.now(), int(value))
    return 200, token.encode("ascii"), {"Content-Type": "text/plain"}


def metadata_security_key(emulator, request, params):
    """``GET /openstack/latest/securitykey``: temporary keys of metadata_account, the same until they expire."""
    config = emulator.store.config_snapshot()
    if config["metadata_session"] != "absent":
        value = request.headers.get("X-Metadata-Token")
        if value is None and config["metadata_session"] == "required":
            raise ApiError(401, METADATA_NO_SESSION, "X-Metadata-Token is required: get one with "
                                                     "PUT /meta-data/latest/api/token first.")
        if value is not None and not emulator.session_tokens.valid(value, emulator.store.now()):
            raise ApiError(401, METADATA_NO_SESSION, "The X-Metadata-Token is unknown or expired.")
    if config["metadata_account"] == "none":
        raise ApiError(401, METADATA_NO_AGENCY, METADATA_NO_AGENCY_MESSAGE + ": this ECS has no agency.")
    keys = emulator.metadata_keys(seed.domain_id_by_name(config["metadata_account"]),
                                  float(config["metadata_key_ttl_seconds"]))
    return 200, {"credential": _credential_body(keys)}


# --- ModelArts ---

def _bool_query(request, name):
    """A true/false query parameter, None when absent, or 400 naming the parameter."""
    values = request.query.get(name)
    if values is None:
        return None
    if len(values) != 1 or values[0] not in ("true", "false"):
        raise ApiError(400, INVALID_PARAMETER,
                       "Invalid request. Parameter '%s' must be true or false, got %r." % (name, values[-1]))
    return values[0] == "true"


def _enum_query(request, name, allowed):
    value = _int_query(request, name, None, min(allowed), max(allowed))
    if value is not None and value not in allowed:
        raise ApiError(400, INVALID_PARAMETER, "Invalid request. Parameter '%s' must be one of %s, got %r."
                       % (name, ", ".join(str(a) for a in allowed), value))
    return value


def _running_task_detection(request):
    """check_running_task and running_task_type: None (do not detect) or the type to detect (None = any)."""
    running_task_type = _enum_query(request, "running_task_type", seed.RUNNING_TASK_TYPES)
    if not _bool_query(request, "check_running_task"):
        return False, None
    return True, running_task_type


def _render_dataset(emulator, dataset, detect, running_task_type):
    body = copy.deepcopy(dataset.fields)
    if detect:
        # Export tasks are the only tasks the emulator has: type 2 ("export") or any type finds them.
        running = [] if running_task_type not in (None, seed.RUNNING_TASK_TYPE_EXPORT) \
            else dataset.running_task_ids(emulator.store.now())
        body.update(exist_running_task=bool(running), running_tasks_id=running)
    return body


def list_datasets(emulator, request, params):
    authenticate(emulator, request, params["project_id"])
    limit = _int_query(request, "limit", 10, 1, 100)
    offset = _int_query(request, "offset", 0, 0)  # a page index ("start page"), like the export-task list
    search = request.query.get("search_content", [None])[-1]
    dataset_type = _enum_query(request, "dataset_type", seed.DATASET_TYPES)
    support_export = _bool_query(request, "support_export")
    workspace_id = request.query.get("workspace_id", [None])[-1]
    detect, running_task_type = _running_task_detection(request)
    datasets = [d for d in emulator.store.list_datasets(params["project_id"], search)
                if (dataset_type is None or d.fields["dataset_type"] == dataset_type)
                and (not support_export or d.fields["dataset_type"] in seed.EXPORTABLE_DATASET_TYPES)
                and (workspace_id is None or d.fields["workspace_id"] == workspace_id)]
    page = datasets[offset * limit:(offset + 1) * limit]
    with emulator.store.lock:
        rendered = [_render_dataset(emulator, d, detect, running_task_type) for d in page]
    # The reference says total_number "cannot exceed 100"; the dataset_total_cap fault makes that true here.
    return 200, {"total_number": emulator.faults.dataset_total(len(datasets)), "datasets": rendered}


def show_dataset(emulator, request, params):
    authenticate(emulator, request, params["project_id"])
    detect, running_task_type = _running_task_detection(request)
    dataset = _require_dataset(emulator, params)
    with emulator.store.lock:
        return 200, _render_dataset(emulator, dataset, detect, running_task_type)


def list_export_tasks(emulator, request, params):
    authenticate(emulator, request, params["project_id"])
    export_type = _int_query(request, "export_type", None, 0, 3)
    limit = _int_query(request, "limit", 10, 1, 100)
    offset = _int_query(request, "offset", 0, 0)
    dataset = _require_dataset(emulator, params)
    start = offset if emulator.faults.uses_record_offset() else offset * limit
    with emulator.store.lock:
        tasks = dataset.tasks_newest_first(export_type)
        page = _rendered_page(tasks, start, limit, emulator.store.now())
    body = {"total_count": len(tasks), "export_tasks": page}
    if emulator.faults.take_missing_keys(request.raw_path):
        body = {"tasks": page}  # valid JSON, but neither total_count nor export_tasks
    # The answer is fixed; a task created "meanwhile" shows up from the next page on.
    if emulator.faults.take_task_insert(dataset.dataset_id, request.raw_path):
        emulator.store.insert_newest_task(dataset)
    return 200, body


def show_export_task(emulator, request, params):
    return _show_item(emulator, request, params, "export_tasks", "task_id", TASK_NOT_FOUND, "Export task")


def create_export_task(emulator, request, params):
    authenticate(emulator, request, params["project_id"])
    dataset = _require_dataset(emulator, params)
    payload = _json_body(request)
    path = payload.get("path")
    if not isinstance(path, str) or not path:
        raise ApiError(400, INVALID_PARAMETER, "Invalid request. Parameter 'path' is required (an OBS path).")
    export_type = payload.get("export_type", 0)
    if export_type not in (0, 1, 2, 3) or isinstance(export_type, bool):
        raise ApiError(400, INVALID_PARAMETER, "Invalid request. Parameter 'export_type' must be 0, 1, 2 or 3.")
    export_format = payload.get("export_format", 2)
    if export_format not in (1, 2) or isinstance(export_format, bool):
        raise ApiError(400, INVALID_PARAMETER, "Invalid request. Parameter 'export_format' must be 1 or 2.")
    export_params = payload.get("export_params", {})
    if not isinstance(export_params, dict):
        raise ApiError(400, INVALID_PARAMETER, "Invalid request. Parameter 'export_params' must be an object.")
    task = emulator.store.create_task(dataset, path, export_type, export_format, export_params)
    return 200, {"task_id": task.task_id}


def _ratio_range_query(request, name):
    """``min,max`` split ratios (0..1, min <= max), None when absent or blank, or 400 naming the parameter."""
    values = request.query.get(name)
    if values is None or values == [""]:
        return None
    try:
        low, high = (float(part) for part in values[-1].split(","))
    except ValueError:
        low = high = None
    if len(values) != 1 or low is None or not 0.0 <= low <= high <= 1.0:
        raise ApiError(400, INVALID_PARAMETER, "Invalid request. Parameter '%s' must be 'min,max' with "
                                               "0 <= min <= max <= 1, e.g. '0.0,1.0', got %r." % (name, values[-1]))
    return low, high


def _split_ratio(version):
    """A version's train_evaluate_sample_ratio as a number; the documented default is 1.00."""
    return float(version.fields.get("train_evaluate_sample_ratio", "1.00"))


def list_versions(emulator, request, params):
    authenticate(emulator, request, params["project_id"])
    status = _enum_query(request, "status", seed.VERSION_STATES)
    version_format = _enum_query(request, "version_format", tuple(seed.VERSION_FORMATS))
    ratios = _ratio_range_query(request, "train_evaluate_ratio")
    limit = _int_query(request, "limit", 1000, 1, 1000)
    offset = _int_query(request, "offset", 0, 0)
    dataset = _require_dataset(emulator, params)
    with emulator.store.lock:
        now = emulator.store.now()
        versions = [v for v in dataset.versions.newest_first(version_format=seed.VERSION_FORMATS.get(version_format))
                    if (status is None or v.status_at(now) == status)
                    and (ratios is None or ratios[0] <= _split_ratio(v) <= ratios[1])]
        page = _rendered_page(versions, offset * limit, limit, now)  # offset: a page index, as for all lists
    return 200, {"total_number": len(versions), "versions": page}


def show_version(emulator, request, params):
    return _show_item(emulator, request, params, "versions", "version_id", VERSION_NOT_FOUND, "Dataset version")


def list_import_tasks(emulator, request, params):
    authenticate(emulator, request, params["project_id"])
    limit = _int_query(request, "limit", 10, 1, 100)
    offset = _int_query(request, "offset", 0, 0)
    dataset = _require_dataset(emulator, params)
    with emulator.store.lock:
        tasks = dataset.import_tasks.newest_first()
        page = _rendered_page(tasks, offset * limit, limit, emulator.store.now())
    return 200, {"total_count": len(tasks), "import_tasks": page}


def show_import_task(emulator, request, params):
    return _show_item(emulator, request, params, "import_tasks", "task_id", IMPORT_TASK_NOT_FOUND, "Import task")


# --- admin (no auth, not counted) ---

def admin_health(emulator, request, params):
    return 200, {"ok": True}


def admin_stats(emulator, request, params):
    return 200, emulator.store.stats()


def admin_reset(emulator, request, params):
    emulator.reset()
    return 200, {"ok": True}


def admin_config(emulator, request, params):
    payload = _json_body(request, "EMULATOR.0400")
    for key, value in payload.items():
        if key not in CONFIG_KEYS:
            raise ApiError(400, "EMULATOR.0400", "Unknown config key %r; known: %s" % (key, ", ".join(CONFIG_KEYS)))
        if key in CONFIG_CHOICES:
            if not isinstance(value, str) or value not in CONFIG_CHOICES[key]:
                raise ApiError(400, "EMULATOR.0400", "Config %r must be one of %s, got %r."
                               % (key, ", ".join(CONFIG_CHOICES[key]), value))
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ApiError(400, "EMULATOR.0400", "Config %r must be a non-negative number." % key)
    return 200, emulator.store.update_config(payload)


def admin_get_config(emulator, request, params):
    return 200, emulator.store.config_snapshot()


def _count_problem(payload, key):
    value = payload.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return "%s must be a non-negative integer" % key
    return None


def _items_problem(payload, key, id_key):
    items = payload.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) and id_key in i and "create_time" in i
                                              for i in items):
        return "%s must be a list of objects, each with %s and create_time" % (key, id_key)
    return None


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _running_problem(payload, key, outcomes, id_key, queued=False):
    """A problem with the ``key`` list of progressing items: {seconds, outcome, id?[, queued_seconds]}."""
    specs = payload.get(key, [])
    default_outcome = outcomes[0]

    def valid(spec):
        seconds = spec.get("seconds", 4)
        queued_seconds = spec.get("queued_seconds", 0) if queued else 0
        return (spec.get("outcome", default_outcome) in outcomes and _number(seconds) and _number(queued_seconds)
                and 0 <= queued_seconds <= seconds and isinstance(spec.get(id_key, ""), str))

    if not isinstance(specs, list) or not all(isinstance(spec, dict) and valid(spec) for spec in specs):
        return "%s must be a list of {seconds, outcome: %s, %s?%s}" % (
            key, "|".join(str(o) for o in outcomes), id_key, ", queued_seconds? (<= seconds)" if queued else "")
    return None


def admin_add_dataset(emulator, request, params):
    payload = _json_body(request, "EMULATOR.0400")
    name = payload.get("dataset_name")
    project_id = payload.get("project_id", seed.PROJECT_EU_DE_ID)
    dataset_id = payload.get("dataset_id")
    problems = []
    if not isinstance(name, str) or not name:
        problems.append("dataset_name is required")
    if not isinstance(project_id, str) or seed.domain_of_project(project_id) is None:
        problems.append("project_id must be one of %s" % sorted(list(seed.PROJECTS) + list(seed.PARTNER_PROJECTS)))
    if dataset_id is not None and (not isinstance(dataset_id, str) or emulator.store.get_dataset(project_id, dataset_id)):
        problems.append("dataset_id must be a string not already used in the project")
    problems.extend(problem for problem in (
        _count_problem(payload, "task_count"),
        _items_problem(payload, "tasks", "task_id"),
        _running_problem(payload, "running", ("SUCCESSED", "FAILED"), "task_id"),
        _count_problem(payload, "version_count"),
        _items_problem(payload, "versions", "version_id"),
        _running_problem(payload, "running_versions", (seed.VERSION_READY, seed.VERSION_ERROR), "version_id"),
        _count_problem(payload, "import_task_count"),
        _items_problem(payload, "import_tasks", "task_id"),
        _running_problem(payload, "running_imports", ("COMPLETED", "FAILED"), "task_id", queued=True),
    ) if problem)
    if problems:
        raise ApiError(400, "EMULATOR.0400", "; ".join(problems))
    store = emulator.store
    with store.lock:
        dataset = store.add_dataset(project_id, name, dataset_id, payload.get("task_count", 0),
                                    payload.get("tasks", []), payload.get("running", []))
        store.add_versions(dataset, payload.get("version_count", 0), payload.get("versions", []),
                           payload.get("running_versions", []))
        store.add_import_tasks(dataset, payload.get("import_task_count", 0), payload.get("import_tasks", []),
                               payload.get("running_imports", []))
    return 200, {"dataset_id": dataset.dataset_id}


def admin_faults(emulator, request, params):
    spec = _json_body(request, "EMULATOR.0400")
    latency_ms = spec.get("latency_ms")
    if latency_ms is not None and (isinstance(latency_ms, bool) or not isinstance(latency_ms, (int, float))
                                   or latency_ms < 0):
        raise ApiError(400, "EMULATOR.0400", "latency_ms must be a non-negative number")
    try:
        emulator.faults.configure(spec)
    except ValueError as error:
        raise ApiError(400, "EMULATOR.0400", str(error))
    if latency_ms is not None:  # a convenience: the same setting as POST /_emulator/config
        emulator.store.update_config({"latency_ms": latency_ms})
    return admin_get_faults(emulator, request, params)


def admin_get_faults(emulator, request, params):
    described = emulator.faults.describe()
    described["latency_ms"] = emulator.store.config_snapshot()["latency_ms"]
    return 200, described


class Route(object):
    """One endpoint: method, path template (as counted in stats), handler, kind."""

    def __init__(self, method, template, handler, kind):
        self.method = method
        self.template = template
        self.handler = handler
        self.kind = kind  # "iam", "modelarts", "metadata" or "admin"
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._regex = re.compile("^%s$" % pattern)

    def match(self, method, raw_path):
        """Return the unquoted path parameters if this route serves the request, else None."""
        if method != self.method:
            return None
        found = self._regex.match(raw_path)
        if found is None:
            return None
        return dict((key, unquote(value)) for key, value in found.groupdict().items())


_TASKS = "/v2/{project_id}/datasets/{dataset_id}/export-tasks"
_VERSIONS = "/v2/{project_id}/datasets/{dataset_id}/versions"
_IMPORTS = "/v2/{project_id}/datasets/{dataset_id}/import-tasks"
ROUTES = [
    Route("POST", "/v3/auth/tokens", create_token, "iam"),
    Route("GET", "/v3/projects", list_projects, "iam"),
    Route("POST", "/v3.0/OS-CREDENTIAL/securitytokens", create_security_token, "iam"),
    Route("PUT", "/meta-data/latest/api/token", metadata_session_token, "metadata"),
    Route("GET", "/openstack/latest/securitykey", metadata_security_key, "metadata"),
    Route("GET", "/v2/{project_id}/datasets", list_datasets, "modelarts"),
    Route("GET", "/v2/{project_id}/datasets/{dataset_id}", show_dataset, "modelarts"),
    Route("GET", _TASKS, list_export_tasks, "modelarts"),
    Route("POST", _TASKS, create_export_task, "modelarts"),
    Route("GET", _TASKS + "/{task_id}", show_export_task, "modelarts"),
    Route("GET", _VERSIONS, list_versions, "modelarts"),
    Route("GET", _VERSIONS + "/{version_id}", show_version, "modelarts"),
    Route("GET", _IMPORTS, list_import_tasks, "modelarts"),
    Route("GET", _IMPORTS + "/{task_id}", show_import_task, "modelarts"),
    Route("GET", "/_emulator/health", admin_health, "admin"),
    Route("GET", "/_emulator/stats", admin_stats, "admin"),
    Route("POST", "/_emulator/reset", admin_reset, "admin"),
    Route("GET", "/_emulator/config", admin_get_config, "admin"),
    Route("POST", "/_emulator/config", admin_config, "admin"),
    Route("POST", "/_emulator/datasets", admin_add_dataset, "admin"),
    Route("GET", "/_emulator/faults", admin_get_faults, "admin"),
    Route("POST", "/_emulator/faults", admin_faults, "admin"),
]


def find_route(method, raw_path):
    for route in ROUTES:
        params = route.match(method, raw_path)
        if params is not None:
            return route, params
    return None, None
