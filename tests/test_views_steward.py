"""HTTP tests of /forms/steward: sign-in, the list and its filters, editing, the .xlsx, the sign-in sheet."""
import datetime as dt
import io
import logging
import re

import openpyxl
import pytest
from werkzeug.security import generate_password_hash

from forms_app import create_app
from forms_app.core import clock
from forms_app.core import outbox
from forms_app.residents import reception
from forms_app.residents import reports
from forms_app.casework import worklist
from forms_app.delivery.sheet_layout import REPORTS, SIGNUPS, report_row
from forms_app.views import steward as steward_view
from tests.conftest import SHEET_KEY, Forms, hidden_fields, reference, sheet_values, text

PASSWORD = "yanji-dagj-2026"
HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # fast in tests; production uses scrypt
SESSION = "2099-01-03-am"
PAGES = ["/forms/steward", "/forms/steward?status=处理中", "/forms/steward/export.xlsx", "/forms/steward/reports/{ref}",
         "/forms/steward/sessions", f"/forms/steward/sessions/{SESSION}", f"/forms/steward/sessions/{SESSION}/outcomes"]


@pytest.fixture
def app_config(app_config):
    """The shared test config, with the stewards' password set."""
    return {**app_config, "STEWARD_PASSWORD_HASH": HASH}


@pytest.fixture
def session_id(db):
    """A session far in the future with two seats."""
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
               f"VALUES ('{SESSION}', '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会、业委会、法治专员', 2)")
    return SESSION


def new_report(forms, **changes) -> str:
    """A resident's report through the real form; its reference."""
    return reference(forms.client.get(forms.report(**changes).headers["Location"]))


def sign_in(forms, steward="s1", password=PASSWORD, **kwargs):
    """Post the sign-in form."""
    return forms.submit("/forms/steward/login", {"steward": steward, "password": password}, **kwargs)


@pytest.fixture
def steward(forms):
    """A client signed in as 陈静（示例）."""
    assert sign_in(forms).status_code == 303
    return forms


@pytest.fixture
def ref(forms):
    return new_report(forms)


def edit(forms, ref, **fields):
    """Submit the edit form of a report with its current values, changed by fields."""
    page = text(forms.client.get(f"/forms/steward/reports/{ref}"))
    current = {"status": re.search(r'<option selected value="([^"]*)"', page.split('id="status"')[1]).group(1),
               "steward_name": re.search(r'<option selected value="([^"]*)"', page.split('id="steward_name"')[1]).group(1),
               "public_note": re.search(r'id="public_note"[^>]*>\n?([^<]*)<', page).group(1)}
    return forms.submit(f"/forms/steward/reports/{ref}", {**current, **fields})


def pending_updates(db):
    return [outbox.payload(i) for i in outbox.pending(db, 100, ("report_update",))]


# --- Sign-in ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_sign_in(client, ref, path, session_id):
    response = client.get(path.format(ref=ref))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/forms/steward/login?next=")


@pytest.mark.parametrize("path", ["/forms/steward/reports/{ref}", f"/forms/steward/sessions/{SESSION}/outcomes"])
def test_posting_without_sign_in_changes_nothing(forms, ref, db, path, session_id):
    before = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    response = forms.client.post(path.format(ref=ref), data={"status": "处理中", "public_note": "x"})
    assert response.status_code == 302 and "/forms/steward/login" in response.headers["Location"]
    assert db.execute("SELECT status FROM reports").fetchone()[0] == "已受理"
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == before


@pytest.mark.parametrize("problem, words", [("", "还没有设置大管家的共用密码"), ("scrypt:32768:8:1", "单引号")])
@pytest.mark.parametrize("path", ["/forms/steward", "/forms/steward/login", f"/forms/steward/sessions/{SESSION}"])
def test_pages_are_off_and_explain_how_to_set_the_password(app_config, path, problem, words):
    client = create_app({**app_config, "STEWARD_PASSWORD_HASH": problem}).test_client()
    response = client.get(path)
    body = text(response)
    assert response.status_code == 503 and "大管家页面还没有开通" in body and words in body
    assert "STEWARD_PASSWORD_HASH" in body and "generate_password_hash" in body
    assert "Set-Cookie" not in response.headers


