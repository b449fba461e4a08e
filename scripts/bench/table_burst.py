"""Benchmark: a 1,000-report burst delivered by the sync worker to each table backend's emulator,
each with its documented rate limit enforced, in one run — Google (the baseline), WeCom, Feishu.

Per backend: write calls, seconds, refusals (rate-limit answers), records that arrived.
Target (issue 16): ≤ 3 write calls and ≤ 5 s per backend, 0 refusals; printed beside Google's figure.
A backend whose adapter or emulator is not in this checkout is reported as skipped.

Run: .venv/bin/python scripts/bench/table_burst.py [--reports 1000]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from forms_app import create_app  # noqa: E402
from forms_app.core.store import connect  # noqa: E402
from forms_app.delivery.columns import REPORTS  # noqa: E402
from forms_app.delivery.sheet_setup import setup  # noqa: E402
from forms_app.delivery.sync import Worker  # noqa: E402
from forms_app.delivery.tables import service_from_config  # noqa: E402
from forms_app.residents import reports  # noqa: E402
from tests.tables_fixtures import APP_TOKEN, DOC_ID, _spawn, http_records, missing_parts  # noqa: E402
from tests.test_reports import DATA  # noqa: E402


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read().decode("utf-8"))


def google(tmp: str):
    """The in-process Sheets emulator, 60 write requests a minute (Google's documented per-user quota)."""
    from tests.sheets_emulator import start_emulator, write_service_account_file

    emu = start_emulator()
    write_service_account_file(f"{tmp}/sa.json", emu.url)
    emu.state.create_spreadsheet("bench", spreadsheet_id="BENCH")
    emu.state.configure(write_quota_per_minute=60)
    settings = {"SHEET_BACKEND": "google", "GOOGLE_SERVICE_ACCOUNT_FILE": f"{tmp}/sa.json",
                "SHEETS_SPREADSHEET_KEY": "BENCH", "SHEETS_API_BASE_URL": emu.url}

    def counters():
        snap = emu.state.stats.snapshot()
        return snap["write_requests"], snap["quota_rejections"]

    def shown():
        values = emu.state.dump_values("BENCH", REPORTS.title)["values"]
        return sum(1 for row in values[1:] if any(row))
    return settings, counters, shown, emu.stop


def spawned(name: str):
    """WeCom / Feishu: the emulator's command line, its documented limits on by default."""
    if name == "wecom":
        proc, url = _spawn("tests.wecom_emulator", ["--doc", DOC_ID])
        settings = {"SHEET_BACKEND": "wecom", "WECOM_CORP_ID": "test-corp", "WECOM_CORP_SECRET": "test-secret",
                    "WECOM_DOC_ID": DOC_ID, "WECOM_API_BASE_URL": url}

        def counters():
            stats = get_json(url + "/_stats")
            return stats.get("write_calls", 0), sum(int(n) for n in (stats.get("errcodes") or {}).values())
    else:
        proc, url = _spawn("tests.feishu_emulator", ["--app-token", APP_TOKEN])
        settings = {"SHEET_BACKEND": "feishu", "FEISHU_APP_ID": "cli_test", "FEISHU_APP_SECRET": "test-secret",
                    "FEISHU_APP_TOKEN": APP_TOKEN, "FEISHU_API_BASE_URL": url}

        def counters():
            stats = get_json(url + "/_stats")
            return stats["writes"], stats["refused_total"]

    def stop():
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    return settings, counters, lambda: len(http_records(url, REPORTS.title)), stop


def run(name: str, count: int, tmp: str) -> dict:
    settings, counters, shown, stop = google(tmp) if name == "google" else spawned(name)
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench-" + "b" * 32, "DATABASE": f"{tmp}/{name}.sqlite3",
                          **settings})
        tables = service_from_config(app.config)
        with app.app_context():
            setup(tables)
        conn = connect(app.config["DATABASE"])
        for i in range(count):
            reports.create(conn, f"{i:032x}", {**DATA, "description": f"第 {i} 个问题：楼道灯坏了。"})
        writes_before, refused_before = counters()
        worker = Worker(conn, tables, app.extensions["directory"], batch=count, sleep=lambda s: None)
        start = time.perf_counter()
        drained = worker.run(once=True)
        seconds = time.perf_counter() - start
        writes, refused = counters()
        tables.close()
        conn.close()
        return {"writes": writes - writes_before, "seconds": seconds, "refused": refused - refused_before,
                "records": shown(), "drained": drained}
    finally:
        stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("google", "wecom", "feishu"):
            reason = missing_parts(name)
            results[name] = {"skipped": reason} if reason else run(name, args.reports, tmp)
    print(f"{args.reports} reports in a burst, one worker pass, each emulator enforcing its documented rate limit")
    base = results.get("google", {})
    for name, r in results.items():
        if "skipped" in r:
            print(f"  {name:7s} skipped: {r['skipped']}")
            continue
        ratio = f", {r['seconds'] / base['seconds']:.2f}× Google's time" if name != "google" and base.get("seconds") else ""
        met = r["writes"] <= 3 and r["seconds"] <= 5 and r["refused"] == 0 and r["records"] == args.reports
        print(f"  {name:7s} {r['records']:5d} records, {r['writes']} write calls, {r['seconds']:5.2f} s, "
              f"{r['refused']} refusals{ratio} -> target (≤ 3 writes, ≤ 5 s, 0 refusals) {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
