"""The HTTP side every emulator shares: a threaded server on one port that can stop listening for a
stretch, a handler that reads a request and sends (or drops) the emulator's answer, and the common
part of the /_emulator/ control API (health, reset, faults, config).

An emulator subclasses `Emulator`: it sets `state` and `faults` before calling `__init__` (which
starts listening), answers its service's calls in `api()` and its own control endpoints in
`control()`, and names how its service writes answers (`server_version`, `json_type`, ...).
"""
from __future__ import annotations

import json
import socket
import sys
import threading
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Answer:
    """What to send back: a status and body, or drop the connection (and maybe stop listening)."""

    status: int = 200
    body: object = None            # dict/list → JSON; str → HTML; None → empty
    drop: bool = False             # close the connection without answering
    headers: dict = field(default_factory=dict)
    ctype: str = ""                # a JSON answer's Content-Type, when not the emulator's usual one
    refuse_seconds: float = 0.0    # after this answer, stop listening for so long


class Emulator:
    """A running emulator: its URL, state and faults, and the switches to refuse or stop."""

    name = "emulator"                  # request threads are called {name}-emulator-{port}
    server_version = "Emulator"        # the Server header
    json_type = "application/json; charset=utf-8"
    html_type = "text/html"
    headers: dict = {}                 # sent with every answer
    inspect_paths: tuple = ()          # paths outside /_emulator/ that the control API answers

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False):
        self.verbose = verbose
        self.host = host
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._resume_timer: threading.Timer | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.port = self._listen(port)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8765."""
        return f"http://{self.host}:{self.port}"

    @property
    def listening(self) -> bool:
        """False while connections are being refused (or after stop)."""
        return self._server is not None

    def sleep(self, seconds: float) -> None:
        """A delay fault's wait, cut short when the emulator stops."""
        self._stopping.wait(seconds)

    def reset(self) -> None:
        """Forget faults and the service's state."""
        self.faults.clear()
        self.state.reset()

    def health(self) -> dict:
        """What GET /_emulator/health answers."""
        return {"ok": True, "url": self.url}

    # --- answering -------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: str, headers, body: bytes) -> Answer:
        """Route one request: the control API, or the service's own calls."""
        if path.startswith("/_emulator/") or path in self.inspect_paths:
            return self._control(method, path, dict(parse_qsl(query, keep_blank_values=True)), body)
        return self.api(method, path, query, headers, body)

    def api(self, method: str, path: str, query: str, headers, body: bytes) -> Answer:
        """Answer one of the service's calls (the emulator's own)."""
        raise NotImplementedError

    def control(self, method: str, path: str, parts: list[str], query: dict, data: dict) -> Answer | None:
        """Answer the emulator's own control endpoints (parts: the path after /_emulator/); None: no such."""
        return None

    def encode_json(self, body) -> bytes:
        """A JSON body as the service writes it."""
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    def _control(self, method: str, path: str, query: dict, raw: bytes) -> Answer:
        """/_emulator/{health,reset,faults[/id],config} here (config: the state's configure(**changes) and
        config()), the rest by control(); bad arguments answer 400."""
        parts = path[len("/_emulator/"):].strip("/").split("/") if path.startswith("/_emulator/") else []
        try:
            data = json.loads(raw) if raw.strip() else {}
            if parts == ["health"]:
                return Answer(200, self.health())
            if parts == ["reset"] and method == "POST":
                self.reset()
                return Answer(200, {"ok": True})
            if parts[:1] == ["faults"]:
                return self._fault_control(method, parts[1:], data)
            if parts == ["config"]:
                return Answer(200, self.state.configure(**data) if method == "PUT" else self.state.config())
            found = self.control(method, path, parts, query, data)
            if found is not None:
                return found
        except (ValueError, TypeError, KeyError) as exc:
            return Answer(400, {"error": f"{type(exc).__name__}: {exc}"})
        return Answer(404, {"error": f"no control endpoint {method} {path}"})

    def _fault_control(self, method: str, rest: list[str], data: dict) -> Answer:
        """GET/POST/DELETE /_emulator/faults, DELETE /_emulator/faults/{id}."""
        if method == "GET" and not rest:
            return Answer(200, {"faults": self.faults.list()})
        if method == "POST" and not rest:
            return Answer(200, {"fault": asdict(self.faults.add(**data))})
        if method == "DELETE" and not rest:
            self.faults.clear()
            return Answer(200, {"ok": True})
        if method == "DELETE" and len(rest) == 1:
            return Answer(200 if self.faults.remove(int(rest[0])) else 404, {"ok": True})
        return Answer(404, {"error": "unknown faults endpoint"})

    # --- listening -------------------------------------------------------------------------

    def track(self, conn: socket.socket) -> None:
        """Remember an open client connection."""
        with self._lock:
            self._connections[conn] = threading.current_thread()

    def untrack(self, conn: socket.socket) -> None:
        """Forget a closed client connection."""
        with self._lock:
            self._connections.pop(conn, None)

    def _listen(self, port: int) -> int:
        """Bind and serve on a port (0: any free port); returns the port."""
        server = Server((self.host, port), self)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name=f"{self.name}-emulator-{server.server_address[1]}", daemon=True)
        with self._lock:
            self._server, self._thread = server, thread
        thread.start()
        return server.server_address[1]

    def _unlisten(self) -> None:
        """Stop accepting, close the listening socket and cut every open connection."""
        with self._lock:
            server, thread, self._server, self._thread = self._server, self._thread, None, None
            conns = list(self._connections)
        if server is not None:
            server.shutdown()
            server.server_close()
            thread.join()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def refuse_connections(self, seconds: float) -> None:
        """Stop listening now and start again after `seconds` (connects are refused meanwhile)."""
        self._unlisten()
        with self._lock:
            if self._resume_timer is not None:
                self._resume_timer.cancel()
            self._resume_timer = threading.Timer(seconds, self.resume_connections)
            self._resume_timer.daemon = True
            self._resume_timer.start()

    def resume_connections(self) -> None:
        """Listen again on the same port (after refuse_connections)."""
        with self._lock:
            if self._resume_timer is not None:
                self._resume_timer.cancel()
                self._resume_timer = None
            if self._server is not None or self._stopping.is_set():
                return
        self._listen(self.port)

    def stop(self) -> None:
        """Stop serving, cut connections and wait for request threads to finish."""
        self._stopping.set()
        with self._lock:
            if self._resume_timer is not None:
                self._resume_timer.cancel()
                self._resume_timer = None
        self._unlisten()
        with self._lock:
            threads = list(self._connections.values())
        for t in threads:
            if t is not threading.current_thread():
                t.join(timeout=5)

    def __enter__(self):
        """Use as a context manager: stopped on exit."""
        return self

    def __exit__(self, *exc) -> None:
        """Stop the emulator."""
        self.stop()


