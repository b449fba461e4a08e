"""Run the SMS emulator on its own: python -m tests.sms_emulator --port 8766."""
from __future__ import annotations

import argparse
import signal
import threading

from .server import start_emulator
from .state import DEFAULT_KEYS


def main(argv: list[str] | None = None) -> None:
    """Parse options, serve until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m tests.sms_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766, help="0 picks a free port (printed on start)")
    parser.add_argument("--key", action="append", default=[], metavar="ID:SECRET",
                        help=f"an access key the emulator accepts (repeatable; default {next(iter(DEFAULT_KEYS))}:…)")
    parser.add_argument("--daily-limit", type=int, default=40, help="the provider's own per-number daily cap")
    parser.add_argument("--receipt-delay", type=float, default=0.0,
                        help="seconds before a text's status report can be looked up")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    keys = dict(k.split(":", 1) for k in args.key) or None
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with start_emulator(args.port, args.host, keys=keys, daily_limit=args.daily_limit,
                        receipt_delay=args.receipt_delay, verbose=args.verbose) as emu:
        print(f"SMS emulator listening on {emu.url} (SMS_ENDPOINT={emu.endpoint})", flush=True)
        try:
            done.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
