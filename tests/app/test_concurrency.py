"""Through a running gunicorn (2 workers × 4 threads): many residents at the same moment."""
import re
import threading

import pytest
import requests

from forms_app.core.store import connect
from tests.conftest import VALID_REPORT, VALID_SIGNUP, hidden_fields
from tests.server import gunicorn

pytestmark = pytest.mark.slow


def submit(base: str, path: str, data: dict, barrier: threading.Barrier, out: list):
    """One resident: open the form, wait for everyone, submit, follow to the confirmation."""
    with requests.Session() as s:
        fields = hidden_fields(s.get(base + path, timeout=30).text)
        barrier.wait()
        page = s.post(base + path, data={**fields, **data}, timeout=60)
        found = re.search(r'id="reference"[^>]*>([^<]+)<', page.text)
        out.append((page.status_code, found.group(1) if found else None))


def crowd(base, path, datas):
    barrier, out = threading.Barrier(len(datas)), []
    threads = [threading.Thread(target=submit, args=(base, path, d, barrier, out)) for d in datas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


@pytest.fixture
def server(tmp_path):
    db = tmp_path / "store.sqlite3"
    with gunicorn({"DATABASE": str(db), "RATELIMIT_ENABLED": "0", "SEED_SAMPLE_SESSIONS": "1"}) as base:
        yield base, str(db)


def test_120_simultaneous_reports_all_stored_with_unique_references(server):
    base, db = server
    out = crowd(base, "/forms/report", [{**VALID_REPORT, "phone": f"138{n:08d}"} for n in range(120)])
    refs = [ref for status, ref in out if status == 200]
    assert len(refs) == 120 and len(set(refs)) == 120
    conn = connect(db)
    assert conn.execute("SELECT count(*), count(DISTINCT ref) FROM reports").fetchone()[:] == (120, 120)
    conn.close()


def test_simultaneous_signups_never_exceed_capacity(server):
    base, db = server
    conn = connect(db)
    conn.execute("UPDATE sessions SET capacity = 5")
    session = conn.execute("SELECT id FROM sessions ORDER BY date LIMIT 1").fetchone()[0]
    out = crowd(base, "/forms/reception", [{**VALID_SIGNUP, "session": session, "phone": f"139{n:08d}"} for n in range(40)])
    assert [s for s, _ in out].count(200) == 40
    states = dict(conn.execute("SELECT state, count(*) FROM signups GROUP BY state").fetchall())
    assert states == {"confirmed": 5, "waiting": 35}
    conn.close()
