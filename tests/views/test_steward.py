"""HTTP tests of /forms/steward: sign-in, the list and its filters, editing, the .xlsx, the sign-in sheet."""
import datetime as dt
import io
import logging
import re

import openpyxl
import pytest

from forms_app import create_app
from forms_app.core import accounts, clock, history, references
from forms_app.core import outbox
from forms_app.residents import reception
from forms_app.residents import reports
from forms_app.delivery.sheet_layout import REPORTS, SIGNUPS, report_row
from tests.conftest import (SHEET_KEY, STEWARD_PASSWORD, SUPERVISOR, Forms, hidden_fields, reference,
                            checked, selected, sheet_values, sign_in, text)
from forms_app.core.store import transaction
from tests.samples import STEWARD

PASSWORD = STEWARD_PASSWORD
SESSION = "2099-01-03-am"
PAGES = ["/forms/steward", "/forms/steward?status=处理中", "/forms/steward/export.xlsx", "/forms/steward/reports/{ref}",
         "/forms/steward/sessions", f"/forms/steward/sessions/{SESSION}", f"/forms/steward/sessions/{SESSION}/outcomes"]


@pytest.fixture(autouse=True)
def accounts_made(steward_account):
    """Every test here runs with the accounts s1…s5 and the supervisor 'duban'."""
    return steward_account


@pytest.fixture
def session_id(db):
    """A session far in the future with two seats."""
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
               f"VALUES ('{SESSION}', '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会、业委会、法治专员', 2)")
    return SESSION


def new_report(forms, **changes) -> str:
    """A resident's report through the real form; its reference."""
    return reference(forms.client.get(forms.report(**changes).headers["Location"]))


@pytest.fixture
def steward(forms):
    """A client signed in as s1 陈静（示例）."""
    assert sign_in(forms.client, "s1").status_code == 303
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


@pytest.mark.parametrize("path", ["/forms/steward", "/forms/steward/login", f"/forms/steward/sessions/{SESSION}"])
def test_pages_are_off_until_an_account_exists_and_say_how(app_config, tmp_path, path):
    client = create_app({**app_config, "DATABASE": str(tmp_path / "empty.sqlite3")}).test_client()
    response = client.get(path)
    body = text(response)
    assert response.status_code == 503 and "大管家页面还没有开通" in body and "还没有任何大管家账号" in body
    assert "flask --app forms_app steward add s1 --password-stdin" in body and "--role supervisor" in body
    assert "Set-Cookie" not in response.headers


def test_a_disabled_last_account_switches_the_pages_off(app, client, db):
    for account_id in [r[0] for r in db.execute("SELECT id FROM accounts")]:
        accounts.disable(db, account_id)
    assert client.get("/forms/steward").status_code == 503


def test_sign_in_goes_back_to_the_page_asked_for(forms, ref):
    first = forms.client.get(f"/forms/steward/reports/{ref}")
    target = first.headers["Location"].split("next=", 1)[1]
    response = sign_in(forms.client, "s2", next=target)
    assert response.status_code == 303 and response.headers["Location"] == f"/forms/steward/reports/{ref}"
    assert STEWARD['s2'] in text(forms.client.get(response.headers["Location"]))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/forms/steward", "/forms/report", "/forms/stewardx"])
def test_sign_in_never_redirects_outside_the_steward_pages(client, target):
    response = sign_in(client, "s1", next=target)
    assert response.headers["Location"] == "/forms/steward"


@pytest.mark.parametrize("account, password", [("s1", "guess"), ("nobody", PASSWORD), ("S1 ", "guess")])
def test_wrong_account_or_password_gets_one_chinese_error_and_is_logged(client, account, password, caplog):
    caplog.set_level(logging.INFO)
    response = sign_in(client, account, password)
    body = text(response)
    assert response.status_code == 400 and "账号或密码不对" in body
    summary = body.split('class="error-summary"')[1].split("</div>")[0]
    assert summary.count("<li>") == 1 and password not in body.replace(PASSWORD, "")
    assert client.get("/forms/steward").status_code == 302
    [line] = [r.getMessage() for r in caplog.records if "sign-in failed" in r.getMessage()]
    named = account.strip().lower() if account.strip().lower() == "s1" else "(no such account)"  # only one that exists
    assert f"account {named} from 127.0.0.1" in line and password not in line and ("nobody" not in line)


@pytest.mark.parametrize("data, message", [({"account": "", "password": PASSWORD}, "请输入您的账号。"),
                                           ({"account": "s" * 33, "password": PASSWORD}, "账号太长了"),
                                           ({"account": "s1", "password": ""}, "请输入密码。"),
                                           ({"account": "s1", "password": "x" * 201}, "密码太长了")])
def test_sign_in_form_errors(forms, data, message):
    response = forms.submit("/forms/steward/login", data)
    assert response.status_code == 400 and message in text(response)
    assert forms.client.get("/forms/steward").status_code == 302


