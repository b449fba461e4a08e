"""The public figures: the office's definitions, the median, receptions held, follow-ups — and no personal data."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from forms_app.core import directory
from forms_app.publishing import figures
from forms_app.residents import followup
from forms_app.residents import reports
from forms_app.delivery.sheet_layout import REPORTS
from forms_app.delivery.sheets import Sheets
from forms_app.core.store import connect
from tests.residents.test_reports import DATA

DIRECTORY = directory.load()
TODAY = dt.date(2026, 11, 28)
# Strings a careless export would leak: names, phones, rooms, buildings, descriptions, ids.
PERSONAL = {"contact_name": "欧阳秀英", "phone": "+8613987654321", "building": "88号楼", "room": "1203室",
            "description": "我家卫生间漏水，楼上的欧阳先生不开门", "best_time": "周三晚上七点后",
            "behalf_relation": "欧阳秀英的女儿"}
HOSTILE_AREA = "area 1203室 13987654321"
HOSTILE_CATEGORY = '=HYPERLINK("http://evil.example","欧阳")'
# (category, area, created, status, 办结时间, reopened)
REPORTS_SEEDED = [
    ("leak", "yanji23", "2026-09-03", "已解决", "2026-09-05", 0),        # 2 days
    ("leak", "yanji23", "2026-09-10", "已解决", "2026-10-10", 0),        # 30 days
    ("parking", "kongjiangdong3", "2026-10-01", "已解决", "", 0),        # an old row: no 办结时间
    ("parking", "kongjiangdong3", "2026-10-02", "已形成方案", "", 0),
    ("garbage", "dunhualu", "2026-10-15", "已受理", "", 0),
    ("garbage", "dunhualu", "2026-11-01", "处理中", "", 1),              # reopened, still in progress
    ("lift-retrofit", "yangjiabang", "2026-11-02", "已解决", "2026/11/12", 1),  # reopened, resolved again: 10 days
    ("other", "yanji23", "2026-11-20", "已转办", "", 0),
    ("neighbour", "yanji23", "2026-11-21", "不予受理", "", 0),
    (HOSTILE_CATEGORY, HOSTILE_AREA, "2026-11-25", "已受理", "", 0),
]
SATISFACTION = [5, 4, 4, 3, 5, 1]


def seed_reports(conn, rows=REPORTS_SEEDED) -> list[int]:
    """Reports as stewards left them: status, 办结时间 and reopened set over the form's fields."""
    ids = []
    for n, (category, area, created, status, resolved, reopened) in enumerate(rows):
        row, _ = reports.create(conn, f"{n:032x}", {**DATA, **PERSONAL, "category_id": category, "area_id": area})
        conn.execute("UPDATE reports SET created_at = ?, status = ?, resolved_at = ?, reopened = ?, followup_due = 1, "
                     "steward_name = '陈静', notes = '欧阳秀英说楼上不开门', public_note = '物业明天上门' WHERE id = ?",
                     (f"{created}T10:15:00+08:00", status, resolved, reopened, row["id"]))
        ids.append(row["id"])
    return ids


def seed_followups(conn, report_id: int, scores=SATISFACTION) -> None:
    """Follow-up answers; the last one says 没有解决."""
    for i, score in enumerate(scores):
        conn.execute("INSERT INTO followups (report_id, created_at, solved, satisfaction, comment) "
                     "VALUES (?, ?, ?, ?, ?)",
                     (report_id, "2026-11-26T09:00:00+08:00", int(i < len(scores) - 1), score, "欧阳秀英：邻居太吵"))


