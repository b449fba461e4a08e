"""An .ics file for a joint-reception sign-up (RFC 5545, via icalendar)."""
from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from forms_app.core import clock
from forms_app.core.references import display


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    """A Shanghai datetime from a date and 'H:MM'."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.SHANGHAI)


def for_signup(signup, session, site_url: str, position: int | None = None, brand: str = "社区大管家") -> bytes:
    """The calendar entry: when, where, who attends, the reference; a reminder the day before.

    site_url: the configured site address (street.site_url + '/'), never the request's Host header.
    A waiting-list place is not a seat: the title says so (the form serves no file until confirmed)."""
    cal = Calendar()
    cal.add("prodid", f"-//{brand}//联合接待//ZH")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", f"{signup['ref']}@yanji-steward")
    event.add("dtstamp", clock.now())
    event.add("dtstart", _at(session.date, session.start_time))
    event.add("dtend", _at(session.date, session.end_time))
    waiting = signup["state"] == "waiting"
    title = f"候补第{position or ''}位，还没有座位：联合接待" if waiting else "联合接待"
    event.add("summary", f"{title}（{brand}）")
    event.add("location", session.place)
    event.add("description", f"报名编号：{display(signup['ref'])}\n参加：{'、'.join(session.parties)}\n"
                             f"查询或取消：{site_url}forms/status?ref={signup['ref']}")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "明天有联合接待")
    alarm.add("trigger", dt.timedelta(days=-1))
    event.add_component(alarm)
    cal.add_component(event)
    return cal.to_ical()