def test_failed_sign_ins_are_rate_limited(app_config, db):
    client = create_app({**app_config, "RATELIMIT_ENABLED": True}).test_client()
    assert [sign_in(client, "s1").status_code for _ in range(3)] == [303] * 3  # successes do not count
    codes = [sign_in(client, "s1", "guess").status_code for _ in range(6)]
    assert codes == [400] * 5 + [429]
    refused = sign_in(client, "s2")  # the right password too, once the address is over its limit
    assert refused.status_code == 429 and "操作太频繁了" in text(refused)
    assert db.execute("SELECT count(*) FROM login_attempts WHERE ok = 0").fetchone()[0] == 5


def copy_of(app, client):
    """Another browser holding a copy of this client's cookies."""
    other = app.test_client()
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def test_sign_out_is_a_post_and_ends_every_copy_of_the_cookie(app, steward):
    thief = copy_of(app, steward.client)
    assert thief.get("/forms/steward").status_code == 200
    assert steward.client.post("/forms/steward/logout").status_code == 303  # no token: still signed in
    assert steward.client.get("/forms/steward").status_code == 200
    token = hidden_fields(text(steward.client.get("/forms/steward")))["csrf_token"]
    response = steward.client.post("/forms/steward/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/forms/steward/login"
    assert steward.client.get("/forms/steward").status_code == 302
    assert thief.get("/forms/steward").status_code == 302


def test_disabling_an_account_ends_its_sign_ins_and_refuses_it(app, steward, db):
    thief = copy_of(app, steward.client)
    accounts.disable(db, "s1")
    for browser in (steward.client, thief):
        response = browser.get("/forms/steward")
        assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert sign_in(steward.client, "s1").status_code == 400
    assert sign_in(steward.client, "s2").status_code == 303  # the others are unaffected


def test_a_new_password_signs_the_account_out_everywhere(steward, db):
    accounts.set_password(db, "s1", "another-password")
    assert steward.client.get("/forms/steward").status_code == 302
    assert sign_in(steward.client, "s1").status_code == 400
    assert sign_in(steward.client, "s1", "another-password").status_code == 303


def test_a_new_sign_in_gets_a_fresh_session_and_csrf_secret(client):
    client.get("/forms/steward/login")
    with client.session_transaction() as before:
        before["refs"] = ["W222-333"]  # anything a resident's visit left in this browser
        old_secret = before["csrf_token"]
    assert sign_in(client, "s1").status_code == 303
    with client.session_transaction() as after:
        assert "refs" not in after and after.get("csrf_token") != old_secret
        first_token = after["steward_token"]
    assert sign_in(client, "s1").status_code == 303
    with client.session_transaction() as again:
        assert again["steward_token"] != first_token


def test_sign_in_expires(steward, monkeypatch):
    later = accounts.time.time() + 12 * 3600 + 1
    monkeypatch.setattr(accounts.time, "time", lambda: later)
    response = steward.client.get("/forms/steward")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert "登录已经过期了" in text(steward.client.get(response.headers["Location"]))


def test_a_forged_token_in_the_cookie_is_refused(client):
    with client.session_transaction() as session:
        session["steward_token"] = "forged"
    assert client.get("/forms/steward").status_code == 302


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


# --- The list ---------------------------------------------------------------------------

def test_list_newest_first_with_counts_and_columns(steward, db):
    refs = [new_report(steward, description=f"第 {n} 个问题，请尽快处理。") for n in range(3)]
    db.execute("UPDATE reports SET status = '处理中' WHERE ref = ?", (refs[0],))
    body = text(steward.client.get("/forms/steward?f=1"))
    assert [body.index(r) for r in reversed(refs)] == sorted(body.index(r) for r in refs)
    for header in ("编号", "提交时间", "小区", "类别", "状态", "负责", "首次联系", "时限"):
        assert f'<th scope="col">{header}</th>' in body
    counts = body.split('id="counts"')[1].split("</ul>")[0]
    assert "全部 <strong>3</strong>" in counts and "已受理 <strong>2</strong>" in counts and "处理中 <strong>1</strong>" in counts
    assert STEWARD['s5'] in body and "未联系" in body
    assert body.count("tag-urgent") == 3 and "先行联系今天到期" in body  # a leak: urgent category, same-day contact


def shanghai(text_):
    return dt.datetime.fromisoformat(text_ + "+08:00").isoformat()


@pytest.fixture
def varied(steward, db):
    """Five cases that differ in status, compound, category, channel, deadlines and phone; {name: ref}."""
    refs = {
        "leak_new": new_report(steward),
        "garbage_yanji5": new_report(steward, compound="yanji5", category="garbage", phone="139 0000 1111"),
        "stale": new_report(steward, compound="yanji4", building="12号"),
        "old_uncalled": new_report(steward, category="garbage"),
        "reopened": new_report(steward, compound="yanji4", category="garbage", urgent="yes"),
    }
    db.execute("UPDATE reports SET status = '处理中', first_contact_at = '2026-01-05', created_at = ?, "
               "first_contact_due = '2026-01-05', resolve_due = '2026-01-23' WHERE ref = ?",
               (shanghai("2026-01-02T10:00:00"), refs["stale"]))
    db.execute("UPDATE reports SET created_at = ?, first_contact_due = '2026-01-05', resolve_due = '2027-01-20', "
               "channel = '电话' WHERE ref = ?", (shanghai("2026-01-02T10:00:00"), refs["old_uncalled"]))
    db.execute("UPDATE reports SET status = '已解决', first_contact_at = '2026-11-01' WHERE ref = ?", (refs["garbage_yanji5"],))
    db.execute("UPDATE reports SET status = '处理中', first_contact_at = '2026-11-01', reopened = 1, "
               "reopened_at = '2026-11-20T10:00:00+08:00', rehandle_due = '2027-01-20' WHERE ref = ?", (refs["reopened"],))
    return refs


ALL = {"leak_new", "garbage_yanji5", "stale", "old_uncalled", "reopened"}


@pytest.mark.parametrize("query, expected", [
    ("status=处理中", {"stale", "reopened"}),
    ("status=已受理", {"leak_new", "old_uncalled"}),
    ("compound=yanji5", {"garbage_yanji5"}),
    ("category=garbage", {"garbage_yanji5", "old_uncalled", "reopened"}),
    ("channel=电话", {"old_uncalled"}),
    ("channel=网页", ALL - {"old_uncalled"}),
    ("overdue=y", {"stale", "old_uncalled"}),
    ("overdue=y&category=garbage", {"old_uncalled"}),
    ("urgent=y", {"leak_new", "stale", "reopened"}),  # a leak (urgent category), or ticked by the resident
    ("reopened=y", {"reopened"}),
    ("mine=y", {"stale", "reopened"}),            # s1: yanji4 is theirs
    ("q=1111", {"garbage_yanji5"}),               # phone digits
    ("q=139+0000+1111", {"garbage_yanji5"}),
    ("q=12号", {"stale"}),                        # building
    ("status=不存在&compound=<script>&channel=x", ALL),
    ("q=%25", set()), ("q=_", set()),             # LIKE wildcards are literal
])
def test_filters(steward, varied, query, expected):
    body = text(steward.client.get(f"/forms/steward?f=1&{query}"))
    assert {name for name, ref in varied.items() if ref in body} == expected


def test_search_by_reference_in_any_spelling(steward, varied):
    """As stored, as shown (2604 1937), in full-width digits, or its first six digits."""
    ref = varied["stale"]
    for typed in (ref, references.display(ref), "".join(chr(ord(c) + 0xFEE0) for c in ref), ref[:6]):
        body = text(steward.client.get("/forms/steward", query_string={"f": "1", "q": typed}))
        assert {name for name, r in varied.items() if r in body} == {"stale"}, typed


def test_search_finds_the_residents_own_phone_on_a_behalf_report(steward, varied, db):
    db.execute("UPDATE reports SET resident_phone = '+8613977776666' WHERE ref = ?", (varied["stale"],))
    body = text(steward.client.get("/forms/steward?f=1&q=7777 6666"))
    assert {name for name, ref in varied.items() if ref in body} == {"stale"}


def test_my_cases_are_the_default_after_sign_in(steward, varied, client):
    body = text(steward.client.get("/forms/steward"))
    assert {name for name, ref in varied.items() if ref in body} == {"stale", "reopened"}
    assert re.search(r'<input checked[^>]*id="mine"|id="mine"[^>]*checked', body)
    everything = text(steward.client.get("/forms/steward?f=1"))
    assert {name for name, ref in varied.items() if ref in everything} == ALL


def test_my_cases_follow_the_steward_named_in_charge(steward, varied, db):
    db.execute(f"UPDATE reports SET steward_name = '{STEWARD['s1']}' WHERE ref = ?", (varied["garbage_yanji5"],))
    db.execute(f"UPDATE reports SET steward_name = '{STEWARD['s2']}' WHERE ref = ?", (varied["stale"],))
    body = text(steward.client.get("/forms/steward"))
    assert {name for name, ref in varied.items() if ref in body} == {"garbage_yanji5", "reopened"}


def test_a_supervisor_has_no_my_cases_filter(client, varied):
    sign_in(client, SUPERVISOR)
    body = text(client.get("/forms/steward"))
    assert {name for name, ref in varied.items() if ref in body} == ALL and 'id="mine"' not in body


def test_filter_with_no_result_says_so(steward, varied):
    body = text(steward.client.get("/forms/steward?f=1&status=已转办"))
    assert "没有符合条件的问题。" in body and "清除筛选" in body


def test_overdue_rows_are_marked_with_the_reason_in_words(steward, varied):
    body = text(steward.client.get("/forms/steward?f=1"))
    assert body.count('class="is-overdue"') == 2 and body.count("tag-overdue") == 2
    assert re.search(r"办结超时 \d+ 个工作日", body) and re.search(r"先行联系超时 \d+ 个工作日", body)


def test_pages_of_fifty(steward, db):
    new_report(steward)
    row = db.execute("SELECT * FROM reports").fetchone()
    columns = [k for k in row.keys() if k not in ("id", "ref", "submission_id", "next_due")]  # next_due: computed
    for n in range(120):
        db.execute(f"INSERT INTO reports (ref, submission_id, {', '.join(columns)}) "
                   f"SELECT 'W{n:03d}-XYZ', 'sub{n}', {', '.join(columns)} FROM reports WHERE id = ?", (row["id"],))
    first = text(steward.client.get("/forms/steward?f=1"))
    assert first.count('data-label="编号"') == 50 and "第 1 页，共 3 页" in first and "全部问题：121 个" in first
    third = text(steward.client.get("/forms/steward?f=1&page=3"))
    assert third.count('data-label="编号"') == 21 and 'rel="prev"' in third and 'rel="next"' not in third
    assert "第 3 页" in text(steward.client.get("/forms/steward?f=1&page=99"))
    assert "第 1 页" in text(steward.client.get("/forms/steward?f=1&page=abc"))
    searched = text(steward.client.get("/forms/steward?f=1&q=5678&page=3"))  # every copy has the same phone
    assert searched.count('data-label="编号"') == 21 and "筛选结果：121 个" in searched
    assert "第 3 页，共 3 页" in text(steward.client.get("/forms/steward?f=1&q=5678&page=99"))
    assert "没有符合条件的问题" in text(steward.client.get("/forms/steward?f=1&q=0000 9999"))


def bulk_post(steward, query: str, data: dict):
    page = text(steward.client.get(f"/forms/steward?{query}"))
    return steward.client.post(f"/forms/steward?{query}", data={**hidden_fields(page), **data})


def test_bulk_status_change_goes_through_the_edit_path(steward, varied, db):
    chosen = [varied["leak_new"], varied["old_uncalled"]]
    response = bulk_post(steward, "f=1&status=已受理", {"refs": chosen, "bulk_status": "处理中"})
    assert response.status_code == 303 and "done=2" in response.headers["Location"]
    assert "status=" in response.headers["Location"]  # back to the same filters
    today = clock.now().strftime("%Y-%m-%d")
    for ref in chosen:
        row = reports.by_ref(db, ref)
        assert row["status"] == "处理中" and row["notes"] == f"{today} s1 {STEWARD['s1']}：状态 已受理→处理中"
        fields = [(h["actor"], h["field"], h["old"], h["new"]) for h in history.for_report(db, row["id"])]
        assert ("s1", "status", "已受理", "处理中") in fields
    assert sorted(u["状态"] for u in pending_updates(db)) == ["处理中", "处理中"]
    assert reports.by_ref(db, varied["stale"])["notes"] == ""
    assert "已改好 2 个问题的状态" in text(steward.client.get(response.headers["Location"]))


@pytest.mark.parametrize("data, message", [
    ({"bulk_status": "处理中"}, "请先勾选要改状态的问题。"),
    ({"refs": ["X"], "bulk_status": ""}, "请选择要改成的状态。"),
    ({"refs": ["X"], "bulk_status": "办完了"}, "请从列表里选择状态。"),
    ({"refs": [f"W{n}" for n in range(201)], "bulk_status": "处理中"}, "一次最多改 200 个问题。"),
])
def test_bulk_bad_input_changes_nothing_and_keeps_the_ticks(steward, varied, db, data, message):
    data = {**data, "refs": [varied["leak_new"] if r == "X" else r for r in data.get("refs", [])]}
    before = db.execute("SELECT group_concat(status) FROM reports").fetchone()[0]
    response = bulk_post(steward, "f=1", data)
    body = text(response)
    assert response.status_code == 400 and message in body and 'class="error-summary"' in body
    assert db.execute("SELECT group_concat(status) FROM reports").fetchone()[0] == before and pending_updates(db) == []
    if "X" in str(data) or varied["leak_new"] in data["refs"]:
        assert re.search(rf'value="{varied["leak_new"]}" id="pick-[^"]+" checked', body)


def test_just_contacted_stamps_the_first_contact_once(steward, varied, db, monkeypatch):
    ref = varied["old_uncalled"]
    response = bulk_post(steward, "f=1&overdue=y", {"contacted": ref})
    assert response.status_code == 303 and f"contacted={ref}" in response.headers["Location"]
    row = reports.by_ref(db, ref)
    assert row["first_contact_at"] == clock.now().strftime("%Y-%m-%d %H:%M")
    assert [u for u in pending_updates(db)] == [{"首次联系时间": row["first_contact_at"]}]
    assert [(h["actor"], h["field"]) for h in history.for_report(db, row["id"])][-1] == ("s1", "first_contact_at")
    body = text(steward.client.get(response.headers["Location"]))
    assert f"已记下 {references.display(ref)} 的首次联系时间" in body and ref not in body.split('id="worklist"')[-1]  # no longer overdue
    bulk_post(steward, "f=1", {"contacted": ref})  # a second tap changes nothing
    assert reports.by_ref(db, ref)["first_contact_at"] == row["first_contact_at"] and len(pending_updates(db)) == 1


def test_just_contacted_on_an_unknown_case_is_404(steward, varied):
    assert bulk_post(steward, "f=1", {"contacted": "W999-999"}).status_code == 404


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
    today = clock.now().strftime("%Y-%m-%d")
    assert before == 0 and pending_updates(db) == [{"状态": "处理中", "公开进展": "物业明天上午上门查看。",
                                                    "处理记录": f"{today} s1 {STEWARD['s1']}：状态 已受理→处理中"}]
    assert "已保存" in text(steward.client.get(response.headers["Location"]))


def test_saving_without_changes_queues_nothing(steward, ref, db):
    response = edit(steward, ref)
    assert response.headers["Location"].endswith("saved=0") and pending_updates(db) == []


def test_note_is_appended_with_date_and_name(steward, ref, db):
    db.execute("UPDATE reports SET notes = '2026-11-01 已电话联系'")
    edit(steward, ref, note="约了物业周三上门。", coordinating=["物业", "居委会"], steward_name=STEWARD['s3'])
    row = reports.by_ref(db, ref)
    today = clock.now().strftime("%Y-%m-%d")
    assert row["notes"] == f"2026-11-01 已电话联系\n{today} {STEWARD['s1']}：约了物业周三上门。"
    assert row["coordinating"] == "居委会、物业" and row["steward_name"] == STEWARD['s3']
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
    reports.update(db, reports.by_ref(db, ref)["id"], {"status": "已形成方案"}, actor="s2")
    response = steward.submit(f"/forms/steward/reports/{ref}", {"version": version, "status": "已受理",
                                                                "steward_name": STEWARD['s5'], "public_note": "旧的"})
    assert response.status_code == 409 and "被别人改过" in text(response)
    assert reports.by_ref(db, ref)["status"] == "已形成方案"


def test_two_saves_within_one_second_the_second_is_refused_and_keeps_what_was_typed(app, steward, ref, db):
    other = Forms(app.test_client())
    assert sign_in(other.client, "s2").status_code == 303
    pages = [text(f.client.get(f"/forms/steward/reports/{ref}")) for f in (steward, other)]
    fields = [{**hidden_fields(p), "version": re.search(r'name="version" type="hidden" value="([^"]*)"', p).group(1),
               "steward_name": STEWARD['s5']} for p in pages]
    first = steward.client.post(f"/forms/steward/reports/{ref}", data={**fields[0], "status": "处理中", "public_note": "甲"})
    second = other.client.post(f"/forms/steward/reports/{ref}", data={**fields[1], "status": "已解决",
                                                                      "public_note": "乙写的公开进展", "note": "乙的处理记录"})
    assert first.status_code == 303 and second.status_code == 409
    body = text(second)
    assert "被别人改过" in body and "乙写的公开进展" in body and "乙的处理记录" in body
    row = reports.by_ref(db, ref)
    assert (row["status"], row["public_note"], row["version"]) == ("处理中", "甲", 1)
    assert re.search(r'name="version" type="hidden" value="1"', body)  # saving again now works
    again = other.client.post(f"/forms/steward/reports/{ref}", data={**fields[1], "version": "1", "status": "已解决",
                                                                     "public_note": "乙写的公开进展"})
    assert again.status_code == 303 and reports.by_ref(db, ref)["status"] == "已解决"


def test_unknown_report_is_a_chinese_404(steward):
    response = steward.client.get("/forms/steward/reports/W222-333")
    assert response.status_code == 404 and "没有找到这个页面" in text(response)


# --- With the stewards' Google Sheet ------------------------------------------------------

@pytest.fixture
def sheet_steward(sheet_app):
    forms = Forms(sheet_app.test_client())
    assert sign_in(forms.client, "s1").status_code == 303
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


def test_sheet_mode_shows_the_list_and_the_way_to_the_sheet(sheet_steward):
    ref = new_report(sheet_steward)
    body = text(sheet_steward.client.get("/forms/steward?f=1"))
    assert f'href="https://docs.google.com/spreadsheets/d/{SHEET_KEY}/edit"' in body
    assert 'id="worklist"' in body and ref in body and "/forms/steward/sessions" in body


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
    steward.signup(session_id, linked_ref=ref, phone="138 1234 5678")  # the report's own phone: linked
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
    for name, phone, linked in (("李先生", "13812345678", ref), ("张阿姨", "13900000002", ""), ("赵师傅", "13900000003", "")):
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
    today = clock.now().strftime("%Y-%m-%d")
    assert report["notes"] == f"{today} s1 {STEWARD['s1']}：状态 处理中→已形成方案\n2099-01-03 联合接待：法治专员讲了征询流程，下周发征询表。"
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
    sheet_steward.signup(session_id, linked_ref=ref, phone="138 1234 5678")
    deliver(sheet_app)
    data = outcome_fields(sheet_steward, session_id, {0: {"attended": "是", "outcome": "物业答应本月修好。", "status": "处理中"}})
    sheet_steward.submit(f"/forms/steward/sessions/{session_id}/outcomes", data)
    deliver(sheet_app)
    record = sheet_record(emu, ref)
    assert record["处理记录"].endswith("：状态 已受理→处理中\n2099-01-03 联合接待：物业答应本月修好。")
    assert record["状态"] == "处理中"


# --- The supervisor: reads everything, changes nothing ---------------------------------------

def steward_post_routes(app) -> list[str]:
    """Every URL rule of the steward blueprint that takes a POST (sign-in, sign-out and the supervisor's own
    督办 and 核实 aside)."""
    from forms_app.views.steward import SUPERVISOR_POSTS
    return sorted({r.rule for r in app.url_map.iter_rules()
                   if r.endpoint.startswith("steward.") and "POST" in r.methods
                   and r.endpoint not in ("steward.login", *SUPERVISOR_POSTS)})


@pytest.fixture
def supervisor(app):
    forms = Forms(app.test_client())
    assert sign_in(forms.client, SUPERVISOR).status_code == 303
    return forms


def test_a_supervisor_cannot_change_anything(app, supervisor, ref, session_id, db, caplog):
    supervisor.signup(session_id, linked_ref=ref)
    caplog.set_level(logging.INFO)
    before = [db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("reports", "signups", "outbox", "case_history")]
    rules = steward_post_routes(app)
    assert "/forms/steward" in rules and "/forms/steward/reports/<ref>" in rules and len(rules) >= 3
    values = {"ref": ref, "session_id": session_id, "item_id": "1", "supervision_id": "1"}
    for rule in rules:
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values.get(m.group(1), "x")), rule)
        page = text(supervisor.client.get(url))
        data = {**hidden_fields(page), "status": "已解决", "bulk_status": "已解决", "refs": [ref], "contacted": ref,
                "public_note": "督办改的", "entries-0-status": "已解决", "entries-0-outcome": "督办改的"}
        response = supervisor.client.post(url, data=data)
        body = text(response)
        assert response.status_code == 403 and "只能查看，不能修改" in body and "什么都没有改动" in body, rule
    after = [db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("reports", "signups", "outbox", "case_history")]
    assert [[tuple(r) for r in t] for t in after] == [[tuple(r) for r in t] for t in before]
    assert "supervisor duban refused: POST" in caplog.text


