# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted HTTP server on 127.0.0.1 as the client tests run it: the handler's common part (HTTP/1.1, an answer
announced with its Content-Length, no log lines) and the server started for a test and stopped after it; and
what the tests of how much of an answer is read need: a decompression bomb, and the memory a call took; and a
port of 127.0.0.1 where a connection is never made."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import socket
import threading
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler speaking HTTP/1.1 that logs nothing; its subclasses answer with ``send_answer``."""

    protocol_version = 'HTTP/1.1'

    def start_answer(self, status, headers=None, length=0):
        """The status line, the ``headers`` (a mapping or (name, value) pairs, in their order), then
        ``Content-Length: length`` unless the headers name one, and the blank line: the body is the caller's to write."""
        pairs = list(headers.items() if hasattr(headers, 'items') else headers or ())
        self.send_response(status)
        for name, value in pairs:
            self.send_header(name, value)
        if 'Content-Length' not in dict(pairs):
            self.send_header('Content-Length', str(length))
        self.end_headers()

    def send_answer(self, status, body=b'', headers=None):
        """A whole answer: the status line, the ``headers``, Content-Length unless they name one, and ``body`` (bytes)."""
        self.start_answer(status, headers, len(body))
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(handler_class, poll_interval=0.5, context=None):
    """Yields the base URL (``http://127.0.0.1:PORT``) of a server on a free port of 127.0.0.1 that answers with
    ``handler_class``, run in a daemon thread (``serve_forever(poll_interval)``); shut down and closed on exit.
    With an ``ssl.SSLContext`` as ``context`` it speaks TLS and the URL is ``https://``."""
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), handler_class)
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, args=(poll_interval,), daemon=True).start()
    try:
        yield '%s://127.0.0.1:%d' % ('https' if context is not None else 'http', httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def unaccepted():
    """Yields the base URL (``http://127.0.0.1:PORT``) of a port where a connection is never made: it listens, but
    its queue of connections not yet accepted is full, so the kernel drops each SYN and a ``connect`` waits
    (until the port is closed on exit)."""
    listener = socket.socket()
    queued = []
    try:
        listener.bind(('127.0.0.1', 0))
        listener.listen(0)
        while True:  # the first connect that does not complete at once shows the queue is full
            queued.append(socket.socket())
            queued[-1].settimeout(0.5)
            try:
                queued[-1].connect(listener.getsockname())
            except socket.timeout:
                break
        yield 'http://127.0.0.1:%d' % listener.getsockname()[1]
    finally:
        for sock in queued:
            sock.close()
        listener.close()


def zeros_gzipped(size):
    """A gzip stream of ``size`` zero bytes, compressed a MiB at a time (about a thousandth of ``size``)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for index in range(size // len(block))]
    parts.append(compressor.compress(bytes(size % len(block))))
    parts.append(compressor.flush())
    return b''.join(parts)


def peak_memory_of(error_class, function, *args):
    """The most memory allocated at once while ``function(*args)`` ran, and the ``error_class`` it raised."""
    tracemalloc.start()
    try:
        with pytest.raises(error_class) as raised:
            function(*args)
        return tracemalloc.get_traced_memory()[1], raised.value
    finally:
        tracemalloc.stop()
