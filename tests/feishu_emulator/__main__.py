"""Run the Feishu emulator on its own: python -m tests.feishu_emulator --port 8767 [--app-token TOKEN]."""
from __future__ import annotations

from ..emulator_kit.main import pairs, run
from .server import start_emulator
from .state import DEFAULT_CREDENTIALS


def options(parser) -> None:
    parser.add_argument("--app-token", action="append", default=[], metavar="TOKEN",
                        help="pre-create an empty bitable app (base) with this app_token (repeatable)")
    app_id, secret = next(iter(DEFAULT_CREDENTIALS.items()))
    parser.add_argument("--credential", action="append", default=[], metavar="ID:SECRET",
                        help=f"an app_id:app_secret the emulator accepts (repeatable; default {app_id}:{secret})")
    parser.add_argument("--token-ttl", type=int, default=7200, help="seconds a tenant_access_token lives (documented: 2 hours)")
    parser.add_argument("--no-rate-limits", action="store_true", help="do not enforce the documented per-API rate limits")


def main(argv: list[str] | None = None) -> None:
    """Parse options, serve until SIGINT or SIGTERM."""
    run(argv, prog="python -m tests.feishu_emulator", doc=__doc__, port=8767, options=options,
        start=lambda args: start_emulator(args.port, args.host, credentials=pairs(args.credential),
                                          app_tokens=args.app_token, token_ttl=args.token_ttl,
                                          rate_limits=not args.no_rate_limits, verbose=args.verbose),
        banner=lambda emu: f"Feishu emulator listening on {emu.url} (FEISHU_API_BASE_URL={emu.url})")


if __name__ == "__main__":
    main()
