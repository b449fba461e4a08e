"""Texts (短信) to residents: which text a change causes, queued in that change's own transaction.

"Texts" is the one name for them — module, table `texts`, the case page's list; "notices" is the
stewards' alerts package (forms_app/notices/), never these.

Every text is a provider-approved template with a few variables — a reference, a date, a place,
the steward's public name and office phone, a status, the public note cut short — never the
resident's name, description or room. The only personal data that leaves is the phone number.

A text is queued (a `texts` row plus an `sms` outbox item, delivered by the worker) only when
SMS is on (SMS_PROVIDER) and its template is set. A resident who said no to texts, or whose number
is not a mainland mobile, gets a `skipped` text instead, so the stewards see why nothing went;
a number no text can reach is also noted in the case's 处理记录.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from flask import current_app, has_app_context

from forms_app.core import clock, deadlines, outbox
from forms_app.core.phones import is_mainland_mobile
from forms_app.core.redact import hide
from forms_app.residents import promises
from forms_app.residents.case_changes import note_on_case


@dataclass(frozen=True)
class Kind:
    label: str                 # what stewards read
    setting: str               # the template's setting
    variables: tuple[str, ...]  # the template's variables, in order (Tencent's {1}, {2}… follow it)


KINDS = {
    "accepted": Kind("受理", "SMS_TEMPLATE_ACCEPTED", ("ref", "steward", "phone", "day")),
    "status": Kind("状态变化", "SMS_TEMPLATE_STATUS", ("ref", "status", "note")),
    "followup": Kind("回访邀请", "SMS_TEMPLATE_FOLLOWUP", ("ref",)),
    "promoted": Kind("候补转正", "SMS_TEMPLATE_PROMOTED", ("date", "time", "place")),
    "reminder": Kind("接待提醒", "SMS_TEMPLATE_REMINDER", ("date", "time", "place")),
    "signup": Kind("报名编号", "SMS_TEMPLATE_SIGNUP", ("ref", "date", "time", "place")),
}
STATUS_TEXTS = ("已形成方案", "已解决", "不予受理", "已转办")   # the status changes a resident is told about
VARIABLE_MAX = 20                          # characters per variable (both providers cap variable length) …
LIMITS = {"place": 35}                     # … a place name may be longer (Aliyun's cap for such a variable)
FOLLOWUP_AT = dt.time(10, 0)               # the 回访 invitation goes the morning after 已解决
STATES = {"queued": "待发送", "sending": "发送中", "unknown": "待核实", "sent": "已发送", "failed": "未发出",
          "skipped": "不发送"}


def settings():
    """The app's settings, or None outside an app (then nothing is queued)."""
    return current_app.config if has_app_context() else None


def enabled(kind: str, config=None) -> bool:
    """SMS on and this kind of text's template set."""
    config = config if config is not None else settings()
    return bool(config and config.get("SMS_ENABLED") and config.get(KINDS[kind].setting))


def will_text(row, kind: str | None = None, config=None) -> bool:
    """Will this resident get texts (texting on, they said yes, a mainland mobile) — and, given `kind`, that text?
    What the pages may promise (a waiting-list resident: 候补转正 by text, or not)."""
    config = config if config is not None else settings()
    on = bool(config and config.get("SMS_ENABLED")) and bool(row["sms_consent"]) and is_mainland_mobile(row["phone"] or "")
    return on and (kind is None or enabled(kind, config))


def whole_sentences(text: str, limit: int = VARIABLE_MAX) -> str:
    """The note as a text carries it: whole sentences within `limit` characters (else whole clauses, the last
    one ended with 。), never cut mid-sentence; when even the first clause is longer, '详情请查进度'."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    ends = [i + 1 for i, ch in enumerate(text[:limit]) if ch in "。！？；!?;"]
    if ends:
        return text[:ends[-1]]
    clauses = [i for i, ch in enumerate(text[:limit]) if ch in "，,"]  # a whole clause, ended as a sentence
    return text[:clauses[-1]] + "。" if clauses else "详情请查进度"


def cut(text: str, limit: int = VARIABLE_MAX) -> str:
    """One line, at most `limit` characters (an ellipsis when cut)."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def queue(conn: sqlite3.Connection, kind: str, phone: str, params: dict, *, report_id: int | None = None,
          signup_id: int | None = None, consent: bool = True, urgent: bool = False,
          not_before: dt.datetime | None = None, config=None, held: str = "") -> int | None:
    """Inside the caller's transaction: record one text and queue it (or record why it is skipped:
    `held` is a reason decided by the caller, e.g. a per-address cap)."""
    if not enabled(kind, config) or not phone:  # no phone given (a steward's intake may have none): nothing to say
        return None
    values = [[name, cut(str(params[name]), LIMITS.get(name, VARIABLE_MAX))] for name in KINDS[kind].variables]
    state, note = "queued", ""
    if not consent:
        state, note = "skipped", "居民没有选“短信通知我”"
    elif not is_mainland_mobile(phone):
        state, note = "skipped", "留的不是大陆手机号码，短信发不到"
    elif held:
        state, note = "skipped", held
    now = clock.iso(clock.now())
    cur = conn.execute(
        "INSERT OR IGNORE INTO texts (kind, report_id, signup_id, phone, params, urgent, state, note, not_before, "
        "next_try, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, report_id, signup_id, phone, json.dumps(values, ensure_ascii=False), int(urgent), state, note,
         *[not_before.timestamp() if not_before else 0.0] * 2, now, now))
    if not cur.rowcount:
        return None  # a reminder already queued for this sign-up
    if state == "queued":
        outbox.enqueue(conn, "sms", cur.lastrowid)
    elif consent and report_id is not None:
        note_on_case(conn, report_id, f"短信「{KINDS[kind].label}」未发：{note}")
    return cur.lastrowid


