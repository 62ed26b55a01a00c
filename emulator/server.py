"""HTTP plumbing: a threading HTTP/1.1 server that dispatches to the routes of ``api.py``.

Every answer is JSON with Content-Length (so keep-alive works) and an ``X-Request-Id``; any
unexpected exception in a handler becomes a 500 JSON answer instead of a dropped connection.
"""

import json
import secrets
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from emulator import api
from emulator.errors import ApiError

UNKNOWN_ROUTE = "<unknown>"


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ModelArtsEmulator/1.0"

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def _dispatch(self):
        emulator = self.server.emulator
        raw_path, _, raw_query = self.path.partition("?")
        # Absolute-form request targets ("GET http://host/path") carry the path inside the URL.
        if raw_path.startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            raw_path, raw_query = parts.path, parts.query
        try:
            body = self._read_body()
        except ValueError as error:
            self._send(400, {"error_code": "APIG.0201", "error_msg": str(error)})
            return
        request = api.Request(self.command, raw_path, raw_query, self.headers, body)
        route, params = api.find_route(self.command, raw_path)
        if route is not None and route.kind == "admin":
            status, payload, headers = self._call(route, params, request)
            self._send(status, payload, headers)
            return

        latency_ms = float(emulator.store.config_snapshot()["latency_ms"])
        if latency_ms > 0:
            time.sleep(latency_ms / 1000.0)
        fault = emulator.faults.next_status_fault() if route is not None and route.kind == "modelarts" else None
        if route is None:
            status, payload, headers = 404, {
                "error_code": "APIG.0101",
                "error_msg": "The API does not exist or has not been published in the environment: %s %s"
                             % (self.command, raw_path)}, {}
        elif fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            status, payload = fault.status, {"error_code": fault.error_code, "error_msg": fault.error_msg}
        else:
            status, payload, headers = self._call(route, params, request)
        template = route.template if route is not None else UNKNOWN_ROUTE
        emulator.store.record_request(self.command, template, raw_path, raw_query, status)
        self._send(status, payload, headers)

    def _call(self, route, params, request):
        """Run a handler; return (status, body, headers), turning any exception into an error body."""
        try:
            result = route.handler(self.server.emulator, request, params)
        except ApiError as error:
            return error.status, error.to_body(), error.headers
        except Exception:  # a bug in the emulator must not kill the connection or the server
            traceback.print_exc(file=sys.stderr)
            return 500, {"error_code": "ModelArts.0001", "error_msg": "Internal error in the emulator."}, {}
        status, payload = result[0], result[1]
        headers = result[2] if len(result) > 2 else {}
        return status, payload, headers

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise ValueError("Chunked request bodies are not supported; send Content-Length.")
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        if not length.isdigit():
            raise ValueError("Invalid Content-Length: %r" % length)
        return self.rfile.read(int(length))

    def _send(self, status, payload, headers=None):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", secrets.token_hex(16))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class EmulatorServer(ThreadingHTTPServer):
    """Serves one ``api.Emulator``; request threads are daemons so shutdown never hangs on them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, emulator, verbose=False):
        ThreadingHTTPServer.__init__(self, address, EmulatorHandler)
        self.emulator = emulator
        self.verbose = verbose

    @property
    def url(self):
        host, port = self.server_address[:2]
        return "http://%s:%d" % (host, port)
