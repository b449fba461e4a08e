"""回访 online: a resolved report asks the resident (outcome + 效率/态度/结果); 部分解决/没有解决 reopens it
with the re-handling clock, replaces the public note and alerts the steward."""
import pytest

from forms_app.core import clock, deadlines

from forms_app.core import outbox
from forms_app.delivery.sheet_layout import REPORTS
from tests.conftest import Forms, hidden_fields, reference, sheet_values, text
from tests.samples import STEWARD


@pytest.fixture
def resolved(forms, db):
    """A report the steward marked 已解决."""
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    db.execute("UPDATE reports SET status = '已解决', resolved_at = '2026-11-20', followup_due = 1, "
               "public_note = '物业已经修好了。'")
    return ref


def look(forms, ref):
    return forms.submit("/forms/status", {"ref": ref, "last4": "5678"})


def answer(forms, ref, **fields):
    look(forms, ref)
    token = hidden_fields(text(forms.client.get("/forms/status")))["csrf_token"]
    return forms.client.post("/forms/status/followup", data={"csrf_token": token, "ref": ref, **fields},
                             follow_redirects=True)


def test_resolved_report_asks_for_a_followup(forms, resolved):
    body = text(look(forms, resolved))
    assert "问题真的解决了吗" in body and 'name="efficiency"' in body and 'value="部分解决"' in body


def test_unresolved_report_does_not_ask(forms, db):
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    assert "问题真的解决了吗" not in text(look(forms, ref))


SOLVED = {"outcome": "已解决", "efficiency": "满意", "attitude": "满意", "result": "基本满意"}


def test_solved_answer_is_recorded_once(forms, resolved, db):
    response = answer(forms, resolved, **SOLVED, comment="谢谢大管家")
    assert response.status_code == 200 and "很高兴问题解决了" in text(response)
    row = db.execute("SELECT status, satisfaction, notes, reopened FROM reports").fetchone()
    assert tuple(row)[:2] == ("已解决", "效率满意/态度满意/结果基本满意·已解决")
    assert "居民回访：已解决；效率满意、态度满意、结果基本满意。意见：谢谢大管家" in row["notes"]
    assert row["reopened"] == 0
    assert "问题真的解决了吗" not in text(look(forms, resolved))
    again = answer(forms, resolved, outcome="没有解决")
    assert "已经收到了" in text(again)
    assert db.execute("SELECT count(*) FROM followups").fetchone()[0] == 1
    stored = db.execute("SELECT outcome, efficiency, attitude, result, via, solved FROM followups").fetchone()
    assert tuple(stored) == ("已解决", "满意", "满意", "基本满意", "online", 1)


@pytest.mark.parametrize("fields, sheet", [
    ({"outcome": "部分解决", "efficiency": "基本满意", "attitude": "满意", "result": "不满意"},
     "效率基本满意/态度满意/结果不满意·部分解决"),
    ({"outcome": "没有解决"}, "没有解决"),                                           # no score needed
    ({"outcome": "没有解决", "attitude": "不满意"}, "态度不满意·没有解决"),
])
def test_not_fully_solved_reopens_with_the_rehandling_clock(office_hours_now, forms, resolved, db, fields, sheet):
    alerts_before = outbox.backlog(db, outbox.ALERT_KINDS)
    response = answer(forms, resolved, **fields, comment="楼上还在漏")
    assert "重新打开" in text(response) and "大管家已经收到提醒" not in text(response)  # no alert channel here
    row = db.execute("SELECT * FROM reports").fetchone()
    assert (row["status"], row["resolved_at"], row["reopened"], row["satisfaction"]) == ("处理中", "", 1, sheet)
    assert row["reopened_at"] and row["rehandled_at"] == ""
    due = deadlines.day_of(row["rehandle_due"])
    opened = deadlines.day_of(row["reopened_at"])
    assert due == opened  # a leak is urgent: reopened, it keeps the urgent clock (the same day)
    assert row["public_note"] == f"您{opened.month}月{opened.day}日说还没解决，{STEWARD['s5']}最晚{clock.chinese_date(due)}再联系您。"
    assert f"您今天说还没解决，{STEWARD['s5']}今天下班前再联系您。" in text(response)
    assert 'id="call-now"' in text(response) and "先关总水阀" in text(response)  # the call-now line again
    assert outbox.backlog(db, outbox.ALERT_KINDS) == alerts_before + 1
    item = db.execute("SELECT payload FROM outbox WHERE kind = 'alert' ORDER BY id DESC").fetchone()
    assert '"reopened"' in item[0] and "楼上还在漏" in item[0] and fields["outcome"] in item[0]
    page = text(look(forms, resolved))
    assert '<p class="status" id="status">处理中</p>' in page and "物业已经修好了" not in page


