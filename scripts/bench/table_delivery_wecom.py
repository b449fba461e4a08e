"""Benchmark: a 1,000-report burst delivered by the sync worker to the WeCom 智能表格 emulator with
WeCom's documented rate limit enforced, beside the Google figure measured in the same run.

WeCom:  the worker over WeComTables → tests.wecom_emulator (每企业每接口 1万次/分、15万次/小时; at most 500
        records per add_records call; a 100,000-record table).
Google: the same worker over GoogleTables → tests.sheets_emulator (60 write requests a minute).
Target (issue 16): per backend ≤ 3 write calls, ≤ 5 s, 0 refusals, every report once.

Run: .venv/bin/python scripts/bench/table_delivery_wecom.py [--reports 1000]
`run_wecom(reports, tmp)` and `run_google(reports, tmp)` return the figures, for a combined benchmark.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from forms_app import create_app  # noqa: E402
from forms_app.core import outbox  # noqa: E402
from forms_app.core.store import connect  # noqa: E402
from forms_app.delivery.sheet_setup import setup  # noqa: E402
from forms_app.delivery.sync import Worker  # noqa: E402
from forms_app.delivery.tables import service_from_config  # noqa: E402
from forms_app.residents import reports  # noqa: E402
from tests.test_reports import DATA  # noqa: E402

DOC_ID = "dcBENCH"


def burst(db: str, count: int) -> None:
    """`count` reports committed to the store as fast as it takes them."""
    conn = connect(db)
    for i in range(count):
        reports.create(conn, f"{i:032x}", {**DATA, "description": f"第 {i} 个问题：楼道灯坏了。"})
    conn.close()


def deliver(settings: dict, tmp: str, name: str, count: int, writes, refusals, shown) -> dict:
    """Set the tables up, store the burst, then time the worker until the outbox is empty."""
    config = {"TESTING": True, "SECRET_KEY": "bench" * 8, "DATABASE": f"{tmp}/{name}.sqlite3",
              "SEED_SAMPLE_SESSIONS": False, **settings}
    app = create_app(config)
    tables = service_from_config(app.config)
    with app.app_context():
        setup(tables)
    burst(config["DATABASE"], count)
    conn = connect(config["DATABASE"])
    worker = Worker(conn, tables, app.extensions["directory"], interval=float(app.config.get("SYNC_INTERVAL", 5)))
    writes_before, refusals_before = writes(), refusals()
    start = time.monotonic()
    worker.run(once=True)
    seconds = time.monotonic() - start
    ids = [r["提交编号"] for r in shown("问题登记")]
    figures = {"seconds": seconds, "write_calls": writes() - writes_before, "refusals": refusals() - refusals_before,
               "records": len(ids), "distinct": len(set(ids)), "backlog": outbox.backlog(conn, outbox.SHEET_KINDS)}
    conn.close()
    tables.close()
    return figures


def run_wecom(count: int, tmp: str) -> dict:
    """The burst to the WeCom emulator (documented limits), figures as a dict."""
    from tests.wecom_emulator import start_emulator

    with start_emulator(docs=[DOC_ID]) as emu:
        settings = {"SHEET_BACKEND": "wecom", "WECOM_CORP_ID": "test-corp", "WECOM_CORP_SECRET": "test-secret",
                    "WECOM_DOC_ID": DOC_ID, "WECOM_API_BASE_URL": emu.url}
        return deliver(settings, tmp, "wecom", count, lambda: emu.state.stats()["write_calls"],
                       lambda: emu.state.stats()["errcodes"].get("45009", 0), emu.records)


def run_google(count: int, tmp: str) -> dict:
    """The same burst to the Sheets emulator (60 write requests a minute), figures as a dict."""
    from tests.sheets_emulator import start_emulator, write_service_account_file

    with start_emulator() as emu:
        write_service_account_file(f"{tmp}/sa.json", emu.url)
        emu.state.create_spreadsheet("bench", spreadsheet_id="BENCH")
        emu.state.configure(write_quota_per_minute=60)
        settings = {"SHEET_BACKEND": "google", "GOOGLE_SERVICE_ACCOUNT_FILE": f"{tmp}/sa.json",
                    "SHEETS_SPREADSHEET_KEY": "BENCH", "SHEETS_API_BASE_URL": emu.url}

        def shown(title: str) -> list[dict]:
            values = emu.state.dump_values("BENCH", title)["values"]
            return [dict(zip(values[0], row)) for row in values[1:] if any(row)]

        return deliver(settings, tmp, "google", count,
                       lambda: emu.state.stats.snapshot()["requests"].get("values.append", 0),
                       lambda: emu.state.stats.snapshot()["quota_rejections"], shown)


def line(name: str, f: dict, count: int) -> str:
    met = (f["records"] == f["distinct"] == count and f["backlog"] == 0 and f["write_calls"] <= 3
           and f["seconds"] <= 5 and f["refusals"] == 0)
    return (f"  {name:<7} {f['records']:5d} records ({f['distinct']} distinct) in {f['seconds']:5.2f} s, "
            f"{f['write_calls']} write calls, {f['refusals']} refusals -> {'met' if met else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wecom = run_wecom(args.reports, tmp)
        google = run_google(args.reports, tmp)
    print(f"{args.reports} reports in a burst, each emulator enforcing its documented rate limit")
    print(line("WeCom", wecom, args.reports))
    print(line("Google", google, args.reports))
    print(f"  time WeCom/Google: {wecom['seconds'] / google['seconds']:.2f}×; "
          f"write calls WeCom/Google: {wecom['write_calls']}/{google['write_calls']}")
    print("  target per backend: ≤ 3 write calls, ≤ 5 s, 0 refusals, every report once")


if __name__ == "__main__":
    main()