def seed_sessions(conn) -> None:
    """Four sessions: only the past one with a confirmed sign-up was held."""
    sessions = [("past-held", "2026-11-01", ["confirmed", "cancelled"]),
                ("past-nobody", "2026-11-05", ["cancelled", "waiting"]),
                ("today", "2026-11-28", ["confirmed"]), ("future", "2026-12-05", ["confirmed"])]
    n = 0
    for ident, date, states in sessions:
        conn.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
                     "VALUES (?, ?, '9:00', '11:00', '欧阳家楼下', '居委会', 8)", (ident, date))
        for state in states:
            n += 1
            conn.execute("INSERT INTO signups (ref, submission_id, session_id, created_at, updated_at, name, phone, "
                         "compound_id, topic, state, queued_at) VALUES (?, ?, ?, ?, ?, '欧阳秀英', ?, 'yanji2', "
                         "'欧阳家想问楼道堆物', ?, ?)",
                         (f"J{n:03d}-0000", f"s{n:031x}", ident, date, date, f"+86139000000{n:02d}", state, date))


def seed_all(conn) -> None:
    """Everything the figures read."""
    ids = seed_reports(conn)
    seed_followups(conn, ids[6])
    seed_sessions(conn)


@pytest.fixture
def conn(tmp_path):
    c = connect(str(tmp_path / "s.sqlite3"))
    yield c
    c.close()


@pytest.fixture
def result(conn):
    seed_all(conn)
    return figures.compute(conn, DIRECTORY, TODAY)


def test_headline_follows_the_offices_definitions_and_adds_up(result):
    assert result["as_of"] == "2026年11月28日"
    assert result["figures"] == {"收到的问题": 10, "已解决": 4, "已形成方案": 1, "正在推进": 3, "已转办": 1, "不予受理": 1}
    assert list(result["figures"])[0] == "收到的问题"
    assert sum(list(result["figures"].values())[1:]) == result["figures"]["收到的问题"]


def test_every_category_and_area_is_listed_and_unknown_ones_are_pooled(result):
    categories = {c["label"]: c for c in result["by_category"]}
    assert list(categories)[:len(DIRECTORY.categories)] == [c.name for c in DIRECTORY.categories.values()]
    assert categories["漏水/渗水"] == {"label": "漏水/渗水", "received": "少于3", "resolved": "少于3"}
    assert categories["通信信号"]["received"] == 0                       # nobody: nothing to hide
    assert categories["未归类"]["received"] == "少于3"
    areas = {a["label"]: a for a in result["by_area"]}
    assert len(areas) == len(DIRECTORY.areas) + 1
    assert areas["延吉二三村"] == {"label": "延吉二三村", "received": 4, "resolved": "少于3"}


def test_breakdowns_add_up_before_small_counts_are_hidden(conn):
    seed_all(conn)
    rows = [{"category_id": c, "area_id": a, "channel": "网页", "bucket": figures.BUCKETS[s]}
            for c, a, _, s, _, _ in REPORTS_SEEDED]
    for column, entries in (("category_id", DIRECTORY.categories), ("area_id", DIRECTORY.areas)):
        items = figures.breakdown(rows, column, entries)
        assert sum(i["received"] for i in items) == 10 and sum(i["resolved"] for i in items) == 4


@pytest.mark.parametrize("count, shown", [(0, 0), (1, "少于3"), (2, "少于3"), (3, 3), (40, 40)])
def test_counts_of_one_or_two_are_shown_as_fewer_than_three(count, shown):
    [item] = figures.suppress([{"label": "停车", "received": count, "resolved": count}])
    assert item == {"label": "停车", "received": shown, "resolved": shown}


def test_by_channel_lists_every_door_and_hides_small_counts(conn):
    seed_reports(conn, [("leak", "yanji23", "2026-11-02", "已受理", "", 0)] * 4)
    conn.execute("UPDATE reports SET channel = '电话' WHERE id <= 3")
    conn.execute("UPDATE reports SET channel = '乱写的' WHERE id = 4")
    channels = {c["label"]: c for c in figures.compute(conn, DIRECTORY, TODAY)["by_channel"]}
    assert list(channels) == list(figures.CHANNELS)
    assert channels["电话"]["received"] == 3 and channels["其他"]["received"] == "少于3"
    assert channels["网页"]["received"] == 0


