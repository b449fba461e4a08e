"""`flask digest`: working days (weekends, 调休, National Day), each section, --print, sending, last-sent state."""
import datetime as dt

import pytest

from forms_app.core import clock, deadlines
from forms_app.notices import notify
from forms_app.publishing import digest
from forms_app.residents import reception
from forms_app.residents import reports
from forms_app.core.clock import SHANGHAI, iso
from forms_app.core.store import transaction
from tests.conftest import without_refs
from tests.sinks import WebhookSink, smtp  # noqa: F401 - smtp is a fixture
from tests.residents.test_reports import DATA
from tests.samples import STEWARD

# The stewards as the directory lists them: a sixth steward in the data needs no edit here.
STEWARDS = list(STEWARD.values())
PRIVATE = {"contact_name": "王阿姨", "room": "601", "phone": "+8613812345678",
           "description": "卫生间天花板一直滴水，王阿姨 601 室，电话 138 1234 5678"}


@pytest.fixture
def robot():
    s = WebhookSink("wecom").start()
    yield s
    s.stop()


@pytest.fixture
def app_config(app_config, tmp_path):
    """No sample sessions: each test lays out its own joint receptions. A working-day file with a
    (fake, test-only) 2027 notice, so the 【工作日提醒】 does not add a message here
    (tests/core/test_workdays.py tests it)."""
    from tests.core.test_workdays import FAKE_2027, statutory_block

    workdays_file = tmp_path / "workdays.yaml"
    workdays_file.write_text(statutory_block() + FAKE_2027, encoding="utf-8")
    return {**app_config, "SEED_SAMPLE_SESSIONS": False, "WORKDAYS_FILE": str(workdays_file)}


@pytest.fixture
def sending(app_config, robot, smtp):
    """An app whose digest goes to the robot sink and the SMTP sink."""
    from forms_app import create_app

    from forms_app.core import backup
    from forms_app.core.store import connect

    app = create_app({**app_config, "ALERT_WEBHOOK_URL": robot.url(), "ALERT_SMTP_HOST": "127.0.0.1",
                      "ALERT_SMTP_PORT": smtp.port, "ALERT_SMTP_SECURITY": "none",
                      "ALERT_EMAIL_FROM": "bot@example.com", "ALERT_EMAIL_TO": "team@example.com",
                      "ALERT_STEWARD_EMAILS": "s5:zhou@example.com"})
    connect(app.config["DATABASE"]).close()
    backup.take(app.config["DATABASE"], backup.backup_dir(app.config), 1)  # a fresh backup: no 【备份提醒】
    return app


def at(day: str, time: str = "10:00") -> str:
    """'2026-10-09', '14:05' → the store's ISO time in Shanghai."""
    return iso(dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI))


_count = iter(range(10_000))


def add(db, created: str, **changes) -> dict:
    """A report created at `created` (ISO), with steward columns changed; returns its row."""
    steward = {k: changes.pop(k) for k in ("status", "first_contact_at", "steward_name", "plan_due") if k in changes}
    row, _ = reports.create(db, f"{next(_count):032x}", {**DATA, **changes})
    with transaction(db):
        db.execute("UPDATE reports SET created_at = ? WHERE id = ?", (created, row["id"]))
        for key, value in steward.items():
            db.execute(f"UPDATE reports SET {key} = ? WHERE id = ?", (value, row["id"]))
    return reports.by_ref(db, row["ref"])


def printed(app, day: str) -> str:
    """`flask digest --print --date day` output."""
    result = app.test_cli_runner().invoke(args=["digest", "--print", "--date", day])
    assert result.exit_code == 0, result.output
    return result.output


def section(output: str, steward: str, number: str) -> str:
    """One numbered section (一 … 八) of one steward's part of the printed digest ('' when absent)."""
    part = output.split("【每日汇总】")[1:]
    [mine] = [p for p in part if p.split("\n")[0].endswith(steward)]
    blocks = mine.split("\n\n")
    return "\n".join(b for b in blocks if b.startswith(number + "、"))


# --- working days -------------------------------------------------------------------------------------