def test_a_supervisor_sees_everything_without_forms_and_can_sign_out(supervisor, ref, session_id):
    listing = text(supervisor.client.get("/forms/steward?f=1"))
    assert ref in listing and "批量修改状态" not in listing and "刚联系过" not in listing and 'name="refs"' not in listing
    assert "督办，只能查看" in listing
    case = text(supervisor.client.get(f"/forms/steward/reports/{ref}"))
    assert "王阿姨" in case and 'id="read-only"' in case and 'name="status"' not in case and "改动记录" in case
    assert supervisor.client.get("/forms/steward/export.xlsx").status_code == 200
    token = hidden_fields(listing)["csrf_token"]
    assert supervisor.client.post("/forms/steward/logout", data={"csrf_token": token}).status_code == 303
    assert supervisor.client.get("/forms/steward").status_code == 302


# --- History: every change leaves a row, shown on the case page ---------------------------------

def test_every_kind_of_change_writes_a_history_row(steward, ref, session_id, db):
    report_id = reports.by_ref(db, ref)["id"]
    assert [(h["actor"], h["field"]) for h in history.for_report(db, report_id)] == [("居民", "created")]
    edit(steward, ref, status="处理中", steward_name=STEWARD['s3'], coordinating=["物业"], first_contact_at="2026-11-03 09:05",
         note="约了物业周三上门。", public_note="物业周三上门。")
    fields = {h["field"] for h in history.for_report(db, report_id) if h["actor"] == "s1"}
    assert fields == {"status", "steward_name", "coordinating", "first_contact_at", "notes", "public_note"}
    bulk_post(steward, "f=1", {"refs": [ref], "bulk_status": "已形成方案"})
    steward.signup(session_id, linked_ref=ref, phone="138 1234 5678")
    data = outcome_fields(steward, session_id, {0: {"attended": "是", "outcome": "各方同意下周施工。", "status": "已解决"}})
    steward.submit(f"/forms/steward/sessions/{session_id}/outcomes", data)
    rows = [(h["actor"], h["field"], h["old"], h["new"]) for h in history.for_report(db, report_id)]
    statuses = [(old, new) for actor, field, old, new in rows if field == "status"]
    assert statuses == [("已受理", "处理中"), ("处理中", "已形成方案"), ("已形成方案", "已解决")]
    assert ("s1", "resolved_at", "", clock.now().strftime("%Y-%m-%d")) in rows
    assert all(actor == "s1" for actor, *_ in rows[1:])
    other = new_report(steward, description="另一个问题，门禁坏了，请尽快来修。")
    bulk_post(steward, "f=1", {"contacted": other})
    assert [h["field"] for h in history.for_report(db, reports.by_ref(db, other)["id"])] == ["created", "first_contact_at"]


