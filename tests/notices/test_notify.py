"""Urgent alerts: each robot's JSON and signature, e-mail, no personal data, and the worker end to end."""
import json

import pytest

from forms_app.core import outbox
from forms_app.residents import reports
from forms_app.core.directory import load
from forms_app.notices.messages import Message, alert_for, alert_message, redact
from forms_app.notices.channels.feishu import FeishuRobot
from forms_app.notices.channels.wecom import WeComRobot
from forms_app.notices.notify import Email, Notifier, NotifyError
from forms_app.core.store import connect, transaction
from forms_app.delivery.sync import Worker
from tests.conftest import reference, without_refs
from tests.sinks import SmtpSink, WebhookSink, closed_port, self_signed_cert, smtp  # noqa: F401 - smtp is a fixture
from tests.residents.test_reports import DATA
from tests.samples import STEWARD

DIRECTORY = load()
PRIVATE = {"contact_name": "王阿姨", "room": "601", "phone": "+8613812345678",
           "description": "卫生间天花板一直滴水，王阿姨 601 室，电话 138 1234 5678，或者 021-6543 0001。"}


@pytest.fixture
def sinks():
    """Start webhook sinks on demand; all stopped after the test."""
    started = []

    def start(kind="wecom", secret=""):
        started.append(WebhookSink(kind, secret).start())
        return started[-1]

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def store(tmp_path):
    c = connect(str(tmp_path / "n.sqlite3"))
    yield c
    c.close()


def make_report(conn, n=0, alert=True, **changes):
    """A stored report (with its alert queued) in 延吉二村, whose steward is s5."""
    row, _ = reports.create(conn, f"{n:032x}", {**DATA, **changes}, alert=alert)
    return row


def an_alert(conn, kind="urgent", **changes):
    """The alert dict for a fresh report."""
    return alert_for(make_report(conn, **changes), {"type": kind}, DIRECTORY)


def notifier(**config):
    return Notifier.from_config({"ALERT_SMTP_SECURITY": "none", **config})


def content_of(body: dict) -> str:
    """Everything a robot message shows, without the signature fields."""
    return json.dumps({k: v for k, v in body.items() if k not in ("timestamp", "sign")}, ensure_ascii=False)


# --- the robots' formats ----------------------------------------------------------------------------

def test_wecom_markdown(sinks, store):
    sink = sinks("wecom")
    alert = an_alert(store)
    notifier(ALERT_WEBHOOK_URL=sink.url()).send(alert)
    [req] = sink.received
    assert req.path == "/cgi-bin/webhook/send" and req.query == {"key": "test-key"}
    assert req.content_type.startswith("application/json")
    assert list(req.body) == ["msgtype", "markdown"] and req.body["msgtype"] == "markdown"
    content = req.body["markdown"]["content"]
    assert content.startswith(f"**【紧急】{alert['ref']} 延吉二村 55号 漏水/渗水**")
    assert f"负责：{STEWARD['s5']}" in content and "漏水了漏水了" in content and "请尽快联系居民" in content


def test_wecom_text_mentions_the_steward_when_a_mobile_is_configured(sinks, store):
    sink = sinks("wecom")
    notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_STEWARD_MOBILES="s1:13900000001, s5:13900000005").send(an_alert(store))
    body = sink.messages[0]
    assert body["msgtype"] == "text" and body["text"]["mentioned_mobile_list"] == ["13900000005"]
    assert body["text"]["content"].startswith("【紧急】")


def test_wecom_text_when_configured(sinks, store):
    sink = sinks("wecom")
    notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_WEBHOOK_MSGTYPE="text").send(an_alert(store))
    assert sink.messages[0] == {"msgtype": "text", "text": {"content": sink.messages[0]["text"]["content"]}}