@pytest.mark.parametrize("created, call_by", [
    ("2026-11-13", "2026-11-16"),  # Friday → Monday, over a weekend
    ("2026-09-24", "2026-09-28"),  # Thursday → Monday: 中秋节 Friday 25th, then the weekend
    ("2026-09-30", "2026-10-08"),  # the eve of National Day → the first day back
    ("2026-10-09", "2026-10-10"),  # Friday → Saturday 10th, an adjusted working day (调休上班)
    ("2026-10-10", "2026-10-12"),  # that Saturday → Monday
])
def test_call_back_day_follows_the_official_calendar(created, call_by):
    moment = dt.datetime.fromisoformat(f"{created}T10:00").replace(tzinfo=SHANGHAI)
    assert deadlines.first_contact_due(moment, False, deadlines.Limits()) == dt.date.fromisoformat(call_by)


@pytest.mark.parametrize("created, on_time, overdue", [
    ("2026-11-13", ["2026-11-14", "2026-11-15", "2026-11-16"], "2026-11-17"),   # a weekend
    ("2026-09-30", ["2026-10-02", "2026-10-07", "2026-10-08"], "2026-10-09"),   # National Day
    ("2026-10-09", ["2026-10-10", "2026-10-11"], "2026-10-12"),                 # 调休 Saturday counts; Sunday is no working day late
])
def test_not_contacted_after_one_working_day(app, db, created, on_time, overdue):
    row = add(db, at(created), category_id="garbage")  # not urgent: one working day (urgent: the same day)
    for day in on_time:
        assert row["ref"] not in section(printed(app, day), STEWARD['s5'], "一")
    listed = section(printed(app, overdue), STEWARD['s5'], "一")
    assert row["ref"] in listed and "先行联系超时，还没联系居民（1 条）" in listed
    assert "先行联系超时 1 个工作日" in listed


def test_contacted_or_closed_reports_are_not_overdue(app, db):
    contacted = add(db, at("2026-11-02"), first_contact_at="2026-11-02 15:00")
    closed = add(db, at("2026-11-02"), status="已解决")
    forwarded = add(db, at("2026-11-02"), status="已转办")
    waiting = add(db, at("2026-11-02"), status="处理中")
    listed = section(printed(app, "2026-11-05"), STEWARD['s5'], "一")
    assert waiting["ref"] in listed
    assert not any(r["ref"] in listed for r in (contacted, closed, forwarded))


# --- the other sections -----------------------------------------------------------------------------------

def test_resolution_overdue_with_the_reason(app, db):
    # Received 10-01 (National Day): 15 working days end 10-27 (the 调休 Saturday 10-10 counts).
    old = add(db, at("2026-10-01"), status="处理中", first_contact_at="2026-10-08")
    received = add(db, at("2026-10-01"), status="已受理", first_contact_at="2026-10-08")
    planned = add(db, at("2026-10-01"), status="已形成方案", first_contact_at="2026-10-08")  # a plan is not the end
    dated = add(db, at("2026-10-01"), status="已形成方案", first_contact_at="2026-10-08", plan_due="2026-12-31")
    young = add(db, at("2026-10-20"), status="处理中", first_contact_at="2026-10-20")
    uncontacted = add(db, at("2026-10-01"), status="处理中")
    output = printed(app, "2026-11-03")
    listed = section(output, STEWARD['s5'], "二")
    assert old["ref"] in listed and received["ref"] in listed and "处理中，办结超时 5 个工作日" in listed
    assert planned["ref"] in listed and "已形成方案，办结超时 5 个工作日" in listed
    assert dated["ref"] not in listed and young["ref"] not in listed  # a plan's 落实 clock runs to its last 分工
    assert uncontacted["ref"] in listed and uncontacted["ref"] in section(output, STEWARD['s5'], "一")


def test_reopened_case_not_handled_again_is_listed(app, db):
    row = add(db, at("2026-11-02"), status="处理中", first_contact_at="2026-11-02")
    with transaction(db):
        db.execute("UPDATE reports SET reopened_at = ?, rehandle_due = '2026-11-06' WHERE id = ?",
                   (at("2026-11-03"), row["id"]))
    assert row["ref"] not in section(printed(app, "2026-11-06"), STEWARD['s5'], "二")
    listed = section(printed(app, "2026-11-09"), STEWARD['s5'], "二")
    assert row["ref"] in listed and "重新处理超时 1 个工作日" in listed