class Handler(BaseHTTPRequestHandler):
    """Reads a request, asks the emulator for an answer, sends or drops it."""

    protocol_version = "HTTP/1.1"
    sys_version = ""

    def setup(self):
        """Track the connection so stop() and refusals can cut it; send small answers at once."""
        super().setup()
        self.emulator = self.server.emulator
        self.server_version = self.emulator.server_version
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.emulator.track(self.connection)

    def finish(self):
        """Forget the connection."""
        try:
            super().finish()
        finally:
            self.emulator.untrack(self.connection)

    def log_message(self, format, *args):
        """Quiet by default; --verbose prints one line per request."""
        if self.emulator.verbose:
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
        path = self.path
        try:  # http.server reads the request line as Latin-1; a client may send UTF-8 unescaped (curl '…?table=问题登记')
            path = path.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        split = urlsplit(path)
        answer = self.emulator.answer(self.command, split.path, split.query, self.headers, self._body())
        if answer.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        else:
            self._send(answer)
        if answer.refuse_seconds:
            threading.Thread(target=self.emulator.refuse_connections, args=(answer.refuse_seconds,),
                             daemon=True).start()

    def _send(self, answer: Answer):
        """Write status, headers and body the way the service does."""
        emulator = self.emulator
        if answer.body is None:
            data, ctype = b"", "text/html"
        elif isinstance(answer.body, str):
            data, ctype = answer.body.encode("utf-8"), emulator.html_type
        else:
            data, ctype = emulator.encode_json(answer.body), answer.ctype or emulator.json_type
        self.send_response(answer.status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in {**emulator.headers, **answer.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


class Server(ThreadingHTTPServer):
    """A threading HTTP server that knows its emulator and ignores clients that hang up."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, emulator: Emulator):
        self.emulator = emulator
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        """Clients that time out or vanish are expected here; anything else is printed."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)
