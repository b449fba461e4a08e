"""回访: once a case is 已解决, the resident says how it went — online, or to a steward by phone.

The same questions both ways: the outcome (已解决 / 部分解决 / 没有解决) and three aspects, 效率、态度、
结果, each 满意 / 基本满意 / 不满意 (none required after 没有解决). 部分解决 or 没有解决 reopens the case
(处理中, 办结时间 cleared) with the re-handling clock (core/deadlines.py), replaces the public note
with one that tells the resident when they will hear again, and alerts the steward — one transaction.

不满意 reopens too, as in 12345 practice: an aspect the directory names (street.followup.reopen_unsatisfied,
default 结果) rated 不满意 reopens the case even when the resident ticks 已解决; the other aspects
(效率, 态度) rated 不满意 put the case on the supervisor's 不满意待核实 list (reports.to_verify).
"""
from __future__ import annotations

import sqlite3

from forms_app.core import clock, deadlines, history, outbox
from forms_app.residents.reports import apply_changes
from forms_app.core.store import transaction
from forms_app.residents import photos as photo_store, promises

OUTCOMES = ("已解决", "部分解决", "没有解决")
RATINGS = ("满意", "基本满意", "不满意")
ASPECTS = {"efficiency": "效率", "attitude": "态度", "result": "结果"}
VIA = {"online": "网上", "phone": "电话"}
DEFAULT_REOPEN = ("result",)


def reopen_aspects(directory) -> tuple[str, ...]:
    """The aspects whose 不满意 reopens a case (street.followup.reopen_unsatisfied: 效率/态度/结果; default 结果)."""
    names = (directory.street.get("followup") or {}).get("reopen_unsatisfied") if directory is not None else None
    if names is None:
        return DEFAULT_REOPEN
    by_label = {label: key for key, label in ASPECTS.items()}
    return tuple(by_label[n] for n in names)


def due(report: sqlite3.Row) -> bool:
    """True when the report is resolved and the resident has not answered since it was resolved."""
    return report["status"] == "已解决" and bool(report["followup_due"])


def phone_allowed(report: sqlite3.Row) -> bool:
    """A steward may record a phone follow-up on a resolved case (asked online or not)."""
    return report["status"] == "已解决"


def latest(conn: sqlite3.Connection, report_id: int) -> sqlite3.Row | None:
    """The report's most recent follow-up answer, if any."""
    return conn.execute("SELECT * FROM followups WHERE report_id = ? ORDER BY id DESC LIMIT 1", (report_id,)).fetchone()


def photos_with(conn: sqlite3.Connection, answer: sqlite3.Row) -> int:
    """How many photos came with that follow-up answer."""
    return conn.execute("SELECT count(*) FROM photos WHERE report_id = ? AND origin = 'followup' AND created_at >= ?",
                        (answer["report_id"], answer["created_at"])).fetchone()[0]


def satisfaction_text(answers: dict) -> str:
    """回访满意度 as the sheet shows it: '效率满意/态度基本满意/结果不满意·部分解决'."""
    rated = "/".join(f"{label}{answers[key]}" for key, label in ASPECTS.items() if answers.get(key))
    return "·".join(filter(None, [rated, answers["outcome"]]))


def public_note(moment, rehandle_due, steward: str = "大管家", said: str = "还没解决") -> str:
    """The line the resident sees after saying it is not (fully) solved (the words of views/status.reopen_words)."""
    return f"您{moment.month}月{moment.day}日说{said}，{steward}最晚{clock.chinese_date(rehandle_due)}再联系您。"


def record(conn: sqlite3.Connection, report_id: int, answers: dict, directory, via: str = "online",
           actor: str = history.RESIDENT, who: str = "", photos=()) -> bool | None:
    """Store one follow-up and write it to the case; reopen when not (fully) solved.

    answers: outcome, efficiency, attitude, result ('' = not rated), comment. `via`: 'online' (the
    resident; only while due) or 'phone' (a steward, `actor` their account id, `who` their name for
    处理记录). photos: the form's cleaned photos (form.photos.prepared), stored with the answer in the same transaction.
    Returns whether it reopened the case, or None when nothing was recorded (not due).
    """
    outcome = answers["outcome"]
    if outcome not in OUTCOMES or via not in VIA or any(answers.get(k) not in ("", *RATINGS) for k in ASPECTS):
        raise ValueError("not a follow-up answer")
    if outcome != "没有解决" and not all(answers.get(k) for k in ASPECTS):
        raise ValueError("every aspect is rated unless 没有解决")
    moment = clock.now()
    with transaction(conn):
        report = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        # Checked inside the transaction: two taps store one answer.
        if not (due(report) if via == "online" else phone_allowed(report)):
            return None
        comment = answers.get("comment", "")
        conn.execute("INSERT INTO followups (report_id, created_at, solved, comment, outcome, efficiency, attitude, "
                     "result, via, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (report_id, clock.iso(moment), int(outcome == "已解决"), comment, outcome,
                      answers.get("efficiency", ""), answers.get("attitude", ""), answers.get("result", ""), via, actor))
        rated = "、".join(f"{label}{answers[k]}" for k, label in ASPECTS.items() if answers.get(k))
        by = f"电话回访（{who}）" if via == "phone" else "居民回访"
        line = f"{moment:%Y-%m-%d} {by}：{outcome}" + (f"；{rated}" if rated else "") + (f"。意见：{comment}" if comment else "")
        changes = {"satisfaction": satisfaction_text(answers), "notes": "\n".join(filter(None, [report["notes"], line])),
                   "followup_due": 0}
        unsatisfied = [k for k in ASPECTS if answers.get(k) == "不满意"]
        reopening = reopen_aspects(directory)
        reopen = outcome != "已解决" or any(k in reopening for k in unsatisfied)
        verify = [ASPECTS[k] for k in unsatisfied if k not in reopening]
        if verify:  # 效率/态度 不满意: the supervisor checks what happened
            changes["to_verify"] = f"{moment:%Y-%m-%d} {VIA[via]}回访：{'、'.join(verify)}不满意"
        said = "还没解决" if outcome != "已解决" else "对结果不满意"
        if reopen:
            # Reopened honestly: back to 处理中, 办结时间 cleared, the re-handling clock started, and the
            # stale public note replaced by when the resident will hear again.
            clocks = deadlines.reopened(report, directory, moment)
            compound = directory.compounds.get(report["compound_id"])
            due_day = promises.call_day(directory, compound, moment, deadlines.day_of(clocks["rehandle_due"]))
            changes.update(status="处理中", resolved_at="", reopened=report["reopened"] + 1, **clocks,
                           public_note=public_note(moment, due_day, compound.steward.name if compound else "大管家", said))
            told = outcome if outcome != "已解决" else "已解决，但对结果不满意"
            outbox.enqueue(conn, "alert", report_id, {"type": "reopened", "note": comment[:50], "outcome": told,
                                                      "via": via, "rehandle_due": clocks["rehandle_due"]})
        apply_changes(conn, report, changes, actor)
        if photos:
            photo_store.attach(conn, report_id, photos, "followup", ref=report["ref"])
    return reopen