def test_dingtalk_markdown_signed(sinks, store):
    sink = sinks("dingtalk", secret="SEC0123456789abcdef")
    alert = an_alert(store)
    notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_WEBHOOK_SECRET="SEC0123456789abcdef",
             ALERT_STEWARD_MOBILES="s5:13900000005").send(alert)
    [req] = sink.received
    assert req.accepted  # the sink checked timestamp and sign itself
    assert req.query["access_token"] == "test-token" and set(req.query) == {"access_token", "timestamp", "sign"}
    assert req.body["msgtype"] == "markdown"
    assert req.body["markdown"]["title"] == f"【紧急】{alert['ref']} 延吉二村 55号 漏水/渗水"
    assert req.body["markdown"]["text"].startswith("#### 【紧急】") and req.body["markdown"]["text"].endswith("@13900000005")
    assert req.body["at"] == {"atMobiles": ["13900000005"], "isAtAll": False}


def test_dingtalk_text(sinks, store):
    sink = sinks("dingtalk")
    notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_WEBHOOK_KIND="dingtalk", ALERT_WEBHOOK_MSGTYPE="text").send(an_alert(store))
    body = sink.messages[0]
    assert body["msgtype"] == "text" and body["text"]["content"].startswith("【紧急】")
    assert body["at"] == {"atMobiles": [], "isAtAll": False}


@pytest.mark.parametrize("kind, code", [("dingtalk", "errcode 310000"), ("feishu", "code 19021")])
def test_a_wrong_secret_is_the_platforms_error_code(sinks, store, kind, code):
    sink = sinks(kind, secret="the-right-secret")
    with pytest.raises(NotifyError, match=code):
        notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_WEBHOOK_KIND=kind, ALERT_WEBHOOK_SECRET="a-wrong-one").send(an_alert(store))
    assert sink.messages == []


def test_feishu_post_signed(sinks, store):
    sink = sinks("feishu", secret="feishu-secret")
    alert = an_alert(store)
    notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_WEBHOOK_KIND="feishu", ALERT_WEBHOOK_SECRET="feishu-secret").send(alert)
    [req] = sink.received
    assert req.accepted and req.path == "/open-apis/bot/v2/hook/test-hook"
    assert set(req.body) == {"timestamp", "sign", "msg_type", "content"} and req.body["timestamp"].isdigit()
    assert req.body["msg_type"] == "post"
    post = req.body["content"]["post"]["zh_cn"]
    assert post["title"] == f"【紧急】{alert['ref']} 延吉二村 55号 漏水/渗水"
    assert post["content"][0] == [{"tag": "text", "text": "漏水了漏水了"}]
    assert all(el["tag"] == "text" for para in post["content"] for el in para)


def test_feishu_text(sinks, store):
    sink = sinks("feishu")
    notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_WEBHOOK_KIND="feishu", ALERT_WEBHOOK_MSGTYPE="text").send(an_alert(store))
    body = sink.messages[0]
    assert body["msg_type"] == "text" and body["content"]["text"].startswith("【紧急】")


@pytest.mark.parametrize("kind, status, answer, error", [
    ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "errcode 93000"),
    ("wecom", 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, "errcode 45009"),
    ("dingtalk", 200, {"errcode": 300001, "errmsg": "token is not exist"}, "errcode 300001"),
    ("feishu", 200, {"code": 9499, "msg": "Bad Request", "data": {}}, "code 9499"),
    ("feishu", 200, {"StatusCode": 19001, "StatusMessage": "param invalid"}, "code 19001"),
    ("wecom", 500, {"error": "oops"}, "HTTP 500"),
    ("feishu", 404, "not found", "HTTP 404"),
    ("dingtalk", 200, "<html>gateway</html>", "not JSON"),
])
def test_platform_errors_are_notify_errors(sinks, store, kind, status, answer, error):
    sink = sinks(kind)
    sink.fail(status=status, answer=answer)
    with pytest.raises(NotifyError, match=error) as raised:
        notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_WEBHOOK_KIND=kind).send(an_alert(store))
    assert raised.value.sent == []


