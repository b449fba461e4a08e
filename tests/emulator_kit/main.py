"""`python -m tests.<service>_emulator`: parse the options, serve until SIGINT or SIGTERM."""
from __future__ import annotations

import argparse
import signal
import threading
from typing import Callable


def run(argv: list[str] | None, *, prog: str, doc: str | None, port: int, options: Callable, start: Callable,
        banner: Callable) -> None:
    """--host, --port (default `port`), the emulator's `options(parser)`, --verbose; then
    `start(args)` and print `banner(emu)` (the URL first, so a parent process can read it)."""
    parser = argparse.ArgumentParser(prog=prog, description=doc)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port, help="0 picks a free port (printed on start)")
    options(parser)
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with start(args) as emu:
        print(banner(emu), flush=True)
        try:
            done.wait()
        except KeyboardInterrupt:
            pass


def pairs(values: list[str]) -> dict[str, str] | None:
    """Repeated ID:SECRET options as a dict (None when none were given: the emulator's defaults)."""
    return dict(value.split(":", 1) for value in values) or None