def test_months_count_received_by_report_date_and_resolved_by_resolution_date(result):
    assert result["by_month"] == [{"month": "2026-09", "received": 2, "resolved": 1},
                                  {"month": "2026-10", "received": 3, "resolved": 1},
                                  {"month": "2026-11", "received": 5, "resolved": 1}]


def test_months_run_without_gaps_to_this_month(conn):
    seed_reports(conn, [("leak", "yanji23", "2025-11-30", "已解决", "2026-01-02", 0)])
    months = figures.compute(conn, DIRECTORY, dt.date(2026, 3, 1))["by_month"]
    assert [m["month"] for m in months] == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert [m["resolved"] for m in months] == [0, 0, 1, 0, 0]


def test_median_days_skips_resolved_reports_without_a_date(result):
    assert result["resolution_days"] == {"median": 10, "reports": 3, "undated": 1}


@pytest.mark.parametrize("resolved, days", [
    (["2026-09-05", "2026-09-06"], 2.5),          # even count: halfway
    (["2026-09-03"], 0),                         # resolved the same day
    (["2026年9月8日 14:00", "2026.9.4"], 3),      # as stewards type dates
    (["2026-08-30", "不记得了", "2026-02-30"], None),  # before the report, unreadable, impossible: skipped
])
def test_median_days(conn, resolved, days):
    seed_reports(conn, [("leak", "yanji23", "2026-09-03", "已解决", r, 0) for r in resolved])
    spread = figures.compute(conn, DIRECTORY, TODAY)["resolution_days"]
    assert spread["median"] == days
    assert spread["reports"] + spread["undated"] == len(resolved)


def test_receptions_held_are_past_sessions_with_a_confirmed_sign_up(result):
    assert result["receptions_held"] == 1


def test_reopened_reports_and_satisfaction(result):
    assert result["followup"] == {"reopened": 2, "reopened_resolved": 1, "answers": 6, "not_solved_answers": 1,
                                  "average_satisfaction": 3.7, "min_answers": 5}


def test_reopened_report_counts_in_progress_until_resolved_again(conn):
    [report] = seed_reports(conn, [("leak", "yanji23", "2026-11-02", "已解决", "2026-11-03", 0)])
    followup.record(conn, report, {"outcome": "没有解决", "efficiency": "", "attitude": "", "result": "", "comment": ""},
                    DIRECTORY)
    result = figures.compute(conn, DIRECTORY, TODAY)
    assert result["figures"]["正在推进"] == 1 and result["figures"]["已解决"] == 0
    assert result["followup"]["reopened"] == 1 and result["followup"]["reopened_resolved"] == 0
    reports.update(conn, report, {"status": "已解决"})
    again = figures.compute(conn, DIRECTORY, TODAY)
    assert again["figures"]["已解决"] == 1 and again["followup"]["reopened_resolved"] == 1


def test_no_average_satisfaction_from_too_few_answers(conn):
    [report] = seed_reports(conn, REPORTS_SEEDED[:1])
    seed_followups(conn, report, [5, 1])
    assert figures.compute(conn, DIRECTORY, TODAY)["followup"]["average_satisfaction"] is None


def test_empty_store_gives_zeros(conn):
    result = figures.compute(conn, DIRECTORY, TODAY)
    assert set(result["figures"].values()) == {0}
    assert result["by_month"] == [] and result["resolution_days"]["median"] is None
    assert result["receptions_held"] == 0 and result["followup"]["average_satisfaction"] is None
    assert result["consultations_held"] == 0


# --- No personal data -----------------------------------------------------------------------

KEYS = {"as_of", "figures", "by_category", "by_area", "by_month", "resolution_days", "receptions_held", "followup",
        "consultations_held",
        "label", "received", "resolved", "month", "median", "reports", "undated", "reopened", "reopened_resolved",
        "answers", "not_solved_answers", "average_satisfaction", "min_answers", *figures.HEADLINE,
        "by_channel", "rates", "value", "met", "of"}
