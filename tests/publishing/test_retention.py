"""Retention: personal data goes two years after closing, in the store and in the sheet; figures stay."""
import datetime as dt

import pytest

from forms_app.publishing import retention
from forms_app.delivery.sheet_layout import REPORTS
from tests.conftest import Forms, reference, sheet_values

TODAY = dt.date(2028, 12, 1)


@pytest.mark.parametrize("text, expected", [
    ("请打 138 1234 5678 找我", "请打 （已删除） 找我"),
    ("电话13812345678。", "电话（已删除）。"),
    ("座机 021-6543 0001 或 6543-0001", "座机 （已删除） 或 （已删除）"),
    ("+86 138-1234-5678", "（已删除）"),
    ("55号5楼，漏水3天", "55号5楼，漏水3天"),
    ("2026年11月28日、2026-11-28", "2026年11月28日、2026-11-28"),
    ("我是王阿姨，601室漏水", "我是（已删除），（已删除）漏水"),
    ("2026-11-20 居民回访：没有解决，满意度 1/5。意见：楼上王建国还在漏", "2026-11-20 居民回访：没有解决，满意度 1/5。意见：（已删除）"),
])
def test_scrub_removes_phones_names_rooms_and_followup_comments(text, expected):
    assert retention.scrub(text, "王阿姨", "601室") == expected


@pytest.mark.parametrize("resolved_at", ["2026-11-01", "2026/11/1", "2026年11月1日", ""])
def test_closed_dates_as_stewards_type_them(forms, db, resolved_at):
    seed(forms, db, "已解决", resolved_at)
    db.execute("UPDATE reports SET updated_at = '2026-11-01T09:00:00+08:00'")
    assert retention.run(db, 730, today=TODAY) == (1, 0)


def seed(forms, db, status, resolved_at):
    ref = reference(forms.client.get(forms.report(description="漏水了，请打13812345678联系我家老伴。",
                                                  on_behalf="y", behalf_relation="邻居", behalf_consent="y").headers["Location"]))
    db.execute("UPDATE reports SET status = ?, resolved_at = ? WHERE ref = ?", (status, resolved_at, ref))
    return ref


def test_only_reports_closed_longer_ago_are_anonymised(forms, db):
    old = seed(forms, db, "已解决", "2026-11-01")
    recent = seed(forms, db, "已解决", "2027-06-01")
    open_ = seed(forms, db, "处理中", "")
    assert retention.run(db, 730, today=TODAY) == (1, 0)
    rows = {r["ref"]: r for r in db.execute("SELECT * FROM reports")}
    gone = rows[old]
    assert (gone["contact_name"], gone["phone"], gone["room"], gone["behalf_relation"]) == ("", "", "", "")
    assert "13812345678" not in gone["description"] and "（已删除）" in gone["description"]
    assert gone["category_id"] == "leak" and gone["status"] == "已解决" and gone["anonymised_at"]
    for kept in (recent, open_):
        assert rows[kept]["phone"] == "+8613812345678"
    assert retention.run(db, 730, today=TODAY) == (0, 0)  # idempotent


@pytest.mark.parametrize("text, expected", [
    ("2026-11-20 电话回访（陈静）：没有解决。意见：楼上王建国还在漏", "2026-11-20 电话回访（陈静）：没有解决。意见：（已删除）"),
    ("2026-11-20 居民回访：部分解决；效率满意。意见：王建国", "2026-11-20 居民回访：部分解决；效率满意。意见：（已删除）"),
])
def test_scrub_removes_three_aspect_followup_comments(text, expected):
    assert retention.scrub(text) == expected


def test_consultation_text_is_scrubbed_with_the_case(forms, db):
    from forms_app.casework import consultations

    old = seed(forms, db, "已解决", "2026-11-01")
    report_id = db.execute("SELECT id FROM reports WHERE ref = ?", (old,)).fetchone()[0]
    consultations.record(db, [report_id], "2026-10-20", "居委会", ["居委会", "物业"],
                         "王阿姨家（601室）由物业修，电话 138 1234 5678。", [], "物业来修。", actor="s1")
    db.execute("UPDATE reports SET status = '已解决' WHERE id = ?", (report_id,))
    assert retention.run(db, 730, today=TODAY) == (1, 0)
    agreed = db.execute("SELECT agreed FROM consultations").fetchone()[0]
    assert "王阿姨" not in agreed and "601" not in agreed and "5678" not in agreed and "由物业修" in agreed


def test_old_signups_lose_name_and_phone(forms, db):
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
               "VALUES ('old', '2026-01-03', '9:00', '11:00', '中心', '居委会', 5)")
    db.execute("INSERT INTO signups (ref, submission_id, session_id, created_at, updated_at, name, phone, compound_id, "
               "topic, state, queued_at) VALUES ('J222-333', 'x', 'old', '2026-01-01T09:00:00+08:00', "
               "'2026-01-01T09:00:00+08:00', '李先生', '+8613987654321', 'yanji2', '电梯，电话13987654321', 'confirmed', "
               "'2026-01-01T09:00:00+08:00')")
    assert retention.run(db, 730, today=TODAY) == (0, 1)
    row = db.execute("SELECT name, phone, topic FROM signups").fetchone()
    assert tuple(row) == ("", "", "电梯，电话（已删除）")


def test_cli_reports_in_chinese(app, forms, db):
    seed(forms, db, "已转办", "")
    db.execute("UPDATE reports SET updated_at = '2020-01-01T00:00:00+08:00'")
    result = app.test_cli_runner().invoke(args=["retention"])
    assert "问题 1 条" in result.output and "保留期 730 天" in result.output


def test_anonymisation_reaches_the_sheet(sheet_app, db, emu):
    from forms_app.delivery.sheets import Sheets
    from forms_app.delivery.sync import Worker

    forms = Forms(sheet_app.test_client())
    seed(forms, db, "已解决", "2026-01-01")
    sheets = Sheets.from_config(sheet_app.config)
    worker = Worker(db, sheets, sheet_app.extensions["directory"], sleep=lambda s: None)
    worker.deliver()
    assert dict(zip(REPORTS.headers, sheet_values(emu, REPORTS.title)[1]))["联系电话"] == "138 1234 5678"
    retention.run(db, 730, today=TODAY)
    worker.deliver()
    row = dict(zip(REPORTS.headers, sheet_values(emu, REPORTS.title)[1]))
    assert row["联系人"] == "" and row["联系电话"] == "" and row["室号"] == "" and "13812345678" not in row["问题描述"]
    assert row["问题类别"] == "漏水/渗水" and row["状态"] == "已解决"
    sheets.close()
