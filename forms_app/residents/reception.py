"""Joint-reception sessions and sign-ups: capacity, waiting list, cancellation.

Every change runs inside BEGIN IMMEDIATE, so two residents taking the last seat at the same
moment are serialised by SQLite: one gets the seat, the other the first waiting place.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from forms_app.core import address_limits, clock
from forms_app.core import outbox
from forms_app.core.references import new_reference
from forms_app.core.store import transaction
from forms_app.residents.reports import content_hash, effective_submission_id
from forms_app.residents import texts



@dataclass(frozen=True)
class Session:
    id: str
    date: dt.date
    start_time: str
    end_time: str
    place: str
    parties: tuple[str, ...]
    capacity: int
    is_open: bool
    confirmed: int = 0
    waiting: int = 0

    @property
    def when(self) -> str:
        """'12月5日（周六）9:00–11:00'."""
        return f"{clock.chinese_date(self.date)}{self.start_time}–{self.end_time}"

    def started(self, moment: dt.datetime | None = None) -> bool:
        """Whether the session has begun (sign-ups close then: no new seats, no 候补转正)."""
        moment = moment or clock.now()
        try:
            hour, minute = (int(x) for x in self.start_time.replace("：", ":").split(":")[:2])
            begins = dt.datetime.combine(self.date, dt.time(hour, minute), tzinfo=clock.SHANGHAI)
        except ValueError:
            begins = dt.datetime.combine(self.date, dt.time(0), tzinfo=clock.SHANGHAI)
        return moment >= begins

    @property
    def seats_left(self) -> int:
        """Free seats; 0 means new sign-ups join the waiting list."""
        return max(self.capacity - self.confirmed, 0)

    FULL = "【已满·可候补】"

    @property
    def flag(self) -> str:
        """What a full session's label starts with (shown bold); empty while there are seats."""
        return "" if self.seats_left else self.FULL

    @property
    def details(self) -> str:
        """The label after its flag: when, where, who, seats."""
        seats = f"还有 {self.seats_left} 个名额" if self.seats_left else f"已有 {self.waiting} 人候补"
        return f"{self.when}，{self.place}。参加：{'、'.join(self.parties)}。{seats}"

    @property
    def label(self) -> str:
        """What the radio button says: a full session says so first."""
        return self.flag + self.details


@dataclass(frozen=True)
class Outcome:
    signup: sqlite3.Row | None  # None when capped
    status: str          # 'confirmed' | 'waiting' | 'duplicate' | 'capped'
    position: int = 0    # place on the waiting list (1 = next), when waiting
    resubmitted: bool = False  # duplicate because this very submission was stored before (a double tap)
    receipt: str = ""    # duplicate of another submission: the receipt number its answer shows (never the sign-up's)


_SESSION_SQL = """
    SELECT s.*,
           (SELECT count(*) FROM signups WHERE session_id = s.id AND state = 'confirmed') AS confirmed,
           (SELECT count(*) FROM signups WHERE session_id = s.id AND state = 'waiting') AS waiting
    FROM sessions s
"""


def _session(row: sqlite3.Row) -> Session:
    """Build a Session from a row of _SESSION_SQL."""
    return Session(row["id"], dt.date.fromisoformat(row["date"]), row["start_time"], row["end_time"], row["place"],
                   tuple(p for p in row["parties"].split("、") if p), row["capacity"], bool(row["is_open"]),
                   row["confirmed"], row["waiting"])


def open_sessions(conn: sqlite3.Connection, today: dt.date | None = None) -> list[Session]:
    """Sessions residents can still sign up for, soonest first."""
    moment = clock.now() if today is None else dt.datetime.combine(today, dt.time(0), tzinfo=clock.SHANGHAI)
    rows = conn.execute(_SESSION_SQL + " WHERE s.is_open = 1 AND s.date >= ? ORDER BY s.date, s.start_time",
                        (moment.date().isoformat(),)).fetchall()
    return [s for s in map(_session, rows) if not s.started(moment)]  # sign-ups close when a session starts


def with_seats_first(sessions: list[Session]) -> list[Session]:
    """Sessions with seats before full ones, each group soonest first (the order residents choose from)."""
    return sorted(sessions, key=lambda s: s.seats_left == 0)


def next_with_seats(conn: sqlite3.Connection, instead_of: str, today: dt.date | None = None) -> Session | None:
    """The soonest open session, other than instead_of, that still has a seat (offered to someone waiting)."""
    return next((s for s in open_sessions(conn, today) if s.id != instead_of and s.seats_left), None)