def test_reopened_page_claims_an_alert_only_when_a_channel_is_configured(app_config, db):
    from forms_app import create_app

    alerting = create_app({**app_config, "ALERT_WEBHOOK_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"})
    forms = Forms(alerting.test_client())
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    db.execute("UPDATE reports SET status = '已解决', followup_due = 1")
    assert "大管家已经收到提醒" in text(answer(forms, ref, outcome="没有解决", comment="还在漏"))


@pytest.mark.parametrize("fields, message", [
    ({**SOLVED, "outcome": ""}, "请选择问题解决了没有。"),
    ({**SOLVED, "outcome": "maybe"}, "请选择问题解决了没有。"),
    ({**SOLVED, "efficiency": ""}, "请选择对效率是否满意。"),
    ({**SOLVED, "attitude": "很好"}, "请选择对态度是否满意。"),
    ({**SOLVED, "outcome": "部分解决", "result": ""}, "请选择对结果是否满意。"),
    ({"outcome": "没有解决", "result": "9"}, "请选择对结果是否满意。"),
    ({**SOLVED, "comment": "长" * 301}, "意见太长了"),
])
def test_invalid_answers_store_nothing(forms, resolved, db, fields, message):
    response = answer(forms, resolved, **fields)
    assert response.status_code == 400 and message in text(response)
    assert db.execute("SELECT count(*) FROM followups").fetchone()[0] == 0
    assert db.execute("SELECT status FROM reports").fetchone()[0] == "已解决"


def test_followup_needs_the_lookup_first(app, resolved, db):
    stranger = Forms(app.test_client())
    page = stranger.client.get("/forms/status")
    token = hidden_fields(text(page))["csrf_token"]
    response = stranger.client.post("/forms/status/followup", data={"csrf_token": token, "ref": resolved,
                                                                     "outcome": "没有解决"})
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
    answer(forms, ref, outcome="部分解决", efficiency="满意", attitude="满意", result="不满意", comment="没修好")
    worker.pull()  # the sheet still says 已解决, but the reopen has not reached it yet: keep ours
    assert db.execute("SELECT status FROM reports").fetchone()[0] == "处理中"
    worker.deliver()
    row = dict(zip(REPORTS.headers, sheet_values(emu, REPORTS.title)[1]))
    assert row["状态"] == "处理中" and row["回访满意度"] == "效率满意/态度满意/结果不满意·部分解决" and row["办结时间"] == ""
    assert row["公开进展"].startswith("您") and "再联系您" in row["公开进展"]
    assert "没修好" in row["处理记录"]
    sheets.close()


def test_resolved_again_the_same_day_asks_again(forms, resolved, db):
    from forms_app.residents import reports

    answer(forms, resolved, outcome="没有解决", comment="还在漏")
    report_id = db.execute("SELECT id FROM reports").fetchone()[0]
    reports.update(db, report_id, {"status": "已解决"})
    assert "问题真的解决了吗" in text(look(forms, resolved))


def test_two_answers_at_once_store_one(db, forms, resolved):
    from forms_app.residents import followup

    report_id = db.execute("SELECT id FROM reports").fetchone()[0]
    directory = forms.client.application.extensions["directory"]
    unsolved = {"outcome": "没有解决", "efficiency": "", "attitude": "", "result": "", "comment": ""}
    assert followup.record(db, report_id, unsolved, directory) is True
    assert followup.record(db, report_id, unsolved, directory) is None
    assert db.execute("SELECT count(*), max(reopened) FROM reports JOIN followups ON report_id = reports.id").fetchone()[:] == (1, 1)


def test_a_status_change_in_the_sheet_after_reopening_meets_the_rehandling_clock(sheet_app, db, emu):
    from forms_app.delivery.sheets import Sheets
    from forms_app.delivery.sync import Worker

    forms = Forms(sheet_app.test_client())
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    sheets = Sheets.from_config(sheet_app.config)
    worker = Worker(db, sheets, sheet_app.extensions["directory"], sleep=lambda s: None)
    worker.deliver()
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('状态')}2", "已解决")])
    worker.pull()
    answer(forms, ref, outcome="没有解决", comment="还在漏")
    worker.deliver()
    worker.pull()  # the sheet now says 处理中 like the store: nothing handled yet
    assert db.execute("SELECT rehandled_at FROM reports").fetchone()[0] == ""
    sheets.update_cells(REPORTS, [(f"{REPORTS.letter('状态')}2", "已形成方案")])
    worker.pull()
    row = db.execute("SELECT status, rehandled_at FROM reports").fetchone()
    assert row["status"] == "已形成方案" and row["rehandled_at"]
    sheets.close()


