"""Run the Feishu emulator on its own: python -m tests.feishu_emulator --port 8767 [--app-token TOKEN]."""
from __future__ import annotations

import argparse
import signal
import threading

from .server import start_emulator
from .state import DEFAULT_CREDENTIALS


def main(argv: list[str] | None = None) -> None:
    """Parse options, serve until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m tests.feishu_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8767, help="0 picks a free port (printed on start)")
    parser.add_argument("--app-token", action="append", default=[], metavar="TOKEN",
                        help="pre-create an empty bitable app (base) with this app_token (repeatable)")
    app_id, secret = next(iter(DEFAULT_CREDENTIALS.items()))
    parser.add_argument("--credential", action="append", default=[], metavar="ID:SECRET",
                        help=f"an app_id:app_secret the emulator accepts (repeatable; default {app_id}:{secret})")
    parser.add_argument("--token-ttl", type=int, default=7200, help="seconds a tenant_access_token lives (documented: 2 hours)")
    parser.add_argument("--no-rate-limits", action="store_true", help="do not enforce the documented per-API rate limits")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    credentials = dict(c.split(":", 1) for c in args.credential) or None
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with start_emulator(args.port, args.host, credentials=credentials, app_tokens=args.app_token,
                        token_ttl=args.token_ttl, rate_limits=not args.no_rate_limits, verbose=args.verbose) as emu:
        print(f"Feishu emulator listening on {emu.url} (FEISHU_API_BASE_URL={emu.url})", flush=True)
        try:
            done.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