def get_session(conn: sqlite3.Connection, session_id: str) -> Session | None:
    """One session with its counts."""
    row = conn.execute(_SESSION_SQL + " WHERE s.id = ?", (session_id,)).fetchone()
    return _session(row) if row else None


def waiting_position(conn: sqlite3.Connection, signup: sqlite3.Row) -> int:
    """1-based place on the waiting list, or 0 if not waiting."""
    if signup["state"] != "waiting":
        return 0
    ahead = conn.execute(
        "SELECT count(*) FROM signups WHERE session_id = ? AND state = 'waiting' AND (queued_at, id) < (?, ?)",
        (signup["session_id"], signup["queued_at"], signup["id"])).fetchone()[0]
    return ahead + 1


def _report_for(conn: sqlite3.Connection, ref: str, phone: str) -> sqlite3.Row | None:
    """The report with this reference whose own phone (or, 代办, the resident's) is this phone; else None."""
    if not ref or not phone:
        return None
    return conn.execute("SELECT * FROM reports WHERE ref = ? AND (phone = ? OR (resident_phone != '' AND resident_phone = ?))",
                        (ref, phone, phone)).fetchone()


def linked_report(conn: sqlite3.Connection, signup: sqlite3.Row) -> sqlite3.Row | None:
    """The report a sign-up is linked to — only when that report's phone is the sign-up's: a stranger who
    types someone's report number links nothing (their outcome never reaches that case, nor its texts)."""
    return _report_for(conn, signup["linked_ref"], signup["phone"])


def linked_report_id(conn: sqlite3.Connection, signup: sqlite3.Row) -> int | None:
    row = linked_report(conn, signup)
    return row["id"] if row else None


def queue_reminders(conn: sqlite3.Connection, day: dt.date, config=None) -> int:
    """Inside a transaction: 接待提醒 for everyone confirmed for a session on `day`; how many were queued."""
    if not texts.enabled("reminder", config):
        return 0
    queued = 0
    for s in conn.execute("SELECT id FROM sessions WHERE date = ?", (day.isoformat(),)).fetchall():
        session = get_session(conn, s["id"])
        for signup in conn.execute("SELECT * FROM signups WHERE session_id = ? AND state = 'confirmed'", (s["id"],)):
            queued += bool(texts.queue(conn, "reminder", signup["phone"], texts.session_params(session),
                                       signup_id=signup["id"], consent=bool(signup["sms_consent"]),
                                       report_id=linked_report_id(conn, signup), config=config))
    return queued


def sign_up(conn: sqlite3.Connection, session_id: str, submission_id: str, data: dict, *,
            address: str = "", per_address: int = 0) -> Outcome:
    """Take a seat, or a waiting place when full; the same phone twice returns the first sign-up.

    A linked report number is stored as typed; one that matches no report with this phone is flagged
    for the steward (linked_ref_unknown) rather than refused, so the form never tells whether a report
    number exists, and it is never followed (linked_report). At most `per_address` sign-up attempts per
    session from one client address (duplicates count too): one address cannot take every seat nor
    probe who is signed up. A duplicate of another submission gets a receipt number (`receipt`) to show
    instead of the sign-up's own, and, when texting is on, the existing sign-up's number goes by text to
    its phone.
    """
    now = clock.iso(clock.now())
    digest = content_hash({"session_id": session_id, **data})
    for _ in range(8):
        with transaction(conn):
            submission_id = effective_submission_id(conn, "signups", submission_id, digest)
            again = conn.execute("SELECT * FROM signups WHERE submission_id = ?", (submission_id,)).fetchone()
            if again is not None:  # this very submission (a double tap): its own answer
                return Outcome(again, "duplicate", waiting_position(conn, again), resubmitted=True)
            session = get_session(conn, session_id)
            if session is None or not session.is_open or session.started():
                raise LookupError(session_id)
            if address and not address_limits.take(conn, f"signup:{session_id}", address, per_address, day=session.date):
                return Outcome(None, "capped")
            prior = conn.execute("SELECT * FROM signups WHERE session_id = ? AND phone = ? AND state != 'cancelled'",
                                 (session_id, data["phone"])).fetchone()
            if prior is not None:
                receipt = _receipt(conn, session_id, now)
                texts.for_signup_again(conn, prior, session, linked_report_id(conn, prior))
                return Outcome(prior, "duplicate", waiting_position(conn, prior), receipt=receipt)
            unknown = int(bool(data["linked_ref"]) and _report_for(conn, data["linked_ref"], data["phone"]) is None)
            state = "confirmed" if session.seats_left > 0 else "waiting"
            ref = new_reference("signup")
            if conn.execute("SELECT 1 FROM signups WHERE ref = ?", (ref,)).fetchone():
                continue
            cur = conn.execute(
                "INSERT INTO signups (ref, submission_id, content_hash, session_id, created_at, updated_at, name, phone, "
                "compound_id, topic, linked_ref, linked_ref_unknown, state, queued_at, sms_consent, abroad_consent) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (ref, submission_id, digest, session_id, now, now, data["name"], data["phone"], data["compound_id"],
                 data["topic"], data["linked_ref"], unknown, state, now, int(bool(data.get("sms_consent", 0))),
                 int(data.get("abroad_consent", -1))))
            outbox.enqueue(conn, "signup", cur.lastrowid)
            row = conn.execute("SELECT * FROM signups WHERE id = ?", (cur.lastrowid,)).fetchone()
            return Outcome(row, state, waiting_position(conn, row))
    raise RuntimeError("could not allocate a unique reference")


