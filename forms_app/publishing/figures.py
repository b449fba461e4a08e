"""`flask figures`: the public progress figures (工作成效), counts only, for the knowledge base.

compute() reads nothing but status, category, area, dates and follow-up scores: no name, phone,
address, description or reference ever enters the figures, so none can leak into the site.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import statistics
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core import clock, deadlines
from forms_app.core.cases import CHANNELS
from forms_app.casework import consultations
from forms_app.delivery.sheet_layout import parse_day
from forms_app.delivery.tables import BackendUnavailable, TableError, service_from_config
from forms_app.core.store import get_db
from forms_app.delivery.pull import Puller

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Status → headline bucket (the office's definitions). A status the sheet does not know counts
# as in progress: nobody has closed it, and received must still equal the sum of the buckets.
BUCKETS = {"已解决": "已解决", "已形成方案": "已形成方案", "已受理": "正在推进", "处理中": "正在推进",
           "已转办": "已转办", "不予受理": "不予受理"}
RECEIVED = "收到的问题"
HEADLINE = (RECEIVED, "已解决", "已形成方案", "正在推进", "已转办", "不予受理")
UNKNOWN_LABEL = "未归类"  # a category or area no longer in the directory
MIN_ANSWERS = 5  # fewer follow-up answers than this: no average, it could point at one resident
# A by-area, by-category or by-channel count of 1 or 2 is published as this: so few reports could
# point at one household. 0 stays 0 (it points at nobody); 3 and more are shown as they are.
SMALL, SMALL_BELOW = "少于3", 3
# The doors a case comes through, in the order the page lists them (every one shown, zeros included).
# What the four rates are, for whoever reads figures.json; the page says the same in plain words.
RATES = {
    "先行联系按时率": "先行联系的期限已到（或已联系）的问题中，在期限内第一次联系上居民的比例",
    "按时办结率": "办结期限（会商定了分工的，按最后一项分工的日期）已到或已办结的问题中，在期限内办结的比例；形成方案不算办结",
    "回访率": "已解决的问题中，居民答过回访（网上或电话）的比例",
    "满意率": "三方面都答了的回访中，效率、态度、结果三项都是“满意”或“基本满意”的比例",
}
GOOD = ("满意", "基本满意")


def compute(conn: sqlite3.Connection, directory, today: dt.date) -> dict:
    """The public figures as of `today`: counts, directory labels and months, nothing else."""
    rows = [dict(r) for r in conn.execute(
        "SELECT id, status, category_id, area_id, channel, urgent, created_at, updated_at, resolved_at, reopened, "
        "first_contact_at, first_contact_due, resolve_due, reopened_at, rehandled_at, rehandle_due, plan_due FROM reports "
        "WHERE duplicate_of = ''")]  # a 重复件 counts once: as its main case
    for row in rows:
        row["bucket"] = BUCKETS.get(row["status"], "正在推进")
        row["created"] = clock.parse(row["created_at"]).date()
        row["resolved"] = parse_day(row["resolved_at"]) if row["bucket"] == "已解决" else None
    return {
        "as_of": f"{today.year}年{today.month}月{today.day}日",
        "figures": headline(rows),
        "by_category": suppress(breakdown(rows, "category_id", directory.categories)),
        "by_area": suppress(breakdown(rows, "area_id", directory.areas)),
        "by_channel": suppress(by_channel(rows)),
        "rates": rates(conn, rows, directory, today),
        "by_month": by_month(rows, today),
        "resolution_days": resolution_days(rows),
        "receptions_held": receptions_held(conn, today),
        "consultations_held": consultations.count(conn, today),
        "followup": followup(conn, rows),
    }


def headline(rows: list[dict]) -> dict[str, int]:
    """收到的问题 first, then each bucket; the buckets add up to it."""
    counts = {label: 0 for label in HEADLINE}
    counts[RECEIVED] = len(rows)
    for row in rows:
        counts[row["bucket"]] += 1
    return counts


def breakdown(rows: list[dict], column: str, entries: dict) -> list[dict]:
    """Received and resolved per directory entry (in directory order), unknown ids pooled under one label."""
    labels = {ident: entry.name for ident, entry in entries.items()}
    counts = {name: {"label": name, "received": 0, "resolved": 0} for name in labels.values()}
    for row in rows:
        item = counts.setdefault(labels.get(row[column], UNKNOWN_LABEL),
                                 {"label": UNKNOWN_LABEL, "received": 0, "resolved": 0})
        item["received"] += 1
        item["resolved"] += row["bucket"] == "已解决"
    return list(counts.values())


def by_channel(rows: list[dict]) -> list[dict]:
    """Received and resolved per channel (电话, 来访, 网页 …), every channel listed; anything else as 其他."""
    counts = {name: {"label": name, "received": 0, "resolved": 0} for name in CHANNELS}
    for row in rows:
        item = counts[row["channel"] if row["channel"] in counts else "其他"]
        item["received"] += 1
        item["resolved"] += row["bucket"] == "已解决"
    return list(counts.values())


def suppress(items: list[dict]) -> list[dict]:
    """Counts of 1 or 2 replaced by SMALL ("少于3"), in the figures file itself, not only on the page."""
    for item in items:
        for key in ("received", "resolved"):
            if 0 < item[key] < SMALL_BELOW:
                item[key] = SMALL
    return items


def _rate(met: int, of: int, label: str) -> dict:
    return {"label": label, "value": round(100 * met / of, 1) if of else None, "met": met, "of": of}


def rates(conn: sqlite3.Connection, rows: list[dict], directory, today: dt.date) -> list[dict]:
    """先行联系按时率, 按时办结率, 回访率, 满意率 (percent, one decimal; None when there is nothing to count).

    On time is the deadline rule's (core/deadlines.clocks, working days, 调休 included): a clock
    counts once its day has come or it was met; it is on time when met with no working day late.
    满意率 needs MIN_ANSWERS three-aspect answers, like the average score.
    """
    tallies = {"first_contact": [0, 0], "resolve": [0, 0]}
    for row in rows:
        for item in deadlines.clocks(row, directory, today)[:2]:
            if item.met_on is not None or item.overdue:
                kind = "resolve" if item.kind == "implement" else item.kind  # 落实 is the resolution of a plan
                tallies[kind][1] += 1
                tallies[kind][0] += item.met_on is not None and not item.late_days
    answered = {r[0] for r in conn.execute("SELECT DISTINCT report_id FROM followups")}
    asked = [r for r in rows if r["bucket"] == "已解决" or r["id"] in answered]
    good = "','".join(GOOD)
    aspects = conn.execute(
        f"SELECT count(*), coalesce(sum(efficiency IN ('{good}') AND attitude IN ('{good}') AND result IN ('{good}')), 0) "
        "FROM followups WHERE efficiency != '' AND attitude != '' AND result != ''").fetchone()
    satisfied = _rate(aspects[1], aspects[0], "满意率")
    if aspects[0] < MIN_ANSWERS:  # neither the rate nor its numerator: a few answers could point at a resident
        satisfied["value"] = satisfied["met"] = None
    return [_rate(*tallies["first_contact"], "先行联系按时率"), _rate(*tallies["resolve"], "按时办结率"),
            _rate(sum(r["id"] in answered for r in asked), len(asked), "回访率"), {**satisfied, "min_answers": MIN_ANSWERS}]


def by_month(rows: list[dict], today: dt.date) -> list[dict]:
    """Reports received (by 提交时间) and resolved (by 办结时间) per month, every month up to today's."""
    received = [f"{r['created'].year}-{r['created'].month:02d}" for r in rows]
    resolved = [f"{r['resolved'].year}-{r['resolved'].month:02d}" for r in rows if r["resolved"]]
    if not received:
        return []
    months, month, last = [], min(received + resolved), max(received + resolved + [today.strftime("%Y-%m")])
    while month <= last:
        months.append({"month": month, "received": received.count(month), "resolved": resolved.count(month)})
        year, number = map(int, month.split("-"))
        month = f"{year + number // 12}-{number % 12 + 1:02d}"
    return months