def test_the_case_page_shows_the_history_in_chinese(steward, ref, db):
    edit(steward, ref, status="处理中", note="已电话联系。")
    body = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    table = body.split('id="history"')[1].split("</table>")[0]
    today = clock.now().strftime("%Y-%m-%d")
    assert "<td>居民</td><td>登记</td>" in table and f"s1 {STEWARD['s1']}</td><td>状态</td>" in table
    assert "<td>已受理</td><td>处理中</td>" in table.replace('<td class="prewrap">', "<td>")
    assert f"{today} s1 {STEWARD['s1']}：状态 已受理→处理中" in table and "已电话联系。" in table
    assert "status" not in table and "notes" not in table  # field names in Chinese


def test_the_xlsx_follows_the_current_filters_and_has_an_autofilter(steward, varied):
    listing = text(steward.client.get("/forms/steward?f=1&category=garbage&status=处理中"))
    link = re.search(r'href="(/forms/steward/export\.xlsx\?[^"]+)"[^>]*id="export"', listing).group(1).replace("&amp;", "&")
    assert "下载筛选出的 1 个问题" in listing
    book = openpyxl.load_workbook(io.BytesIO(steward.client.get(link).data))
    sheet = book["问题登记"]
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == [varied["reopened"]]
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(REPORTS.headers)).column_letter}2"
    assert book["接待报名"].auto_filter.ref.startswith("A1:")
    everything = openpyxl.load_workbook(io.BytesIO(steward.client.get("/forms/steward/export.xlsx").data))["问题登记"]
    assert everything.max_row == 1 + len(varied)  # the plain link: every case