def test_unreachable_webhook_error_does_not_reveal_the_key(store):
    url = f"http://127.0.0.1:{closed_port()}/cgi-bin/webhook/send?key=SECRET-KEY"
    with pytest.raises(NotifyError) as raised:
        notifier(ALERT_WEBHOOK_URL=url, ALERT_WEBHOOK_KIND="wecom").send(an_alert(store))
    assert "SECRET-KEY" not in str(raised.value) and "ConnectionError" in str(raised.value)


def test_long_messages_are_cut_to_the_platform_limit():
    message = Message("标题", (("一、新问题", tuple("很长的一行问题描述" * 5 for _ in range(200))),))
    body = WeComRobot("http://x").body(message)
    assert len(body["markdown"]["content"].encode()) <= 4096 and body["markdown"]["content"].endswith("请看表格）")
    assert len(FeishuRobot("http://x").body(message)["content"]["post"]["zh_cn"]["content"]) < 600


# --- configuration ----------------------------------------------------------------------------------

def test_nothing_configured_is_no_notifier():
    assert Notifier.from_config({}) is None
    assert Notifier.from_config({"ALERT_SMTP_HOST": "smtp.example.com"}) is None  # nobody to mail


@pytest.mark.parametrize("url, kind", [
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom"),
    ("https://oapi.dingtalk.com/robot/send?access_token=t", "dingtalk"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/h", "feishu"),
])
def test_robot_kind_from_the_url(url, kind):
    assert Notifier.from_config({"ALERT_WEBHOOK_URL": url}).channels[0].kind == kind


def test_unknown_robot_kind_is_refused_in_chinese():
    with pytest.raises(ValueError, match="ALERT_WEBHOOK_KIND 应为"):
        Notifier.from_config({"ALERT_WEBHOOK_URL": "https://robot.example.com/hook"})


def test_both_channels_from_config():
    n = Notifier.from_config({"ALERT_WEBHOOK_URL": "https://oapi.dingtalk.com/robot/send?access_token=t",
                              "ALERT_SMTP_HOST": "smtp.example.com", "ALERT_SMTP_SECURITY": "starttls",
                              "ALERT_SMTP_USER": "bot@example.com", "ALERT_EMAIL_TO": "team@example.com, lead@example.com",
                              "ALERT_STEWARD_EMAILS": "s1:chen@example.com,s5:zhou@example.com",
                              "ALERT_MAX_AGE_HOURS": 6.0})
    robot, mail = n.channels
    assert mail.port == 587 and mail.sender.addr_spec == "bot@example.com" and mail.team == ("team@example.com", "lead@example.com")
    assert mail.recipients(Message("t", steward_id="s5")) == ["team@example.com", "lead@example.com", "zhou@example.com"]
    assert n.max_age_hours == 6.0


# --- nothing personal ---------------------------------------------------------------------------------

CHANNELS = [("wecom", ""), ("wecom", "text"), ("dingtalk", ""), ("dingtalk", "text"), ("feishu", ""), ("feishu", "text")]


@pytest.mark.parametrize("kind", ["urgent", "reopened"])
@pytest.mark.parametrize("robot, msgtype", CHANNELS)
def test_no_phone_name_or_room_in_any_robot_message(sinks, store, robot, msgtype, kind):
    sink = sinks(robot)
    row = make_report(store, **PRIVATE)
    alert = alert_for(row, {"type": kind, "note": "还是漏，王阿姨，13812345678"}, DIRECTORY)
    notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_WEBHOOK_KIND=robot, ALERT_WEBHOOK_MSGTYPE=msgtype).send(alert)
    shown = without_refs(content_of(sink.messages[0]))
    for secret in ("王阿姨", "601", "138", "1234", "5678", "6543", "0001"):
        assert secret not in shown
    assert ("【回访未解决】" if kind == "reopened" else "【紧急】") in shown and "卫生间天花板" in shown


