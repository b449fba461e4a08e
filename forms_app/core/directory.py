"""The street's directory: areas, compounds, stewards, categories — loaded from one data file.

Both the knowledge-base build (mkdocs hooks) and the forms service read it through this
module, so a mistake in the data file fails both with the same Chinese message.
This module imports nothing from Flask: the docs build can use it on its own.
"""
from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pypinyin import lazy_pinyin, load_phrases_dict

from forms_app.core import office_hours
from forms_app.core.deadlines import parse_limits
from forms_app.core.phones import PhoneError, normalise_phone

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "directory.yaml"

# Chinese numerals in names sort as numbers, one by one: 延吉一村, 延吉二三村, 延吉四村 … (not er, si, yi).
NUMERALS = {ch: n for n, ch in enumerate("一二三四五六七八九", start=1)}
# Place names pypinyin reads differently out of context (长 is zhǎng by default; 长白 is Chángbái).
load_phrases_dict({"长白": [["cháng"], ["bái"]]})
_CHUNKS = re.compile(r"[\u3400-\u9fff]|[^\u3400-\u9fff]+")
# How residents write a compound's number: 延吉4村 is 延吉四村 (one digit, one numeral).
_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")
_NOT_NAME = re.compile(r"[\s\-_·・.,，。、()（）]+")


def sort_key(name: str) -> tuple:
    """Pinyin order (pypinyin), numbers by value: the one order of areas and compounds, on the site and
    in the forms' lists."""
    chunks = _CHUNKS.findall(name)
    syllables = lazy_pinyin(name)
    if len(syllables) != len(chunks):   # pypinyin grouped differently: plain pinyin order
        return tuple((1, 0, s) for s in syllables)
    key = []
    for chunk, syllable in zip(chunks, syllables):
        if chunk in NUMERALS:
            key.append((0, NUMERALS[chunk], ""))
        elif chunk.isdigit():
            key.append((0, int(chunk), ""))
        else:
            key.append((1, 0, syllable.lower()))
    return tuple(key)


def name_key(text: str) -> str:
    """A compound name as compared: full-width forms folded, spaces and punctuation gone, Arabic digits
    as Chinese numerals ('延吉 4 村' -> '延吉四村'), a trailing 小区 dropped."""
    folded = _NOT_NAME.sub("", unicodedata.normalize("NFKC", text or "")).translate(_DIGITS)
    return folded[:-2] if folded.endswith("小区") and len(folded) > 2 else folded


def _folded(text: str) -> str:
    """A typed name as compared: full-width forms folded, spaces gone."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


class DirectoryError(ValueError):
    """The data file is wrong; the message (Chinese) names the entry to fix."""


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Steward:
    id: str
    name: str
    phone: str
    hours: str
    place: str


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    committee: Contact
    covered: bool = True        # has a community steward (the seed: the system reached four communities)


@dataclass(frozen=True)
class Compound:
    id: str
    name: str
    area: Area
    steward: Steward
    owners_committee: Contact
    property_company: Contact
    aliases: tuple[str, ...] = ()    # other spellings residents use (延吉新村四村); data file `aliases:`

    @property
    def keys(self) -> tuple[str, ...]:
        """Its name and aliases as name_key() folds them."""
        return tuple(dict.fromkeys(name_key(n) for n in (self.name, *self.aliases)))


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    urgent: bool
    guide: str
    parties: str
    deadlines: dict = field(default_factory=dict)   # working days, overriding street.deadlines (deadlines.py)
    first_steps: tuple[str, ...] = ()               # urgent: what to do right now, from its guide (promises.py)
    aliases: tuple[str, ...] = ()                   # words stewards type for it (漏水 → 漏水/渗水); data file `aliases:`
    asks: str = ""          # how residents put it (the guides index's 问题 column); empty: the name


@dataclass(frozen=True)
class Guide:
    """A knowledge-base guide in the nav and the guides index: a category's, or one of `guides:`."""
    page: str               # path under docs/ without .md
    title: str
    asks: str


