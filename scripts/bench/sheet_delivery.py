"""Benchmark: 1,000 reports in a burst reach the Sheets emulator under the real write quota.

Ours:     the sync worker — one append per worksheet per cycle, every pending row in it.
Baseline: one append per report (what a naive integration does), in the same run, for a
          fixed time budget; it meets the 60-writes-per-minute quota and its 429s.
Target:   all 1,000 rows within 2 minutes, zero quota rejections.

Run: .venv/bin/python scripts/bench/sheet_delivery.py [--reports 1000] [--baseline-seconds 75]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from forms_app import create_app
from forms_app.core import directory
from forms_app.residents import reports  # noqa: E402
from forms_app.delivery.sheet_layout import REPORTS, report_row  # noqa: E402
from forms_app.delivery.sheet_setup import setup  # noqa: E402
from forms_app.delivery.sheets import SheetError, Sheets  # noqa: E402
from forms_app.core.store import connect  # noqa: E402
from forms_app.delivery.sync import Worker  # noqa: E402
from tests.sheets_emulator import start_emulator, write_service_account_file  # noqa: E402
from tests.residents.test_reports import DATA  # noqa: E402


def rows_in_sheet(emu, key: str) -> int:
    """Data rows in 问题登记."""
    return sum(1 for row in emu.state.dump_values(key, REPORTS.title)["values"][1:] if any(row))


def burst(db: str, count: int) -> None:
    """`count` reports committed to the store as fast as it takes them."""
    conn = connect(db)
    for i in range(count):
        reports.create(conn, f"{i:032x}", {**DATA, "description": f"第 {i} 个问题：楼道灯坏了。"})
    conn.close()


def fresh(emu, tmp: str, key: str, count: int):
    """A spreadsheet set up for the service and a store holding the burst."""
    emu.state.create_spreadsheet("bench", spreadsheet_id=key)
    config = {"TESTING": True, "SECRET_KEY": "bench", "DATABASE": f"{tmp}/{key}.sqlite3",
              "GOOGLE_SERVICE_ACCOUNT_FILE": f"{tmp}/sa.json", "SHEETS_SPREADSHEET_KEY": key, "SHEETS_API_BASE_URL": emu.url}
    app = create_app(config)
    sheets = Sheets.from_config(app.config)
    setup(sheets)
    burst(config["DATABASE"], count)
    return app, sheets


def main() -> None:
    """Run ours, then the baseline, against the same quota; print both and the ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--baseline-seconds", type=float, default=75)
    args = parser.parse_args()
    d = directory.load()
    with tempfile.TemporaryDirectory() as tmp, start_emulator() as emu:
        write_service_account_file(f"{tmp}/sa.json", emu.url)

        app, sheets = fresh(emu, tmp, "OURS", args.reports)
        emu.state.configure(write_quota_per_minute=60)
        emu.state.stats.reset()
        conn = connect(app.config["DATABASE"])
        worker = Worker(conn, sheets, d)
        start = time.monotonic()
        worker.run(once=True)
        ours_seconds = time.monotonic() - start
        ours = emu.state.stats.snapshot()
        ours_rows = rows_in_sheet(emu, "OURS")
        sheets.close()

        emu.state.configure(write_quota_per_minute=None)
        app, sheets = fresh(emu, tmp, "BASE", args.reports)
        emu.state.configure(write_quota_per_minute=60)
        emu.state.stats.reset()
        conn = connect(app.config["DATABASE"])
        pending = conn.execute("SELECT * FROM reports ORDER BY id").fetchall()
        start, sent = time.monotonic(), 0
        while pending and time.monotonic() - start < args.baseline_seconds:
            try:
                sheets.append(REPORTS, [report_row(pending[0], d)])
                pending.pop(0)
            except SheetError:
                time.sleep(1)  # a polite client: wait a second after a 429, then try again
            sent += 1
        base_seconds = time.monotonic() - start
        base = emu.state.stats.snapshot()
        base_rows = rows_in_sheet(emu, "BASE")
        sheets.close()

    print(f"{args.reports} reports in a burst, emulator enforcing 60 write requests per minute")
    print(f"  ours (batched worker):   {ours_rows:5d} rows in {ours_seconds:6.1f} s, "
          f"{ours['write_requests']} write requests, {ours['quota_rejections']} quota rejections, "
          f"busiest minute {ours['max_write_requests_per_window']} writes")
    rate = base_rows / base_seconds if base_seconds else 0
    print(f"  baseline (one append per report, {args.baseline_seconds:.0f} s budget): {base_rows} rows, "
          f"{base['write_requests']} write requests, {base['quota_rejections']} quota rejections; "
          f"at {rate * 60:.0f} rows/min all {args.reports} would take {args.reports / rate / 60 if rate else float('inf'):.1f} min")
    print(f"  write requests per 1,000 rows: ours {ours['write_requests'] / ours_rows * 1000:.1f}, "
          f"baseline {base['write_requests'] / max(base_rows, 1) * 1000:.0f} "
          f"(ratio {base['write_requests'] / max(base_rows, 1) / (ours['write_requests'] / ours_rows):.0f}×)")
    print(f"  target: all rows within 120 s with 0 rejections -> "
          f"{'met' if ours_rows == args.reports and ours_seconds <= 120 and ours['quota_rejections'] == 0 else 'NOT met'}")


if __name__ == "__main__":
    main()
