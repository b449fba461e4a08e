"""回访: a resolved report asks the resident; "not solved" reopens it and alerts the steward."""
import pytest

from forms_app.core import outbox
from forms_app.delivery.sheet_layout import REPORTS
from tests.conftest import Forms, hidden_fields, reference, sheet_values, text


@pytest.fixture
def resolved(forms, db):
    """A report the steward marked 已解决."""
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    db.execute("UPDATE reports SET status = '已解决', resolved_at = '2026-11-20', followup_due = 1")
    return ref


def look(forms, ref):
    return forms.submit("/forms/status", {"ref": ref, "last4": "5678"})


def answer(forms, ref, **fields):
    look(forms, ref)
    token = hidden_fields(text(forms.client.get("/forms/status")))["csrf_token"]
    return forms.client.post("/forms/status/followup", data={"csrf_token": token, "ref": ref, **fields})


def test_resolved_report_asks_for_a_followup(forms, resolved):
    body = text(look(forms, resolved))
    assert "问题真的解决了吗" in body and 'name="satisfaction"' in body


def test_unresolved_report_does_not_ask(forms, db):
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    assert "问题真的解决了吗" not in text(look(forms, ref))


def test_solved_answer_is_recorded_once(forms, resolved, db):
    response = answer(forms, resolved, solved="yes", satisfaction="5", comment="谢谢大管家")
    assert response.status_code == 200 and "很高兴问题解决了" in text(response)
    row = db.execute("SELECT status, satisfaction, notes, reopened FROM reports").fetchone()
    assert tuple(row)[:2] == ("已解决", "5/5") and "居民回访：已解决，满意度 5/5。意见：谢谢大管家" in row["notes"]
    assert row["reopened"] == 0
    assert "问题真的解决了吗" not in text(look(forms, resolved))
    again = answer(forms, resolved, solved="no", satisfaction="1")
    assert "已经收到了" in text(again)
    assert db.execute("SELECT count(*) FROM followups").fetchone()[0] == 1


def test_not_solved_reopens_and_alerts(forms, resolved, db):
    alerts_before = outbox.backlog(db, outbox.ALERT_KINDS)
    response = answer(forms, resolved, solved="no", satisfaction="2", comment="楼上还在漏")
    assert "重新打开" in text(response)
    row = db.execute("SELECT status, resolved_at, reopened FROM reports").fetchone()
    assert tuple(row) == ("处理中", "", 1)
    assert outbox.backlog(db, outbox.ALERT_KINDS) == alerts_before + 1
    item = db.execute("SELECT payload FROM outbox WHERE kind = 'alert' ORDER BY id DESC").fetchone()
    assert '"reopened"' in item[0] and "楼上还在漏" in item[0]
    assert '<p class="status" id="status">处理中</p>' in text(look(forms, resolved))


@pytest.mark.parametrize("fields, message", [
    ({"satisfaction": "3"}, "请选择问题解决了没有。"),
    ({"solved": "yes"}, "请选择满意程度。"),
    ({"solved": "maybe", "satisfaction": "3"}, "请选择问题解决了没有。"),
    ({"solved": "yes", "satisfaction": "9"}, "请选择满意程度。"),
    ({"solved": "yes", "satisfaction": "3", "comment": "长" * 301}, "意见太长了"),
])
def test_invalid_answers_store_nothing(forms, resolved, db, fields, message):
    response = answer(forms, resolved, **fields)
    assert response.status_code == 400 and message in text(response)
    assert db.execute("SELECT count(*) FROM followups").fetchone()[0] == 0


def test_followup_needs_the_lookup_first(app, resolved, db):
    stranger = Forms(app.test_client())
    page = stranger.client.get("/forms/status")
    token = hidden_fields(text(page))["csrf_token"]
    response = stranger.client.post("/forms/status/followup", data={"csrf_token": token, "ref": resolved,
                                                                     "solved": "no", "satisfaction": "1"})
    assert response.status_code == 404
    assert db.execute("SELECT status FROM reports").fetchone()[0] == "已解决"


def test_reopen_reaches_the_sheet_and_survives_a_pull(sheet_app, db, emu):
    from forms_app.delivery.sheets import Sheets
    from forms_app.delivery.sync import Worker

    forms = Forms(sheet_app.test_client())
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    sheets = Sheets.from_config(sheet_app.config)
    worker = Worker(db, sheets, sheet_app.extensions["directory"], sleep=lambda s: None)
    worker.deliver()
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('状态')}2", "已解决"), (f"{REPORTS.letter('办结时间')}2", "2026-11-20")])
    worker.pull()
    answer(forms, ref, solved="no", satisfaction="1", comment="没修好")
    worker.pull()  # the sheet still says 已解决, but the reopen has not reached it yet: keep ours
    assert db.execute("SELECT status FROM reports").fetchone()[0] == "处理中"
    worker.deliver()
    row = dict(zip(REPORTS.headers, sheet_values(emu, REPORTS.title)[1]))
    assert row["状态"] == "处理中" and row["回访满意度"] == "1/5" and row["办结时间"] == ""
    assert "没修好" in row["处理记录"]
    sheets.close()


def test_resolved_again_the_same_day_asks_again(forms, resolved, db):
    from forms_app.residents import reports

    answer(forms, resolved, solved="no", satisfaction="2")
    report_id = db.execute("SELECT id FROM reports").fetchone()[0]
    reports.update(db, report_id, {"status": "已解决"})
    assert "问题真的解决了吗" in text(look(forms, resolved))


def test_two_answers_at_once_store_one(db, forms, resolved):
    from forms_app.residents import followup

    report_id = db.execute("SELECT id FROM reports").fetchone()[0]
    assert followup.record(db, report_id, False, 1, "") is True
    assert followup.record(db, report_id, False, 1, "") is None
    assert db.execute("SELECT count(*), max(reopened) FROM reports JOIN followups ON report_id = reports.id").fetchone()[:] == (1, 1)
