"""Command line: ``serve`` (foreground), ``start`` and ``stop`` (background, via a state dir), ``admin``."""

import argparse
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from urllib.error import HTTPError, URLError

from emulator import client
from emulator.api import Emulator
from emulator.server import EmulatorServer

START_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 10.0
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


ADMIN_HELP = """\
admin API (no credentials; see emulator/README.md for every key): GET or POST URL/_emulator/NAME
  health            GET: {"ok": true}
  stats             GET: request counts by route and the last 1000 requests
  reset             POST: seed data, default config, no faults, zero counters
  config            GET/POST: latency_ms, token_ttl_seconds, task_init_seconds, task_run_seconds,
                    assume_role_ttl_seconds, metadata_key_ttl_seconds, metadata_session, metadata_account
  datasets          POST: add a dataset, e.g. an export scripted to fail in 5 s:
                    {"dataset_name": "model-inputs", "running": [{"seconds": 5, "outcome": "FAILED"}]}
                    (also task_count, tasks, versions, running_versions, import_tasks, running_imports)
  faults            GET/POST: {"status_sequence": [429, 503], "retry_after": 2}, drop_connections,
                    malformed_json, truncated_body, slow_body, expire_tokens_after, only_paths_containing, ...

seed credentials: user emulator-user, password emulator-password, domain emulator-domain,
  project eu-de = 0a1b2c3d4e5f40718293a4b5c6d7e8f9,
  AK/SK EMULATORAK0000000001 / emulator-sk-0000000000000000000000000001;
  endpoints: modelarts_endpoint = URL, iam_endpoint = URL/v3

example:
  url=$(%(prog)s start)
  %(prog)s admin datasets '{"dataset_name": "model-inputs", "running": [{"seconds": 5, "outcome": "FAILED"}]}'
  %(prog)s stop
"""


def default_state_dir():
    """Where ``start``, ``stop`` and ``admin`` keep pid, url and log without --state-dir: one per user."""
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return os.path.join(tempfile.gettempdir(), "mlops-cloud-emulator-%s" % user)


