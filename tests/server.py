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


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a child process, kill it if it lingers, and close the pipes it was given."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


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
    port = free_port()
    full_env = {**os.environ, "SECRET_KEY": "test-secret-" + "x" * 32, "SESSION_COOKIE_SECURE": "0", **env}
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--threads", str(threads), "--log-level", "warning", "--no-control-socket",
           # Residents' sessions keep their connection between opening a form and sending it; on a loaded
           # machine that can exceed gunicorn's 2 s default, and a reused, already closed connection fails.
           "--keep-alive", "30", "forms_app:create_app()"]
    err = open(log_file, "wb") if log_file else tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        yield base
    finally:
        stop_process(proc)
        err.close()
