"""Benchmark: the deadline rule over 50,000 generated cases — `flask digest --print`,
`flask supervise --print` and the sheet's daily 时限 refresh.

Ours:     core/deadlines.working_days_between on per-year cumulative tables (constant time).
Baseline: the same commands with the day-by-day loop it replaced, in the same run, on a
          smaller store (--baseline-cases), scaled per case for the ratio.
Target:   `flask digest --print` < 5 s with 50,000 cases.

Run: .venv/bin/python scripts/bench/deadlines_50k.py [--cases 50000] [--baseline-cases 5000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from forms_app import create_app  # noqa: E402
from forms_app.core import clock, deadlines  # noqa: E402
from forms_app.core.store import connect, transaction  # noqa: E402
from forms_app.publishing import supervise  # noqa: E402

STATUSES = ["已受理", "处理中", "已形成方案", "已解决", "已解决", "已转办"]


def loop_between(start: dt.date, end: dt.date) -> int:
    """The day-by-day count the tables replaced."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += clock.is_working_day(day)
    return count


def store(n: int, seed: int = 8):
    """An app on a fresh store with n cases received over the last two years."""
    rng, tmp = random.Random(seed), tempfile.mkdtemp()
    app = create_app({"TESTING": True, "DATABASE": f"{tmp}/s.sqlite3", "SECRET_KEY": "x", "SEED_SAMPLE_SESSIONS": False})
    d, conn, now = app.extensions["directory"], connect(f"{tmp}/s.sqlite3"), clock.now()
    cats, comps, rows = list(d.categories), list(d.compounds.values()), []
    for i in range(n):
        c, cat = rng.choice(comps), rng.choice(cats)
        created = now - dt.timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 1000))
        due = deadlines.due_dates({"category_id": cat, "urgent": 0}, d, created)
        rows.append((f"B{i:06d}", f"{i:032x}", clock.iso(created), clock.iso(created), "电话", c.area.id, c.id, "1号",
                     "", cat, 0, "描述", "", "", "", 0, 0, "", 0, rng.choice(STATUSES), due["first_contact_due"],
                     due["resolve_due"]))
    with transaction(conn):
        conn.executemany("INSERT INTO reports (ref, submission_id, created_at, updated_at, channel, area_id, compound_id, "
                         "building, room, category_id, urgent, description, contact_name, phone, best_time, "
                         "join_reception, on_behalf, behalf_relation, behalf_consent, status, first_contact_due, "
                         f"resolve_due) VALUES ({','.join('?' * 22)})", rows)
    return app, conn, d


def timed(app, conn, d) -> dict[str, float]:
    """Seconds for each command."""
    out, runner = {}, app.test_cli_runner()
    for name in ("digest", "supervise"):
        start = time.perf_counter()
        result = runner.invoke(args=[name, "--print"])
        assert result.exit_code == 0, result.output
        out[f"{name} --print"] = time.perf_counter() - start
    start = time.perf_counter()
    supervise.refresh_sheet(conn, d)
    out["时限 refresh"] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--baseline-cases", type=int, default=5_000)
    args = parser.parse_args()
    ours = timed(*store(args.cases))
    tables = deadlines.working_days_between
    deadlines.working_days_between = loop_between
    try:
        base = timed(*store(args.baseline_cases))
    finally:
        deadlines.working_days_between = tables
    print(f"{args.cases:,} cases (baseline: {args.baseline_cases:,} with the day-by-day loop, scaled per case)")
    for name, seconds in ours.items():
        scaled = base[name] * args.cases / args.baseline_cases
        print(f"  {name:16} {seconds:6.2f} s   baseline ≈ {scaled:6.1f} s   ratio {seconds / scaled:.2f}")
    print(f"  target: digest --print < 5 s: {'met' if ours['digest --print'] < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
