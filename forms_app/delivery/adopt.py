"""Rows the stewards type by hand into 问题登记 (their habit for phone calls) become cases.

A row with no 提交编号 but a 小区 or a 问题描述 is a candidate. Once it has stayed the same between
two reads of the sheet (so a row still being typed is left alone — the last read is kept in the store,
so two runs of `flask sync --once` from cron agree too), the worker:

1. gives it a reference and a submission id, and writes those two fields (and the service columns,
   below) into THAT record — found again by its content in a fresh read right before the write
   (stewards sort, insert and delete rows), through the table service's update() by record id, as plain text;
2. imports it into the store through reports.create (actor 表格, due dates from the directory), reading
   compounds and categories as stewards write them (延吉4村, 漏水: the directory's aliases), and fills
   the row's service columns (提交时间, 负责大管家, 是否紧急) as the web form's rows have them.

Exactly once: a row whose 提交编号 the store does not know is imported with the reference in its
编号 cell, never renumbered. A worker killed between 1 and 2 imports it at its next read; the
store's UNIQUE submission id makes a second import a no-op. A candidate too thin to be a case
(no 问题描述, or no 小区) gets one line in 处理记录 asking for what is missing, once.
"""
from __future__ import annotations

import json
import logging
import re
import sqlite3
import unicodedata
import uuid

from forms_app.core import clock, deadlines, history, outbox
from forms_app.core.cases import CHANNELS, ONLINE_CHANNELS
from forms_app.core.phones import PhoneError, normalise_phone
from forms_app.core.references import kind_of, new_reference, normalise
from forms_app.core.store import transaction
from forms_app.delivery.columns import REPORTS
from forms_app.residents import reports

log = logging.getLogger(__name__)

# The doors a case comes through, as the store and the steward intake name them.
DEFAULT_CHANNEL = "电话"
# What stewards type in 来源 → the store's channel (checked in order, by substring).
CHANNEL_WORDS = (("12345", "12345转办"), ("热线", "12345转办"), ("居委", "居委会转来"), ("联合接待", "联合接待"),
                 ("接待", "联合接待"), ("会商", "会商"), ("来访", "来访"), ("上门", "来访"), ("当面", "来访"),
                 ("走访", "来访"), ("电话", "电话"), ("来电", "电话"), ("打电话", "电话"))
# The cells that make a row what it is: a row is found again (and judged still) by these.
CONTENT = ("来源", "居民区", "小区", "楼号", "室号", "问题类别", "是否紧急", "问题描述", "联系人", "联系电话",
           "希望联系时间", "愿意参加联合接待")
NOTE_MARK = "【系统】"
ASK_START = NOTE_MARK + "这一行还不能登记为问题"
ASK = ASK_START + "，请补上：{missing}。补好后会自动编号。"
YES = ("紧急", "是", "急", "yes", "y", "1", "√", "✓")
NO_PHONE = ("不愿留", "不留电话", "没有电话", "无电话")  # "居民不愿留电话", as manual/stewards-setup.md says: accepted, no phone
SEEN_KEY = "adopt.seen"  # the candidate rows of the last read (state table): `flask sync --once` from cron adopts too
TEXT_LIMITS = {"building": 50, "room": 50, "contact_name": 50, "best_time": 100, "description": 2000}


def tidy(value) -> str:
    """A cell as typed, trimmed, full-width letters and digits made ordinary."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def channel_of(text: str) -> str:
    """来源 as typed → the store's channel (empty: 电话; not recognised: 其他)."""
    text = tidy(text)
    if not text:
        return DEFAULT_CHANNEL
    if text in CHANNELS or text in ONLINE_CHANNELS:
        return text
    return next((channel for word, channel in CHANNEL_WORDS if word in text), "其他")


def _by_name_or_id(text: str, entries: dict):
    """A directory entry by its id or its name (spaces ignored), else None."""
    key = re.sub(r"\s+", "", tidy(text))
    if not key:
        return None
    if key in entries:
        return entries[key]
    return next((e for e in entries.values() if re.sub(r"\s+", "", e.name) == key), None)


def missing(rec: dict) -> list[str]:
    """What a candidate row lacks to be a case: where (小区) and what (问题描述)."""
    return [name for name in ("小区", "问题描述") if not tidy(rec.get(name))]


def is_candidate(rec: dict) -> bool:
    """No 提交编号 yet, and something of a case typed in."""
    return not tidy(rec.get("提交编号")) and bool(tidy(rec.get("小区")) or tidy(rec.get("问题描述")))


def fingerprint(rec: dict) -> tuple:
    """The row's content, to recognise it again in a later read (whatever line it is on by then)."""
    return tuple(str(rec.get(name, "")) for name in CONTENT)