def test_new_since_the_last_digest(sending, db, robot):
    first = add(db, at("2026-11-02", "09:00"))
    runner = sending.test_cli_runner()
    assert runner.invoke(args=["digest", "--date", "2026-11-02"]).exit_code == 0
    assert digest.last_sent(db) == dt.datetime(2026, 11, 2, 23, 59, 59, tzinfo=SHANGHAI)
    second = add(db, at("2026-11-03", "08:30"))
    listed = section(printed(sending, "2026-11-03"), STEWARD['s5'], "六")
    assert second["ref"] in listed and first["ref"] not in listed and "（1 条）" in listed
    assert "2026年11月3日 08:30，已受理" in listed
    assert digest.last_sent(db).date() == dt.date(2026, 11, 2)  # --print records nothing


def test_without_a_previous_digest_new_means_the_last_day(app, db):
    yesterday = add(db, at("2026-11-02", "09:00"))
    older = add(db, at("2026-11-01", "09:00"))
    listed = section(printed(app, "2026-11-03"), STEWARD['s5'], "六")  # as of 11-03 23:59:59
    assert yesterday["ref"] not in listed and older["ref"] not in listed
    listed = section(printed(app, "2026-11-02"), STEWARD['s5'], "六")
    assert yesterday["ref"] in listed and older["ref"] not in listed


def test_reports_follow_a_reassignment(app, db):
    moved = add(db, at("2026-11-02"), steward_name="王海")
    output = printed(app, "2026-11-02")
    assert moved["ref"] in section(output, STEWARD['s2'], "六")
    assert moved["ref"] not in section(output, STEWARD['s5'], "六")


def add_session(db, ident: str, day: str, capacity: int = 2):
    with transaction(db):
        db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity, is_open) "
                   "VALUES (?, ?, '9:00', '11:00', '街道社区服务中心二楼会议室', '居委会、物业', ?, 1)", (ident, day, capacity))


def sign(db, session: str, n: int, compound: str, topic: str = "想问问加装电梯怎么征询意见", **extra):
    data = {"name": f"居民{n}号", "phone": f"+86139000000{n:02d}", "compound_id": compound, "topic": topic,
            "linked_ref": "", **extra}
    return reception.sign_up(db, session, f"s{n:031x}", data).signup


def test_sign_ups_for_the_next_joint_reception(app, db, monkeypatch):
    # Signed up before any of these sessions began (sign-ups close when a session starts).
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 10, 30, 9, 0, tzinfo=SHANGHAI))
    add_session(db, "past", "2026-10-31")
    add_session(db, "next", "2026-11-07", capacity=2)
    add_session(db, "later", "2026-11-14")
    sign(db, "past", 1, "yanji2")
    mine = [sign(db, "next", n, "yanji2", linked_ref="W7K3-M9PX" if n == 2 else "") for n in (2, 3)]
    waiting = sign(db, "next", 4, "kongjiangxi3", topic="电话 13900000004，我是居民4号")
    other = sign(db, "next", 5, "kongjiangdong3")
    sign(db, "later", 6, "yanji2")
    reception.cancel(db, mine[1]["ref"])  # cancelled: gone; the waiting one moves up
    monkeypatch.undo()
    output = printed(app, "2026-11-05")
    listed = section(output, STEWARD['s5'], "七")
    assert listed.startswith("七、下次联合接待 11月7日（周六）9:00–11:00 街道社区服务中心二楼会议室：本人负责小区的报名（2 人）")
    assert mine[0]["ref"] in listed and "（关联 W7K3-M9PX）" in listed and waiting["ref"] in listed
    assert mine[1]["ref"] not in listed and other["ref"] not in listed
    assert other["ref"] in section(output, STEWARD['s4'], "七") and "候补" in section(output, STEWARD['s4'], "七")
    for secret in ("居民", "13900", "0004"):
        assert secret not in listed.replace(mine[0]["ref"], "").replace(waiting["ref"], "")


def test_print_lists_every_steward_and_sends_nothing(app, db):
    row = add(db, at("2026-11-02"), **PRIVATE)
    result = app.test_cli_runner().invoke(args=["digest", "--print", "--date", "2026-11-02"])
    assert result.exit_code == 0
    assert [line.split(" ", 1)[1] for line in result.output.splitlines() if line.startswith("【每日汇总】")] == STEWARDS
    assert "今天没有需要处理的事项。" in result.output
    shown = without_refs(result.output)
    for secret in ("王阿姨", "601", "138", "5678"):
        assert secret not in shown
    assert "【紧急】" in shown and "卫生间天花板" in shown


