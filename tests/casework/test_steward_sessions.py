"""The sessions editor: create, edit, close joint-reception sessions — with and without the Google Sheet."""
import datetime as dt

import pytest

from forms_app.casework import sessions
from forms_app.core import clock, outbox
from forms_app.core.store import connect
from forms_app.delivery.sheet_layout import SESSIONS
from forms_app.delivery.sheets import Sheets
from forms_app.delivery.sync import Worker
from forms_app.residents import reception
from tests.conftest import Forms, add_accounts, hidden_fields, sheet_values, text
from tests.conftest import sign_in as account_sign_in

DAY = (clock.now().date() + dt.timedelta(days=30)).isoformat()
PLACE = "延吉新村街道社区服务中心二楼会议室（示例）"
GOOD = {"date": DAY, "start_time": "9:00", "end_time": "11:00", "place": PLACE, "place_other": "",
        "parties": ["居委会", "物业"], "capacity": "10", "is_open": "yes", "note": "带上物业合同"}


def sign_in(client) -> Forms:
    """The one place these tests sign a steward in: the account s1 (conftest's accounts and helper)."""
    add_accounts(client.application.config["DATABASE"])
    assert account_sign_in(client, "s1").status_code == 303
    return Forms(client)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SEED_SAMPLE_SESSIONS": False}


@pytest.fixture
def steward(client):
    return sign_in(client)


def create(steward, **changes):
    return steward.submit("/forms/steward/sessions/new", {**GOOD, **changes})


def close(steward, ident):
    """Press 停止报名 on the session's edit page."""
    page = steward.client.get(f"/forms/steward/sessions/{ident}/edit")
    return steward.client.post(f"/forms/steward/sessions/{ident}/close", data=hidden_fields(text(page)))


def only_session(db):
    return db.execute("SELECT * FROM sessions").fetchone()


def test_a_new_session_is_open_to_residents_and_queued_for_the_sheet(steward, client, db):
    response = create(steward)
    assert response.status_code == 303
    row = only_session(db)
    assert (row["id"], row["date"], row["start_time"], row["place"], row["parties"], row["capacity"], row["note"]) == \
        (f"{DAY}-am", DAY, "9:00", PLACE, "居委会、物业", 10, "带上物业合同")
    assert "已保存" in text(client.get(response.headers["Location"]))
    assert PLACE in text(client.get("/forms/reception"))
    [item] = outbox.pending(db, 10, ("session",))
    assert outbox.payload(item) == {"id": row["id"]}


def test_a_place_written_in_and_a_second_session_the_same_morning(steward, db):
    create(steward)
    assert create(steward, place="other", place_other="控江东三村活动室").status_code == 303
    ids = [r[0] for r in db.execute("SELECT id FROM sessions ORDER BY rowid")]
    assert ids == [f"{DAY}-am", f"{DAY}-am-2"]
    assert db.execute("SELECT place FROM sessions WHERE id = ?", (ids[1],)).fetchone()[0] == "控江东三村活动室"


@pytest.mark.parametrize("changes, field, message", [
    ({"date": ""}, "date", "请填写日期"),
    ({"date": "下周六"}, "date", "日期的格式不对"),
    ({"date": "2026-02-30"}, "date", "日期的格式不对"),
    ({"date": "2020-01-04"}, "date", "日期不能早于今天"),
    ({"start_time": "上午"}, "start_time", "开始时间的格式不对"),
    ({"start_time": "25:00"}, "start_time", "开始时间的格式不对"),
    ({"end_time": ""}, "end_time", "请填写结束时间"),
    ({"end_time": "8:30"}, "end_time", "结束时间要晚于开始时间"),
    ({"place": ""}, "place", "请选择地点"),
    ({"place": "月球"}, "place", "请从列表里选择地点"),
    ({"place": "other"}, "place", "请在下面写上地点"),
    ({"parties": []}, "parties", "请至少选一个参加单位"),
    ({"parties": ["居委会", "外星人"]}, "parties", "请从列表里选择参加单位"),
    ({"capacity": "501"}, "capacity", "名额请填 0 到 500 之间的整数"),
    ({"capacity": "-1"}, "capacity", "名额请填 0 到 500 之间的整数"),
    ({"capacity": "十"}, "capacity", "名额请填 0 到 500 之间的整数"),
    ({"is_open": ""}, "is_open", "请选择是否开放报名"),
    ({"is_open": "maybe"}, "is_open", "请选择是否开放报名"),
    ({"note": "长" * 201}, "note", "说明太长了"),
])
def test_bad_input_names_the_field_keeps_what_was_typed_stores_nothing(steward, db, changes, field, message):
    response = create(steward, **{**changes, "note": changes.get("note", "记得带签到表")})
    body = text(response)
    assert response.status_code == 400 and message in body and f'href="#{field}' in body
    assert "记得带签到表" in body or field == "note"
    assert only_session(db) is None and outbox.backlog(db) == 0


def test_capacity_accepts_full_width_digits_and_people(steward, db):
    assert create(steward, capacity="１２人").status_code == 303
    assert only_session(db)["capacity"] == 12


def seat(db, session_id, n, state):
    db.execute("INSERT INTO signups (ref, submission_id, session_id, created_at, updated_at, name, phone, compound_id, "
               "topic, state, queued_at) VALUES (?, ?, ?, '2026-11-01', '2026-11-01', '居民', ?, 'yanji2', '加装电梯', ?, ?)",
               (f"J{n:03d}-2222", f"s{n:031x}", session_id, f"+8613900000{n:03d}", state, f"2026-11-01T09:{n:02d}"))


