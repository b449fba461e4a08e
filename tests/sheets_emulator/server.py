"""A running emulator: one port for Sheets v4, Drive v3, the token endpoint and /_emulator/ control."""
from __future__ import annotations

import socket
import threading

from .faults import FaultPlan
from .http_handler import Server
from .state import EmulatorState


class EmulatorHandle:
    """A running emulator: its URL, state and faults, and the switches to refuse or stop."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, write_quota_per_minute: int | None = None,
                 quota_window_seconds: float = 60.0, require_auth: bool = True, verbose: bool = False):
        self.state = EmulatorState(write_quota_per_minute, quota_window_seconds, require_auth)
        self.faults = FaultPlan()
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
        """Base URL, e.g. http://127.0.0.1:8765 (token endpoint: url + '/token')."""
        return f"http://{self.host}:{self.port}"

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint to put in a service-account file."""
        return self.url + "/token"

    @property
    def listening(self) -> bool:
        """False while connections are being refused (or after stop)."""
        return self._server is not None

    def sleep(self, seconds: float) -> None:
        """Sleep for a delay fault, cut short when the emulator stops."""
        self._stopping.wait(seconds)

    def track(self, conn: socket.socket) -> None:
        """Remember an open client connection."""
        with self._lock:
            self._connections[conn] = threading.current_thread()

    def untrack(self, conn: socket.socket) -> None:
        """Forget a closed client connection."""
        with self._lock:
            self._connections.pop(conn, None)

    def reset(self) -> None:
        """Forget spreadsheets, tokens, counters and faults."""
        self.faults.clear()
        self.state.reset()

    def _listen(self, port: int) -> int:
        """Bind and serve on a port (0: any free port); returns the port."""
        server = Server((self.host, port), self)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name=f"sheets-emulator-{server.server_address[1]}", daemon=True)
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

    def __enter__(self) -> "EmulatorHandle":
        """Use as a context manager: stopped on exit."""
        return self

    def __exit__(self, *exc) -> None:
        """Stop the emulator."""
        self.stop()


def start_emulator(port: int = 0, host: str = "127.0.0.1", **options) -> EmulatorHandle:
    """Start an emulator in this process; options: write_quota_per_minute, quota_window_seconds,
    require_auth, verbose. Use as a context manager or call .stop()."""
    return EmulatorHandle(host, port, **options)