def resolution_days(rows: list[dict]) -> dict:
    """Median calendar days from report to resolution, over resolved reports with a usable 办结时间."""
    resolved = [r for r in rows if r["bucket"] == "已解决"]
    days = [(r["resolved"] - r["created"]).days for r in resolved if r["resolved"] and r["resolved"] >= r["created"]]
    median = statistics.median(days) if days else None
    if median is not None and float(median).is_integer():
        median = int(median)
    return {"median": median, "reports": len(days), "undated": len(resolved) - len(days)}


def receptions_held(conn: sqlite3.Connection, today: dt.date) -> int:
    """Joint-reception sessions dated before today that had at least one confirmed sign-up."""
    return conn.execute(
        "SELECT count(*) FROM sessions s WHERE s.date < ? AND EXISTS "
        "(SELECT 1 FROM signups WHERE session_id = s.id AND state = 'confirmed')", (today.isoformat(),)).fetchone()[0]


def followup(conn: sqlite3.Connection, rows: list[dict]) -> dict:
    """Reopened reports (a resident said 没有解决) and the follow-up answers; no average below MIN_ANSWERS."""
    answers = conn.execute("SELECT count(*), sum(solved = 0), avg(satisfaction), count(satisfaction) FROM followups").fetchone()
    count = answers[0]
    # Only the old 1–5 scores average; three-aspect answers (no score) count in 满意率 instead.
    average = round(answers[2], 1) if answers[3] >= MIN_ANSWERS else None
    reopened = [r for r in rows if r["reopened"] > 0]
    return {"reopened": len(reopened), "reopened_resolved": sum(r["bucket"] == "已解决" for r in reopened),
            "answers": count, "not_solved_answers": answers[1] or 0, "average_satisfaction": average,
            "min_answers": MIN_ANSWERS}


