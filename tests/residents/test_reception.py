import datetime as dt
import threading

import pytest

from forms_app.core import directory
from forms_app.core import outbox
from forms_app.residents import reception
from forms_app.core.store import connect

PERSON = {"name": "李", "compound_id": "yanji2", "topic": "加装电梯", "linked_ref": ""}


@pytest.fixture
def conn(tmp_path):
    c = connect(str(tmp_path / "s.sqlite3"))
    c.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
              "VALUES ('s1', '2099-01-03', '9:00', '11:00', '会议室', '居委会、业委会', 2)")
    yield c
    c.close()


def sign(conn, n, session="s1"):
    return reception.sign_up(conn, session, f"{n:032x}", {**PERSON, "phone": f"+86138000000{n:02d}"})


def test_seats_then_waiting_list_in_order(conn):
    outcomes = [sign(conn, n) for n in range(4)]
    assert [o.status for o in outcomes] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert [o.position for o in outcomes] == [0, 0, 1, 2]


def test_same_phone_twice_is_recognised_not_stored(conn):
    first = sign(conn, 1)
    again = reception.sign_up(conn, "s1", "f" * 32, {**PERSON, "phone": "+8613800000001"})
    assert again.status == "duplicate" and again.signup["ref"] == first.signup["ref"]
    assert conn.execute("SELECT count(*) FROM signups").fetchone()[0] == 1


def test_cancel_promotes_first_waiting_and_shifts_the_queue(conn):
    a, b, c, d = (sign(conn, n) for n in range(4))
    promoted = reception.cancel(conn, a.signup["ref"])
    assert promoted["ref"] == c.signup["ref"] and promoted["state"] == "confirmed"
    assert reception.waiting_position(conn, reception.by_ref(conn, d.signup["ref"])) == 1
    assert reception.by_ref(conn, a.signup["ref"])["state"] == "cancelled"


def test_cancelling_a_waiting_place_promotes_nobody(conn):
    _, _, c, d = (sign(conn, n) for n in range(4))
    assert reception.cancel(conn, c.signup["ref"]) is None
    assert reception.waiting_position(conn, reception.by_ref(conn, d.signup["ref"])) == 1


def test_cancel_twice_or_unknown_does_nothing(conn):
    a = sign(conn, 1)
    reception.cancel(conn, a.signup["ref"])
    backlog = outbox.backlog(conn)
    assert reception.cancel(conn, a.signup["ref"]) is None
    assert reception.cancel(conn, "J222-333") is None
    assert outbox.backlog(conn) == backlog


def test_cancelled_phone_may_sign_up_again(conn):
    a = sign(conn, 1)
    reception.cancel(conn, a.signup["ref"])
    again = reception.sign_up(conn, "s1", "e" * 32, {**PERSON, "phone": "+8613800000001"})
    assert again.status == "confirmed" and again.signup["ref"] != a.signup["ref"]


def test_closed_or_unknown_session_refuses(conn):
    conn.execute("UPDATE sessions SET is_open = 0")
    with pytest.raises(LookupError):
        sign(conn, 1)
    with pytest.raises(LookupError):
        sign(conn, 2, session="nope")


def test_every_change_is_queued_for_the_sheet(conn):
    a, _, _ = (sign(conn, n) for n in range(3))
    reception.cancel(conn, a.signup["ref"])
    assert outbox.backlog(conn) == 3 + 2  # three sign-ups, one cancellation, one promotion


def test_simultaneous_signups_never_exceed_capacity(tmp_path, conn):
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    results, barrier = [], threading.Barrier(12)

    def one(n):
        c = connect(path)
        barrier.wait()
        results.append(sign(c, n).status)
        c.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count("confirmed") == 2 and results.count("waiting") == 10
    positions = [reception.waiting_position(conn, r) for r in conn.execute("SELECT * FROM signups WHERE state='waiting'")]
    assert sorted(positions) == list(range(1, 11))


def test_open_sessions_hides_past_and_closed(conn):
    conn.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
                 "VALUES ('old', '2000-01-01', '9:00', '11:00', 'x', '居委会', 5)")
    conn.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity, is_open) "
                 "VALUES ('shut', '2099-02-01', '9:00', '11:00', 'x', '居委会', 5, 0)")
    assert [s.id for s in reception.open_sessions(conn)] == ["s1"]


def test_seed_sample_sessions_only_once(tmp_path):
    c = connect(str(tmp_path / "seed.sqlite3"))
    d = directory.load()
    assert reception.seed_sample_sessions(c, d, today=dt.date(2026, 11, 28)) == 3
    assert reception.seed_sample_sessions(c, d, today=dt.date(2026, 11, 28)) == 0
    first = reception.open_sessions(c, today=dt.date(2026, 11, 28))[0]
    assert first.date == dt.date(2026, 12, 5) and first.date.weekday() == 5
    assert set(first.parties) == {"居委会", "业委会", "物业", "城管中队", "法治专员"}
    c.close()
