"""Every promise to a resident, worded from the actual time: the one place for that wording.

The confirmation page, the printable slip (回执), the progress page, the follow-up answer and the
受理 text all ask this module. A promise is about a case's next call — the first contact, or the
re-handling after "没有解决" — and is worded from:

- the stored due date (core/deadlines.py) and the hours of the steward's line and of the 事务所
  (the directory's `hours`, core/office_hours.py): a case that comes in when both are closed is
  promised for the next opening ("现在是下班时间，陈静最晚12月7日（周一）上午…");
- now: a promised day whose last opening has passed reads "本应…前联系您。还没接到电话，请打 …";
- urgency: an urgent case (and an urgent case reopened) first gets what to do right now — the
  category's first steps, the compound's 物业 number and, out of hours, the street's out-of-hours line.

Text pieces are (kind, value) segments — "text" or "tel" (a number to tap) — so templates link the
numbers and texts/print use plain text, with the same words.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from forms_app.core import clock, deadlines, office_hours
from forms_app.core.phones import PhoneError, normalise_phone

Segments = tuple[tuple[str, str], ...]


def _shown(raw: str) -> str:
    try:
        return normalise_phone(raw).display
    except PhoneError:
        return raw


@dataclass(frozen=True)
class Line:
    """Someone to phone: who, their number, when they answer."""

    name: str
    phone: str
    hours: str = ""


@dataclass(frozen=True)
class Promise:
    kind: str                      # first_contact | rehandle
    who: str                       # the steward's name (or 大管家)
    caller: Line                   # the number the call comes from
    day: dt.date                   # the day promised
    part: str                      # 上午 | 下午 | 下班前
    after_hours: bool              # closed right now
    missed: bool                   # the promised day's last opening has passed
    urgent: bool
    reopen_on: dt.date | None = None
    call_now: tuple[Segments, ...] = field(default=())   # urgent: first steps and numbers, shown first
    call_if_missed: Segments = ()

    @property
    def when(self) -> str:
        """'今天下班前' / '最晚12月8日（周二）上午'."""
        today = clock.now().date()
        return f"今天{self.part}" if self.day == today else f"最晚{clock.chinese_date(self.day)}{self.part}"

    def sentence(self, callee: str = "给您", listen: str = "请留意接听。") -> Segments:
        """The confirmation's main line: when, who, from which number."""
        if self.missed:
            return self.call_if_missed
        lead = "现在是下班时间，" if self.after_hours else ""
        if self.after_hours:
            head = f"{lead}{self.who}{self.when}会用 "
        else:
            head = f"{self.when}，{self.who}会用 "
        return (("text", head), ("tel", self.caller.phone), ("text", f" {callee}打电话，{listen}"))

    def progress(self) -> Segments:
        """The progress page's line (no number: the page shows the steward's)."""
        if self.missed:
            return self.call_if_missed
        verb = "给您打电话。" if self.kind == "first_contact" else "再联系您。"
        if self.after_hours:
            return (("text", f"现在是下班时间，{self.who}{self.when}{'联系您。' if self.kind == 'first_contact' else verb}"),)
        return (("text", f"{self.who}{self.when}{verb}"),)

    def reopen_line(self) -> Segments:
        """'您12月1日说还没解决，赵磊最晚12月4日（周五）再联系您。'"""
        said = self.reopen_on or clock.now().date()
        when = "今天" if said == clock.now().date() else f"{said.month}月{said.day}日"
        return (("text", f"您{when}说还没解决，"),) + self.progress()


def text(segments: Segments) -> str:
    """Plain text of segments (for a text message, the log-free print slip, tests)."""
    return "".join(value for _kind, value in segments)


def _lines(d, compound) -> tuple[Line | None, Line]:
    office = d.street.get("office") or {}
    office_line = Line(str(office.get("name") or "大管家事务所"), _shown(str(office.get("phone") or "")),
                       str(office.get("hours") or ""))
    # An area with no community steward (covered: false): the office itself calls, never a steward
    # the resident has not got.
    covered = compound is not None and compound.area.covered
    steward = Line(compound.steward.name, compound.steward.phone, compound.steward.hours) if covered else None
    return steward, office_line


