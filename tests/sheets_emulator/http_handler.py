"""HTTP plumbing: read a request, get an answer from the pipeline or control API, send or drop it."""
from __future__ import annotations

import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import control
from .pipeline import Answer, respond
from .routes import ApiRequest


class Handler(BaseHTTPRequestHandler):
    """Reads a request, asks the pipeline (or control API) for an answer, sends or drops it."""

    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    sys_version = ""

    def setup(self):
        """Track the connection so stop() and refusals can cut it; send small answers at once."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.handle.track(self.connection)

    def finish(self):
        """Forget the connection."""
        try:
            super().finish()
        finally:
            self.server.handle.untrack(self.connection)

    def log_message(self, format, *args):
        """Quiet by default; --verbose prints one line per request."""
        if self.server.handle.verbose:
            super().log_message(format, *args)

    def _body(self) -> bytes:
        """The request body (Content-Length or chunked)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
                if size == 0:
                    return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _dispatch(self):
        """Handle any method."""
        handle = self.server.handle
        split = urlsplit(self.path)
        params = parse_qs(split.query, keep_blank_values=True)
        raw = self._body()
        if split.path.startswith("/_emulator/"):
            answer = control.respond(handle, self.command, split.path[len("/_emulator/"):], params, raw)
        else:
            req = ApiRequest(self.command, split.path, params, self.headers.get("Content-Type", ""), raw)
            answer = respond(handle.state, handle.faults, req, self.headers.get("Authorization"), handle.sleep)
        if answer.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._send(answer)
        if answer.refuse_seconds:
            threading.Thread(target=handle.refuse_connections, args=(answer.refuse_seconds,), daemon=True).start()

    def _send(self, answer: Answer):
        """Write status, headers and body the way Google's front end does."""
        if answer.body is None:
            data, ctype = b"", "text/html"
        elif isinstance(answer.body, str):
            data, ctype = answer.body.encode("utf-8"), "text/html; charset=UTF-8"
        else:
            data = (json.dumps(answer.body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            ctype = "application/json; charset=UTF-8"
        self.send_response(answer.status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Vary", "Origin, X-Origin, Referer")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


class Server(ThreadingHTTPServer):
    """A threading HTTP server that knows its EmulatorHandle and ignores clients that hang up."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, handle):
        self.handle = handle
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        """Clients that time out or vanish are expected here; anything else is printed."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)