@pytest.mark.parametrize("text", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                                  "１３８１２３４５６７８", "021-6543 0001", "(021)65430001", "65430001"])
def test_phone_numbers_however_typed_are_hidden(text):
    assert not any(ch.isdigit() for ch in redact(f"请打{text}联系").translate(str.maketrans("", "", "＊")))


def test_markup_in_a_residents_words_stays_text(sinks, store):
    sink = sinks("wecom")
    notifier(ALERT_WEBHOOK_URL=sink.url()).send(an_alert(store, description="<@all> [点我](http://evil.example) **急**"))
    content = sink.messages[0]["markdown"]["content"]
    assert "<@all>" not in content and "](" not in content and "**急**" not in content


# --- e-mail ------------------------------------------------------------------------------------------

def test_email_reaches_the_team_and_the_steward_with_a_chinese_subject(smtp, store):
    row = make_report(store, **PRIVATE)
    alert = alert_for(row, {"type": "urgent"}, DIRECTORY)
    notifier(ALERT_SMTP_HOST="127.0.0.1", ALERT_SMTP_PORT=smtp.port, ALERT_EMAIL_FROM="yanji-bot@example.com",
             ALERT_EMAIL_TO="team@example.com", ALERT_STEWARD_EMAILS="s5:zhou@example.com",
             BRAND="星河社区大管家").send(alert)   # the street's brand from its directory, never typed in code
    [mail] = smtp.mails
    assert mail.rcpt_tos == ["team@example.com", "zhou@example.com"] and mail.mail_from == "yanji-bot@example.com"
    assert mail.subject == f"【紧急】{row['ref']} 延吉二村 55号 漏水/渗水"
    assert "=?utf-8?" in mail.message.as_string().split("Subject:")[1][:20]  # encoded on the wire (RFC 2047)
    assert "星河社区大管家" in str(mail.message["From"]) and str(mail.message["Date"]).endswith("+0800")
    body = without_refs(mail.text)
    assert "此邮件由星河社区大管家系统自动发送" in body and "延吉社区" not in body
    assert "卫生间天花板" in body and f"负责：{STEWARD['s5']}" in body
    for secret in ("王阿姨", "601", "138", "5678", "6543"):
        assert secret not in body


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_email_over_tls_with_login(tmp_path, store, security):
    import ssl

    cert = self_signed_cert(tmp_path)
    sink = SmtpSink(security, cert=cert, users={"bot@example.com": "pa55"}).start()
    try:
        channel = Email("127.0.0.1", sink.port, security, "bot@example.com", "pa55", team=("team@example.com",),
                        context=ssl.create_default_context(cafile=cert[0]))
        Notifier([channel]).send(an_alert(store))
    finally:
        sink.stop()
    [mail] = sink.mails
    assert mail.login == "bot@example.com" and mail.tls and mail.subject.startswith("【紧急】")


def test_email_refused_or_unreachable_is_a_notify_error(smtp, store):
    smtp.refuse_next = 1
    config = {"ALERT_SMTP_HOST": "127.0.0.1", "ALERT_SMTP_PORT": smtp.port, "ALERT_EMAIL_FROM": "bot@example.com",
              "ALERT_EMAIL_TO": "team@example.com"}
    with pytest.raises(NotifyError, match="email: SMTPDataError 451"):
        notifier(**config).send(an_alert(store))
    with pytest.raises(NotifyError, match="email: ConnectionRefusedError"):
        notifier(**{**config, "ALERT_SMTP_PORT": closed_port()}).send(an_alert(store, n=1))


def test_email_needs_a_sender_address():
    with pytest.raises(ValueError, match="ALERT_EMAIL_FROM"):
        Notifier.from_config({"ALERT_SMTP_HOST": "smtp.example.com", "ALERT_SMTP_USER": "bot",
                              "ALERT_EMAIL_TO": "team@example.com"})


