"""Run the emulator on its own: python -m tests.sheets_emulator --port 8765."""
from __future__ import annotations

from ..emulator_kit.main import run
from .server import start_emulator


def options(parser) -> None:
    parser.add_argument("--write-quota-per-minute", type=int, default=None,
                        help="answer 429 after N write requests per user in a rolling window")
    parser.add_argument("--quota-window-seconds", type=float, default=60.0)
    parser.add_argument("--no-auth", action="store_true", help="accept requests without a bearer token")


def main(argv: list[str] | None = None) -> None:
    """Parse options, serve until SIGINT or SIGTERM."""
    run(argv, prog="python -m tests.sheets_emulator", doc=__doc__, port=8765, options=options,
        start=lambda args: start_emulator(args.port, args.host, write_quota_per_minute=args.write_quota_per_minute,
                                          quota_window_seconds=args.quota_window_seconds,
                                          require_auth=not args.no_auth, verbose=args.verbose),
        banner=lambda emu: f"Sheets emulator listening on {emu.url} (token endpoint {emu.token_uri})")


if __name__ == "__main__":
    main()
