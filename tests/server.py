"""Run the real app under gunicorn on 127.0.0.1 for tests that need a running server."""
from __future__ import annotations

import os
import signal
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
        stop_process(proc)
        err.close()


# --- the real sync worker, started many times and SIGKILLed -----------------------------------

# Each worker is the real `flask --app forms_app sync` command line, run by flask.cli.main in its own
# process — forked from a parent that has imported every module once, so a start costs a fraction
# of a second instead of seconds and twenty kills stay well inside the suite's budget. The parent
# has no threads, so forking it is safe.
SYNC_LAUNCHER = r"""
import os, signal, sys, tempfile, threading
import flask.cli
from forms_app import create_app
with tempfile.TemporaryDirectory() as scratch:  # a throwaway app: imports every module once, for every fork
    create_app({"DATABASE": os.path.join(scratch, "warm.sqlite3"), "SECRET_KEY": "warm-up-" + "w" * 32})
assert threading.active_count() == 1, "fork only from a single-threaded parent"
signal.signal(signal.SIGCHLD, signal.SIG_IGN)                 # children reaped automatically
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1), os.dup2(null, 2)
        sys.argv = ["flask", "--app", "forms_app", "sync"]
        try:
            flask.cli.main()
        finally:
            os._exit(0)
    print(pid, flush=True)
"""


def gone(pid: int) -> bool:
    """True once the process has ended."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class SyncWorkers:
    """Real `flask --app forms_app sync` workers with `env`, each forked on demand from one warm parent
    (`warm`: Python run first, e.g. to import an SDK). Use as a context manager; start() → a running
    worker's pid, kill(pid) SIGKILLs it and waits until it is gone."""

    def __init__(self, env: dict, warm: str = ""):
        self.launcher = subprocess.Popen([sys.executable, "-c", warm + "\n" + SYNC_LAUNCHER], cwd=ROOT, env=env,
                                         text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.pid = 0

    def start(self) -> int:
        self.launcher.stdin.write("go\n")
        self.launcher.stdin.flush()
        self.pid = int(self.launcher.stdout.readline())
        return self.pid

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        while not gone(pid):
            time.sleep(0.005)

    def __enter__(self) -> "SyncWorkers":
        return self

    def __exit__(self, *exc) -> None:
        if self.pid and not gone(self.pid):  # a test failed with a worker still running: stop it
            os.kill(self.pid, signal.SIGKILL)
        self.launcher.stdin.close()
        self.launcher.wait(5)
        self.launcher.stdout.close()