def test_a_bug_in_one_channel_is_a_notify_error_not_a_crash(smtp, store, caplog):
    class Broken:
        name = "webhook"

        def deliver(self, message):
            raise KeyError(message.title)

    mail = Email("127.0.0.1", smtp.port, "none", sender="bot@example.com", team=("team@example.com",))
    alert = an_alert(store, **PRIVATE)
    with pytest.raises(NotifyError, match="webhook: unexpected KeyError") as raised:
        Notifier([Broken(), mail]).send(alert)
    assert raised.value.sent == ["email"] and len(smtp.mails) == 1
    assert alert["ref"] not in caplog.text and "KeyError" in caplog.text


def test_a_failing_channel_does_not_stop_the_other(sinks, smtp, store):
    sink = sinks("wecom")
    sink.fail(times=1)
    n = notifier(ALERT_WEBHOOK_URL=sink.url(), ALERT_SMTP_HOST="127.0.0.1", ALERT_SMTP_PORT=smtp.port,
                 ALERT_EMAIL_FROM="bot@example.com", ALERT_EMAIL_TO="team@example.com")
    alert = an_alert(store)
    with pytest.raises(NotifyError, match="wecom: HTTP 500") as raised:
        n.send(alert)
    assert raised.value.sent == ["email"] and len(smtp.mails) == 1
    n.send({**alert, "sent": raised.value.sent})  # the retry goes only where it failed
    assert len(sink.messages) == 1 and len(smtp.mails) == 1


# --- the worker, end to end ---------------------------------------------------------------------------

@pytest.fixture
def robot(sinks):
    return sinks("wecom")


@pytest.fixture
def app_config(app_config, robot):
    """The app, alerting through the robot sink."""
    return {**app_config, "ALERT_WEBHOOK_URL": robot.url()}


def make_worker(app, conn, sheets=None):
    """A worker with the app's notifier and a fake sleep that records the pauses."""
    worker = Worker(conn, sheets, app.extensions["directory"], notifier=Notifier.from_config(app.config))
    worker.slept = []
    worker.sleep = worker.slept.append
    return worker


def test_urgent_report_reaches_the_steward_in_one_cycle(app, forms, db, robot):
    response = forms.report(category="leak")
    assert response.status_code == 303 and robot.received == []  # the resident never waits on the robot
    ref = reference(forms.client.get(response.headers["Location"]))
    worker = make_worker(app, db)
    assert worker.cycle() is True  # one cycle: at most SYNC_INTERVAL (5 s) after submitting
    [body] = robot.messages
    assert f"【紧急】{ref} 延吉二村 55号 漏水/渗水" in body["markdown"]["content"]
    assert outbox.backlog(db, outbox.ALERT_KINDS) == 0


@pytest.mark.parametrize("category, urgent, alerts", [("garbage", "yes", 1), ("garbage", "no", 0), ("lift", "no", 1)])
def test_marked_urgent_or_urgent_category_alerts(app, forms, db, robot, category, urgent, alerts):
    assert forms.report(category=category, urgent=urgent).status_code == 303
    make_worker(app, db).cycle()
    assert len(robot.messages) == alerts


def test_robot_down_resident_unaffected_worker_backs_off_then_exactly_one_message(app, forms, db, robot):
    robot.fail(times=3, status=500)
    response = forms.report(category="leak")
    assert response.status_code == 303
    worker = make_worker(app, db)
    worker.rng = lambda: 1.0
    assert [worker.cycle() for _ in range(4)] == [False, False, False, True]
    assert worker.slept == [2.0, 4.0, 8.0]  # exponential back-off between tries
    assert len(robot.received) == 4 and len(robot.messages) == 1
    item = db.execute("SELECT * FROM outbox WHERE kind = 'alert'").fetchone()
    assert item["attempts"] == 3 and item["delivered_at"]
    worker.cycle()
    assert len(robot.messages) == 1  # delivered once, never again


