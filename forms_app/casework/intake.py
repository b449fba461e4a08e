"""A case a steward registers: a phone call, a walk-in, a joint reception, a 会商, a referral.

The same door as the online form: reports.create (same reference series, same outbox row for the
sheet, the same urgent alert, the same due dates), with the channel it came through, the account
that took it (taken_by) and, from a joint reception, the session (session_id). Name and phone are
optional ("居民不愿留电话"): a case without a phone is never offered to the resident's look-up.

The steward's own contact is the first contact: a phone call, a walk-in, a joint reception or a
会商 has the resident in front of the steward, so (with the intake's box, on by default) the case
is registered with 首次联系时间 now. A referral (居委会转来, 12345转办, 其他) still owes the call.
"""
from __future__ import annotations

import sqlite3

from forms_app.core import clock, deadlines
from forms_app.core.cases import STEWARD_CHANNELS
from forms_app.residents import reports

CHANNELS = STEWARD_CHANNELS  # what a steward can register
IN_PERSON = ("电话", "来访", "联合接待", "会商")  # the resident speaks to the steward as the case is registered
# The columns a registration fills that a resident's form would; a steward's intake leaves them at these.
DEFAULTS = {"best_time": "", "join_reception": 0, "on_behalf": 0, "behalf_relation": "", "behalf_consent": 0,
            "room": "", "contact_name": "", "phone": "", "taken_by": "", "session_id": "", "sms_consent": 0}


def case_data(directory, fields: dict) -> dict:
    """The report row's data from what the steward entered (fields: channel, compound_id, building, room,
    category_id, urgent, description, contact_name, phone (E.164 or ''), taken_by, session_id, contacted)."""
    if fields["channel"] not in CHANNELS:
        raise ValueError(f"unknown channel: {fields['channel']}")
    compound = directory.compounds[fields["compound_id"]]
    data = {**DEFAULTS, **{k: v for k, v in fields.items() if k not in ("compound_id", "contacted")}}
    if fields.get("contacted") and fields["channel"] in IN_PERSON:
        data["first_contact_at"] = clock.now().strftime("%Y-%m-%d %H:%M")
    data.update(area_id=compound.area.id, compound_id=compound.id, urgent=int(bool(fields.get("urgent"))))
    return data


def register(conn: sqlite3.Connection, directory, submission_id: str, fields: dict, actor: str,
             photos=()) -> tuple[sqlite3.Row, bool]:
    """Create the case through reports.create (with the form's cleaned photos (form.photos.prepared), in the same transaction);
    (row, created). The same submission id stores once."""
    data = case_data(directory, fields)
    return reports.create(conn, submission_id, data, alert=deadlines.is_urgent(data, directory), actor=actor,
                          directory=directory, photos=photos, origin="intake")


def link_signup(conn: sqlite3.Connection, signup_id: int, ref: str) -> bool:
    """登记为问题 from a sign-up: the sign-up now names the new case (unless it already names one)."""
    from forms_app.core import outbox
    from forms_app.core.store import transaction

    with transaction(conn):
        done = conn.execute("UPDATE signups SET linked_ref = ?, linked_ref_unknown = 0, updated_at = ? "
                            "WHERE id = ? AND linked_ref = ''", (ref, clock.iso(clock.now()), signup_id)).rowcount
        if done:
            outbox.enqueue(conn, "signup", signup_id)
    return bool(done)
