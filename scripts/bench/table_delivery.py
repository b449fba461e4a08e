"""Benchmark: a burst of 1,000 reports delivered by the real sync worker to each table backend's
emulator, with that service's documented rate limits enforced.

Backends: Google Sheets (the in-process Sheets emulator at Google's 60 write requests per minute),
WeCom 智能表格 (`python -m tests.wecom_emulator`) and Feishu 多维表格 (`python -m tests.feishu_emulator`),
each when its adapter and emulator are in this checkout (otherwise a line says it was skipped).
Write calls and refusals are the emulator's own counters (Google: its stats; WeCom/Feishu: GET /_stats),
so they count what reached the "API", retries included. Google is the baseline of the same run.
Target (issue 16): every backend ≤ 3 write calls and ≤ 5 s for the burst, 0 refusals.

Run: .venv/bin/python scripts/bench/table_delivery.py [--reports 1000]
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
from forms_app.core import directory  # noqa: E402
from forms_app.core.store import connect  # noqa: E402
from forms_app.delivery.columns import REPORTS  # noqa: E402
from forms_app.delivery.sheet_setup import setup  # noqa: E402
from forms_app.delivery.sync import Worker  # noqa: E402
from forms_app.delivery.tables import service_from_config  # noqa: E402
from forms_app.residents import reports  # noqa: E402
from tests.server import stop_process  # noqa: E402
from tests.tables_fixtures import APP_TOKEN, DOC_ID, EMULATORS, _forget_feishu_tokens, _spawn, missing_parts  # noqa: E402
from tests.residents.test_reports import DATA  # noqa: E402


class Counting:
    """The real adapter, counting the add()/update() calls the worker makes."""

    def __init__(self, service):
        self.service, self.adds, self.updates = service, 0, 0

    def __getattr__(self, name):
        return getattr(self.service, name)

    def add(self, spec, rows):
        self.adds += 1
        return self.service.add(spec, rows)

    def update(self, spec, changes):
        self.updates += 1
        return self.service.update(spec, changes)


def burst(db: str, count: int) -> None:
    """`count` reports committed to the store as fast as it takes them."""
    conn = connect(db)
    for i in range(count):
        reports.create(conn, f"{i:032x}", {**DATA, "description": f"第 {i} 个问题：楼道灯坏了。"})
    conn.close()


def http_stats(url: str) -> dict:
    """GET /_stats of a WeCom or Feishu emulator."""
    with urllib.request.urlopen(f"{url}/_stats", timeout=10) as answer:
        return json.loads(answer.read().decode("utf-8"))


def counters(name: str, handle) -> tuple[int, int]:
    """(write calls, refusals) so far, as the emulator counts them."""
    if name == "google":
        snap = handle.state.stats.snapshot()
        return snap["write_requests"], snap["quota_rejections"]
    stats = http_stats(handle)
    if name == "wecom":
        return stats.get("write_calls", 0), sum(stats.get("errcodes", {}).values())
    return stats.get("writes", 0), stats.get("refused_total", 0)


def deliver(name: str, settings: dict, handle, tmp: str, count: int, d) -> dict:
    """Set up the tables, commit the burst, run the real worker until the outbox is empty; the figures."""
    config = {"TESTING": True, "SECRET_KEY": "bench" * 8, "DATABASE": f"{tmp}/{name}.sqlite3", "SEED_SAMPLE_SESSIONS": False,
              "SHEETS_TIMEOUT": 30.0, **settings}
    app = create_app(config)
    service = Counting(service_from_config(app.config))
    with app.app_context():
        setup(service.service)
    burst(config["DATABASE"], count)
    writes0, refused0 = counters(name, handle)
    conn = connect(config["DATABASE"])
    worker = Worker(conn, service, d)
    start = time.monotonic()
    drained = worker.run(once=True)
    seconds = time.monotonic() - start
    writes1, refused1 = counters(name, handle)
    delivered = len({r.values.get("提交编号") for r in service.service.records(REPORTS.spec(d))} - {""})
    service.close()
    conn.close()
    return {"writes": writes1 - writes0, "refused": refused1 - refused0, "seconds": seconds, "rows": delivered,
            "adds": service.adds, "drained": drained}


def main() -> None:
    """Each available backend in turn; print the figures, the ratio to Google and the target."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args()
    d = directory.load()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        from tests.sheets_emulator import start_emulator, write_service_account_file
        with start_emulator() as emu:
            write_service_account_file(f"{tmp}/sa.json", emu.url)
            emu.state.create_spreadsheet("bench", spreadsheet_id="BENCH")
            settings = {"SHEET_BACKEND": "google", "GOOGLE_SERVICE_ACCOUNT_FILE": f"{tmp}/sa.json",
                        "SHEETS_SPREADSHEET_KEY": "BENCH", "SHEETS_API_BASE_URL": emu.url}
            emu.state.configure(write_quota_per_minute=60)  # Google's per-user write quota
            results["google"] = deliver("google", settings, emu, tmp, args.reports, d)
        for name in ("wecom", "feishu"):
            reason = missing_parts(name)
            if reason:
                print(f"skipped {reason}")
                continue
            if name == "wecom":
                proc, url = _spawn(EMULATORS[name], ["--doc", DOC_ID])  # documented limits on by default
                settings = {"SHEET_BACKEND": "wecom", "WECOM_CORP_ID": "test-corp", "WECOM_CORP_SECRET": "test-secret",
                            "WECOM_DOC_ID": DOC_ID, "WECOM_API_BASE_URL": url}
            else:
                proc, url = _spawn(EMULATORS[name], ["--app-token", APP_TOKEN])
                _forget_feishu_tokens("cli_test")
                settings = {"SHEET_BACKEND": "feishu", "FEISHU_APP_ID": "cli_test", "FEISHU_APP_SECRET": "test-secret",
                            "FEISHU_APP_TOKEN": APP_TOKEN, "FEISHU_API_BASE_URL": url}
            try:
                results[name] = deliver(name, settings, url, tmp, args.reports, d)
            finally:
                stop_process(proc)

    base = results["google"]
    print(f"{args.reports} reports in a burst, delivered by the sync worker, each emulator enforcing its documented limits")
    print(f"  {'backend':8s} {'rows':>6s} {'write calls':>12s} {'add() calls':>12s} {'refusals':>9s} {'seconds':>8s}"
          f" {'writes vs Google':>17s} {'time vs Google':>15s}  target (≤3 writes, ≤5 s, 0 refusals)")
    for name, r in results.items():
        met = r["rows"] == args.reports and r["writes"] <= 3 and r["seconds"] <= 5 and r["refused"] == 0 and r["drained"]
        print(f"  {name:8s} {r['rows']:6d} {r['writes']:12d} {r['adds']:12d} {r['refused']:9d} {r['seconds']:8.2f}"
              f" {r['writes'] / max(base['writes'], 1):16.2f}× {r['seconds'] / max(base['seconds'], 1e-9):14.2f}×"
              f"  {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