def test_partial_delivery_is_remembered_across_cycles(app_config, db, robot, smtp):
    from forms_app import create_app

    app = create_app({**app_config, "ALERT_SMTP_HOST": "127.0.0.1", "ALERT_SMTP_PORT": smtp.port,
                      "ALERT_SMTP_SECURITY": "none", "ALERT_EMAIL_FROM": "bot@example.com",
                      "ALERT_EMAIL_TO": "team@example.com"})
    make_report(db)
    robot.fail(times=2)
    worker = make_worker(app, db)
    assert [worker.cycle() for _ in range(3)] == [False, False, True]
    assert len(smtp.mails) == 1 and len(robot.messages) == 1
    item = db.execute("SELECT * FROM outbox WHERE kind = 'alert'").fetchone()
    assert outbox.payload(item)["sent"] == ["email"]


def test_reopened_follow_up_alerts_the_steward(app, db, robot):
    row = make_report(db, alert=False)
    reports.update(db, row["id"], {"status": "处理中"}, alert={"type": "reopened", "note": "还是在滴水"})
    make_worker(app, db).cycle()
    content = robot.messages[0]["markdown"]["content"]
    assert content.startswith(f"**【回访未解决】{row['ref']}") and "居民意见：还是在滴水" in content


def test_reassigned_report_names_the_new_steward(app, db, robot):
    row = make_report(db, alert=False)
    reports.update(db, row["id"], {"steward_name": "王海"}, alert={"type": "reopened"})
    make_worker(app, db).cycle()
    assert f"负责：{STEWARD['s2']}" in robot.messages[0]["markdown"]["content"]


def test_alert_still_failing_after_max_age_is_given_up(app, db, robot):
    make_report(db)
    robot.fail(times=100)
    worker = make_worker(app, db)
    assert worker.cycle() is False
    with transaction(db):
        db.execute("UPDATE outbox SET queued_at = '2020-01-01T08:00:00+08:00' WHERE kind = 'alert'")
    assert worker.cycle() is True
    item = db.execute("SELECT * FROM outbox WHERE kind = 'alert'").fetchone()
    assert item["delivered_at"] and item["last_error"].startswith("已放弃：24 小时内没能发出")
    assert len(robot.received) == 1


def test_an_old_alert_never_tried_is_still_sent(app, db, robot):
    make_report(db)
    with transaction(db):
        db.execute("UPDATE outbox SET queued_at = '2020-01-01T08:00:00+08:00' WHERE kind = 'alert'")
    make_worker(app, db).cycle()
    assert len(robot.messages) == 1


def test_alert_message_mentions_nobody_when_the_compound_is_unknown(store):
    row = make_report(store, compound_id="gone")
    text = alert_message(alert_for(row, {"type": "urgent"}, DIRECTORY)).sections[0][1][-1]
    assert text.startswith("负责：未找到对应的大管家")


# --- alerts and the stewards' sheet do not wait on each other ---------------------------------------------

@pytest.fixture
def sheet_worker(sheet_app):
    """A worker delivering both to the sheet (on the emulator) and to the robot."""
    from forms_app.delivery.sheets import Sheets

    sheets = Sheets.from_config(sheet_app.config)
    conn = connect(sheet_app.config["DATABASE"])
    yield make_worker(sheet_app, conn, sheets)
    sheets.close()
    conn.close()


def test_alert_goes_out_in_one_cycle_while_google_is_unreachable(sheet_app, sheet_worker, robot, emu):
    emu.faults.add("status", op="any", status=503, times=None)
    make_report(sheet_worker.conn)
    sheet_worker.cycle()
    assert len(robot.messages) == 1  # the sheet is down, the steward's phone still rings
    assert outbox.backlog(sheet_worker.conn, outbox.SHEET_KINDS) == 1


def test_a_failing_robot_does_not_hold_back_the_sheet(sheet_app, sheet_worker, robot, emu):
    from forms_app.delivery.sheet_layout import REPORTS
    from tests.conftest import sheet_values

    robot.fail(times=100)
    row = make_report(sheet_worker.conn)
    assert sheet_worker.cycle() is False  # the alert failed and is retried with back-off…
    assert [r[0] for r in sheet_values(emu, REPORTS.title)[1:]] == [row["ref"]]  # …but the row reached the sheet
    assert outbox.backlog(sheet_worker.conn, outbox.SHEET_KINDS) == 0