def test_a_non_urgent_case_reopened_gets_three_working_days(office_hours_now, forms, db):
    ref = reference(forms.client.get(forms.report(category="garbage").headers["Location"]))
    db.execute("UPDATE reports SET status = '已解决', resolved_at = '2026-12-07', followup_due = 1")
    response = answer(forms, ref, outcome="没有解决", comment="垃圾还是没人清")
    row = db.execute("SELECT * FROM reports").fetchone()
    assert row["rehandle_due"] == "2026-12-11"   # Tue + 3 working days
    assert "最晚12月11日（周五）下班前再联系您" in text(response) and 'id="call-now"' not in text(response)


# --- Third pass: after 没有解决 only the description; redirect after POST; the system's sentence once ----------

def post_answer(forms, ref, **fields):
    look(forms, ref)
    token = hidden_fields(text(forms.client.get("/forms/status")))["csrf_token"]
    return forms.client.post("/forms/status/followup", data={"csrf_token": token, "ref": ref, **fields})


def test_after_not_solved_only_the_description_is_required(forms, resolved, db):
    missing = post_answer(forms, resolved, outcome="没有解决")
    assert missing.status_code == 400 and "请说说哪里还没有解决" in text(missing)
    assert "请选择对效率是否满意" not in text(missing)
    assert "哪里还没有解决？" in text(missing)                  # the label says what is asked now
    assert db.execute("SELECT count(*) FROM followups").fetchone()[0] == 0
    done = post_answer(forms, resolved, outcome="没有解决", comment="楼上还在滴水")
    assert done.status_code == 303
    assert db.execute("SELECT status FROM reports").fetchone()[0] == "处理中"


def test_the_page_after_answering_is_a_redirect_that_reloads_and_is_not_for_strangers(app, forms, resolved, db):
    response = post_answer(forms, resolved, **SOLVED)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/forms/status/followup/{resolved}")
    first, again = (text(forms.client.get(response.headers["Location"])) for _ in range(2))
    assert "很高兴问题解决了" in first and first == again
    assert db.execute("SELECT count(*) FROM followups").fetchone()[0] == 1
    stranger = app.test_client().get(response.headers["Location"])
    assert stranger.status_code == 303 and stranger.headers["Location"].endswith(f"/forms/status?ref={resolved}")


def test_answering_twice_says_it_was_received(forms, resolved):
    post_answer(forms, resolved, **SOLVED)
    second = post_answer(forms, resolved, **SOLVED)
    assert second.status_code == 303
    assert "已经收到了" in text(forms.client.get(second.headers["Location"]))
    assert "已经收到了" not in text(forms.client.get(second.headers["Location"]))   # said once


def test_the_systems_sentence_appears_once_and_is_labelled_as_the_systems(forms, resolved, db):
    followed = forms.client.get(post_answer(forms, resolved, outcome="没有解决", comment="还在漏").headers["Location"])
    assert "重新打开" in text(followed)
    body = text(look(forms, resolved))
    # The system's sentence, worded from the time now (residents/promises.py), appears once, labelled.
    shown = body.split('id="reopen-note">')[1].split("<span")[0]
    sentence = shown[shown.index("说还没解决"):]
    assert body.count(sentence) == 1, body
    note = db.execute("SELECT public_note FROM reports").fetchone()[0]
    assert note not in body   # the stored copy (for the sheet) is not shown a second time
    assert "<h2>系统提示</h2>" in body and "这句是系统自动写的" in body
    assert "大管家的说明" not in body
    history = body[body.index('id="history"'):]
    assert "您说问题还没有解决，重新处理。" in history and sentence not in history


def test_a_stewards_own_note_after_reopening_is_the_stewards(forms, resolved, db):
    from forms_app.residents import reports

    post_answer(forms, resolved, outcome="没有解决", comment="还在漏")
    report_id = db.execute("SELECT id FROM reports").fetchone()[0]
    reports.update(db, report_id, {"public_note": "明天上午物业来换管子。"})
    body = text(look(forms, resolved))
    assert "<h2>大管家的说明</h2>" in body and "明天上午物业来换管子。" in body and "系统提示" not in body