def test_steward_pages_link_the_lift_vote_calculator(forms, steward):
    body = forms.client.get("/forms/steward").get_data(as_text=True)
    assert 'href="/forms/tools/lift-vote"' in body and "加装电梯表决计算器" in body


def test_came_on_the_outcomes_page_is_the_first_contact_of_the_linked_case(steward, session_id, crowd, db):
    db.execute("UPDATE reports SET first_contact_at = ''")
    data = outcome_fields(steward, session_id, {0: {"attended": "是"}, 1: {"attended": "否"}})
    steward.submit(f"/forms/steward/sessions/{session_id}/outcomes", data)
    report = reports.by_ref(db, crowd["report"])
    assert report["first_contact_at"][:10] == clock.now().strftime("%Y-%m-%d")
    page = text(steward.client.get(f"/forms/steward/reports/{crowd['report']}"))
    assert "先行联系按时" in page


# --- Closing a case honestly (issue 20, item 8) ---------------------------------------------------------

@pytest.mark.parametrize("status, message", [("不予受理", "请在“公开进展”里写明原因"), ("已转办", "请在“公开进展”里写明转给了哪里")])
def test_refusing_or_passing_on_a_case_needs_the_reason_or_destination(steward, db, app, status, message):
    ref = new_report(steward)
    response = edit(steward, ref, status=status, public_note="")
    assert response.status_code == 400 and message in text(response)
    assert reports.by_ref(db, ref)["status"] == "已受理"
    said = "不属于物业维修范围，请联系房管办：021-5555 0000。" if status == "不予受理" else "已转给区房管局。"
    assert edit(steward, ref, status=status, public_note=said).status_code == 303
    resident = text(Forms(app.test_client()).submit("/forms/status", {"ref": ref, "last4": "5678"}))
    assert status in resident and said.split("：")[0] in resident


