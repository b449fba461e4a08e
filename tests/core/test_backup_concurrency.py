"""A backup taken while 200 reports arrive through a real gunicorn: consistent, complete, restorable."""
import sqlite3
import threading

import pytest
import requests

from forms_app import create_app
from forms_app.core import backup
from forms_app.core.references import display
from tests.conftest import VALID_REPORT, Forms, hidden_fields
from tests.server import gunicorn

pytestmark = pytest.mark.slow
RESIDENTS, EACH = 20, 10  # 200 reports, 20 at a time


def resident(base: str, first: int, out: list):
    with requests.Session() as s:
        for n in range(first, first + EACH):
            fields = hidden_fields(s.get(base + "/forms/report", timeout=30).text)
            page = s.post(base + "/forms/report", data={**fields, **VALID_REPORT, "phone": f"138{n:08d}"}, timeout=60)
            out.append(page.status_code)


def test_backup_during_200_concurrent_reports_is_complete_and_restorable(tmp_path, app_config):
    db, folder = tmp_path / "store.sqlite3", tmp_path / "backups"
    out, taken = [], []
    with gunicorn({"DATABASE": str(db), "RATELIMIT_ENABLED": "0", "SEED_SAMPLE_SESSIONS": "1"}) as base:
        threads = [threading.Thread(target=resident, args=(base, i * EACH, out)) for i in range(RESIDENTS)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            made = backup.take(db, folder, keep=1000, key=backup.signing_key(app_config))
            taken.append((made, len(out)))
        for t in threads:
            t.join()
    assert out.count(200) == RESIDENTS * EACH
    # A backup from the middle of the rush: some reports in, some still to come.
    during = [made for made, done in taken if 0 < done < RESIDENTS * EACH]
    assert during, taken
    made = during[len(during) // 2]
    manifest = backup.verify(made)  # integrity_check, row counts, size and checksum
    copy = sqlite3.connect(made / "yanji.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    in_copy = copy.execute("SELECT count(*) FROM reports").fetchone()[0]
    assert in_copy == manifest["tables"]["reports"] and 0 < in_copy
    orphans = copy.execute("SELECT count(*) FROM reports r WHERE NOT EXISTS "
                           "(SELECT 1 FROM outbox o WHERE o.kind = 'report' AND o.row_id = r.id)").fetchone()[0]
    assert orphans == 0  # every report in the copy has its outbox row: the sheet will still get it
    ref, phone = copy.execute("SELECT ref, phone FROM reports ORDER BY id DESC LIMIT 1").fetchone()
    copy.close()

    fresh = create_app({**app_config, "DATABASE": str(tmp_path / "fresh" / "store.sqlite3"), "SEED_SAMPLE_SESSIONS": False})
    result = fresh.test_cli_runner().invoke(args=["restore", str(made)])
    assert result.exit_code == 0, result.output
    page = Forms(fresh.test_client()).submit("/forms/status", {"ref": ref, "last4": phone[-4:]})
    assert page.status_code == 200 and display(ref) in page.get_data(as_text=True)
