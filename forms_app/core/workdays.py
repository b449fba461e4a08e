"""Which days are working days: the office's data file, chinese-calendar, else the statutory holidays.

Three sources, in order, for a day of year Y:
1. `data/workdays.yaml` `years: Y` — the State Council's notice as the office typed it in (its
   holiday spans, its 调休 working days; Monday–Friday otherwise);
2. chinese-calendar, for the years it knows (1.11.0: 2004–2026);
3. otherwise the statutory holidays of 《全国年节及纪念日放假办法》 listed in the data file (the lunar
   ones computed with the `holidays` package's Chinese lunisolar calendar, 清明 with
   chinese-calendar's solar terms), Monday–Friday otherwise, no 调休. Such a day is *provisional*,
   and `warning()` says so from `WARN_DAYS` before such a year begins.

The file is read again when it changes on disk (checked at most every CHECK_SECONDS); `version()`
changes with it, so cached computations keyed on it (clock, deadlines) follow.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import chinese_calendar
import yaml

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "workdays.yaml"
WARN_DAYS = 60            # warn this many days before a year with no official schedule
CHECK_SECONDS = 2.0       # how often the file's modification time is looked at
NOTICE_NUMBER = re.compile(r"^国办发明电〔\d{4}〕\d+号$")
log = logging.getLogger(__name__)
LUNAR = ("春节", "端午", "中秋")
SOURCES = {"file": "国务院办公厅通知（data/workdays.yaml）", "library": "chinese-calendar",
           "statutory": "法定节假日推算（暂定，不含调休）"}


class WorkdaysError(ValueError):
    """The data file is wrong; the message (Chinese) names the entry to fix."""


@dataclass(frozen=True)
class Notice:
    year: int
    title: str
    number: str
    date: dt.date
    url: str = ""


@dataclass(frozen=True)
class Rule:
    """One statutory holiday: a fixed date, a lunar festival or a solar term, and its length."""

    name: str
    days: int
    date: tuple[int, int] | None = None    # (month, day)
    lunar: str = ""                        # 春节 | 端午 | 中秋
    term: str = ""                         # a solar term's name (清明)
    start: int = 0                         # first day relative to the anchor (春节: -1 = 除夕)


@dataclass(frozen=True)
class Calendar:
    notices: dict[int, Notice]
    holidays: dict[dt.date, str]           # from the notices: day -> holiday name
    workdays: frozenset[dt.date]           # from the notices: adjusted working days (调休)
    rules: tuple[Rule, ...]
    statutory_confirmed: bool
    version: int = 0
    _tables: dict = field(default_factory=dict, compare=False, repr=False)

    def source(self, year: int) -> str:
        """'file', 'library' or 'statutory' (no official schedule known: provisional)."""
        found = self._tables.get(("source", year))
        if found is None:
            found = "file" if year in self.notices else "library" if _library_knows(year) else "statutory"
            self._tables[("source", year)] = found
        return found

    def official(self, year: int) -> bool:
        return self.source(year) != "statutory"

    def statutory_days(self, year: int) -> dict[dt.date, str]:
        """The statutory holidays of `year`, computed (once per year)."""
        found = self._tables.get(("statutory", year))
        if found is not None:
            return found
        out = self._tables[("statutory", year)] = {}
        for rule in self.rules:
            anchor = _anchor(rule, year)
            for i in range(rule.days):
                out[anchor + dt.timedelta(days=rule.start + i)] = rule.name
        return out

    def table(self, year: int) -> tuple[bool, ...]:
        """Working or not for each day of `year` (index: day of the year - 1), built once."""
        found = self._tables.get(year)
        if found is None:
            found = self._tables[year] = tuple(self._working(day) for day in _days(year))
        return found

    def _working(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        source = self.source(day.year)
        if source == "library":
            return chinese_calendar.is_workday(day)
        if source == "statutory" and day in self.statutory_days(day.year):
            return False
        return day.weekday() < 5

    def is_working_day(self, day: dt.date) -> bool:
        return self.table(day.year)[day.timetuple().tm_yday - 1]

    def holiday_name(self, day: dt.date) -> str:
        """The holiday a day belongs to ('' if none, or the library does not say)."""
        if day in self.holidays:
            return self.holidays[day]
        source = self.source(day.year)
        if source == "statutory":
            return self.statutory_days(day.year).get(day, "")
        if source == "library":
            on, name = chinese_calendar.get_holiday_detail(day)
            return _LIBRARY_NAMES.get(name, "") if on and name else ""
        return ""


_LIBRARY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                  "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
                  "Mid-autumn Festival": "中秋节"}


def _days(year: int):
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


_LUNISOLAR = None


def _anchor(rule: Rule, year: int) -> dt.date:
    """The day a statutory holiday is counted from in `year`."""
    global _LUNISOLAR
    if rule.date:
        return dt.date(year, *rule.date)
    if rule.term:
        terms = chinese_calendar.get_solar_terms(dt.date(year, 1, 1), dt.date(year, 12, 31))
        for day, name in terms:
            if name == rule.term:
                return day
        raise WorkdaysError(f"算不出 {year} 年的节气「{rule.term}」。")
    if _LUNISOLAR is None:
        from holidays.calendars.chinese import _ChineseLunisolar  # the `holidays` package's lunar tables

        _LUNISOLAR = _ChineseLunisolar()
    method = {"春节": _LUNISOLAR.lunar_new_year_date, "端午": _LUNISOLAR.dragon_boat_date,
              "中秋": _LUNISOLAR.mid_autumn_date}[rule.lunar]
    day, _exact = method(year)
    return day


# --- reading the file -----------------------------------------------------------------------

def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise WorkdaysError(f"{where}的日期「{value}」应写成 2027-01-01 这样。") from None


def _rules(raw) -> tuple[tuple[Rule, ...], bool]:
    if not isinstance(raw, dict) or not isinstance(raw.get("holidays"), list) or not raw["holidays"]:
        raise WorkdaysError("工作日数据缺少 statutory.holidays（法定节假日清单）。")
    rules = []
    for i, entry in enumerate(raw["holidays"], start=1):
        where = f"statutory.holidays 第 {i} 项"
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            raise WorkdaysError(f"{where}缺少 name。")
        days = entry.get("days")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 10:
            raise WorkdaysError(f"{where}的 days 应为 1 到 10 的整数。")
        kinds = [k for k in ("date", "lunar", "term") if entry.get(k)]
        if len(kinds) != 1:
            raise WorkdaysError(f"{where}要写 date、lunar、term 其中一个。")
        date = None
        if entry.get("date"):
            match = re.fullmatch(r"(\d{2})-(\d{2})", str(entry["date"]))
            if not match:
                raise WorkdaysError(f"{where}的 date 应写成 \"10-01\" 这样（月-日）。")
            date = (int(match[1]), int(match[2]))
        if entry.get("lunar") and entry["lunar"] not in LUNAR:
            raise WorkdaysError(f"{where}的 lunar 只能是 {'、'.join(LUNAR)}。")
        rules.append(Rule(str(entry["name"]).strip(), days, date, str(entry.get("lunar") or ""),
                          str(entry.get("term") or ""), int(entry.get("from") or 0)))
    return tuple(rules), bool(raw.get("confirmed"))


def _year(year, entry, holidays: dict, workdays: set) -> Notice:
    where = f"years 里 {year} 年"
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise WorkdaysError(f"years 里的「{year}」不是年份，应写成 2027 这样。")
    if not isinstance(entry, dict) or not isinstance(entry.get("notice"), dict):
        raise WorkdaysError(f"{where}缺少 notice（国务院办公厅通知的标题、文号、日期）。只录入已经发布的通知。")
    notice = entry["notice"]
    for key in ("title", "number", "date"):
        if not str(notice.get(key) or "").strip():
            raise WorkdaysError(f"{where}的 notice 缺少 {key}。")
    number = str(notice["number"]).strip()
    if not NOTICE_NUMBER.match(number):
        raise WorkdaysError(f"{where}的文号「{number}」不对，应像“国办发明电〔2026〕5号”那样照通知抄写。")
    issued = _date(notice["date"], f"{where}的 notice")
    if not dt.date(year - 2, 1, 1) <= issued <= dt.date(year, 12, 31):
        raise WorkdaysError(f"{where}的通知日期 {issued} 不像是这一年的通知。")
    spans = entry.get("holidays")
    if not isinstance(spans, list) or not spans:
        raise WorkdaysError(f"{where}缺少 holidays（每个放假时间段）。")
    for i, span in enumerate(spans, start=1):
        at = f"{where}第 {i} 个放假时间段"
        if not isinstance(span, dict) or not str(span.get("name") or "").strip():
            raise WorkdaysError(f"{at}缺少 name（节日名称）。")
        first, last = _date(span.get("from"), at), _date(span.get("to"), at)
        if not first <= last <= first + dt.timedelta(days=10):
            raise WorkdaysError(f"{at}的 from/to 不对：to 应在 from 当天或之后，最多 11 天。")
        if not dt.date(year - 1, 12, 1) <= first <= dt.date(year, 12, 31):
            raise WorkdaysError(f"{at}的日期 {first} 不在 {year} 年。")
        day = first
        while day <= last:
            holidays[day] = str(span["name"]).strip()
            day += dt.timedelta(days=1)
    for value in entry.get("workdays") or []:
        day = _date(value, f"{where}的 workdays")
        if day.weekday() < 5:
            raise WorkdaysError(f"{where}的调休上班日 {day} 不是周六或周日：只写通知里“上班”的周末。")
        if day in holidays:
            raise WorkdaysError(f"{where}的 {day} 既写成放假又写成上班。")
        workdays.add(day)
    return Notice(year, str(notice["title"]).strip(), number, issued, str(notice.get("url") or ""))


def parse(data, version: int = 0) -> Calendar:
    """Validate raw data (as loaded from YAML) into a Calendar."""
    if not isinstance(data, dict):
        raise WorkdaysError("工作日数据文件是空的或格式不对。")
    rules, confirmed = _rules(data.get("statutory"))
    years = data.get("years") or {}
    if not isinstance(years, dict):
        raise WorkdaysError("years 应写成“年份: 通知”的形式。")
    holidays: dict[dt.date, str] = {}
    workdays: set[dt.date] = set()
    notices = {year: _year(year, entry, holidays, workdays) for year, entry in years.items()}
    return Calendar(notices, holidays, frozenset(workdays), rules, confirmed, version)


def read(path: str | os.PathLike) -> Calendar:
    """Read and check one file."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise WorkdaysError(f"工作日数据 {path.name} 不是有效的 YAML：{exc}") from None
    except ValueError as exc:  # a date YAML reads as one but cannot exist (2027-13-01)
        raise WorkdaysError(f"工作日数据 {path.name} 里有不存在的日期，应写成 2027-01-01 这样：{exc}") from None
    stat = path.stat()
    return parse(data, version=hash((str(path), stat.st_mtime_ns, stat.st_size)))


