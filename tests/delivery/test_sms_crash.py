"""SIGKILL the real worker (`flask --app forms_app sync`) while texts are on their way: each text is
sent exactly once, with both providers — the restarted worker looks for the outbox item's id in the
provider's send records before sending an uncertain text again."""
import os
import random
import time

import pytest

from forms_app import create_app
from forms_app.core import outbox
from forms_app.core.store import connect
from forms_app.delivery.sms import SmsDelivery
from forms_app.residents import reports
from tests.server import SyncWorkers
from tests.sms_emulator.fixtures import sms_emu, sms_emulator, sms_settings  # noqa: F401
from tests.residents.test_reports import DATA

pytestmark = pytest.mark.slow
TRIALS = 4


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_worker_killed_while_texting_sends_each_text_once(tmp_path, sms_emu, provider):
    settings = {**sms_settings(provider, sms_emu), "SMS_QUIET_START": "00:00", "SMS_QUIET_END": "00:00",
                "SMS_DAILY_LIMIT": 100}
    app = create_app({"TESTING": True, "SECRET_KEY": "test-" + "k" * 32, "DATABASE": str(tmp_path / "store.sqlite3"), **settings})
    conn = connect(app.config["DATABASE"])
    env = {**os.environ, "SECRET_KEY": "test-" + "k" * 32, "SYNC_INTERVAL": "0.05", "DATABASE": app.config["DATABASE"],
           **{k: str(v) for k, v in settings.items()}}
    # Every text is taken at once but its answer takes 0.3 s: a kill then leaves the worker not knowing.
    sms_emu.faults.add("delay", op="send", seconds=0.3, apply_first=True, times=None)
    rng, n, caught_mid_send = random.Random(20261201), 0, 0
    with SyncWorkers(env, warm="import forms_app.notices.sms.aliyun, forms_app.notices.sms.tencent") as workers:
        for _ in range(TRIALS):
            with app.app_context():
                for _ in range(rng.randint(1, 3)):
                    reports.create(conn, f"{n:032x}", {**DATA, "phone": f"+86138{n:08d}", "sms_consent": 1})
                    n += 1
            before = sms_emu.state.requests.get(f"{provider}.SendSms", 0)
            pid = workers.start()
            deadline = time.monotonic() + 10
            while sms_emu.state.requests.get(f"{provider}.SendSms", 0) == before and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.4))
            workers.kill(pid)
            sent = conn.execute("SELECT count(*) FROM texts WHERE state = 'sent'").fetchone()[0]
            caught_mid_send += len(sms_emu.messages()) > sent
    sms_emu.faults.clear()
    d = SmsDelivery.from_config(conn, app.config, timeout=2.0, backoff_base=0.02, backoff_cap=0.1)
    d.channel.settle = 0.0  # the emulator's records are complete at once
    for _ in range(50):
        d.deliver()
        if outbox.backlog(conn, outbox.SMS_KINDS) == 0:
            break
        time.sleep(0.02)
    tags = sorted(t.tag for t in sms_emu.state.texts)
    items = sorted(str(r[0]) for r in conn.execute("SELECT id FROM outbox WHERE kind = 'sms'"))
    assert tags == items and len(items) == n, "every text exactly once"
    assert [tuple(r) for r in conn.execute("SELECT id, state, note, attempts FROM texts WHERE state != 'sent'")] == []
    assert caught_mid_send >= 1, "some kills should land between 'sent' and 'recorded'"
    conn.close()
