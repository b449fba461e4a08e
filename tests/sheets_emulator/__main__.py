"""Run the emulator on its own: python -m tests.sheets_emulator --port 8765."""
from __future__ import annotations

import argparse
import signal
import threading

from .server import start_emulator


def main(argv: list[str] | None = None) -> None:
    """Parse options, serve until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m tests.sheets_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed on start)")
    parser.add_argument("--write-quota-per-minute", type=int, default=None,
                        help="answer 429 after N write requests per user in a rolling window")
    parser.add_argument("--quota-window-seconds", type=float, default=60.0)
    parser.add_argument("--no-auth", action="store_true", help="accept requests without a bearer token")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with start_emulator(args.port, args.host, write_quota_per_minute=args.write_quota_per_minute,
                        quota_window_seconds=args.quota_window_seconds, require_auth=not args.no_auth,
                        verbose=args.verbose) as emu:
        print(f"Sheets emulator listening on {emu.url} (token endpoint {emu.token_uri})", flush=True)
        try:
            done.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