# --- the current calendar ---------------------------------------------------------------------

_lock = threading.Lock()
_current: dict = {"key": None, "calendar": None, "checked": 0.0, "path": None}


_configured: dict = {"path": None}
_DEFAULT = str(DEFAULT_PATH)


def configure(where: str | os.PathLike | None) -> None:
    """Use this file (the app's WORKDAYS_FILE setting); None/'' = $WORKDAYS_FILE (read now) or the default."""
    _configured["path"] = str(where) if where else (os.environ.get("WORKDAYS_FILE") or _DEFAULT)


def path() -> Path:
    """The configured file, else $WORKDAYS_FILE, else data/workdays.yaml."""
    return Path(_where())


def _where() -> str:
    return _configured["path"]  # looked up on every working-day question: no environment read here


def current() -> Calendar:
    """The calendar of the data file as it is now (re-read when the file changes; looked at every CHECK_SECONDS)."""
    where = _where()
    now = time.monotonic()
    found = _current["calendar"]
    if found is not None and _current["path"] == where and now - _current["checked"] < CHECK_SECONDS:
        return found
    with _lock:
        stat = os.stat(where)
        key = (where, stat.st_mtime_ns, stat.st_size)
        if key != _current["key"]:
            _current["calendar"] = read(where)
            _current["key"] = key
        _current["path"], _current["checked"] = where, now
        return _current["calendar"]


