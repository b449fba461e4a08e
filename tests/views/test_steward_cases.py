"""On a case: 会商 (status, public note, history on each linked case; printable 纪要), the phone 回访
(three aspects; reopen with the re-handling clock), the clocks on the case page; the 督办 list."""
import datetime as dt
import json
import re

import pytest

from forms_app.casework import consultations
from forms_app.core import clock, deadlines, history, outbox, references
from forms_app.core.store import transaction
from forms_app.publishing import figures, supervise
from tests.conftest import Forms, hidden_fields, reference, text, without_refs
from tests.sinks import WebhookSink
from tests.views.test_steward_intake import INTAKE, app_config, register, sign_in_steward  # noqa: F401
from tests.samples import STEWARD

TODAY = clock.now().date()
MEETING = {"held_on": TODAY.isoformat(), "place": "延吉二村居委会", "parties": ["居委会", "物业", "业委会"],
           "agreed": "物业下周更换楼顶防水层，费用按维修资金程序申请。",
           "actions-0-who": "物业", "actions-0-what": "更换防水层", "actions-0-by": "2099-01-20",
           "actions-1-who": "业委会", "actions-1-what": "公示维修资金使用", "actions-1-by": "",
           "public_note": "各方商定：物业下周更换楼顶防水层。", "action": "save"}


@pytest.fixture
def steward(forms):
    return sign_in_steward(forms)


def new_case(steward, **changes) -> str:
    return reference(steward.client.get(register(steward, **changes).headers["Location"]))


def row_of(db, ref):
    return db.execute("SELECT * FROM reports WHERE ref = ?", (ref,)).fetchone()


def hold(steward, ref, **changes):
    data = {k: v for k, v in {**MEETING, **changes}.items() if v is not None}
    return steward.submit(f"/forms/steward/reports/{ref}/consultation", data)


# --- 会商 ------------------------------------------------------------------------------------------

def test_consultation_on_linked_cases_sets_status_note_and_history_on_each(steward, db):
    first, second = new_case(steward), new_case(steward, building="57号")
    before = outbox.backlog(db, ("report_update",))
    response = hold(steward, first, other_refs=references.display(second))  # '2604 1937', as read out
    assert response.status_code == 303
    minutes = text(steward.client.get(response.headers["Location"]))
    assert "会商纪要" in minutes and first in minutes and second in minutes and "更换防水层" in minutes
    signatures = re.search(r'id="signatures".*?</table>', minutes, re.S).group(0)
    assert [p for p in ("居委会", "物业", "业委会") if p in signatures] == ["居委会", "物业", "业委会"]
    assert signatures.count("<tr>") == 4  # header + one line per party present
    for ref in (first, second):
        row = row_of(db, ref)
        assert row["status"] == "已形成方案" and row["public_note"] == MEETING["public_note"]
        assert "会商（居委会、物业、业委会）：物业下周更换楼顶防水层" in row["notes"]
        fields = {(h["actor"], h["field"]) for h in history.for_report(db, row["id"])}
        assert {("s1", "status"), ("s1", "public_note"), ("s1", "notes"), ("s1", "consultation")} <= fields
        page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
        assert 'id="consultations"' in page and "延吉二村居委会" in page
    assert outbox.backlog(db, ("report_update",)) == before + 2
    [stored] = db.execute("SELECT * FROM consultations").fetchall()
    assert json.loads(stored["actions"]) == [{"who": "物业", "what": "更换防水层", "by": "2099-01-20"},
                                             {"who": "业委会", "what": "公示维修资金使用", "by": ""}]
    assert figures.compute(db, steward.client.application.extensions["directory"], TODAY)["consultations_held"] == 1


