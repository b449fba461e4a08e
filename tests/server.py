"""Run the real app under gunicorn on 127.0.0.1 for tests that need a running server."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def listening_socket() -> socket.socket:
    """A socket listening on a port the OS chose, to hand to a server process (pass_fds): unlike a port
    number chosen first and bound later, no parallel test (pytest-xdist) can take it in between."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    return listener


def wait_until_up(url: str, timeout: float = 20) -> None:
    """Poll url until it answers 200, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=3).status_code == 200:
                return
        except requests.RequestException:  # refused while binding, or slow while the worker boots
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not come up")


@contextmanager
def gunicorn(env: dict, workers: int = 2, threads: int = 4, log_file: Path | None = None):
    """gunicorn serving forms_app:create_app() with extra environment; yields the base URL.

    The server's stderr (gunicorn's and the app's log lines) goes to log_file, or to a temporary file:
    never to an unread pipe, which would block the server once the app had logged 64 KB."""
    # gunicorn serves on a socket made here and handed over (fd://), so no parallel test can take its port.
    listener = listening_socket()
    port = listener.getsockname()[1]
    full_env = {**os.environ, "SECRET_KEY": "test-secret-" + "x" * 32, "SESSION_COOKIE_SECURE": "0", **env}
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}", "--workers", str(workers),
           "--threads", str(threads), "--log-level", "warning", "--no-control-socket",
           # Residents' sessions keep their connection between opening a form and sending it; on a loaded
           # machine that can exceed gunicorn's 2 s default, and a reused, already closed connection fails.
           "--keep-alive", "30", "forms_app:create_app()"]
    err = open(log_file, "wb") if log_file else tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=err,
                                pass_fds=(listener.fileno(),))
    finally:
        listener.close()  # gunicorn holds its own copy
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        err.close()