def write(figures: dict, path: Path) -> None:
    """Write the figures file atomically (the site build may be reading it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def summary(figures: dict, path: Path) -> str:
    """One short Chinese line for whoever ran the command."""
    f = figures["figures"]
    return (f"已写入 {path}（截至{figures['as_of']}）：收到 {f[RECEIVED]} 个，已解决 {f['已解决']} 个，"
            f"已形成方案 {f['已形成方案']} 个，正在推进 {f['正在推进']} 个，已转办 {f['已转办']} 个，"
            f"不予受理 {f['不予受理']} 个。重新生成网站后，“工作成效”页就会显示新数字。")


def refresh_from_sheet(conn: sqlite3.Connection, config, directory) -> None:
    """Read the stewards' latest statuses and sessions from the shared table into the store."""
    try:
        sheets = service_from_config(config)
    except BackendUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    try:
        Puller(conn, sheets, directory).run()
    except TableError as exc:
        raise click.ClickException(f"没能读取大管家的表格（{exc}），数字没有更新。请稍后再试。") from None
    finally:
        sheets.close()


@click.command("figures")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the JSON (default: FIGURES_FILE).")
@with_appcontext
def figures_command(output: Path | None) -> None:
    """Refresh from the stewards' sheet (when configured), then write the public figures."""
    app, conn = current_app, get_db()
    directory = app.extensions["directory"]
    if app.config["SHEETS_ENABLED"]:
        refresh_from_sheet(conn, app.config, directory)
    path = output or PROJECT_ROOT / app.config["FIGURES_FILE"]
    figures = compute(conn, directory, clock.now().date())
    write(figures, path)
    click.echo(summary(figures, path))


def init_app(app) -> None:
    """Register the CLI command."""
    app.cli.add_command(figures_command)