def test_the_public_note_is_proposed_and_editable_before_saving(steward, db):
    ref = new_case(steward)
    response = hold(steward, ref, public_note="", action="preview")
    body = text(response)
    assert response.status_code == 200 and 'id="preview"' in body
    proposed = re.search(r'<textarea[^>]*name="public_note"[^>]*>\s*([^<]*)<', body).group(1)
    assert proposed.startswith(f"{TODAY.month}月{TODAY.day}日居委会、物业、业委会一起会商，商定：物业下周")
    assert db.execute("SELECT count(*) FROM consultations").fetchone()[0] == 0
    assert row_of(db, ref)["status"] == "已受理"
    hold(steward, ref, public_note="改过的一句话。")
    assert row_of(db, ref)["public_note"] == "改过的一句话。"


@pytest.mark.parametrize("changes, message", [
    ({"held_on": ""}, "请填写会商日期"),
    ({"held_on": "上周三"}, "会商日期的格式不对"),
    ({"held_on": "2099-01-01"}, "会商日期不能晚于今天。"),
    ({"place": ""}, "请填写会商地点。"),
    ({"parties": None}, "请勾选参加会商的单位"),
    ({"parties": ["居委会", "黑社会"]}, "请从列表里选择参加的单位。"),
    ({"agreed": ""}, "请写一下各方商定的办法。"),
    ({"actions-0-what": ""}, "请把“做什么”也写上"),
    ({"actions-1-who": ""}, "请把“谁来做”也写上"),
    ({"actions-0-by": "下周"}, "“什么时候前”的日期格式不对"),
    ({"other_refs": "12345"}, "其他问题编号「12345」不对"),
    ({"other_refs": "8604 1937"}, "其他问题编号「8604 1937」不对"),   # a sign-up's number, not a problem's
    ({"other_refs": "2604 1938"}, "其他问题编号「2604 1938」不对"),   # check digit wrong
    ({"other_refs": references.example("report")}, "没有找到这些编号的问题"),
    ({"public_note": "长" * 301}, "公开进展太长了"),
])
def test_bad_consultation_input_stores_nothing(steward, db, changes, message):
    ref = new_case(steward)
    response = hold(steward, ref, **changes)
    assert response.status_code == 400 and message in text(response)
    assert "物业下周更换楼顶防水层" in text(response) or changes.get("agreed") == ""
    assert db.execute("SELECT count(*) FROM consultations").fetchone()[0] == 0
    assert row_of(db, ref)["status"] == "已受理"


# --- 回访 by phone -----------------------------------------------------------------------------------

def resolve(db, ref):
    with transaction(db):
        db.execute("UPDATE reports SET status = '已解决', resolved_at = '2026-11-20', followup_due = 1, "
                   "public_note = '已修好。' WHERE ref = ?", (ref,))


def call(steward, ref, **fields):
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    token = hidden_fields(page)["csrf_token"]
    return steward.client.post(f"/forms/steward/reports/{ref}/followup", data={"csrf_token": token, **fields})