# --- sending ------------------------------------------------------------------------------------------

def test_sent_one_message_per_steward_with_something_to_say(sending, db, robot, smtp):
    row = add(db, at("2026-11-02"), **PRIVATE)
    add(db, at("2026-11-02"), compound_id="dunhualu")
    result = sending.test_cli_runner().invoke(args=["digest", "--date", "2026-11-02"])
    assert result.exit_code == 0 and "已发送每日汇总：2 条消息" in result.output
    contents = [m["markdown"]["content"] for m in robot.messages]
    assert [c.split("\n")[0] for c in contents] == [f"**【每日汇总】11月2日（周一） {STEWARD['s1']}**",
                                                  f"**【每日汇总】11月2日（周一） {STEWARD['s5']}**"]
    assert row["ref"] in contents[1]
    assert [m.rcpt_tos for m in smtp.mails] == [["team@example.com"], ["team@example.com", "zhou@example.com"]]
    assert smtp.mails[1].subject == f"【每日汇总】11月2日（周一） {STEWARD['s5']}"
    for shown in [*contents, *(m.text for m in smtp.mails)]:
        for secret in ("王阿姨", "601", "138", "5678"):
            assert secret not in without_refs(shown)


def test_a_quiet_day_is_still_one_short_message(sending, db, robot, smtp):
    assert sending.test_cli_runner().invoke(args=["digest", "--date", "2026-11-02"]).exit_code == 0
    assert robot.messages[0]["markdown"]["content"] == "**【每日汇总】11月2日（周一）**\n> 今天没有新问题，也没有逾期待办。"
    assert len(smtp.mails) == 1


def test_a_long_list_is_cut_in_the_message_but_not_in_print(sending, db, robot):
    for _ in range(20):
        add(db, at("2026-11-02"))
    assert sending.test_cli_runner().invoke(args=["digest", "--date", "2026-11-02"]).exit_code == 0
    assert "……另有 5 条，请看表格" in "\n".join(m["markdown"]["content"] for m in robot.messages)
    assert "另有" not in printed(sending, "2026-11-02")


def test_failed_sending_is_retried_then_reported_and_not_recorded(sending, db, robot, smtp, monkeypatch):
    monkeypatch.setattr(notify, "RETRY_DELAYS", (0.0, 0.0))
    add(db, at("2026-11-02"))
    robot.fail(times=3)
    result = sending.test_cli_runner().invoke(args=["digest", "--date", "2026-11-02"])
    assert result.exit_code == 1 and "每日汇总有 1 条没能发出" in result.output
    assert len(robot.received) == 3 and len(smtp.mails) == 1  # e-mail went once; only the robot was retried
    assert digest.last_sent(db) is None


def test_a_retry_that_succeeds_sends_once(sending, db, robot, smtp, monkeypatch):
    monkeypatch.setattr(notify, "RETRY_DELAYS", (0.0, 0.0))
    add(db, at("2026-11-02"))
    robot.fail(times=2)
    assert sending.test_cli_runner().invoke(args=["digest", "--date", "2026-11-02"]).exit_code == 0
    assert len(robot.messages) == 1 and len(smtp.mails) == 1 and digest.last_sent(db) is not None


def test_without_channels_only_print_works(app):
    result = app.test_cli_runner().invoke(args=["digest"])
    assert result.exit_code == 1 and "没有配置提醒渠道" in result.output and "--print" in result.output


def test_the_mark_never_moves_backwards(app, db):
    later = dt.datetime(2026, 11, 5, 8, 0, tzinfo=SHANGHAI)
    digest.record_sent(db, later)
    digest.record_sent(db, later - dt.timedelta(days=2))
    assert digest.last_sent(db) == later
    assert digest.since(db, later - dt.timedelta(days=3)) == later - dt.timedelta(days=4)


def test_without_a_date_the_digest_is_as_of_now():
    from forms_app.core import clock

    now = clock.now()
    assert abs((digest.as_of(None) - now).total_seconds()) < 5
    assert abs((digest.as_of(now.date()) - now).total_seconds()) < 5
    assert digest.as_of(dt.date(2026, 10, 9)) == dt.datetime(2026, 10, 9, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "9999-12-31", "2100-01-01"])