def _hours(lines) -> list:
    out = []
    for line in lines:
        if line is not None and line.hours:
            try:
                out.append(office_hours.parse(line.hours))
            except ValueError:
                pass
    return out


def call_day(d, compound, since: dt.datetime, due: dt.date) -> dt.date:
    """The day a call is promised for: the due day, or — when the case came in out of hours — the day
    the steward's line or the 事务所 next opens, whichever is later."""
    hours = _hours(_lines(d, compound))
    opening = office_hours.next_open(hours, since) if hours else None
    return max(due, opening.date()) if opening else due


def _part(day: dt.date, opening: dt.datetime | None, since: dt.datetime, urgent: bool) -> str:
    """上午/下午 for an urgent case that came in out of hours (the next opening), else 下班前."""
    if urgent and opening is not None and opening != since and opening.date() == day:
        return "上午" if opening.hour < 12 else "下午"
    return "下班前"


def for_case(row, d, now: dt.datetime | None = None) -> Promise | None:
    """The promise of a case's next call (re-handling first, then first contact), or None when none is owed."""
    now = (now or clock.now()).astimezone(clock.SHANGHAI)
    open_ = row["status"] not in deadlines.SETTLED
    if row["reopened_at"] and not row["rehandled_at"] and open_:
        kind, since = "rehandle", clock.parse(row["reopened_at"])
        due = deadlines.rehandle_day(row, d)
    elif not row["first_contact_at"] and row["status"] == "已受理":
        kind, since = "first_contact", clock.parse(row["created_at"])
        due = deadlines.first_contact_day(row, d)
    else:
        return None
    compound = d.compounds.get(row["compound_id"])
    steward, office = _lines(d, compound)
    hours = _hours([steward, office])
    urgent = deadlines.is_urgent(row, d)
    first_opening = office_hours.next_open(hours, since) if hours else since
    day = call_day(d, compound, since, due)
    after = bool(hours) and not office_hours.is_open(hours, now)
    opening_now = office_hours.next_open(hours, now) if hours else now
    missed = opening_now is None or opening_now.date() > day
    who = steward.name if steward else ("大管家" if compound is None else office.name)
    caller = steward or office
    reopen_on = since.date() if kind == "rehandle" else None
    return Promise(kind, who, caller, day, _part(day, first_opening, since, urgent), after, missed, urgent, reopen_on,
                   _call_now(d, compound, row, now, hours) if urgent else (),
                   _missed_words(day, steward, office, now, hours))


def _missed_words(day: dt.date, steward: Line | None, office: Line, now, hours) -> Segments:
    """'本应12月8日前联系您。还没接到电话，请打 021 5555 0101（陈静）或 021 5555 0100（事务所，周一至周五 8:30–17:00）。'"""
    out: list = [("text", f"本应{day.month}月{day.day}日前联系您。还没接到电话，请打 ")]
    if steward is not None:
        out += [("tel", steward.phone), ("text", f"（{steward.name}，{steward.hours}）或 ")]
    out += [("tel", office.phone), ("text", f"（{office.name}，{office.hours}）。")]
    if hours and not office_hours.is_open(hours, now):
        opening = office_hours.next_open(hours, now)
        if opening is not None:
            out.append(("text", f"现在是下班时间，{clock.chinese_date(opening.date())}{opening:%H:%M}以后有人接。"))
    return tuple(out)


def _call_now(d, compound, row, now, hours) -> tuple[Segments, ...]:
    """Urgent: the 物业 number, out of hours the street's out-of-hours line, then the category's first steps."""
    category = d.categories.get(row["category_id"])
    out: list[Segments] = []
    if compound is not None:
        out.append((("text", "物业电话："), ("tel", compound.property_company.phone)))
    office = d.street.get("office") or {}
    late = office.get("after_hours") if isinstance(office.get("after_hours"), dict) else None
    if late and hours and not office_hours.is_open(hours, now):
        out.append((("text", f"下班时间急事打{late.get('name', '值班电话')}："), ("tel", _shown(str(late.get("phone", ""))))))
    out += [(("text", step),) for step in (category.first_steps if category else ())]
    return tuple(out)


def promised_day(row, d) -> dt.date | None:
    """The day the next call was promised for (the 受理 text's date), as the confirmation worded it."""
    found = for_case(row, d, clock.parse(row["created_at"]))
    return found.day if found else None