LABELS = ({c.name for c in DIRECTORY.categories.values()} | {a.name for a in DIRECTORY.areas.values()}
          | {figures.UNKNOWN_LABEL} | set(figures.CHANNELS) | set(figures.RATES))


def leaves(value, key=None):
    """(key, value) for every scalar in a JSON tree."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert k in KEYS, k
            yield from leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v, key)
    else:
        yield key, value


def test_figures_hold_only_counts_directory_labels_and_months(result):
    for key, value in leaves(result):
        if key == "label":
            assert value in LABELS
        elif key == "month":
            assert re.fullmatch(r"\d{4}-\d{2}", value)
        elif key == "as_of":
            assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", value)
        elif value == figures.SMALL:
            assert key in ("received", "resolved")
        else:
            assert value is None or type(value) in (int, float), (key, value)


def test_no_personal_string_reaches_the_figures(conn, result):
    text = json.dumps(result, ensure_ascii=False)
    stored = conn.execute("SELECT ref, submission_id FROM reports").fetchall()
    signups = conn.execute("SELECT ref, submission_id, phone FROM signups").fetchall()
    secrets = [*PERSONAL.values(), HOSTILE_AREA, HOSTILE_CATEGORY, "欧阳", "陈静", "1203", "13987654321",
               "物业明天上门", "邻居太吵", "楼道堆物", "http", *(v for row in [*stored, *signups] for v in row)]
    for secret in secrets:
        assert secret not in text


# --- The command ----------------------------------------------------------------------------

def test_cli_writes_the_file_and_says_so(app, db, tmp_path):
    seed_all(db)
    out = tmp_path / "out" / "figures.json"
    result = app.test_cli_runner().invoke(args=["figures", "--output", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["figures"]["收到的问题"] == 10 and written["receptions_held"] >= 1
    assert "收到 10 个，已解决 4 个，已形成方案 1 个，正在推进 3 个" in result.output
    assert not list(out.parent.glob("*.partial"))


def test_cli_default_path_is_the_figures_file_setting(app_config, tmp_path):
    from forms_app import create_app

    app = create_app({**app_config, "FIGURES_FILE": str(tmp_path / "kb" / "figures.json")})
    result = app.test_cli_runner().invoke(args=["figures"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "kb" / "figures.json").read_text(encoding="utf-8"))["figures"]["收到的问题"] == 0


def test_figures_file_setting_defaults_to_the_data_folder():
    from forms_app.core import config

    assert config.from_environ({})["FIGURES_FILE"] == "data/figures.json"


def test_cli_reads_the_stewards_sheet_first(sheet_app, emu, tmp_path):
    conn = connect(sheet_app.config["DATABASE"])
    [report] = seed_reports(conn, REPORTS_SEEDED[4:5])
    runner = sheet_app.test_cli_runner()
    assert runner.invoke(args=["sync", "--once"]).exit_code == 0
    sheets = Sheets.from_config(sheet_app.config)
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('状态')}2", "已解决"), (f"{REPORTS.letter('办结时间')}2", "2026-10-20")])
    sheets.close()
    out = tmp_path / "figures.json"
    result = runner.invoke(args=["figures", "--output", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["figures"]["已解决"] == 1 and written["figures"]["正在推进"] == 0
    assert written["resolution_days"] == {"median": 5, "reports": 1, "undated": 0}
    assert conn.execute("SELECT status FROM reports WHERE id = ?", (report,)).fetchone()[0] == "已解决"
    conn.close()


def test_cli_writes_nothing_when_the_sheet_cannot_be_read(sheet_app, emu, tmp_path):
    emu.faults.add("status", op="read", status=503, times=None)
    out = tmp_path / "figures.json"
    result = sheet_app.test_cli_runner().invoke(args=["figures", "--output", str(out)])
    assert result.exit_code != 0 and "没能读取大管家的表格" in result.output
    assert not out.exists()


# --- The four rates ---------------------------------------------------------------------------

# (created, first_contact_due, first_contact_at, resolve_due, status, resolved_at, updated_at)
TIMED = [
    ("2026-11-02", "2026-11-03", "2026-11-03 10:00", "2026-11-23", "已解决", "2026-11-20", "2026-11-20"),  # both on time
    ("2026-11-02", "2026-11-03", "2026-11-05", "2026-11-23", "处理中", "", "2026-11-05"),     # contact late; overdue
    ("2026-11-27", "2026-11-30", "", "2026-12-18", "已受理", "", "2026-11-27"),               # nothing due yet
    ("2026-11-02", "2026-11-03", "", "2026-11-23", "已形成方案", "", "2026-11-10"),           # never contacted; a plan is not resolution: late
    ("2026-11-02", "2026-11-03", "2026-11-03", "2026-11-23", "已解决", "2026-11-04", "2026-11-04"),
]


def seed_timed(conn) -> list[int]:
    ids = seed_reports(conn, [("parking", "yanji23", c, s, r, 0) for c, _, _, _, s, r, _ in TIMED])
    for report_id, (_, fc_due, fc_at, res_due, _, _, updated) in zip(ids, TIMED):
        conn.execute("UPDATE reports SET first_contact_due = ?, first_contact_at = ?, resolve_due = ?, updated_at = ? "
                     "WHERE id = ?", (fc_due, fc_at, res_due, f"{updated}T10:00:00+08:00", report_id))
    return ids


def aspects(conn, report_id, answers):
    for efficiency, attitude, result in answers:
        conn.execute("INSERT INTO followups (report_id, created_at, solved, outcome, efficiency, attitude, result, via) "
                     "VALUES (?, '2026-11-26T09:00:00+08:00', 1, '已解决', ?, ?, ?, 'phone')",
                     (report_id, efficiency, attitude, result))


def rates(conn) -> dict:
    return {r["label"]: r for r in figures.compute(conn, DIRECTORY, TODAY)["rates"]}


def test_on_time_rates_follow_the_deadline_rule(conn):
    seed_timed(conn)
    found = rates(conn)
    assert (found["先行联系按时率"]["met"], found["先行联系按时率"]["of"], found["先行联系按时率"]["value"]) == (2, 4, 50.0)
    assert (found["按时办结率"]["met"], found["按时办结率"]["of"], found["按时办结率"]["value"]) == (2, 4, 50.0)


def test_on_time_resolution_of_a_plan_counts_by_its_last_action_date(conn):
    ids = seed_timed(conn)
    conn.execute("UPDATE reports SET status = '已解决', resolved_at = '2026-12-02', plan_due = '2026-12-04' WHERE id = ?",
                 (ids[3],))  # the plan's last 分工 was due 12-04: resolved on 12-02 is on time
    found = rates(conn)
    assert (found["按时办结率"]["met"], found["按时办结率"]["of"]) == (3, 4)


def test_follow_up_and_satisfaction_rates(conn):
    ids = seed_timed(conn)
    aspects(conn, ids[0], [("满意", "满意", "基本满意")] * 3 + [("满意", "不满意", "满意")])
    found = rates(conn)
    assert (found["回访率"]["met"], found["回访率"]["of"], found["回访率"]["value"]) == (1, 2, 50.0)
    assert found["满意率"]["value"] is None and found["满意率"]["met"] is None   # too few answers to publish
    assert found["满意率"]["of"] == 4
    aspects(conn, ids[4], [("基本满意", "满意", "满意"), ("满意", "满意", "", )])  # the second: not all three answered
    found = rates(conn)
    assert (found["满意率"]["met"], found["满意率"]["of"], found["满意率"]["value"]) == (4, 5, 80.0)
    assert found["回访率"]["value"] == 100.0


def test_rates_of_an_empty_store_are_none(conn):
    assert {r["label"]: r["value"] for r in figures.compute(conn, DIRECTORY, TODAY)["rates"]} == dict.fromkeys(figures.RATES)
