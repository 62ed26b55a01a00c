"""HTTP plumbing: a threading HTTP/1.1 server that dispatches to the routes of ``api.py``.

Every answer is JSON (the metadata session token: text/plain) with Content-Length (so keep-alive
works) and an ``X-Request-Id``; any
unexpected exception in a handler becomes a 500 JSON answer instead of a dropped connection.
The exceptions are deliberate: the faults of ``faults.py`` (dropped connections, malformed or
truncated bodies, slow bodies) are carried out here. With an SSL context the server speaks HTTPS.
"""

import json
import secrets
import socket
import ssl
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from emulator import api, hostile
from emulator.errors import ApiError
from emulator.faults import NO_FAULTS

UNKNOWN_ROUTE = "<unknown>"
DROPPED_STATUS = 0  # recorded in the stats for a connection closed without an answer
TLS_HANDSHAKE_TIMEOUT_SECONDS = 10.0


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ModelArtsEmulator/1.0"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and
    # delayed ACKs hold the body ~40 ms on a kept-alive connection, which real gateways do not.
    disable_nagle_algorithm = True

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
        raw_path, _separator, raw_query = self.path.partition("?")
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
        template = route.template if route is not None else UNKNOWN_ROUTE
        faults = emulator.faults.take_for_request(raw_path) \
            if route is not None and route.kind == "modelarts" else NO_FAULTS
        if faults.drop:
            # Close without a byte of answer: the client sees RemoteDisconnected / a reset.
            emulator.store.record_request(self.command, template, raw_path, raw_query, DROPPED_STATUS)
            self.close_connection = True
            return
        if route is None:
            status, payload, headers = 404, {
                "error_code": "APIG.0101",
                "error_msg": "The API does not exist or has not been published in the environment: %s %s"
                             % (self.command, raw_path)}, {}
        elif faults.status_fault is not None:
            fault = faults.status_fault
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            status, payload = fault.status, {"error_code": fault.error_code, "error_msg": fault.error_msg}
        else:
            status, payload, headers = self._call(route, params, request)
        answer = self._hostile_answer(raw_path, raw_query, status, payload, headers, body,
                                      hostile.KINDS if route.kind == "modelarts" else hostile.IAM_KINDS) \
            if route is not None and route.kind in ("modelarts", "iam") else None
        if answer is not None:
            emulator.store.record_request(self.command, template, raw_path, raw_query, answer.status)
            data = answer.data if answer.data is not None else json.dumps(answer.payload).encode("utf-8")
            self._send_bytes(answer.status, data, answer.headers, trickle_seconds=answer.trickle_seconds,
                             header_trickle_seconds=answer.header_trickle_seconds, flood_seconds=answer.flood_seconds)
            return
        # A handler may answer bytes as they are (text/plain, with its own Content-Type header).
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        content_length = None
        if faults.truncated or faults.malformed:
            # The request was served (side effects happen), its answer is mangled on the way out.
            # Any proper prefix of a JSON object is invalid JSON.
            status, cut = 200, data[:max(1, len(data) // 2)]
            content_length = len(data) if faults.truncated else len(cut)
            data = cut
        emulator.store.record_request(self.command, template, raw_path, raw_query, status)
        self._send_bytes(status, data, headers, content_length, faults.slow_seconds)
        if faults.truncated:
            self.close_connection = True  # fewer bytes than announced, then the end of the stream

    def _hostile_answer(self, path, query, status, payload, headers, body, kinds):
        """The answer rewritten by a planned hostile fault of ``kinds``, or None when none applies."""
        taken = self.server.emulator.faults.take_hostile(path, kinds)
        if taken is None:
            return None
        kind, params, uses = taken
        answer = hostile.Answer(status, payload, headers)
        hostile.apply(kind, params, answer, self.headers, query, uses, body)
        return answer

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
        self._send_bytes(status, json.dumps(payload).encode("utf-8"), headers)

    def _send_bytes(self, status, data, headers=None, content_length=None, slow_seconds=None, trickle_seconds=None,
                    header_trickle_seconds=None, flood_seconds=None):
        """Send an answer; ``content_length`` may lie, ``slow_seconds`` delays the body after the headers,
        ``trickle_seconds`` sends the body one byte at a time with that pause before each,
        ``header_trickle_seconds`` does the same to the status line and headers, and ``flood_seconds``
        sends ``100 Continue`` interim answers for that long first."""
        try:
            if flood_seconds:
                self._flood_continue(flood_seconds)
            self.send_response(status)
            if "Content-Type" not in (headers or {}):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data) if content_length is None else content_length))
            self.send_header("X-Request-Id", secrets.token_hex(16))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if header_trickle_seconds:
                head, self._headers_buffer = b"".join(self._headers_buffer) + b"\r\n", []
                self._trickle(head, header_trickle_seconds)
            else:
                self.end_headers()
            if slow_seconds:
                self.wfile.flush()
                time.sleep(slow_seconds)
            if trickle_seconds:
                self._trickle(data, trickle_seconds)
                return
            self.wfile.write(data)
        except (ConnectionError, ssl.SSLError):
            # The client went away (e.g. it timed out waiting for a slow body): nothing to answer.
            self.close_connection = True

    def _trickle(self, data, seconds):
        for index in range(len(data)):
            self.wfile.flush()
            time.sleep(seconds)
            self.wfile.write(data[index:index + 1])
        self.wfile.flush()

    def _flood_continue(self, seconds):
        """Interim answers, a hundred every 10 ms: enough to keep a client busy, not this machine."""
        block = b"HTTP/1.1 100 Continue\r\n\r\n" * 100
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            self.wfile.write(block)
            self.wfile.flush()
            time.sleep(0.01)


class EmulatorServer(ThreadingHTTPServer):
    """Serves one ``api.Emulator``; request threads are daemons so shutdown never hangs on them.

    With an ``ssl_context`` it serves HTTPS. The TLS handshake runs in the request's own thread
    (not in the accept loop), and a failed handshake (a client that does not trust the CA, plain
    HTTP on the HTTPS port, a stalled client) just closes that connection.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, emulator, verbose=False, ssl_context=None):
        ThreadingHTTPServer.__init__(self, address, EmulatorHandler)
        self.emulator = emulator
        self.verbose = verbose
        self.ssl_context = ssl_context

    def finish_request(self, request, client_address):
        if self.ssl_context is None:
            ThreadingHTTPServer.finish_request(self, request, client_address)
            return
        try:
            request.settimeout(TLS_HANDSHAKE_TIMEOUT_SECONDS)
            tls_socket = self.ssl_context.wrap_socket(request, server_side=True)
            tls_socket.settimeout(None)
        except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
            if self.verbose:
                sys.stderr.write("%s - TLS handshake failed: %s\n" % (client_address[0], error))
            return  # wrap_socket closed the connection; shutdown_request tolerates that
        try:
            ThreadingHTTPServer.finish_request(self, tls_socket, client_address)
        finally:
            self.shutdown_request(tls_socket)

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, ssl.SSLError, socket.timeout)) and not self.verbose:
            return  # a client that went away is not an emulator bug
        ThreadingHTTPServer.handle_error(self, request, client_address)

    @property
    def url(self):
        host, port = self.server_address[:2]
        return "%s://%s:%d" % ("https" if self.ssl_context is not None else "http", host, port)