@pytest.mark.parametrize("fields, reopened, sheet", [
    ({"outcome": "已解决", "efficiency": "满意", "attitude": "满意", "result": "满意"}, False,
     "效率满意/态度满意/结果满意·已解决"),
    ({"outcome": "已解决", "efficiency": "基本满意", "attitude": "不满意", "result": "满意"}, False,
     "效率基本满意/态度不满意/结果满意·已解决"),
    ({"outcome": "部分解决", "efficiency": "不满意", "attitude": "基本满意", "result": "不满意"}, True,
     "效率不满意/态度基本满意/结果不满意·部分解决"),
    ({"outcome": "没有解决"}, True, "没有解决"),
    ({"outcome": "没有解决", "efficiency": "不满意"}, True, "效率不满意·没有解决"),
])
def test_phone_followup_in_three_aspects(steward, db, fields, reopened, sheet):
    ref = new_case(steward)
    resolve(db, ref)
    assert 'id="followup-phone"' in text(steward.client.get(f"/forms/steward/reports/{ref}"))
    response = call(steward, ref, **fields, comment="居民电话里说的")
    assert response.status_code == 303
    row = row_of(db, ref)
    [fu] = db.execute("SELECT * FROM followups").fetchall()
    assert (fu["via"], fu["actor"], fu["outcome"]) == ("phone", "s1", fields["outcome"])
    assert row["satisfaction"] == sheet and f"电话回访（{STEWARD['s1']}）：" + fields["outcome"] in row["notes"]
    assert row["followup_due"] == 0
    if reopened:
        assert (row["status"], row["resolved_at"], row["reopened"]) == ("处理中", "", 1)
        due = deadlines.day_of(row["rehandle_due"])
        assert deadlines.working_days_between(deadlines.day_of(row["reopened_at"]), due) == 3
        assert row["public_note"].endswith(f"最晚{clock.chinese_date(due)}再联系您。")
        assert row["rehandled_at"] == ""  # the reopening itself is not the re-handling
        alert = db.execute("SELECT payload FROM outbox WHERE kind = 'alert'").fetchone()
        assert '"via": "phone"' in alert[0]
        assert "重新处理" in text(steward.client.get(f"/forms/steward/reports/{ref}"))
    else:
        assert (row["status"], row["public_note"]) == ("已解决", "已修好。")


def test_a_steward_change_after_reopening_meets_the_rehandling_clock(steward, db):
    from forms_app.casework import edits

    ref = new_case(steward)
    resolve(db, ref)
    call(steward, ref, outcome="没有解决")
    row = row_of(db, ref)
    edits.edit(db, row["id"], {"status": "已形成方案"}, actor="s1")
    row = row_of(db, ref)
    assert row["rehandled_at"]
    [rehandle] = [d for d in deadlines.clocks(row, steward.client.application.extensions["directory"]) if d.kind == "rehandle"]
    assert rehandle.met_on is not None and not rehandle.overdue


@pytest.mark.parametrize("fields, message", [
    ({}, "请选择问题解决了没有。"),
    ({"outcome": "还行", "efficiency": "满意", "attitude": "满意", "result": "满意"}, "请选择问题解决了没有。"),
    ({"outcome": "已解决", "attitude": "满意", "result": "满意"}, "请选择对效率是否满意。"),
    ({"outcome": "部分解决", "efficiency": "满意", "result": "满意"}, "请选择对态度是否满意。"),
    ({"outcome": "已解决", "efficiency": "满意", "attitude": "满意", "result": "很好"}, "请选择对结果是否满意。"),
    ({"outcome": "没有解决", "comment": "长" * 301}, "意见太长了"),
])
def test_bad_phone_followup_stores_nothing(steward, db, fields, message):
    ref = new_case(steward)
    resolve(db, ref)
    response = call(steward, ref, **fields)
    assert response.status_code == 400 and message in text(response) and 'class="error-summary"' in text(response)
    assert db.execute("SELECT count(*) FROM followups").fetchone()[0] == 0
    assert row_of(db, ref)["status"] == "已解决"


def test_no_phone_followup_before_the_case_is_resolved(steward, db):
    ref = new_case(steward)
    assert 'id="followup-phone"' not in text(steward.client.get(f"/forms/steward/reports/{ref}"))
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    token = hidden_fields(page)["csrf_token"]
    steward.client.post(f"/forms/steward/reports/{ref}/followup", data={"csrf_token": token, "outcome": "没有解决"})
    assert db.execute("SELECT count(*) FROM followups").fetchone()[0] == 0


# --- Deadlines on the case page, and the 督办 list ----------------------------------------------------

def age(db, ref, created: dt.date, **columns):
    """Move a case's creation (and its due dates) back to `created`."""
    row = row_of(db, ref)
    directory_ = db.app_directory
    moment = dt.datetime.combine(created, dt.time(10), tzinfo=clock.SHANGHAI)
    due = deadlines.due_dates(row, directory_, moment)
    sets = {"created_at": clock.iso(moment), **due, **columns}
    with transaction(db):
        db.execute(f"UPDATE reports SET {', '.join(f'{k} = ?' for k in sets)} WHERE ref = ?", (*sets.values(), ref))


