"""SIGKILL the real worker (`flask --app forms_app sync`, SHEET_BACKEND=wecom) 20 times while the WeCom
emulator fails every documented way: no record lost, none doubled."""
import os
import random
import time

import pytest

from forms_app import create_app
from forms_app.core import outbox
from forms_app.core.store import connect
from forms_app.delivery.sync import Worker
from forms_app.delivery.tables.wecom import WeComTables
from forms_app.residents import reports
from tests.server import SyncWorkers
from tests.residents.test_reports import DATA
from tests.wecom_emulator.fixtures import wecom_emu, wecom_emulator, wecom_settings  # noqa: F401

pytestmark = pytest.mark.slow
TRIALS = 20
# What the service and the network do to the worker's calls, one per trial in turn. The delay with
# apply_first is the window a kill must hit to leave the worker not knowing whether its add landed.
FAULTS = [
    {"kind": "delay", "op": "add_records", "seconds": 0.3, "apply_first": True, "times": None},
    {"kind": "errcode", "op": "add_records", "code": 45009},
    {"kind": "errcode", "op": "get_records", "code": 45033},
    {"kind": "applied_then_errcode", "op": "add_records"},          # -1 system busy after applying
    {"kind": "status", "op": "write", "status": 502},
    {"kind": "applied_then_status", "op": "add_records", "status": 503},
    {"kind": "drop", "op": "get_records"},
    {"kind": "applied_then_drop", "op": "add_records"},
    {"kind": "delay", "op": "add_records", "seconds": 0.75},          # past the worker's 0.5 s timeout
    {"kind": "expire_token", "op": "any"},
]


def delivered(conn) -> int:
    return conn.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL").fetchone()[0]


def test_worker_killed_20_times_while_wecom_fails_every_way_loses_and_doubles_nothing(app_config, wecom_emu):
    config = {**app_config, **wecom_settings(wecom_emu), "SHEETS_TIMEOUT": 0.5}
    app = create_app(config)
    assert app.test_cli_runner().invoke(args=["sheet-setup"]).exit_code == 0
    conn = connect(config["DATABASE"])
    env = {**os.environ, "SECRET_KEY": "t" * 32, "SYNC_INTERVAL": "0.05", "SYNC_PULL_INTERVAL": "3600",
           "DATABASE": config["DATABASE"], "SHEETS_TIMEOUT": "0.5",  # a killed write is waited out 4 timeouts
           **{k: str(v) for k, v in wecom_settings(wecom_emu).items()}}
    rng, n, caught_mid_write = random.Random(20261207), 0, 0
    with SyncWorkers(env, warm="import forms_app.delivery.tables.wecom") as workers:
        for trial in range(TRIALS):
            wecom_emu.faults.clear()
            wecom_emu.faults.add(**FAULTS[trial % len(FAULTS)])
            for _ in range(rng.randint(1, 8)):
                reports.create(conn, f"{n:032x}", {**DATA, "description": f"第 {n} 个"})
                n += 1
            adds = wecom_emu.state.stats()["calls"].get("add_records", 0)
            pid = workers.start()
            # Wait (up to 10 s) until this worker's add has reached the emulator, then kill in or just after
            # the 0.3 s the slow fault keeps the answer back.
            deadline = time.monotonic() + 10
            while wecom_emu.state.stats()["calls"].get("add_records", 0) == adds and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.45))
            workers.kill(pid)
            caught_mid_write += len(wecom_emu.records("问题登记")) > delivered(conn)
    wecom_emu.faults.clear()
    tables = WeComTables.from_config(app.config)
    worker = Worker(conn, tables, app.extensions["directory"], sleep=lambda s: None)
    for _ in range(3):
        if worker.run(once=True) and outbox.backlog(conn, outbox.SHEET_KINDS) == 0:
            break
    tables.close()
    ids = [r["提交编号"] for r in wecom_emu.records("问题登记")]
    assert len(ids) == n and len(set(ids)) == n and outbox.backlog(conn, outbox.SHEET_KINDS) == 0
    assert caught_mid_write >= 3, "some kills should land between 'applied' and 'recorded'"
    conn.close()
