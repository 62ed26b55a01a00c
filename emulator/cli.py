"""Command line: ``serve`` (foreground), ``start`` and ``stop`` (background, via a state dir)."""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time

from emulator.api import Emulator
from emulator.server import EmulatorServer

START_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 10.0
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m emulator",
                                     description="Local emulator of the IAM and ModelArts endpoints.")
    commands = parser.add_subparsers(dest="command")
    commands.required = True

    serve = commands.add_parser("serve", help="run in the foreground until SIGTERM/SIGINT")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    serve.add_argument("--url-file", help="write the base URL to this file once ready")
    serve.add_argument("--latency-ms", type=int, default=0, help="delay before each non-admin answer")
    serve.add_argument("--tls-dir", help="serve HTTPS with a throwaway CA kept in DIR (not implemented yet)")
    serve.add_argument("--verbose", action="store_true", help="log every request to stderr")

    start = commands.add_parser("start", help="start 'serve' in the background and wait until it is ready")
    start.add_argument("--state-dir", required=True, help="directory for pid, url and emulator.log")
    start.add_argument("--latency-ms", type=int, default=0)

    stop = commands.add_parser("stop", help="stop the emulator started with the same --state-dir")
    stop.add_argument("--state-dir", required=True)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "start":
        return start(args)
    return stop(args)


def _write_atomically(path, text):
    """Write via a rename, so a reader polling for the file never sees it half written."""
    temporary = path + ".tmp"
    with open(temporary, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)


def serve(args):
    if args.tls_dir:
        # HTTPS (a throwaway CA and a server certificate in this directory) is planned; the
        # server socket would be wrapped here, before the URL is announced.
        sys.stderr.write("error: --tls-dir (HTTPS) is not implemented yet\n")
        return 2
    server = EmulatorServer((args.host, args.port), Emulator({"latency_ms": args.latency_ms}),
                            verbose=args.verbose)
    stop_requested = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda number, frame: stop_requested.set())
    serving = threading.Thread(target=server.serve_forever, name="emulator-http", daemon=True)
    serving.start()
    if args.url_file:
        _write_atomically(args.url_file, server.url + "\n")
    sys.stdout.write("EMULATOR_URL=%s\n" % server.url)
    sys.stdout.flush()
    # Wait with a timeout so the main thread regularly returns to run the signal handler.
    while not stop_requested.wait(0.2):
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
    return True


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
    command = [sys.executable, "-m", "emulator", "serve", "--port", "0", "--url-file", url_path,
               "--latency-ms", str(args.latency_ms)]
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