@pytest.fixture
def aged(steward, db):
    """Cases of different ages: very late (not contacted), a little late, on time."""
    db.app_directory = steward.client.application.extensions["directory"]
    refs = {"late": new_case(steward), "slightly": new_case(steward, building="57号"), "fresh": new_case(steward)}
    age(db, refs["late"], _back(TODAY, 10))
    age(db, refs["slightly"], _back(TODAY, 4))  # 2 or 3 working days late, whatever day the test runs
    return refs


def _back(day: dt.date, working: int) -> dt.date:
    """The day `working` working days before `day`."""
    while working:
        day -= dt.timedelta(days=1)
        working -= clock.is_working_day(day)
    return day


def test_case_page_shows_each_clock_with_the_reason(steward, db, aged):
    page = text(steward.client.get(f"/forms/steward/reports/{aged['late']}"))
    clocks = re.search(r'id="deadlines".*?</ul>', page, re.S).group(0)
    row = row_of(db, aged["late"])
    first, resolve_ = deadlines.clocks(row, db.app_directory)
    assert first.overdue and first.late_days >= 8 and not resolve_.overdue
    assert f"先行联系：{row['first_contact_due']} 前 · 先行联系超时 {first.late_days} 个工作日" in clocks
    assert f"办结：{row['resolve_due']} 前 · 办结还有 {resolve_.left_days} 个工作日" in clocks
    fresh = text(steward.client.get(f"/forms/steward/reports/{aged['fresh']}"))
    assert "先行联系还有 1 个工作日" in fresh and "clock-overdue" not in fresh