def test_a_12345_case_carries_its_ticket_number(steward, db):
    from tests.views.test_steward_intake import register
    response = register(steward, channel="12345转办", ticket_no="")
    assert response.status_code == 400 and "请填写 12345 工单号" in text(response)
    response = register(steward, channel="12345转办", ticket_no="2026120700123")
    ref = reference(steward.client.get(response.headers["Location"]))
    assert reports.by_ref(db, ref)["ticket_no"] == "2026120700123"
    assert "2026120700123" in text(steward.client.get(f"/forms/steward/reports/{ref}"))


def test_bulk_closing_asks_the_public_note_once_for_all(steward, varied, db):
    chosen = [varied["leak_new"], varied["old_uncalled"]]
    response = bulk_post(steward, "f=1", {"refs": chosen, "bulk_status": "已解决"})
    assert response.status_code == 400 and "请在“公开进展”里写一句办得怎么样" in text(response)
    assert all(reports.by_ref(db, r)["status"] != "已解决" for r in chosen)
    response = bulk_post(steward, "f=1", {"refs": chosen, "bulk_status": "已解决", "bulk_note": "物业已统一维修。"})
    assert response.status_code == 303
    assert all((reports.by_ref(db, r)["status"], reports.by_ref(db, r)["public_note"]) == ("已解决", "物业已统一维修。")
               for r in chosen)