# --- channels that register themselves (issue 21) ---------------------------------------------

def test_every_channel_file_registers_its_kind_with_hosts_and_label():
    from forms_app.notices.channels import discover
    robots = discover()
    assert {"wecom", "dingtalk", "feishu", "json"} <= set(robots)
    for kind, cls in robots.items():
        assert cls.kind == kind and cls.label, kind


def test_a_new_channel_file_is_found_with_no_other_edit(tmp_path, monkeypatch):
    """A file dropped beside the channels (here: a folder added to the package's path) is built by kind."""
    import sys
    from forms_app.notices import channels
    (tmp_path / "pigeon.py").write_text(
        "from forms_app.notices.channels import register\n"
        "from forms_app.notices.channels.webhook import Webhook\n\n\n"
        "@register\nclass Pigeon(Webhook):\n"
        "    kind, label, paths, msgtypes = 'pigeon', '信鸽', ('/pigeon/',), ('',)\n\n"
        "    def body(self, message):\n        return {'say': message.title}\n\n"
        "    def read(self, answer):\n        pass\n", encoding="utf-8")
    monkeypatch.setattr(channels, "__path__", [*channels.__path__, str(tmp_path)])
    try:
        assert "pigeon" in channels.discover()
        [robot] = Notifier.from_config({"ALERT_WEBHOOK_URL": "http://127.0.0.1:9/pigeon/hook"}).channels
        assert robot.kind == "pigeon" and robot.name == "webhook"
    finally:
        channels.REGISTRY.pop("pigeon", None)
        sys.modules.pop("forms_app.notices.channels.pigeon", None)


def test_two_robots_deliver_side_by_side_each_under_its_own_name(sinks):
    wecom, feishu = sinks("wecom"), sinks("feishu")
    n = notifier(ALERT_WEBHOOK_URL=wecom.url(), ALERT_WEBHOOK_2_URL=feishu.url())
    assert [c.name for c in n.channels] == ["webhook", "webhook-2"]
    assert n.post(Message("【紧急】测试", (("", ("一行",)),))) == ["webhook", "webhook-2"]
    assert len(wecom.messages) == 1 and len(feishu.messages) == 1
    feishu.fail()
    with pytest.raises(NotifyError) as failed:
        n.post(Message("【紧急】再测", (("", ("两行",)),)))
    assert failed.value.sent == ["webhook"]
    # the retry goes only through the robot that failed
    assert n.post(Message("【紧急】再测", (("", ("两行",)),)), skip=failed.value.sent) == ["webhook", "webhook-2"]
    assert len(wecom.messages) == 2 and len(feishu.messages) == 2


def test_a_json_webhook_takes_any_2xx_without_reading_the_body(sinks):
    sink = sinks("wecom")
    [robot] = notifier(ALERT_WEBHOOK_URL=sink.base + "/relay", ALERT_WEBHOOK_KIND="json").channels
    robot.deliver(Message("【紧急】测试", (("", ("一行",)),)))
    assert sink.received[-1].body["title"] == "【紧急】测试"


@pytest.mark.parametrize("settings, message", [
    ({"ALERT_WEBHOOK_URL": "https://example.com/x"}, "ALERT_WEBHOOK_KIND 应为"),
    ({"ALERT_WEBHOOK_2_URL": "https://example.com/x"}, "ALERT_WEBHOOK_2_KIND 应为"),
    ({"ALERT_WEBHOOK_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/t", "ALERT_WEBHOOK_MSGTYPE": "markdown"},
     "飞书自定义机器人的消息类型"),
])
def test_a_robot_setting_that_cannot_work_stops_the_start_in_chinese(settings, message):
    with pytest.raises(ValueError, match=message):
        Notifier.from_config(settings)