def test_supervise_lists_cases_late_beyond_the_setting_without_personal_data(app, steward, db, aged):
    result = app.test_cli_runner().invoke(args=["supervise", "--print"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "超时超过 3 个工作日的问题（1 条）" in out
    assert aged["late"] in out and aged["slightly"] not in out and aged["fresh"] not in out
    assert "延吉二村 垃圾厢房与环境卫生" in out
    reason = deadlines.summary(row_of(db, aged["late"]), db.app_directory)
    assert reason.startswith("先行联系超时") and f"负责：{STEWARD['s5']}" in out and reason in out
    for private in ("王阿姨", "1234 5678", "12345678", "601", "55号", "楼道里的垃圾"):
        assert private not in without_refs(out)
    page = text(steward.client.get("/forms/steward/supervise"))
    table = re.search(r'id="supervise".*?</table>', page, re.S).group(0)
    assert aged["late"] in table and aged["slightly"] not in table and reason in table
    assert "王阿姨" not in table and "601" not in without_refs(table)


def test_supervise_after_days_is_a_setting(app_config, db, steward, aged):
    from forms_app import create_app

    strict = create_app({**app_config, "SUPERVISE_AFTER_DAYS": 1})
    out = strict.test_cli_runner().invoke(args=["supervise", "--print"]).output
    assert aged["late"] in out and aged["slightly"] in out and "（2 条）" in out


def test_supervise_goes_through_the_digest_channels(app_config, db, steward, aged):
    from forms_app import create_app

    sink = WebhookSink("wecom").start()
    try:
        sending = create_app({**app_config, "ALERT_WEBHOOK_URL": sink.url()})
        result = sending.test_cli_runner().invoke(args=["supervise"])
        assert result.exit_code == 0, result.output
        [body] = sink.messages
        content = json.dumps(body, ensure_ascii=False)
        assert "督办" in content and aged["late"] in content and "王阿姨" not in content
    finally:
        sink.stop()
    nothing = create_app(app_config).test_cli_runner().invoke(args=["supervise"])
    assert nothing.exit_code != 0 and "--print" in nothing.output


def test_sheet_deadline_column_refreshed_only_when_it_changes(steward, db, aged):
    directory_ = steward.client.application.extensions["directory"]
    queued = supervise.refresh_sheet(db, directory_)
    assert queued == 3
    cells = [outbox.payload(i) for i in outbox.pending(db, 100, ("report_update",))]
    assert {"时限": deadlines.summary(row_of(db, aged["late"]), directory_)} in cells
    assert supervise.refresh_sheet(db, directory_) == 0  # nothing changed since


def test_the_sheet_row_carries_the_deadline_and_its_refresh(sheet_config, emu, db):
    from forms_app import create_app
    from forms_app.delivery.sheet_layout import REPORTS
    from forms_app.delivery.sheet_setup import setup
    from forms_app.delivery.sheets import Sheets
    from forms_app.delivery.sync import Worker
    from tests.conftest import sheet_values

    app = create_app(sheet_config)
    sheets = Sheets.from_config(app.config)
    setup(sheets)
    forms = sign_in_steward(Forms(app.test_client()))
    ref = new_case(forms)
    worker = Worker(db, sheets, app.extensions["directory"], sleep=lambda s: None)
    worker.deliver()
    [row] = [dict(zip(REPORTS.headers, r)) for r in sheet_values(emu, REPORTS.title)[1:]]
    assert row["编号"] == ref and row["时限"].startswith("先行联系")
    db.app_directory = app.extensions["directory"]
    age(db, ref, _back(TODAY, 10))
    assert supervise.refresh_sheet(db, app.extensions["directory"]) == 1
    worker.deliver()
    [row] = [dict(zip(REPORTS.headers, r)) for r in sheet_values(emu, REPORTS.title)[1:]]
    assert row["时限"] == deadlines.summary(row_of(db, ref), app.extensions["directory"]) and "超时" in row["时限"]
    sheets.close()


@pytest.mark.parametrize("command", ["digest", "supervise"])
def test_the_daily_runs_refresh_the_sheet_even_without_an_alert_channel(sheet_config, db, command):
    from forms_app import create_app
    from forms_app.residents import reports as reports_
    from tests.residents.test_reports import DATA

    app = create_app(sheet_config)
    reports_.create(db, "d" * 32, DATA, directory=app.extensions["directory"])
    result = app.test_cli_runner().invoke(args=[command])
    assert result.exit_code != 0 and "--print" in result.output  # no channel: said so …
    cells = [outbox.payload(i) for i in outbox.pending(db, 10, ("report_update",))]
    assert [c["时限"] for c in cells] == [deadlines.summary(db.execute("SELECT * FROM reports").fetchone(),
                                                           app.extensions["directory"])]  # … but the sheet is refreshed


# --- 不满意 reopens; 效率/态度 不满意 wait for the supervisor (issue 20, item 2) -------------------------

def supervisor_client(steward):
    """The supervisor 'duban' in another browser (accounts already added by sign_in_steward)."""
    from tests.conftest import sign_in
    other = Forms(steward.client.application.test_client())
    assert sign_in(other.client, "duban").status_code == 303
    return other


def test_result_unsatisfied_reopens_even_when_the_resident_says_solved(steward, db, app):
    ref = new_case(steward)
    resolve(db, ref)
    call(steward, ref, outcome="已解决", efficiency="满意", attitude="满意", result="不满意", comment="墙还是湿的")
    row = row_of(db, ref)
    assert (row["status"], row["reopened"], row["resolved_at"]) == ("处理中", 1, "")
    due = deadlines.day_of(row["rehandle_due"])
    assert deadlines.working_days_between(deadlines.day_of(row["reopened_at"]), due) == 3
    assert "对结果不满意" in row["public_note"] and row["to_verify"] == ""
    alert = json.loads(db.execute("SELECT payload FROM outbox WHERE kind = 'alert'").fetchone()[0])
    assert alert["outcome"] == "已解决，但对结果不满意"
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    assert "重新处理" in page and 'id="followup-phone"' not in page  # no 回访 until it is 已解决 again
    resident = text(Forms(app.test_client()).submit("/forms/status", {"ref": ref, "last4": "5678"}))
    assert "处理中" in resident and "对结果不满意" in resident and "已修好" not in resident


@pytest.mark.parametrize("aspect, label", [("efficiency", "效率"), ("attitude", "态度")])
def test_efficiency_or_attitude_unsatisfied_goes_on_the_supervisors_list(steward, db, aspect, label):
    ref = new_case(steward)
    resolve(db, ref)
    call(steward, ref, **{"outcome": "已解决", "efficiency": "满意", "attitude": "满意", "result": "满意", aspect: "不满意"})
    row = row_of(db, ref)
    assert row["status"] == "已解决" and row["to_verify"].endswith(f"电话回访：{label}不满意")
    duban = supervisor_client(steward)
    listing = text(duban.client.get("/forms/steward/supervise"))
    assert ref in listing.split('id="unsatisfied"')[1] and f"{label}不满意" in listing
    token = hidden_fields(listing)["csrf_token"]
    response = duban.client.post(f"/forms/steward/reports/{ref}/verified", data={"csrf_token": token, "note": "已向居民道歉"})
    assert response.status_code == 303
    row = row_of(db, ref)
    assert row["to_verify"] == "" and f"已核实（" in row["notes"] and "已向居民道歉" in row["notes"]
    assert ref not in text(duban.client.get("/forms/steward/supervise")).split('id="unsatisfied"')[1]


def test_which_aspects_reopen_is_a_directory_setting(tmp_path, app_config):
    import yaml
    from forms_app import create_app
    from forms_app.core.directory import DEFAULT_PATH
    from forms_app.core.store import connect
    from forms_app.residents import followup

    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["street"]["followup"] = {"reopen_unsatisfied": ["结果", "态度"], "call_after": 3}
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    app = create_app({**app_config, "DIRECTORY_FILE": str(path)})
    steward = sign_in_steward(Forms(app.test_client()))
    conn = connect(app.config["DATABASE"])
    ref = new_case(steward)
    resolve(conn, ref)
    assert set(followup.reopen_aspects(app.extensions["directory"])) == {"attitude", "result"}
    call(steward, ref, outcome="已解决", efficiency="满意", attitude="不满意", result="满意")
    assert row_of(conn, ref)["status"] == "处理中"
    conn.close()


@pytest.mark.parametrize("setting, message", [
    ({"reopen_unsatisfied": ["服务"]}, "只能列 效率、态度、结果"),
    ({"call_after": -1}, "followup.call_after 应为 0 到 60"),
    ({"remind": 1}, "followup 只能写"),
])
def test_bad_followup_settings_name_the_entry(setting, message):
    from forms_app.core.directory import DEFAULT_PATH, DirectoryError, parse
    import yaml

    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["street"]["followup"] = setting
    with pytest.raises(DirectoryError, match=message):
        parse(data)


# --- A plan is not the end: 分工 as action items (issue 20, item 3) ---------------------------------

def test_two_action_lines_become_items_with_clocks_and_one_made_late_shows_everywhere(steward, db, app):
    ref = new_case(steward, contacted="y")
    hold(steward, ref, **{"actions-0-by": "2099-01-20", "actions-1-by": "2099-01-10", "actions-1-what": "公示维修资金使用"})
    row = row_of(db, ref)
    assert (row["status"], row["plan_due"], row["action_due"]) == ("已形成方案", "2099-01-20", "2099-01-10")
    items = db.execute("SELECT who, what, due, done_at FROM action_items ORDER BY position").fetchall()
    assert [tuple(i) for i in items] == [("物业", "更换防水层", "2099-01-20", ""), ("业委会", "公示维修资金使用", "2099-01-10", "")]
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    assert "落实：2099-01-20 前" in page and "分工：2099-01-10 前" in page and "业委会：公示维修资金使用（1月10日前）" in page
    assert 'id="followup-phone"' not in page  # the phone 回访 only once 已解决
    # One 分工 made late: its date moved into the past.
    with transaction(db):
        db.execute("UPDATE action_items SET due = '2026-11-02' WHERE position = 1")
        db.execute("UPDATE reports SET action_due = '2026-11-02' WHERE ref = ?", (ref,))
    late = text(steward.client.get("/forms/steward?f=1&overdue=y"))
    assert ref in late and "分工超时" in late
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    assert re.search(r'class="clock-overdue"[^>]*>业委会：公示维修资金使用', page)
    directory_ = app.extensions["directory"]
    from forms_app.publishing import digest
    moment = clock.now()
    lines = "\n".join(line for d in digest.build(db, directory_, moment, moment) for line in d.long_open)
    assert ref in lines and "分工超时" in lines and "业委会：公示维修资金使用" in lines
    assert ref in " ".join(i.ref for i in supervise.items(db, directory_, 3))
    # Marked done: the 分工 clock moves to the next item; the 落实 clock runs until 已解决.
    [late_item] = db.execute("SELECT id FROM action_items WHERE position = 1").fetchall()
    token = hidden_fields(page)["csrf_token"]
    response = steward.client.post(f"/forms/steward/reports/{ref}/actions/{late_item['id']}/done", data={"csrf_token": token})
    assert response.status_code == 303
    row = row_of(db, ref)
    assert row["action_due"] == "2099-01-20" and "分工完成 业委会：公示维修资金使用" in row["notes"]
    assert ref not in text(steward.client.get("/forms/steward?f=1&overdue=y")).split('id="worklist"')[-1]
    assert [d.kind for d in deadlines.clocks(row, directory_)] == ["first_contact", "implement", "action"]


@pytest.mark.parametrize("typed, stored", [("12月9日", None), ("1/5", None), ("2099年1月20日", "2099-01-20")])
def test_an_action_date_without_a_year_means_the_coming_one(steward, db, typed, stored):
    ref = new_case(steward)
    hold(steward, ref, **{"actions-0-by": typed})
    due = db.execute("SELECT due FROM action_items WHERE position = 0").fetchone()[0]
    today = clock.now().date()
    assert due >= today.isoformat() and (stored is None or due == stored)


def test_consultation_errors_name_the_right_action_row(steward, db):
    ref = new_case(steward)
    response = hold(steward, ref, **{"actions-2-who": "城管中队", "actions-2-by": "下周"})
    body = text(response)
    assert response.status_code == 400 and "分工第 3 行" in body and "分工第 1 行" not in body


# --- 督办 on a case (issue 20, Smaller) -------------------------------------------------------------

def test_the_supervisor_issues_a_supervision_the_steward_sees_and_answers(steward, db, app):
    ref = new_case(steward)
    duban = supervisor_client(steward)
    page = text(duban.client.get(f"/forms/steward/reports/{ref}"))
    assert 'id="supervise-form"' in page
    response = duban.client.post(f"/forms/steward/reports/{ref}/supervise",
                                 data={"csrf_token": hidden_fields(page)["csrf_token"], "note": "请本周内回复居民",
                                       "answer_by": "2099-01-09"})
    assert response.status_code == 303
    case = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    assert "督办：请本周内回复居民" in case and "2099-01-09 前答复" in case
    from forms_app.publishing import digest
    moment = clock.now()
    built = digest.build(db, app.extensions["directory"], moment, moment)
    assert any(ref in line and "请本周内回复居民" in line for d in built for line in d.supervised)
    [sid] = db.execute("SELECT id FROM supervisions").fetchone()
    steward.client.post(f"/forms/steward/reports/{ref}/supervisions/{sid}/answer",
                        data={"csrf_token": hidden_fields(case)["csrf_token"], "answer": "已约居民周三见面"})
    assert db.execute("SELECT answer FROM supervisions").fetchone()[0] == "已约居民周三见面"
    assert "答复督办：已约居民周三见面" in row_of(db, ref)["notes"]
    assert "已约居民周三见面" in text(duban.client.get(f"/forms/steward/reports/{ref}"))


@pytest.mark.parametrize("fields, message", [({"note": "", "answer_by": "12月30日"}, "请写督办意见。"),
                                             ({"note": "快办", "answer_by": "下周"}, "答复日期的格式不对"),
                                             ({"note": "快办", "answer_by": "2020-01-01"}, "答复日期不能早于今天")])
def test_bad_supervision_stores_nothing(steward, db, fields, message):
    ref = new_case(steward)
    duban = supervisor_client(steward)
    page = text(duban.client.get(f"/forms/steward/reports/{ref}"))
    response = duban.client.post(f"/forms/steward/reports/{ref}/supervise", data={"csrf_token": hidden_fields(page)["csrf_token"], **fields})
    assert response.status_code == 400 and message in text(response)
    assert db.execute("SELECT count(*) FROM supervisions").fetchone()[0] == 0


def test_a_steward_cannot_issue_a_supervision(steward, db):
    ref = new_case(steward)
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    response = steward.client.post(f"/forms/steward/reports/{ref}/supervise",
                                   data={"csrf_token": hidden_fields(page)["csrf_token"], "note": "x", "answer_by": "2099-01-09"})
    assert response.status_code == 403 and db.execute("SELECT count(*) FROM supervisions").fetchone()[0] == 0


def test_the_minutes_show_the_stewards_name_and_the_full_date(steward, db):
    ref = new_case(steward)
    minutes = text(steward.client.get(hold(steward, ref).headers["Location"]))
    assert f"{TODAY.year}年{clock.chinese_date(TODAY)}" in minutes
    assert re.search(rf'id="recorded">记录：s1 {STEWARD["s1"]}', minutes)


def test_history_shows_chinese_field_names_for_the_new_columns(steward, db):
    ref = new_case(steward, contacted="y")
    hold(steward, ref)
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    table = page.split('id="history"')[1].split("</table>")[0]
    assert "落实期限" in table and "plan_due" not in table and "consultation" not in table


# --- 重复件 (issue 20, item 8) ----------------------------------------------------------------------

def test_a_duplicate_follows_the_main_case_and_counts_once(steward, db, app):
    from forms_app.casework import edits

    main, dup = new_case(steward), new_case(steward, building="57号")
    page = text(steward.client.get(f"/forms/steward/reports/{dup}"))
    response = steward.client.post(f"/forms/steward/reports/{dup}/duplicate",
                                   data={"csrf_token": hidden_fields(page)["csrf_token"], "main_ref": references.display(main)})
    assert response.status_code == 303
    assert row_of(db, dup)["duplicate_of"] == main and "随主件" in text(steward.client.get(f"/forms/steward/reports/{dup}"))
    edits.edit(db, row_of(db, main)["id"], {"status": "已解决", "public_note": "物业已修好。"}, actor="s1")
    follower = row_of(db, dup)
    assert (follower["status"], follower["public_note"]) == ("已解决", "物业已修好。") and f"随主件 {main}" in follower["notes"]
    found = figures.compute(db, app.extensions["directory"], TODAY)
    assert found["figures"]["收到的问题"] == 1


@pytest.mark.parametrize("typed, message", [("8604 1937", "主件编号「8604 1937」不对"), (None, "主件不能是这个问题本身"),
                                            ("2604 1938", "不对")])
def test_a_wrong_main_case_is_refused(steward, db, typed, message):
    ref = new_case(steward)
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    response = steward.client.post(f"/forms/steward/reports/{ref}/duplicate",
                                   data={"csrf_token": hidden_fields(page)["csrf_token"], "main_ref": typed or ref})
    assert response.status_code == 400 and message in text(response) and row_of(db, ref)["duplicate_of"] == ""