def case_data(rec: dict, directory) -> tuple[dict, list[str]]:
    """A hand-typed row as report fields, and the notes for what could not be read as typed."""
    flags = []
    compound = _by_name_or_id(rec.get("小区", ""), directory.compounds) or directory.match_compound(tidy(rec.get("小区")))
    area = compound.area if compound else _by_name_or_id(rec.get("居民区", ""), directory.areas)
    compound_text = tidy(rec.get("小区"))[:50]
    if compound is None:
        flags.append(f"小区「{compound_text}」不在名录里，先按原样记下，请改成名录里的小区名")
    category = _by_name_or_id(rec.get("问题类别", ""), directory.categories) or directory.match_category(rec.get("问题类别", ""))
    category_text = tidy(rec.get("问题类别"))[:50]
    if category is None and category_text:
        flags.append(f"问题类别「{category_text}」不在名录里，先按原样记下")
    phone = ""
    if tidy(rec.get("联系电话")) and not any(w in tidy(rec.get("联系电话")) for w in NO_PHONE):
        try:
            phone = normalise_phone(rec["联系电话"]).e164
        except PhoneError:
            flags.append("联系电话看不懂，没有记下，请核对后写进处理记录")
    source = tidy(rec.get("来源"))
    channel = channel_of(source)
    if channel == "其他":
        flags.append(f"来源「{source[:20]}」按「其他」登记")
    data = {
        "channel": channel, "area_id": area.id if area else "",
        "compound_id": compound.id if compound else compound_text,
        "category_id": category.id if category else (category_text or ("other" if "other" in directory.categories else "")),
        "urgent": int(tidy(rec.get("是否紧急")).lower() in YES), "phone": phone,
        "join_reception": int(tidy(rec.get("愿意参加联合接待")) in ("愿意", "是")),
        "on_behalf": 0, "behalf_relation": "", "behalf_consent": 0,
        "building": tidy(rec.get("楼号")), "room": tidy(rec.get("室号")), "contact_name": tidy(rec.get("联系人")),
        "best_time": tidy(rec.get("希望联系时间")), "description": str(rec.get("问题描述", "")).strip(),
    }
    for key, limit in TEXT_LIMITS.items():
        data[key] = data[key][:limit]
    return data, flags


def service_cells(rec: dict, directory) -> dict[str, str]:
    """The service columns a web form's row has, for a hand-typed row about to be numbered: 提交时间,
    负责大管家, 是否紧急, and 小区 / 问题类别 as the directory names them (延吉4村 → 延吉四村, 漏水 → 漏水/渗水)."""
    data, _ = case_data(rec, directory)
    compound = directory.compounds.get(data["compound_id"])
    category = directory.categories.get(data["category_id"])
    wanted = {"提交时间": clock.now().strftime("%Y-%m-%d %H:%M"),
              "负责大管家": tidy(rec.get("负责大管家")) or (compound.steward.name if compound else ""),
              "是否紧急": "紧急" if deadlines.is_urgent(data, directory) else "",
              "小区": compound.name if compound else tidy(rec.get("小区")),
              "问题类别": category.name if category else tidy(rec.get("问题类别"))}
    return {k: v for k, v in wanted.items() if v and tidy(rec.get(k)) != v}


def import_row(conn: sqlite3.Connection, rec: dict, directory) -> tuple[sqlite3.Row, bool]:
    """Import a numbered row the store does not know yet (idempotent: same submission id, same case).

    Its reference is the one in its 编号 cell when that is a well-formed, unused report reference.
    The row is in the sheet already, so the new case's "append to the sheet" item is marked done
    (a worker killed before that re-checks the sheet's ids at start and skips it anyway).
    """
    data, flags = case_data(rec, directory)
    typed = normalise(tidy(rec.get("编号")))
    ref = typed if kind_of(typed) == "report" and reports.by_ref(conn, typed) is None else ""
    row, created = reports.create(conn, tidy(rec["提交编号"]), data, alert=deadlines.is_urgent(data, directory),
                                  actor=history.SHEET, directory=directory, ref=ref)
    if not created:
        return row, False
    with transaction(conn):
        conn.execute("UPDATE outbox SET delivered_at = ?, last_error = '已在表格里（手工登记的行）' "
                     "WHERE kind = 'report' AND row_id = ? AND delivered_at IS NULL", (clock.iso(clock.now()), row["id"]))
        cells = {}
        typed_notes = str(rec.get("处理记录", "")).strip()
        # Our request for what was missing has been answered: it goes; what could not be read is said.
        notes = "\n".join(line for line in typed_notes.split("\n") if not line.startswith(ASK_START))
        if flags:
            notes = "\n".join(filter(None, [notes, f"{clock.now():%Y-%m-%d} {NOTE_MARK}" + "；".join(flags) + "。"]))
        if notes != typed_notes:
            conn.execute("UPDATE reports SET notes = ? WHERE id = ?", (notes, row["id"]))
            history.record(conn, row["id"], history.SYSTEM, "notes", row["notes"], notes)
            cells["处理记录"] = notes
        if row["ref"] != typed:  # no usable 编号 was typed: write the one the case got
            cells["编号"] = row["ref"]
        if cells:
            outbox.enqueue(conn, "report_update", row["id"], cells)
    log.info("hand-typed row imported as %s (channel=%s, flags=%d)", row["ref"], data["channel"], len(flags))
    return reports.by_submission(conn, row["submission_id"]), True