@dataclass(frozen=True)
class Directory:
    street: dict
    stewards: dict[str, Steward]
    areas: dict[str, Area]
    compounds: dict[str, Compound]
    categories: dict[str, Category]
    parties: tuple[str, ...]
    reception_places: dict[str, str]
    more_guides: tuple[dict, ...] = ()   # `guides:` — guides that are no category's own (see guides())

    def guides(self) -> list[Guide]:
        """Every guide in nav order: `guides:` entries marked first, then each category's guide with
        the entries placed `after:` it, then the rest."""
        extra = [(g, Guide(g["page"], g["title"], g.get("asks") or g["title"])) for g in self.more_guides]
        out = [guide for g, guide in extra if g.get("position") == "first"]
        for category in self.categories.values():
            out.append(Guide(category.guide, category.name, category.asks or category.name))
            out += [guide for g, guide in extra if g.get("after") == category.id]
        placed = {guide.page for guide in out}
        return out + [guide for g, guide in extra if guide.page not in placed]

    @property
    def deadlines(self) -> dict:
        """The street's working-day limits (street.deadlines), checked at load; deadlines.py applies them."""
        return self.street.get("deadlines") or {}

    def compounds_in(self, area_id: str) -> list[Compound]:
        """Compounds of one residential area, in data-file order."""
        return [c for c in self.compounds.values() if c.area.id == area_id]

    def match_category(self, text: str) -> Category | None:
        """The one category a typed word means: its id, its name, or one of its `aliases` ('漏水' → 漏水/渗水),
        spaces and full-width forms ignored; None when it means none or several."""
        key = _folded(text)
        if not key:
            return None
        if key in self.categories:
            return self.categories[key]
        hits = [c for c in self.categories.values() if key in (_folded(c.name), *map(_folded, c.aliases))]
        return hits[0] if len(hits) == 1 else None

    def areas_in_order(self) -> list[Area]:
        """Residential areas in pinyin order (sort_key), as the site and the forms list them."""
        return sorted(self.areas.values(), key=lambda a: sort_key(a.name))

    def compounds_in_order(self, area_id: str) -> list[Compound]:
        """Compounds of one residential area in pinyin order (sort_key)."""
        return sorted(self.compounds_in(area_id), key=lambda c: sort_key(c.name))

    def find_compounds(self, text: str) -> list[Compound]:
        """Compounds whose name, alias or area contains what was typed ('延吉4村', '延吉新村'), in pinyin
        order; every compound for an empty text."""
        q = name_key(text)
        hits = [c for c in self.compounds.values()
                if any(q in k for k in (*c.keys, name_key(c.area.name)))]
        return sorted(hits, key=lambda c: (sort_key(c.area.name), sort_key(c.name)))

    def match_compound(self, text: str) -> Compound | None:
        """The one compound a typed name means ('延吉4村', '延吉新村四村', '敦化路', its id), or None when it
        means none or several."""
        raw = (text or "").strip()
        if raw in self.compounds:
            return self.compounds[raw]
        q = name_key(raw)
        if not q:
            return None
        exact = [c for c in self.compounds.values() if q in c.keys]
        return exact[0] if len(exact) == 1 else None


def _require(entry: dict, key: str, where: str) -> str:
    """Return a non-empty string field or raise naming the entry."""
    value = entry.get(key) if isinstance(entry, dict) else None
    if value is None or str(value).strip() == "":
        raise DirectoryError(f"{where}缺少「{key}」。")
    return str(value).strip()


def _phone(entry: dict, where: str) -> str:
    """Validate and format a contact phone number."""
    raw = _require(entry, "phone", where)
    try:
        return normalise_phone(raw).display
    except PhoneError:
        raise DirectoryError(f"{where}的电话「{raw}」格式不对，应为 021 开头的座机或 11 位手机号。") from None


