"""SIGKILL the real worker process (`flask --app forms_app sync`, forked from a warm parent: tests/server.py)
at random moments: no row lost, none doubled."""
import os
import random
import time

import pytest

from forms_app.core import outbox
from forms_app.residents import reports
from forms_app.delivery.sheets import Sheets
from forms_app.core.store import connect
from forms_app.delivery.sync import Worker
from tests.conftest import sheet_values
from tests.server import SyncWorkers
from tests.residents.test_reports import DATA

pytestmark = pytest.mark.slow
TRIALS = 24


def delivered(conn) -> int:
    return conn.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL").fetchone()[0]


def test_worker_killed_at_random_moments_loses_and_doubles_nothing(sheet_app, sheet_config, emu):
    conn = connect(sheet_app.config["DATABASE"])
    env = {**os.environ, "SECRET_KEY": "t" * 32, "SYNC_INTERVAL": "0.05", "SYNC_PULL_INTERVAL": "3600",
           "SHEETS_TIMEOUT": "0.5",  # a killed worker's write is waited out for 4 call timeouts before the check
           **{k: str(v) for k, v in sheet_config.items() if k in (
               "DATABASE", "GOOGLE_SERVICE_ACCOUNT_FILE", "SHEETS_SPREADSHEET_KEY", "SHEETS_API_BASE_URL")}}
    # Every append lands at once but its answer takes 0.3 s: a kill in that window leaves the
    # worker not knowing — the case that doubles rows in a naive worker.
    emu.faults.add("delay", op="values.append", seconds=0.3, apply_first=True, times=None)
    rng, n, caught_mid_write = random.Random(20261128), 0, 0
    with SyncWorkers(env, warm="import forms_app.delivery.tables.google") as workers:
        for _ in range(TRIALS):
            for _ in range(rng.randint(1, 8)):
                reports.create(conn, f"{n:032x}", {**DATA, "description": f"第 {n} 个"})
                n += 1
            appends = emu.state.stats.snapshot()["requests"].get("values.append", 0)
            pid = workers.start()
            # Wait (up to 10 s, however slow the machine) until this worker's append has reached the
            # emulator, then kill somewhere in or just after the 0.3 s before its answer arrives.
            deadline = time.monotonic() + 10
            while emu.state.stats.snapshot()["requests"].get("values.append", 0) == appends and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.45))
            workers.kill(pid)
            in_sheet = len(sheet_values(emu, "问题登记")) - 1
            caught_mid_write += in_sheet > delivered(conn)
    emu.faults.clear()
    sheets = Sheets.from_config(sheet_app.config)
    assert Worker(conn, sheets, sheet_app.extensions["directory"], sleep=lambda s: None).run(once=True)
    sheets.close()
    ids = [row[1] for row in sheet_values(emu, "问题登记")[1:]]
    assert len(ids) == n and len(set(ids)) == n and outbox.backlog(conn) == 0
    assert caught_mid_write >= TRIALS // 3, "the kills should often land between 'applied' and 'recorded'"
    conn.close()
