"""Run the SMS emulator on its own: python -m tests.sms_emulator --port 8766."""
from __future__ import annotations

from ..emulator_kit.main import pairs, run
from .server import start_emulator
from .state import DEFAULT_KEYS


def options(parser) -> None:
    parser.add_argument("--key", action="append", default=[], metavar="ID:SECRET",
                        help=f"an access key the emulator accepts (repeatable; default {next(iter(DEFAULT_KEYS))}:…)")
    parser.add_argument("--daily-limit", type=int, default=40, help="the provider's own per-number daily cap")
    parser.add_argument("--receipt-delay", type=float, default=0.0,
                        help="seconds before a text's status report can be looked up")


def main(argv: list[str] | None = None) -> None:
    """Parse options, serve until SIGINT or SIGTERM."""
    run(argv, prog="python -m tests.sms_emulator", doc=__doc__, port=8766, options=options,
        start=lambda args: start_emulator(args.port, args.host, keys=pairs(args.key), daily_limit=args.daily_limit,
                                          receipt_delay=args.receipt_delay, verbose=args.verbose),
        banner=lambda emu: f"SMS emulator listening on {emu.url} (SMS_ENDPOINT={emu.endpoint})")


if __name__ == "__main__":
    main()