def _unique(items: list, kind: str) -> dict:
    """Index entries by id, rejecting duplicates."""
    seen: dict = {}
    for i, entry in enumerate(items or [], start=1):
        ident = _require(entry, "id", f"第 {i} 个{kind}")
        if ident in seen:
            raise DirectoryError(f"{kind} id「{ident}」重复出现，每个 id 只能用一次。")
        seen[ident] = entry
    return seen


def _contact(entry: dict, where: str) -> Contact:
    """A named contact with a phone and any extra public fields."""
    if not isinstance(entry, dict):
        raise DirectoryError(f"{where}缺少联系方式。")
    extra = {k: str(v) for k, v in entry.items() if k not in ("name", "phone")}
    return Contact(_require(entry, "name", where), _phone(entry, where), extra)


def _hours(entry: dict, where: str) -> str:
    """Opening hours the promises can read ('周一至周五 8:30–17:00')."""
    text = _require(entry, "hours", where)
    try:
        office_hours.parse(text)
    except ValueError as exc:
        raise DirectoryError(f"{where}的 hours：{exc}") from None
    return text


def _steps(raw, where: str) -> tuple[str, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise DirectoryError(f"{where}的 first_steps 应是一条一条的文字。")
    return tuple(s.strip() for s in raw)


def _limits(raw, where: str) -> dict:
    """A `deadlines:` mapping, checked."""
    try:
        return parse_limits(raw, where)
    except ValueError as exc:
        raise DirectoryError(str(exc)) from None


def _words(raw, where: str, example: str = "一串词，比如 [漏水, 渗水]") -> tuple[str, ...]:
    """`aliases:` — a list of other words for the entry (may be absent)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(a, str) and a.strip() for a in raw):
        raise DirectoryError(f"{where}的别名（aliases）要写成{example}。")
    return tuple(a.strip() for a in raw)


def _followup_settings(street: dict) -> None:
    """street.followup (回访: which 不满意 reopens, when to call), checked."""
    raw = street.get("followup")
    if raw is None:
        return
    if not isinstance(raw, dict) or set(raw) - {"reopen_unsatisfied", "call_after"}:
        raise DirectoryError("街道（street）的 followup 只能写 reopen_unsatisfied（效率、态度、结果）和 call_after（工作日）。")
    names = raw.get("reopen_unsatisfied", [])
    if not isinstance(names, list) or not set(names) <= {"效率", "态度", "结果"}:
        raise DirectoryError(f"街道（street）的 followup.reopen_unsatisfied 只能列 效率、态度、结果，现为「{names}」。")
    after = raw.get("call_after", 3)
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= 60:
        raise DirectoryError(f"街道（street）的 followup.call_after 应为 0 到 60 之间的整数（工作日），现为「{after}」。")


def _no_shared_spelling(compounds: dict) -> None:
    """Two compounds may not answer to the same name: a typed name must lead to one steward."""
    owner: dict[str, str] = {}
    for c in compounds.values():
        for k in c.keys:
            if owner.setdefault(k, c.id) != c.id:
                raise DirectoryError(f"小区 {c.id} 和小区 {owner[k]} 的名字或别名都写作「{k}」，请改掉一个。")


def _covered(entry: dict, where: str) -> bool:
    """An area's `covered:` (true/false; absent means covered)."""
    value = entry.get("covered", True)
    if not isinstance(value, bool):
        raise DirectoryError(f"{where}的 covered 只能写 true（有社区大管家）或 false（还没有）。")
    return value


def _more_guides(raw, categories: dict) -> tuple[dict, ...]:
    """`guides:` entries: page and title required; `after:` a known category, or `position: first`."""
    out = []
    for i, entry in enumerate(raw or [], 1):
        where = f"guides 第{i}项"
        if not isinstance(entry, dict):
            raise DirectoryError(f"{where}要写 page 和 title。")
        _require(entry, "page", where + " ")
        _require(entry, "title", where + " ")
        if entry.get("after") and entry["after"] not in categories:
            raise DirectoryError(f"{where}的 after「{entry['after']}」不是问题类别的 id。")
        out.append(dict(entry))
    return tuple(out)


def parse(data: dict) -> Directory:
    """Validate raw data (as loaded from YAML) into a Directory."""
    if not isinstance(data, dict):
        raise DirectoryError("目录文件是空的或格式不对。")
    stewards = {
        sid: Steward(sid, _require(e, "name", f"大管家 {sid} "), _phone(e, f"大管家 {sid} "),
                     _hours(e, f"大管家 {sid} "), _require(e, "place", f"大管家 {sid} "))
        for sid, e in _unique(data.get("stewards"), "大管家").items()
    }
    areas = {
        aid: Area(aid, _require(e, "name", f"居民区 {aid} "), _contact(e.get("committee"), f"居民区 {aid} 的居委会"),
                  _covered(e, f"居民区 {aid} "))
        for aid, e in _unique(data.get("areas"), "居民区").items()
    }
    compounds = {}
    for cid, e in _unique(data.get("compounds"), "小区").items():
        where = f"小区 {cid} "
        area_id, steward_id = e.get("area"), e.get("steward")
        if not steward_id:
            raise DirectoryError(f"{where}没有指定大管家（steward）。")
        if steward_id not in stewards:
            raise DirectoryError(f"{where}的大管家「{steward_id}」不在大管家名单里。")
        if area_id not in areas:
            raise DirectoryError(f"{where}的居民区「{area_id}」不在居民区名单里。")
        compounds[cid] = Compound(
            cid, _require(e, "name", where), areas[area_id], stewards[steward_id],
            _contact(e.get("owners_committee"), f"{where}的业委会"),
            _contact(e.get("property_company"), f"{where}的物业公司"),
            _words(e.get("aliases"), where, "一串名字，比如 [延吉新村四村]"),
        )
    _no_shared_spelling(compounds)
    categories = {
        cid: Category(cid, _require(e, "name", f"问题类别 {cid} "), bool(e.get("urgent", False)),
                      _require(e, "guide", f"问题类别 {cid} "), _require(e, "parties", f"问题类别 {cid} "),
                      _limits(e.get("deadlines"), f"问题类别 {cid} "), aliases=_words(e.get("aliases"), f"问题类别 {cid} "),
                      first_steps=_steps(e.get("first_steps"), f"问题类别 {cid} "),
                      asks=str(e.get("asks") or "").strip())
        for cid, e in _unique(data.get("categories"), "问题类别").items()
    }
    if not compounds or not categories or not stewards:
        raise DirectoryError("目录至少要有一个大管家、一个小区和一个问题类别。")
    places = {pid: _require(e, "name", f"接待地点 {pid} ") for pid, e in _unique(data.get("reception_places"), "接待地点").items()}
    street = dict(data.get("street") or {})
    street["deadlines"] = _limits(street.get("deadlines"), "街道（street）")
    office = street.get("office")
    if isinstance(office, dict):
        _hours(office, "事务所（street.office）")
        if office.get("after_hours") is not None:
            _contact(office["after_hours"], "事务所的下班后电话（street.office.after_hours）")
    _followup_settings(street)
    return Directory(street, stewards, areas, compounds, categories,
                     tuple(data.get("parties") or ()), places, _more_guides(data.get("guides"), categories))


def load(path: str | os.PathLike | None = None) -> Directory:
    """Load and validate the directory file (default: data/directory.yaml or $DIRECTORY_FILE).

    The result is immutable, so a file read once is reused until it changes on disk.
    """
    path = Path(path or os.environ.get("DIRECTORY_FILE") or DEFAULT_PATH).resolve()
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load(path: Path, mtime_ns: int, size: int) -> Directory:
    """Parse one version of the file (the C parser when PyYAML has it: ten times faster)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise DirectoryError(f"目录文件 {path.name} 不是有效的 YAML：{exc}") from None
    return parse(data)
