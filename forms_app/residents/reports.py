"""Problem reports in the local store: create (idempotently) and look up."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3

from forms_app.core import clock, deadlines, history, outbox
from forms_app.core.references import new_reference
from forms_app.core.cases import STATUSES, STEWARD_FIELDS
from forms_app.core.store import transaction
from forms_app.residents import case_changes, texts
from forms_app.residents import photos as photo_store

log = logging.getLogger(__name__)
FIELDS = ("channel", "area_id", "compound_id", "building", "room", "category_id", "urgent",
          "description", "contact_name", "phone", "best_time", "join_reception",
          "on_behalf", "behalf_relation", "behalf_consent")
# Optional: set when a steward registers a case (casework/intake.py); first_contact_at when the resident
# spoke to the steward as it was registered.
INTAKE_FIELDS = ("taken_by", "session_id", "first_contact_at", "ticket_no")
# 代办 details (migration 0070): optional, so callers that register other ways need not pass them.
BEHALF_FIELDS = ("resident_name", "resident_phone", "call_first")


def content_hash(data: dict) -> str:
    """SHA-256 of what a submission said (its fields, in a fixed order)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def effective_submission_id(conn: sqlite3.Connection, table: str, submission_id: str, digest: str) -> str:
    """The id a submission is stored under: its own, unless that id already holds different content.

    A double tap resends the same id with the same content: stored once. The same id with other
    content (a form page kept open and filled in again, a client bug) is a new submission: it gets
    an id derived from both, so repeating *it* is stored once too.
    """
    for _ in range(4):
        row = conn.execute(f"SELECT content_hash FROM {table} WHERE submission_id = ?", (submission_id,)).fetchone()
        if row is None or row["content_hash"] in (digest, ""):  # "": stored before hashes were kept
            return submission_id
        log.warning("submission id reused with different content in %s: stored as a new submission", table)
        submission_id = hashlib.sha256(f"{submission_id}:{digest}".encode()).hexdigest()[:32]
    return submission_id


def create(conn: sqlite3.Connection, submission_id: str, data: dict, alert: bool = False,
           actor: str = history.RESIDENT, directory=None, ref: str = "", photos=(),
           origin: str = "report", address: str = "") -> tuple[sqlite3.Row, bool]:
    """Store a report and queue it for the sheet (and an urgent alert, and the 受理 text when data["sms_consent"]
    says so — see texts); (row, created). Same submission id: same row.

    Same submission id and same content: the same row. Same id, other content: a new report.
    `actor`: who registered it (the resident online, or a steward's account id for an intake).
    `directory`: fixes the case's due dates (core/deadlines.py) and its steward (负责大管家: the compound's)
    as it comes in.
    `ref`: a reference already given out (a hand-typed sheet row numbered in place); a fresh one if taken.
    `photos`: the form's cleaned photos (form.photos.prepared), stored in the same transaction (`origin`: 'report' or 'intake').
    `address`: the client address of an online report: at most SMS_REPORTS_PER_ADDRESS a day trigger a text.
    """
    digest = content_hash({**{f: data[f] for f in FIELDS}, **{f: data.get(f, "") for f in BEHALF_FIELDS}})
    submission_id = effective_submission_id(conn, "reports", submission_id, digest)
    existing = by_submission(conn, submission_id)
    if existing is not None:
        return existing, False
    moment = clock.now()
    now = clock.iso(moment)
    due = deadlines.due_dates(data, directory, moment) if directory is not None else {"first_contact_due": "", "resolve_due": ""}
    compound = directory.compounds.get(data["compound_id"]) if directory is not None else None
    if compound is not None and not data.get("steward_name"):  # the steward in charge, as the sheet row starts out
        due = {**due, "steward_name": compound.steward.name}
    intake_fields = tuple(f for f in INTAKE_FIELDS if data.get(f))
    columns = ("ref", "submission_id", "content_hash", "created_at", "updated_at", *FIELDS, *BEHALF_FIELDS,
               *intake_fields, *due, "sms_consent", "abroad_consent")
    sql = f"INSERT INTO reports ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    for attempt in range(8):  # a reference collision is ~1 in 10^8; retry with a fresh one
        try:
            with transaction(conn):
                given = ref if ref and not attempt else new_reference("report")
                cur = conn.execute(sql, (given, submission_id, digest, now, now, *(data[f] for f in FIELDS),
                                         *(data.get(f, "") for f in BEHALF_FIELDS), *(data[f] for f in intake_fields),
                                         *due.values(), int(bool(data.get("sms_consent", 0))),
                                         int(data.get("abroad_consent", -1))))
                outbox.enqueue(conn, "report", cur.lastrowid)
                history.record(conn, cur.lastrowid, actor, "created", "", data["channel"], at=now)
                if alert:
                    outbox.enqueue(conn, "alert", cur.lastrowid, {"type": "urgent"})
                if photos:
                    photo_store.attach(conn, cur.lastrowid, photos, origin)
                texts.for_new_report(conn, conn.execute("SELECT * FROM reports WHERE id = ?", (cur.lastrowid,)).fetchone(),
                                           urgent=alert, address=address)
        except sqlite3.IntegrityError as exc:
            if "submission_id" in str(exc):
                return by_submission(conn, submission_id), False
            if "ref" not in str(exc):
                raise
            continue
        return by_submission(conn, submission_id), True
    raise RuntimeError("could not allocate a unique reference")