configure(None)


def reset() -> None:
    """Forget the cached file (tests that switch files)."""
    if _configured["path"] is None:
        configure(None)
    with _lock:
        _current.update(key=None, calendar=None, checked=0.0, path=None)


def version() -> int:
    return current().version


def is_working_day(day: dt.date) -> bool:
    return current().is_working_day(day)


def provisional(day: dt.date) -> bool:
    """True when `day`'s year has no official schedule: its working days are the statutory fallback."""
    return not current().official(day.year)


def missing_years(today: dt.date) -> list[int]:
    """Years without an official schedule that matter now: this year, and next year from WARN_DAYS before it."""
    calendar = current()
    years = {today.year, (today + dt.timedelta(days=WARN_DAYS)).year}
    return sorted(y for y in years if not calendar.official(y))


def warning(today: dt.date) -> str:
    """One Chinese sentence for stewards and the operator, or '' when every year that matters is official."""
    years = missing_years(today)
    if not years:
        return ""
    named = "、".join(f"{y}年" for y in years)
    return (f"{named}的放假和调休安排还没有录入：这些日子的到期日暂按法定节假日推算，不含调休，可能差一两天。"
            f"国务院办公厅的通知一发布，就录入 data/workdays.yaml（见 manual/working-days.md）。")


def log_warning(day: dt.date) -> str:
    """At start-up: check the file, and log the warning (if any) for the operator."""
    text = warning(day)
    if text:
        log.warning("工作日数据：%s", text)
    return text