class Adopter:
    """The worker's memory between reads: which candidate rows looked the same last time."""

    def __init__(self, conn: sqlite3.Connection, tables, directory):
        self.conn, self.tables, self.directory = conn, tables, directory

    @property
    def seen(self) -> set[tuple]:
        """The candidate rows of the last read, kept in the store (a cron `sync --once` is a new process)."""
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (SEEN_KEY,)).fetchone()
        return {tuple(f) for f in json.loads(row[0])} if row else set()

    @seen.setter
    def seen(self, fingerprints: set[tuple]) -> None:
        with transaction(self.conn):
            self.conn.execute("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                              (SEEN_KEY, json.dumps(sorted(fingerprints), ensure_ascii=False)))

    def known(self, ids: list[str]) -> set[str]:
        """Which of these submission ids the store has."""
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found.update(r[0] for r in self.conn.execute(
                f"SELECT submission_id FROM reports WHERE submission_id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def run(self, records: list[dict]) -> list[dict]:
        """Import unknown numbered rows, number the still candidates; the records with the ids given."""
        ids = [tidy(r.get("提交编号")) for r in records if tidy(r.get("提交编号"))]
        known = self.known(ids)
        for rec in records:
            sid = tidy(rec.get("提交编号"))
            if sid and sid not in known and (tidy(rec.get("小区")) or tidy(rec.get("问题描述"))):
                import_row(self.conn, rec, self.directory)
                known.add(sid)
        candidates = [r for r in records if is_candidate(r)]
        seen = self.seen
        still = [r for r in candidates if fingerprint(r) in seen]
        self.seen = {fingerprint(r) for r in candidates}
        plans = []
        for rec in still:
            lack = missing(rec)
            if not lack:
                plans.append((rec, {"编号": new_reference("report"), "提交编号": uuid.uuid4().hex,
                                    **service_cells(rec, self.directory)}))
            elif NOTE_MARK not in str(rec.get("处理记录", "")):
                ask = ASK.format(missing="、".join(lack))
                plans.append((rec, {"处理记录": "\n".join(filter(None, [str(rec.get("处理记录", "")).strip(), ask]))}))
        if not plans:
            return records
        written = self.write(plans)
        for rec, cells in written:  # a worker killed here imports these at its next read
            if "提交编号" in cells:
                rec.update(cells)
                import_row(self.conn, rec, self.directory)
        return records

    def write(self, plans: list[tuple[dict, dict]]) -> list[tuple[dict, dict]]:
        """Write each plan's fields into its record as it stands NOW; the plans written.

        The table is read again just before the write and each record found by its content (still
        without 提交编号). A row that moved is found where it is now; one edited since, or no longer
        unique, is left for the next read. Only the planned fields are written, in one update().
        """
        spec = REPORTS.spec(self.directory)
        fresh = self.tables.records(spec)
        if not fresh:
            return []
        titles = set(spec.titles) | {title for record in fresh for title in record.values}
        lines: dict[tuple, list[str]] = {}
        for record in fresh:
            if is_candidate(record.values):
                lines.setdefault(fingerprint(record.values), []).append(record.id)
        planned: dict[tuple, int] = {}
        for rec, _ in plans:
            planned[fingerprint(rec)] = planned.get(fingerprint(rec), 0) + 1
        changes, written, taken = [], [], {}
        for rec, wanted in plans:
            found = lines.get(fingerprint(rec), [])
            if len(found) != planned[fingerprint(rec)] or any(name not in titles for name in wanted):
                continue  # edited, deleted, or copied since the last read: decide again next time
            index = taken[fingerprint(rec)] = taken.get(fingerprint(rec), -1) + 1
            changes.append((found[index], dict(wanted)))
            written.append((rec, wanted))
        if changes:
            self.tables.update(spec, changes)
            log.info("numbered %d hand-typed row(s), asked for more on %d",
                     sum("提交编号" in w for _, w in written), sum("提交编号" not in w for _, w in written))
        return written