def test_a_date_out_of_range_is_a_clear_chinese_error(app, day):
    result = app.test_cli_runner().invoke(args=["digest", "--print", "--date", day])
    assert result.exit_code != 0 and "不在可用范围内" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("hours, warned", [(49, "2.0 天前"), (None, "还没有任何备份"), (47, None)])
def test_the_team_is_told_when_the_last_backup_is_over_two_days_old(sending, robot, hours, warned):
    import datetime as dt
    import shutil
    from forms_app.core import backup

    folder = backup.backup_dir(sending.config)
    shutil.rmtree(folder)
    if hours is not None:
        backup.take(sending.config["DATABASE"], folder, 1, now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours))
    assert sending.test_cli_runner().invoke(args=["digest", "--date", "2026-11-02"]).exit_code == 0
    reminders = [m["markdown"]["content"] for m in robot.messages if "【备份提醒】" in m["markdown"]["content"]]
    assert (reminders and warned in reminders[0]) if warned else reminders == []


# --- today's work first; split, never cut (issue 20, items 4 and 5) -----------------------------------

def test_overdue_comes_before_new_and_due_today_has_its_own_section(app, db):
    late = add(db, at("2026-10-01"), category_id="garbage")
    today = add(db, at("2026-11-03", "08:00"))               # 漏水: urgent, first contact due the same day
    contacted = add(db, at("2026-11-03", "08:30"), first_contact_at="2026-11-03 08:40")
    output = printed(app, "2026-11-03")
    mine = output.split(STEWARD['s5'], 1)[1]
    assert mine.index("一、先行联系超时") < mine.index("三、今天到期") < mine.index("六、上次汇总以来的新问题")
    due = section(output, STEWARD['s5'], "三")
    assert today["ref"] in due and "先行联系今天到期" in due
    assert late["ref"] not in due and contacted["ref"] not in due and late["ref"] in section(output, STEWARD['s5'], "一")


def resolved(db, row, day: str, phone: str | None = None, consent: int = 1):
    with transaction(db):
        db.execute("UPDATE reports SET status = '已解决', resolved_at = ?, followup_due = 1, sms_consent = ?, phone = ? "
                   "WHERE id = ?", (day, consent, row["phone"] if phone is None else phone, row["id"]))


def test_the_followup_queue_lists_residents_without_texts_at_once_and_others_after_n_working_days(app, db):
    texted_long_ago, texted_lately, no_phone, landline, refused = (add(db, at("2026-10-20")) for _ in range(5))
    resolved(db, texted_long_ago, "2026-11-02")   # Mon; three working days later: Thu 11-05
    resolved(db, texted_lately, "2026-11-06")
    resolved(db, no_phone, "2026-11-06", phone="")
    resolved(db, landline, "2026-11-06", phone="+862155550100")
    resolved(db, refused, "2026-11-06", consent=0)
    queue = section(printed(app, "2026-11-09"), STEWARD['s5'], "五")
    assert queue.startswith("五、待回访（4 条，收不到短信的在前）")
    shown = [r["ref"] for r in (no_phone, landline, refused, texted_long_ago) if r["ref"] in queue]
    assert len(shown) == 4 and texted_lately["ref"] not in queue
    assert queue.index(texted_long_ago["ref"]) > max(queue.index(r["ref"]) for r in (no_phone, landline, refused))
    assert "居民收不到短信，请打电话回访" in queue and "居民还没回答，请打电话回访" in queue
    with transaction(db):
        db.execute("UPDATE reports SET followup_due = 0 WHERE id = ?", (no_phone["id"],))  # answered by phone
    assert no_phone["ref"] not in section(printed(app, "2026-11-09"), STEWARD['s5'], "五")


def test_a_digest_too_long_for_one_robot_message_is_split_never_cut(sending, db, robot):
    refs = [add(db, at("2026-10-01"), description="卫生间天花板一直滴水，楼上装修以后就这样，物业来看过两次没有修好" * 2)["ref"]
            for _ in range(12)]
    assert sending.test_cli_runner().invoke(args=["digest", "--date", "2026-11-02"]).exit_code == 0
    contents = [m["markdown"]["content"] for m in robot.messages]
    assert len(contents) >= 2 and all(len(c.encode("utf-8")) <= 2048 for c in contents)
    assert "截断" not in "".join(contents)
    assert contents[0].split("\n")[0].endswith(f"（1/{len(contents)}）**")
    assert all(ref in "".join(contents) for ref in refs)
    assert any("（续）" in c for c in contents[1:])