def test_sign_in_goes_back_to_the_page_asked_for(forms, ref):
    first = forms.client.get(f"/forms/steward/reports/{ref}")
    response = forms.submit(first.headers["Location"], {"steward": "s2", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == f"/forms/steward/reports/{ref}"
    assert "王海（示例）" in text(forms.client.get(response.headers["Location"]))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/forms/steward", "/forms/report", "/forms/stewardx"])
def test_sign_in_never_redirects_outside_the_steward_pages(forms, target):
    response = forms.submit(f"/forms/steward/login?next={target}", {"steward": "s1", "password": PASSWORD})
    assert response.headers["Location"] == "/forms/steward"


def test_wrong_password_gets_a_chinese_error_and_nothing_else(forms):
    response = sign_in(forms, password="guess")
    body = text(response)
    assert response.status_code == 400 and "密码不对" in body
    summary = body.split('class="error-summary"')[1].split("</div>")[0]
    assert summary.count("<li>") == 1 and "guess" not in body
    assert forms.client.get("/forms/steward").status_code == 302
    with forms.client.session_transaction() as session:
        assert "steward" not in session


@pytest.mark.parametrize("data, message", [({"steward": "", "password": PASSWORD}, "请选择您是哪位大管家。"),
                                           ({"steward": "s9", "password": PASSWORD}, "请从列表里选择您的名字。"),
                                           ({"steward": "s1", "password": ""}, "请输入密码。")])
def test_sign_in_form_errors(forms, data, message):
    response = forms.submit("/forms/steward/login", data)
    assert response.status_code == 400 and message in text(response)
    assert forms.client.get("/forms/steward").status_code == 302


def test_failed_sign_ins_are_rate_limited(app_config):
    forms = Forms(create_app({**app_config, "RATELIMIT_ENABLED": True}).test_client())
    assert [sign_in(forms).status_code for _ in range(3)] == [303] * 3  # successes do not count
    codes = [sign_in(forms, password="guess").status_code for _ in range(6)]
    assert codes == [400] * 5 + [429]
    assert "操作太频繁了" in text(sign_in(forms))


def test_sign_out_is_a_post_with_its_csrf_token(steward):
    assert steward.client.post("/forms/steward/logout").status_code == 303  # no token: still signed in
    assert steward.client.get("/forms/steward").status_code == 200
    token = hidden_fields(text(steward.client.get("/forms/steward")))["csrf_token"]
    response = steward.client.post("/forms/steward/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/forms/steward/login"
    assert steward.client.get("/forms/steward").status_code == 302


def test_sign_in_expires(steward, monkeypatch):
    later = steward_view.time.time() + 12 * 3600 + 1
    monkeypatch.setattr(steward_view.time, "time", lambda: later)
    response = steward.client.get("/forms/steward")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert "登录已经过期了" in text(steward.client.get(response.headers["Location"]))


def test_changing_the_password_signs_everyone_out(steward, app):
    app.config["STEWARD_PASSWORD_HASH"] = generate_password_hash("new", method="pbkdf2:sha256:1000")
    assert steward.client.get("/forms/steward").status_code == 302


@pytest.mark.parametrize("path", ["/forms/steward", "/forms/steward/reports/{ref}", "/forms/steward/sessions",
                                  f"/forms/steward/sessions/{SESSION}", f"/forms/steward/sessions/{SESSION}/outcomes"])
def test_pages_are_private_chinese_and_csp_clean(steward, ref, session_id, path):
    response = steward.client.get(path.format(ref=ref))
    body = text(response)
    assert response.status_code == 200 and '<html lang="zh-CN">' in body
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "<script>" not in body and "style=" not in body and "<style" not in body


def test_sign_in_page_is_private_too(client):
    assert client.get("/forms/steward/login").headers["X-Robots-Tag"] == "noindex, nofollow"


# --- The list -----------------------------------------------------------------------------

def test_list_newest_first_with_counts_and_columns(steward, db):
    refs = [new_report(steward, description=f"第 {n} 个问题，请尽快处理。") for n in range(3)]
    db.execute("UPDATE reports SET status = '处理中' WHERE ref = ?", (refs[0],))
    body = text(steward.client.get("/forms/steward"))
    assert [body.index(r) for r in reversed(refs)] == sorted(body.index(r) for r in refs)
    for header in ("编号", "提交时间", "小区", "类别", "紧急", "状态", "负责", "首次联系"):
        assert f'<th scope="col">{header}</th>' in body
    counts = body.split('id="counts"')[1].split("</ul>")[0]
    assert "全部 <strong>3</strong>" in counts and "已受理 <strong>2</strong>" in counts and "处理中 <strong>1</strong>" in counts
    assert "周芳（示例）" in body and "未联系" in body


def shanghai(text_):
    return dt.datetime.fromisoformat(text_ + "+08:00").isoformat()


@pytest.fixture
def varied(steward, db):
    """Four reports that differ in status, compound, category and age; {name: ref}."""
    refs = {
        "leak_new": new_report(steward),
        "garbage_yanji5": new_report(steward, compound="yanji5", category="garbage"),
        "stale": new_report(steward, compound="yanji5"),
        "old_uncalled": new_report(steward, category="garbage"),
    }
    db.execute("UPDATE reports SET status = '处理中', first_contact_at = '2026-01-05', created_at = ? WHERE ref = ?",
               (shanghai("2026-01-02T10:00:00"), refs["stale"]))
    db.execute("UPDATE reports SET created_at = ? WHERE ref = ?", (shanghai("2026-01-02T10:00:00"), refs["old_uncalled"]))
    db.execute("UPDATE reports SET status = '已解决', first_contact_at = '2026-11-01' WHERE ref = ?", (refs["garbage_yanji5"],))
    return refs


@pytest.mark.parametrize("query, expected", [
    ("status=处理中", {"stale"}),
    ("status=已受理", {"leak_new", "old_uncalled"}),
    ("compound=yanji5", {"garbage_yanji5", "stale"}),
    ("category=garbage", {"garbage_yanji5", "old_uncalled"}),
    ("overdue=y", {"stale", "old_uncalled"}),
    ("overdue=y&category=garbage", {"old_uncalled"}),
    ("status=不存在&compound=<script>", {"leak_new", "garbage_yanji5", "stale", "old_uncalled"}),
])
def test_filters(steward, varied, query, expected):
    body = text(steward.client.get(f"/forms/steward?{query}"))
    assert {name for name, ref in varied.items() if ref in body} == expected


def test_filter_with_no_result_says_so(steward, varied):
    body = text(steward.client.get("/forms/steward?status=已转办"))
    assert "没有符合筛选条件的问题。" in body and "清除筛选" in body


def test_overdue_rows_are_marked(steward, varied):
    body = text(steward.client.get("/forms/steward"))
    assert body.count('class="is-overdue"') == 2 and body.count("tag-overdue") == 2


# --- Editing one report -------------------------------------------------------------------

def test_report_page_shows_everything_a_steward_needs(steward, db):
    ref = new_report(steward, on_behalf="y", behalf_relation="邻居", behalf_consent="y", room="601")
    report_id = db.execute("SELECT id FROM reports WHERE ref = ?", (ref,)).fetchone()[0]
    db.execute("INSERT INTO followups (report_id, created_at, solved, satisfaction, comment) VALUES (?, ?, 0, 2, '还在漏')",
               (report_id, shanghai("2026-11-20T09:00:00")))
    body = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    for expected in ("王阿姨", "138 1234 5678", "卫生间天花板一直滴水", "由邻居代为反映，本人已同意", "601 室", "代办",
                     "居民回访", "还在漏", "2/5", "延吉二村", "漏水/渗水"):
        assert expected in body, expected


def test_edit_status_and_public_note_queues_exactly_one_update(steward, ref, db):
    before = db.execute("SELECT count(*) FROM outbox WHERE kind = 'report_update'").fetchone()[0]
    response = edit(steward, ref, status="处理中", public_note="物业明天上午上门查看。")
    assert response.status_code == 303 and response.headers["Location"].endswith("saved=1")
    row = reports.by_ref(db, ref)
    assert (row["status"], row["public_note"]) == ("处理中", "物业明天上午上门查看。")
    assert before == 0 and pending_updates(db) == [{"状态": "处理中", "公开进展": "物业明天上午上门查看。"}]
    assert "已保存" in text(steward.client.get(response.headers["Location"]))


def test_saving_without_changes_queues_nothing(steward, ref, db):
    response = edit(steward, ref)
    assert response.headers["Location"].endswith("saved=0") and pending_updates(db) == []


def test_note_is_appended_with_date_and_name(steward, ref, db):
    db.execute("UPDATE reports SET notes = '2026-11-01 已电话联系'")
    edit(steward, ref, note="约了物业周三上门。", coordinating=["物业", "居委会"], steward_name="李敏（示例）")
    row = reports.by_ref(db, ref)
    today = clock.now().strftime("%Y-%m-%d")
    assert row["notes"] == f"2026-11-01 已电话联系\n{today} 陈静（示例）：约了物业周三上门。"
    assert row["coordinating"] == "居委会、物业" and row["steward_name"] == "李敏（示例）"
    [cells] = pending_updates(db)
    assert set(cells) == {"处理记录", "协调单位", "负责大管家"}


@pytest.mark.parametrize("fields, message", [
    ({"status": "办好了"}, "请从列表里选择状态。"),
    ({"status": ""}, "请选择状态。"),
    ({"steward_name": "张三"}, "请从列表里选择负责的大管家。"),
    ({"coordinating": ["黑客"]}, "请从列表里选择协调单位。"),
    ({"first_contact_at": "昨天下午"}, "首次联系时间的格式不对"),
    ({"first_contact_at": "2999-01-01"}, "首次联系时间不能晚于今天"),
    ({"public_note": "字" * 301}, "公开进展太长了"),
])
def test_invalid_edits_are_rejected_in_chinese(steward, ref, db, fields, message):
    response = edit(steward, ref, **fields)
    assert response.status_code == 400 and message in text(response)
    assert reports.by_ref(db, ref)["status"] == "已受理" and pending_updates(db) == []


@pytest.mark.parametrize("typed, stored", [("2026/11/3 9:05", "2026-11-03 09:05"), ("２０２６-１１-０３", "2026-11-03"),
                                           ("2026-11-03T14:30", "2026-11-03 14:30")])
def test_first_contact_time_is_normalised(steward, ref, db, typed, stored):
    edit(steward, ref, first_contact_at=typed)
    assert reports.by_ref(db, ref)["first_contact_at"] == stored


def test_a_stale_form_does_not_overwrite_someone_elses_change(steward, ref, db):
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', page).group(1)
    db.execute("UPDATE reports SET status = '已形成方案', updated_at = '2099-01-01T00:00:00+08:00'")
    response = steward.submit(f"/forms/steward/reports/{ref}", {"version": version, "status": "已受理",
                                                                "steward_name": "周芳（示例）", "public_note": "旧的"})
    assert response.status_code == 409 and "被别人改过" in text(response)
    assert reports.by_ref(db, ref)["status"] == "已形成方案"


def test_unknown_report_is_a_chinese_404(steward):
    response = steward.client.get("/forms/steward/reports/W222-333")
    assert response.status_code == 404 and "没有找到这个页面" in text(response)


# --- With the stewards' Google Sheet ------------------------------------------------------

@pytest.fixture
def sheet_steward(sheet_app):
    forms = Forms(sheet_app.test_client())
    assert sign_in(forms).status_code == 303
    return forms


def deliver(app):
    """One delivery cycle of the sync worker against the emulator."""
    from forms_app.delivery.sheets import Sheets
    from forms_app.core.store import connect
    from forms_app.delivery.sync import Worker

    conn, sheets = connect(app.config["DATABASE"]), Sheets.from_config(app.config)
    try:
        Worker(conn, sheets, app.extensions["directory"]).deliver()
    finally:
        sheets.close()
        conn.close()


def sheet_record(emu, ref) -> dict:
    [row] = [dict(zip(REPORTS.headers, r)) for r in sheet_values(emu, REPORTS.title)[1:] if r[0] == ref]
    return row


def test_sheet_mode_shows_the_link_instead_of_the_list(sheet_steward):
    ref = new_report(sheet_steward)
    body = text(sheet_steward.client.get("/forms/steward"))
    assert f'href="https://docs.google.com/spreadsheets/d/{SHEET_KEY}/edit"' in body
    assert 'id="worklist"' not in body and ref not in body and "/forms/steward/sessions" in body


def test_sheet_mode_edit_reaches_the_sheet_cell(sheet_app, sheet_steward, emu):
    ref = new_report(sheet_steward)
    deliver(sheet_app)
    edit(sheet_steward, ref, status="处理中", public_note="已联系物业。")
    deliver(sheet_app)
    record = sheet_record(emu, ref)
    assert (record["状态"], record["公开进展"]) == ("处理中", "已联系物业。")


# --- The .xlsx ----------------------------------------------------------------------------

HOSTILE = '=HYPERLINK("http://evil.example","点我")'


def test_xlsx_round_trip_keeps_hostile_text_as_text(steward, app, db, session_id, caplog):
    ref = new_report(steward, description=HOSTILE, contact_name="=1+1")
    steward.signup(session_id, linked_ref=ref)
    db.execute("UPDATE signups SET attended = '是', outcome = '@SUM(A1) 物业答应修'")
    caplog.set_level(logging.INFO)
    response = steward.client.get("/forms/steward/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["问题登记", "接待报名"]
    rows = list(book["问题登记"].iter_rows())
    assert [c.value for c in rows[0]] == list(REPORTS.headers)
    assert [c.value or "" for c in rows[1]] == report_row(reports.by_ref(db, ref), app.extensions["directory"])
    description = rows[1][REPORTS.col("问题描述") - 1]
    assert description.value == HOSTILE and description.data_type == "s"
    assert all(c.data_type == "s" for row in rows for c in row if c.value)
    signups = [[c.value or "" for c in r] for r in book["接待报名"].iter_rows()]
    assert signups[0] == list(SIGNUPS.headers)
    record = dict(zip(SIGNUPS.headers, signups[1]))
    assert record["关联问题编号"] == ref and record["签到"] == "是" and record["接待结果"] == "@SUM(A1) 物业答应修"
    logged = "\n".join(r.getMessage() for r in caplog.records if "workbook" in r.getMessage())
    assert "s1 downloaded the workbook (1 reports, 1 sign-ups)" in logged
    for secret in ("王阿姨", "13987654321", "139 8765 4321", "HYPERLINK"):
        assert secret not in logged


def test_xlsx_drops_characters_excel_cannot_store(steward, db):
    ref = new_report(steward)
    db.execute("UPDATE reports SET notes = '第一行\x01\x0b第二行'")
    book = openpyxl.load_workbook(io.BytesIO(steward.client.get("/forms/steward/export.xlsx").data))
    assert book["问题登记"].cell(2, REPORTS.col("处理记录")).value == "第一行第二行"
    assert ref


# --- The joint-reception sign-in sheet ----------------------------------------------------

@pytest.fixture
def crowd(steward, session_id, db):
    """Two seats taken (one with a linked report in 处理中), one person waiting; {name: signup ref}."""
    ref = new_report(steward)
    db.execute("UPDATE reports SET status = '处理中'")
    people = {}
    for name, phone, linked in (("李先生", "13900000001", ref), ("张阿姨", "13900000002", ""), ("赵师傅", "13900000003", "")):
        response = steward.signup(session_id, name=name, phone=phone, linked_ref=linked)
        people[name] = reference(steward.client.get(response.headers["Location"]))
    people["report"] = ref
    return people


def test_sessions_list(steward, session_id, crowd):
    body = text(steward.client.get("/forms/steward/sessions"))
    assert "1月3日（周六）9:00–11:00" in body and "已报名 2 人，候补 1 人" in body
    assert f"/forms/steward/sessions/{session_id}/outcomes" in body


def test_sign_in_sheet_lists_seats_waiting_and_linked_report_status(steward, session_id, crowd):
    body = text(steward.client.get(f"/forms/steward/sessions/{session_id}"))
    confirmed = body.split('id="confirmed"')[1].split("</table>")[0]
    waiting = body.split('id="waiting"')[1].split("</table>")[0]
    assert "李先生" in confirmed and "张阿姨" in confirmed and "赵师傅" not in confirmed
    assert "赵师傅" in waiting and "候补名单（1 人" in body
    assert f'{crowd["report"]}</a>（处理中）' in confirmed and "控江东三村" in confirmed
    assert "我们楼想加装电梯" in confirmed and "13900000001" not in body  # no phones on paper
    assert 'class="box"' in confirmed and "大管家签字" in body


def test_unknown_session_is_404(steward):
    assert steward.client.get("/forms/steward/sessions/nope").status_code == 404
    assert steward.client.get("/forms/steward/sessions/nope/outcomes").status_code == 404


def outcome_fields(steward, session_id, entries: dict) -> dict:
    """The outcomes form's fields, with entries {signup position: {field: value}}."""
    page = text(steward.client.get(f"/forms/steward/sessions/{session_id}/outcomes"))
    ids = re.findall(r'name="entries-(\d+)-signup_id" type="hidden" value="(\d+)"', page)
    data = {}
    for index, signup_id in ids:
        data[f"entries-{index}-signup_id"] = signup_id
        for field, value in entries.get(int(index), {}).items():
            data[f"entries-{index}-{field}"] = value
    return data


def test_outcomes_flow_to_the_linked_report_and_the_sign_up(steward, session_id, crowd, db):
    data = outcome_fields(steward, session_id, {0: {"attended": "是", "outcome": "法治专员讲了征询流程，下周发征询表。",
                                                    "status": "已形成方案"}, 1: {"attended": "否"}})
    before = len(pending_updates(db))
    response = steward.submit(f"/forms/steward/sessions/{session_id}/outcomes", data)
    assert response.status_code == 303 and response.headers["Location"].endswith("saved=2")
    report = reports.by_ref(db, crowd["report"])
    assert report["status"] == "已形成方案"
    assert report["notes"] == "2099-01-03 联合接待：法治专员讲了征询流程，下周发征询表。"
    assert len(pending_updates(db)) == before + 1
    li, zhang = (reception.by_ref(db, crowd[n]) for n in ("李先生", "张阿姨"))
    assert (li["attended"], li["outcome"]) == ("是", "法治专员讲了征询流程，下周发征询表。")
    assert (zhang["attended"], zhang["outcome"]) == ("否", "")
    sheet = text(steward.client.get(response.headers["Location"]))
    assert "接待结果已保存" in sheet and "法治专员讲了征询流程" in sheet and "（已形成方案）" in sheet
    again = steward.submit(f"/forms/steward/sessions/{session_id}/outcomes", data)
    assert again.headers["Location"].endswith("saved=0")
    assert reports.by_ref(db, crowd["report"])["notes"].count("联合接待") == 1


def test_outcomes_leave_the_status_alone_by_default(steward, session_id, crowd, db):
    data = outcome_fields(steward, session_id, {0: {"attended": "是", "outcome": "物业答应本月修好。"}})
    steward.submit(f"/forms/steward/sessions/{session_id}/outcomes", data)
    assert reports.by_ref(db, crowd["report"])["status"] == "处理中"


@pytest.mark.parametrize("entry, message", [({"status": "办完了"}, "请从列表里选择状态。"),
                                            ({"attended": "也许"}, "请选择来了没有。"),
                                            ({"outcome": "字" * 501}, "接待结果太长了")])
def test_invalid_outcomes_are_rejected_in_chinese(steward, session_id, crowd, db, entry, message):
    response = steward.submit(f"/forms/steward/sessions/{session_id}/outcomes", outcome_fields(steward, session_id, {0: entry}))
    assert response.status_code == 400 and message in text(response) and "李先生" in text(response)
    assert reports.by_ref(db, crowd["report"])["notes"] == ""


def test_outcomes_reach_the_sheet(sheet_app, sheet_steward, emu, session_id):
    ref = new_report(sheet_steward)
    sheet_steward.signup(session_id, linked_ref=ref)
    deliver(sheet_app)
    data = outcome_fields(sheet_steward, session_id, {0: {"attended": "是", "outcome": "物业答应本月修好。", "status": "处理中"}})
    sheet_steward.submit(f"/forms/steward/sessions/{session_id}/outcomes", data)
    deliver(sheet_app)
    record = sheet_record(emu, ref)
    assert record["处理记录"] == "2099-01-03 联合接待：物业答应本月修好。" and record["状态"] == "处理中"


# --- What counts as overdue ---------------------------------------------------------------

@pytest.mark.parametrize("created, status, contacted, now, overdue", [
    ("2026-11-27T16:00", "已受理", "", "2026-11-30T23:59", False),   # Friday → call by Monday
    ("2026-11-27T16:00", "已受理", "", "2026-12-01T08:00", True),    # Tuesday: late
    ("2026-11-27T16:00", "已受理", "2026-11-30 10:00", "2026-12-01T08:00", False),
    ("2025-09-30T10:00", "已受理", "", "2025-10-08T12:00", False),   # National Day holiday → call by 10月9日
    ("2025-09-30T10:00", "已受理", "", "2025-10-10T08:00", True),
    ("2025-09-27T10:00", "已受理", "", "2025-09-29T08:00", True),    # Sunday 9月28日 was a working day (调休)
    ("2026-10-01T10:00", "处理中", "2026-10-02", "2026-10-31T09:00", False),
    ("2026-10-01T10:00", "处理中", "2026-10-02", "2026-10-31T10:01", True),  # more than 30 days in progress
    ("2026-10-01T10:00", "已形成方案", "2026-10-02", "2026-11-15T10:00", False),  # a plan (a lift) may take months
    ("2026-10-01T10:00", "已解决", "", "2026-12-31T10:00", False),    # closed reports are never overdue
    ("2026-10-01T10:00", "已转办", "", "2026-12-31T10:00", False),
])
def test_overdue(created, status, contacted, now, overdue):
    row = {"created_at": shanghai(created + ":00"), "status": status, "first_contact_at": contacted}
    assert worklist.is_overdue(row, clock.parse(shanghai(now + ":00")), 1) is overdue


def test_steward_pages_link_the_lift_vote_calculator(forms, steward):
    body = forms.client.get("/forms/steward").get_data(as_text=True)
    assert 'href="/forms/tools/lift-vote"' in body and "加装电梯表决计算器" in body