def by_submission(conn: sqlite3.Connection, submission_id: str) -> sqlite3.Row | None:
    """The report a form submission created, if any."""
    return conn.execute("SELECT * FROM reports WHERE submission_id = ?", (submission_id,)).fetchone()


def by_ref(conn: sqlite3.Connection, ref: str) -> sqlite3.Row | None:
    """The report with this reference, if any."""
    return conn.execute("SELECT * FROM reports WHERE ref = ?", (ref,)).fetchone()


def phone_matches(row: sqlite3.Row | None, last4: str) -> bool:
    """Constant-time check of the last four phone digits (no early exit to time).

    A 代办 report also opens with the resident's own phone, when the helper gave it. A case with no
    phone (居民不愿留电话, registered by a steward) is never matched."""
    stored = (row["phone"] if row is not None else "")[-4:]
    resident = (_get(row, "resident_phone") or "")[-4:]
    found = (hmac.compare_digest(stored or "----", last4) & bool(stored)) | \
        (hmac.compare_digest(resident or "----", last4) & bool(resident))
    return bool(found) and row is not None


def _get(row, column: str):
    """A column that rows from other tables (sign-ups) do not have."""
    try:
        return row[column]
    except (IndexError, KeyError, TypeError):
        return None


# Changes by a steward that count as handling a reopened case again (deadlines: re-handling met).
REHANDLING = frozenset({"status", "first_contact_at"})


def apply_changes(conn: sqlite3.Connection, row: sqlite3.Row, changes: dict, actor: str = history.SYSTEM) -> dict:
    """Inside a transaction: write the changed columns, a history row for each, queue their cells for the sheet.

    Returns what changed. `actor`: the account id of the steward, or history.RESIDENT/SHEET/SYSTEM.
    Every change adds one to the row's `version` (the stewards' edit form's optimistic lock).

    Marking a report 已解决 stamps 办结时间 (today) when none was given. A change to 已形成方案 or 已解决
    queues the resident's text (texts.for_status).
    """
    if changes.get("status") == "已解决" and not (changes.get("resolved_at") or row["resolved_at"]):
        changes = {**changes, "resolved_at": clock.now().strftime("%Y-%m-%d")}
    if "status" in changes and changes["status"] != row["status"]:
        # Newly resolved: the resident's next look-up asks whether it really is; reopened: not yet.
        changes = {"followup_due": int(changes["status"] == "已解决"), **changes}
    changed = {k: v for k, v in changes.items() if row[k] != v}
    if (changed.keys() & REHANDLING and "reopened_at" not in changed and row["reopened_at"]
            and not row["rehandled_at"] and actor not in (history.RESIDENT, history.SYSTEM)):
        # A steward's status change or contact after a reopening: the re-handling clock is met.
        changed["rehandled_at"] = clock.iso(clock.now())
    if changed:
        case_changes.write(conn, row, changed, actor)
        if "status" in changed:
            texts.for_status(conn, row, changed["status"], changes.get("public_note", row["public_note"]))
    return changed


def update(conn: sqlite3.Connection, report_id: int, changes: dict, alert: dict | None = None,
           actor: str = history.SYSTEM) -> dict:
    """Change the stewards' fields of a report (own transaction); returns what changed."""
    unknown = set(changes) - set(STEWARD_FIELDS)
    if unknown or ("status" in changes and changes["status"] not in STATUSES):
        raise ValueError(f"not a steward field or status: {sorted(unknown) or changes['status']}")
    with transaction(conn):
        row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        changed = apply_changes(conn, row, changes, actor)
        if alert:
            outbox.enqueue(conn, "alert", report_id, alert)
    return changed