def program_name():
    """``python -m emulator`` when run that way, else the command's name (``mlops-cloud-emulator``)."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m emulator" if name in ("", "__main__.py", "-m", "-c") else name


def build_parser(prog=None):
    prog = prog or program_name()
    parser = argparse.ArgumentParser(prog=prog, description="Local emulator of the IAM and ModelArts endpoints.",
                                     epilog=ADMIN_HELP % {"prog": prog},
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")
    commands.required = True

    serve = commands.add_parser("serve", help="run in the foreground until SIGTERM/SIGINT")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    serve.add_argument("--url-file", help="write the base URL to this file once ready")
    serve.add_argument("--latency-ms", type=int, default=0, help="delay before each non-admin answer")
    serve.add_argument("--tls-dir", help="serve HTTPS; DIR holds (or gets, made with trustme) ca.pem, "
                                         "server.pem and server.key")
    serve.add_argument("--verbose", action="store_true", help="log every request to stderr")

    state_help = "directory for pid, url and emulator.log (default: %s)" % default_state_dir()
    start = commands.add_parser("start", help="start 'serve' in the background and wait until it is ready; prints the URL")
    start.add_argument("--state-dir", default=default_state_dir(), help=state_help)
    start.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    start.add_argument("--latency-ms", type=int, default=0)
    start.add_argument("--tls-dir", help="as for serve: HTTPS with the CA and server certificate in DIR")

    stop = commands.add_parser("stop", help="stop the emulator started with the same --state-dir")
    stop.add_argument("--state-dir", default=default_state_dir(), help=state_help)

    admin = commands.add_parser("admin", help="one request to a running emulator's admin API; prints the answer",
                                epilog=ADMIN_HELP % {"prog": prog}, formatter_class=argparse.RawDescriptionHelpFormatter)
    admin.add_argument("--url", help="the emulator's base URL (default: the one 'start' wrote into --state-dir)")
    admin.add_argument("--state-dir", default=default_state_dir(), help="where to read the URL when --url is not given")
    admin.add_argument("name", help="health, stats, reset, config, datasets or faults (GET /_emulator/NAME without BODY)")
    admin.add_argument("body", nargs="?", help="JSON to POST to /_emulator/NAME")
    return parser


def main(argv=None, prog=None):
    args = build_parser(prog).parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "start":
        return start(args)
    if args.command == "admin":
        return admin(args)
    return stop(args)


def admin(args):
    try:
        body = None if args.body is None else json.loads(args.body)
    except ValueError as error:
        sys.stderr.write("error: BODY is not JSON: %s\n" % error)
        return 2
    url = args.url
    if not url:
        try:
            with open(os.path.join(os.path.abspath(args.state_dir), "url")) as handle:
                url = handle.read().strip()
        except OSError:
            sys.stderr.write("error: no --url, and no emulator started with --state-dir %s\n" % args.state_dir)
            return 2
    try:
        answer = client.admin(url, args.name, body)
    except HTTPError as error:
        sys.stderr.write("error: HTTP %d: %s\n" % (error.code, error.read().decode("utf-8", "replace")))
        return 1
    except (URLError, OSError) as error:
        sys.stderr.write("error: %s\n" % error)
        return 1
    sys.stdout.write(json.dumps(answer) + "\n")
    return 0


def _write_atomically(path, text):
    """Write via a rename, so a reader polling for the file never sees it half written."""
    temporary = path + ".tmp"
    with open(temporary, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)


TLS_FILES = ("ca.pem", "server.pem", "server.key")


def ensure_tls_files(tls_dir):
    """Create a throwaway CA and a server certificate for 127.0.0.1/localhost unless DIR has them.

    Returns the paths (ca.pem, server.pem, server.key). ``trustme`` is imported only here, so it
    stays a test-only dependency; RuntimeError says how to get it when it is missing.
    """
    os.makedirs(tls_dir, exist_ok=True)
    paths = tuple(os.path.join(tls_dir, name) for name in TLS_FILES)
    if all(os.path.exists(path) for path in paths):
        return paths
    try:
        import trustme
    except ImportError:
        raise RuntimeError("--tls-dir needs the 'trustme' package to create the CA and server certificate "
                           "(pip install trustme), or put ca.pem, server.pem and server.key into %s yourself"
                           % tls_dir)
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_path, cert_path, key_path = paths
    # Key first, private from the start; the files a reader polls for (ca.pem) come last.
    key_fd = os.open(key_path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(key_fd, "wb") as handle:
        handle.write(server_cert.private_key_pem.bytes())
    os.replace(key_path + ".tmp", key_path)
    with open(cert_path + ".tmp", "wb") as handle:
        for blob in server_cert.cert_chain_pems:
            handle.write(blob.bytes())
    os.replace(cert_path + ".tmp", cert_path)
    with open(ca_path + ".tmp", "wb") as handle:
        handle.write(ca.cert_pem.bytes())
    os.replace(ca_path + ".tmp", ca_path)
    return paths


def serve(args):
    ssl_context = None
    if args.tls_dir:
        try:
            _ca_path, cert_path, key_path = ensure_tls_files(os.path.abspath(args.tls_dir))
            ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_context.load_cert_chain(cert_path, key_path)
        except (RuntimeError, OSError, ssl.SSLError) as error:
            sys.stderr.write("error: %s\n" % error)
            return 2
    server = EmulatorServer((args.host, args.port), Emulator({"latency_ms": args.latency_ms}),
                            verbose=args.verbose, ssl_context=ssl_context)
    stop_requested = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda number, frame: stop_requested.set())
    # A short poll interval: shutdown() waits for serve_forever to notice it.
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="emulator-http",
                               daemon=True)
    serving.start()
    if args.url_file:
        _write_atomically(args.url_file, server.url + "\n")
    sys.stdout.write("EMULATOR_URL=%s\n" % server.url)
    sys.stdout.flush()
    # Wait with a timeout so the main thread regularly returns to run the signal handler.
    while not stop_requested.wait(0.05):
        pass
    server.shutdown()
    server.server_close()
    return 0


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A server that has exited stays a zombie until its parent (init, as ``start`` does not wait
    # for it) reaps it, which in a container can take seconds: it is not alive.
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (not Linux): kill(pid, 0) is all there is


def _read_pid(state_dir):
    try:
        with open(os.path.join(state_dir, "pid")) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def start(args):
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    url_path = os.path.join(state_dir, "url")
    pid = _read_pid(state_dir)
    if pid is not None and _pid_alive(pid) and os.path.exists(url_path):
        with open(url_path) as handle:
            print(handle.read().strip())
        return 0
    if os.path.exists(url_path):
        os.remove(url_path)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "emulator", "serve", "--port", str(args.port), "--url-file", url_path,
               "--latency-ms", str(args.latency_ms)]
    if args.tls_dir:
        command += ["--tls-dir", os.path.abspath(args.tls_dir)]
    with open(os.path.join(state_dir, "emulator.log"), "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                   cwd=state_dir, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not os.path.exists(url_path):
        if process.poll() is not None:
            sys.stderr.write("error: the emulator exited with status %s before it was ready; see %s\n"
                             % (process.returncode, os.path.join(state_dir, "emulator.log")))
            return 1
        if time.monotonic() > deadline:
            process.terminate()
            sys.stderr.write("error: the emulator was not ready within %d s; see %s\n"
                             % (START_TIMEOUT_SECONDS, os.path.join(state_dir, "emulator.log")))
            return 1
        time.sleep(0.05)
    _write_atomically(os.path.join(state_dir, "pid"), "%d\n" % process.pid)
    with open(url_path) as handle:
        print(handle.read().strip())
    return 0


def stop(args):
    state_dir = os.path.abspath(args.state_dir)
    pid = _read_pid(state_dir)
    if pid is not None and _pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _pid_alive(pid):
            sys.stderr.write("warning: emulator pid %d ignored SIGTERM for %d s; killing it\n"
                             % (pid, STOP_TIMEOUT_SECONDS))
            os.kill(pid, signal.SIGKILL)
    for name in ("pid", "url"):
        path = os.path.join(state_dir, name)
        if os.path.exists(path):
            os.remove(path)
    return 0