def _receipt(conn: sqlite3.Connection, session_id: str, now: str) -> str:
    """A fresh sign-up-like number for the answer to a duplicate (kept a week, for its confirmation page)."""
    conn.execute("DELETE FROM signup_receipts WHERE created_at < ?",
                 (clock.iso(clock.now() - dt.timedelta(days=7)),))
    while True:
        ref = new_reference("signup")
        if not conn.execute("SELECT 1 FROM signups WHERE ref = ? UNION SELECT 1 FROM signup_receipts WHERE ref = ?",
                            (ref, ref)).fetchone():
            conn.execute("INSERT INTO signup_receipts (ref, session_id, created_at) VALUES (?, ?, ?)", (ref, session_id, now))
            return ref


def receipt_session(conn: sqlite3.Connection, ref: str) -> str | None:
    """The session a duplicate's receipt number was given for, if it is one."""
    row = conn.execute("SELECT session_id FROM signup_receipts WHERE ref = ?", (ref,)).fetchone()
    return row["session_id"] if row else None


def by_ref(conn: sqlite3.Connection, ref: str) -> sqlite3.Row | None:
    """The sign-up with this reference, if any."""
    return conn.execute("SELECT * FROM signups WHERE ref = ?", (ref,)).fetchone()


def cancel(conn: sqlite3.Connection, ref: str) -> sqlite3.Row | None:
    """Cancel a live sign-up; a freed seat goes to the first person waiting, who is returned."""
    now = clock.iso(clock.now())
    with transaction(conn):
        row = by_ref(conn, ref)
        if row is None or row["state"] == "cancelled":
            return None
        conn.execute("UPDATE signups SET state = 'cancelled', updated_at = ? WHERE id = ?", (now, row["id"]))
        outbox.enqueue(conn, "signup", row["id"])
        if row["state"] != "confirmed" or get_session(conn, row["session_id"]).started():
            return None  # no 候补转正 once the session has begun
        first = conn.execute(
            "SELECT * FROM signups WHERE session_id = ? AND state = 'waiting' ORDER BY queued_at, id LIMIT 1",
            (row["session_id"],)).fetchone()
        if first is None:
            return None
        conn.execute("UPDATE signups SET state = 'confirmed', updated_at = ? WHERE id = ?", (now, first["id"]))
        outbox.enqueue(conn, "signup", first["id"])
        texts.for_promotion(conn, first, get_session(conn, row["session_id"]), linked_report_id(conn, first))  # 候补转正 text
        return by_ref(conn, first["ref"])


def seed_sample_sessions(conn: sqlite3.Connection, directory, today: dt.date | None = None) -> int:
    """Create three sample Saturday sessions when the store has none; return how many."""
    today = today or clock.now().date()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    places = list(directory.reception_places.values()) or [f"{directory.street.get('name', '')}社区服务中心（示例）"]
    parties = "、".join(directory.parties)
    with transaction(conn):  # the check inside the transaction: two workers may start together
        if conn.execute("SELECT count(*) FROM sessions").fetchone()[0]:
            return 0
        for week in range(3):
            day = saturday + dt.timedelta(weeks=week)
            conn.execute(
                "INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity, is_open) "
                "VALUES (?, ?, '9:00', '11:00', ?, ?, ?, 1)",
                (f"{day.isoformat()}-am", day.isoformat(), places[week % len(places)], parties, 12 if week else 3))
    return 3