# --- Joint receptions (issue 20, item 10) ---------------------------------------------------------------

def test_register_as_a_case_from_a_sign_up_prefills_and_links(steward, session_id, crowd, db):
    zhang = reception.by_ref(db, crowd["张阿姨"])
    outcomes_page = text(steward.client.get(f"/forms/steward/sessions/{session_id}/outcomes"))
    assert f'id="register-{zhang["id"]}"' in outcomes_page
    assert f'id="register-{reception.by_ref(db, crowd["李先生"])["id"]}"' not in outcomes_page  # already linked
    form = text(steward.client.get(f"/forms/steward/reports/new?signup={zhang['id']}"))
    assert "张阿姨" in form and "139 0000 0002" in form and zhang["topic"] in form
    assert checked(form, "channel") == ["联合接待"] and selected(form, "compound") == [zhang["compound_id"]]
    fields = {"channel": "联合接待", "compound": zhang["compound_id"], "building": "12号", "category": "lift-retrofit",
              "description": zhang["topic"], "contact_name": "张阿姨", "phone": "139 0000 0002",
              "signup_id": str(zhang["id"]), "session_id": session_id, "contacted": "y"}
    response = steward.submit(f"/forms/steward/reports/new?signup={zhang['id']}", fields)
    ref = reference(steward.client.get(response.headers["Location"]))
    assert reception.by_ref(db, crowd["张阿姨"])["linked_ref"] == ref
    assert reports.by_ref(db, ref)["session_id"] == session_id and reports.by_ref(db, ref)["first_contact_at"]