# --- what causes a text -------------------------------------------------------------------------

def _directory():
    return current_app.extensions["directory"] if has_app_context() else None


def for_new_report(conn: sqlite3.Connection, row: sqlite3.Row, urgent: bool, address: str = "") -> None:
    """受理: reference, the steward's name and office phone, the day they will call by (as the confirmation says).

    Marked urgent (may go in quiet hours, once a steward has checked the number) only when the
    category itself is urgent. An online report from an address that already sent
    SMS_REPORTS_PER_ADDRESS reports with texts today gets no text (noted on the case): one person
    cannot make the office text a list of strangers.
    """
    directory = _directory()
    if directory is None or not enabled("accepted"):
        return
    category = directory.categories.get(row["category_id"])
    urgent = bool(urgent and category is not None and category.urgent)
    held = ""
    if address and row["phone"] and row["sms_consent"]:
        from forms_app.core import address_limits

        config = settings()
        cap = int(config.get("SMS_REPORTS_PER_ADDRESS") or 0) if config.get("RATELIMIT_ENABLED", True) else 0
        if not address_limits.take(conn, "sms-report", address, cap):
            held = "同一网络地址今天提交的问题已达短信上限（SMS_REPORTS_PER_ADDRESS），未发"
    compound = directory.compounds.get(row["compound_id"])
    steward = compound.steward if compound else None
    # The first-contact day the confirmation page promised (its category's deadline; core/deadlines.py).
    day = promises.promised_day(row, directory) or deadlines.first_contact_day(row, directory)  # after hours: the next opening, as the page words it
    queue(conn, "accepted", row["phone"], {"ref": row["ref"], "steward": steward.name if steward else "大管家事务所",
                                           "phone": steward.phone if steward else "", "day": clock.chinese_date(day)},
          report_id=row["id"], consent=bool(row["sms_consent"]), urgent=urgent, held=held)


def for_status(conn: sqlite3.Connection, row: sqlite3.Row, status: str, public_note: str) -> None:
    """状态变化 to 已形成方案 / 已解决 (reference, status, the public note cut short); after 已解决 also the
    回访 invitation, held until the next morning (and dropped if the resident has answered by then)."""
    if status not in STATUS_TEXTS or row["status"] == status or not row["phone"]:
        return
    consent = bool(row["sms_consent"])
    # The public note is the stewards' one line for the resident; still, no phone number or name goes in a text.
    note = whole_sentences(hide(public_note, row["contact_name"], row["room"])) if public_note else "详情请查进度"
    queue(conn, "status", row["phone"], {"ref": row["ref"], "status": status, "note": note},
          report_id=row["id"], consent=consent)
    if status == "已解决":
        morning = dt.datetime.combine(clock.now().date() + dt.timedelta(days=1), FOLLOWUP_AT, tzinfo=clock.SHANGHAI)
        queue(conn, "followup", row["phone"], {"ref": row["ref"]}, report_id=row["id"], consent=consent,
              not_before=morning)


def session_params(session) -> dict:
    return {"date": clock.chinese_date(session.date), "time": f"{session.start_time}-{session.end_time}",
            "place": session.place}


def for_promotion(conn: sqlite3.Connection, signup: sqlite3.Row, session, report_id: int | None) -> None:
    """候补转正: the session's date, time and place. `report_id`: the case the sign-up is linked to
    (reception.linked_report_id), so the text shows on that case page too."""
    queue(conn, "promoted", signup["phone"], session_params(session), signup_id=signup["id"],
          consent=bool(signup["sms_consent"]), report_id=report_id)


def for_signup_again(conn: sqlite3.Connection, signup: sqlite3.Row, session, report_id: int | None) -> None:
    """Someone signed this phone up again for the same session: its existing sign-up number goes to that
    phone (the page shows the number only to the browser that signed up; SMS_DAILY_LIMIT caps repeats)."""
    queue(conn, "signup", signup["phone"], {"ref": signup["ref"], **session_params(session)}, signup_id=signup["id"],
          consent=bool(signup["sms_consent"]), report_id=report_id)


# --- what the stewards see ----------------------------------------------------------------------

def for_case(conn: sqlite3.Connection, report_id: int) -> list[dict]:
    """Every text of a case (and of sign-ups linked to it), oldest first, as the case page shows them."""
    rows = conn.execute("SELECT * FROM texts WHERE report_id = ? ORDER BY id", (report_id,)).fetchall()
    return [{"id": r["id"], "label": KINDS[r["kind"]].label, "state": r["state"], "state_label": STATES[r["state"]],
             "note": r["note"], "created_at": r["created_at"], "sent_at": r["sent_at"], "attempts": r["attempts"]}
            for r in rows]