def test_capacity_below_the_confirmed_seats_is_refused(steward, db):
    create(steward, capacity="3")
    ident = only_session(db)["id"]
    for n in range(3):
        seat(db, ident, n, "confirmed")
    response = steward.submit(f"/forms/steward/sessions/{ident}/edit", {**GOOD, "capacity": "2"})
    assert response.status_code == 400 and "已有 3 位居民报上了名，名额不能少于 3" in text(response)
    assert only_session(db)["capacity"] == 3
    with pytest.raises(sessions.CapacityError):            # the same rule below the form, inside the transaction
        sessions.save(db, {**GOOD, "capacity": 1, "is_open": True, "parties": "居委会"}, ident)


def test_more_seats_go_to_the_waiting_list_in_order(steward, db):
    create(steward, capacity="1")
    ident = only_session(db)["id"]
    seat(db, ident, 1, "confirmed")
    seat(db, ident, 2, "waiting")
    seat(db, ident, 3, "waiting")
    seat(db, ident, 4, "waiting")
    response = steward.submit(f"/forms/steward/sessions/{ident}/edit", {**GOOD, "capacity": "3"})
    assert "moved=2" in response.headers["Location"]
    states = dict(db.execute("SELECT ref, state FROM signups ORDER BY id").fetchall())
    assert list(states.values()) == ["confirmed", "confirmed", "confirmed", "waiting"]
    assert len(outbox.pending(db, 10, ("signup",))) == 2


def test_edit_shows_the_stored_values_and_close_stops_sign_ups(steward, client, db):
    create(steward, place="other", place_other="居委会活动室")
    ident = only_session(db)["id"]
    page = text(client.get(f"/forms/steward/sessions/{ident}/edit"))
    assert 'value="居委会活动室"' in page and f'value="{DAY}"' in page
    assert close(steward, ident).status_code == 303
    assert only_session(db)["is_open"] == 0 and "居委会活动室" not in text(client.get("/forms/reception"))
    assert len(outbox.pending(db, 10, ("session",))) == 2


def test_unknown_session_is_a_404(steward, client):
    assert client.get("/forms/steward/sessions/nope/edit").status_code == 404
    assert steward.client.post("/forms/steward/sessions/nope/close", data={}).status_code == 404


def test_signed_out_cannot_create(client, db, steward_account):
    response = client.post("/forms/steward/sessions/new", data=GOOD)
    assert response.status_code in (302, 303) and only_session(db) is None


# --- with the Google Sheet ---------------------------------------------------------------------

@pytest.fixture
def sheet_config(sheet_config):
    return {**sheet_config, "SEED_SAMPLE_SESSIONS": False}


def sessions_in_sheet(emu) -> list[dict]:
    values = sheet_values(emu, SESSIONS.title)
    return [dict(zip(values[0], r + [""] * (len(values[0]) - len(r)))) for r in values[1:]]


def test_with_the_sheet_edits_reach_it_and_it_stays_editable(sheet_app, emu):
    conn = connect(sheet_app.config["DATABASE"])
    sheets = Sheets.from_config(sheet_app.config)
    worker = Worker(conn, sheets, sheet_app.extensions["directory"], sleep=lambda s: None)
    steward = sign_in(sheet_app.test_client())
    try:
        create(steward)
        ident = only_session(conn)["id"]
        worker.pull()                                          # not in the sheet yet: must not be closed by the read
        assert only_session(conn)["is_open"] == 1
        worker.deliver()
        [row] = sessions_in_sheet(emu)
        assert (row["场次编号"], row["日期"], row["开始"], row["地点"], row["名额"], row["开放报名"], row["说明"]) == \
            (ident, DAY, "9:00", PLACE, "10", "是", "带上物业合同")
        steward.submit(f"/forms/steward/sessions/{ident}/edit", {**GOOD, "capacity": "20"})
        sheets.update_cells(SESSIONS, [(f"{SESSIONS.letter('说明')}2", "表格里改的说明")])
        worker.pull()                                          # the local edit is still on its way: kept
        assert only_session(conn)["capacity"] == 20
        worker.deliver()
        [row] = sessions_in_sheet(emu)                         # rewritten in place, not appended
        assert row["名额"] == "20"
        sheets.update_cells(SESSIONS, [(f"{SESSIONS.letter('名额')}2", "15"), (f"{SESSIONS.letter('地点')}2", "居委会")])
        worker.pull()                                          # the sheet's edit comes back in
        assert (only_session(conn)["capacity"], only_session(conn)["place"]) == (15, "居委会")
        close(steward, ident)
        worker.deliver()
        assert sessions_in_sheet(emu)[0]["开放报名"] == "否" and outbox.backlog(conn) == 0
        assert [s.id for s in reception.open_sessions(conn)] == []
    finally:
        sheets.close()
        conn.close()


def test_a_lost_answer_to_the_append_does_not_double_the_row(sheet_app, emu):
    conn = connect(sheet_app.config["DATABASE"])
    sheets = Sheets.from_config(sheet_app.config)
    worker = Worker(conn, sheets, sheet_app.extensions["directory"], sleep=lambda s: None)
    try:
        sessions.save(conn, {**GOOD, "capacity": 5, "is_open": True, "parties": "居委会"})
        emu.faults.add("applied_then_drop", op="values.append")
        assert worker.cycle() is False
        assert worker.cycle() is True
        assert len(sessions_in_sheet(emu)) == 1 and outbox.backlog(conn) == 0
    finally:
        sheets.close()
        conn.close()


def test_a_new_session_is_open_for_sign_ups_by_default(steward):
    from tests.conftest import checked
    assert checked(text(steward.client.get("/forms/steward/sessions/new")), "is_open") == ["yes"]