def test_the_printed_sheet_has_blank_rows_for_people_who_come_without_signing_up(steward, session_id, crowd):
    body = text(steward.client.get(f"/forms/steward/sessions/{session_id}"))
    walk_ins = body.split('id="walk-ins"')[1].split("</table>")[0]
    assert "没有报名、当场来的居民" in walk_ins and walk_ins.count("<tr>") == 1 + 6


def test_sign_ups_close_when_the_session_starts(steward, db):
    now = clock.now()
    started = (now - dt.timedelta(minutes=5)).strftime("%H:%M")
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
               f"VALUES ('now', '{now.date().isoformat()}', '{started}', '23:59', '社区服务中心', '居委会', 1)")
    assert "now" not in [s.id for s in reception.open_sessions(db)]
    with pytest.raises(LookupError):
        reception.sign_up(db, "now", "f" * 32, {"name": "李先生", "phone": "+8613900000009", "compound_id": "yanji2",
                                                "topic": "想问加装电梯", "linked_ref": ""})
    with transaction(db):
        for n, state in ((1, "confirmed"), (2, "waiting")):
            db.execute("INSERT INTO signups (ref, submission_id, session_id, created_at, updated_at, name, phone, compound_id, "
                       f"topic, state, queued_at) VALUES ('8000000{n}', 's{n}', 'now', ?, ?, '居民', '+861390000000{n}', "
                       f"'yanji2', '想问', '{state}', ?)", (clock.iso(now),) * 3)
    assert reception.cancel(db, "80000001") is None  # no 候补转正 once the session has begun
    assert db.execute("SELECT state FROM signups WHERE ref = '80000002'").fetchone()[0] == "waiting"
    assert db.execute("SELECT count(*) FROM texts WHERE kind = 'promoted'").fetchone()[0] == 0


def test_the_xlsx_sign_up_sheet_follows_the_compound_filter(steward, session_id, crowd):
    book = openpyxl.load_workbook(io.BytesIO(steward.client.get("/forms/steward/export.xlsx?f=1&compound=yanji2").data))
    assert book["接待报名"].max_row == 1   # the sign-ups are all of 控江东三村
    everyone = openpyxl.load_workbook(io.BytesIO(steward.client.get("/forms/steward/export.xlsx?f=1").data))
    assert everyone["接待报名"].max_row == 1 + 3
