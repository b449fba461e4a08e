"""Benchmark: `flask backup` on a store of a few years' reports, and what a backup costs writers.

Ours:     core.backup.take — SQLite's online backup API in one read transaction, then
          integrity_check, row counts and SHA-256 before the atomic rename.
Baseline: shutil.copyfile of the same store (what a naive cron job does; not consistent under
          writes, and unverified), in the same run.
Also:     report submissions per second into the store (reports.create, durable commits) with
          and without a backup looping beside them — a backup must not stall residents.

Run: .venv/bin/python scripts/bench/backup.py [--reports 20000] [--seconds 3]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from forms_app.core import backup  # noqa: E402
from forms_app.core.store import connect, transaction  # noqa: E402
from forms_app.residents import reports  # noqa: E402
from tests.residents.test_reports import DATA  # noqa: E402


def fill(db: str, count: int) -> None:
    """`count` realistic reports with their outbox rows, in large transactions (setup only)."""
    conn = connect(db)
    columns = ("ref", "submission_id", "created_at", "updated_at", *reports.FIELDS)
    sql = f"INSERT INTO reports ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    for start in range(0, count, 5000):
        with transaction(conn):
            for i in range(start, min(count, start + 5000)):
                cur = conn.execute(sql, (f"W{i:07d}", f"{i:032x}", "2026-01-01T09:00:00+08:00", "2026-01-01T09:00:00+08:00",
                                         *({**DATA, "description": f"第 {i} 个问题：楼上卫生间渗水，天花板发霉。" * 4}[f]
                                           for f in reports.FIELDS)))
                conn.execute("INSERT INTO outbox (kind, row_id, queued_at) VALUES ('report', ?, '2026-01-01')", (cur.lastrowid,))
    conn.close()


def submissions_per_second(db: str, seconds: float, start: int) -> float:
    conn = connect(db)
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        reports.create(conn, f"{start + n:032x}", {**DATA, "description": f"基准 {n}"})
        n += 1
    conn.close()
    return n / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/store.sqlite3"
        fill(db, args.reports)
        size = Path(db).stat().st_size / 1e6
        t = time.perf_counter()
        shutil.copyfile(db, f"{tmp}/naive.sqlite3")
        naive = time.perf_counter() - t
        t = time.perf_counter()
        backup.take(db, f"{tmp}/b", 3)
        ours = time.perf_counter() - t
        print(f"store: {args.reports} reports, {size:.1f} MB")
        print(f"backup (copy + integrity_check + counts + sha256 + fsync): {ours:.2f} s; naive file copy: {naive:.2f} s; "
              f"ratio {ours / naive:.1f}")
        quiet = submissions_per_second(db, args.seconds, 10**9)
        stop, taken = threading.Event(), []

        def loop():
            while not stop.is_set():
                backup.take(db, f"{tmp}/b", 3)
                taken.append(1)
        worker = threading.Thread(target=loop)
        worker.start()
        busy = submissions_per_second(db, args.seconds, 2 * 10**9)
        stop.set()
        worker.join()
        print(f"submissions: {quiet:.0f}/s alone, {busy:.0f}/s while {len(taken)} backups ran back to back; "
              f"ratio {busy / quiet:.2f}")


if __name__ == "__main__":
    main()
