"""Run the WeCom smartsheet emulator on its own: python -m tests.wecom_emulator --port 8767 --doc DOCID."""
from __future__ import annotations

from ..emulator_kit.main import pairs, run
from .server import start_emulator
from .state import (DEFAULT_CREDENTIALS, MAX_CELLS, MAX_RECORDS_PER_CALL, MAX_ROWS, RATE_PER_HOUR, RATE_PER_MINUTE,
                    TOKEN_TTL)


def options(parser) -> None:
    parser.add_argument("--doc", action="append", default=[], metavar="DOCID",
                        help="pre-create an empty smartsheet document with this docid (repeatable)")
    parser.add_argument("--credential", action="append", default=[], metavar="ID:SECRET",
                        help=f"a corpid:corpsecret the emulator accepts (repeatable; default "
                             f"{next(iter(DEFAULT_CREDENTIALS))}:{next(iter(DEFAULT_CREDENTIALS.values()))})")
    parser.add_argument("--token-ttl", type=float, default=TOKEN_TTL, help="seconds an access_token lives")
    parser.add_argument("--rate-per-minute", type=int, default=RATE_PER_MINUTE,
                        help="calls per corp per API per minute before errcode 45009")
    parser.add_argument("--rate-per-hour", type=int, default=RATE_PER_HOUR,
                        help="calls per corp per API per hour before errcode 45009")
    parser.add_argument("--max-records-per-call", type=int, default=MAX_RECORDS_PER_CALL)
    parser.add_argument("--max-rows", type=int, default=MAX_ROWS)
    parser.add_argument("--max-cells", type=int, default=MAX_CELLS)


def main(argv: list[str] | None = None) -> None:
    """Parse options, serve until SIGINT or SIGTERM."""
    run(argv, prog="python -m tests.wecom_emulator", doc=__doc__, port=8767, options=options,
        start=lambda args: start_emulator(args.port, args.host, docs=args.doc, credentials=pairs(args.credential),
                                          verbose=args.verbose, token_ttl=args.token_ttl,
                                          rate_per_minute=args.rate_per_minute, rate_per_hour=args.rate_per_hour,
                                          max_records_per_call=args.max_records_per_call, max_rows=args.max_rows,
                                          max_cells=args.max_cells),
        banner=lambda emu: f"WeCom smartsheet emulator listening on {emu.url} (WECOM_API_BASE_URL={emu.url})")


if __name__ == "__main__":
    main()
