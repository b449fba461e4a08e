"""The lift-retrofit (and other owners') vote count: pure computation, exact fractions, nothing stored.

Participation is measured against the building's (or estate's) total households and total area,
given separately: households left out of the pasted lines count as not taking part, so a missing
line can never inflate the share. Where two texts set different thresholds for the same vote (a
lift on land all owners share: 126号 says more than half, 民法典 §278(八) three quarters for
changing the use of common parts), both verdicts are shown side by side, never a lone 通过.

Stewards paste one household per line (室号, 专有部分面积, 意见[, 公房]) from a spreadsheet; this
module parses the lines (line-numbered Chinese errors, duplicate rooms refused) and checks the two
conditions every owners' vote has (《中华人民共和国民法典》第二百七十八条第二款):

1. participation: owners holding two thirds or more of the area AND two thirds or more of the
   headcount take part (同意, 反对 and 弃权 take part; 未参与 does not);
2. agreement among the participants, by area AND by headcount: three quarters or more for the
   special items (民法典 §278 items 6–8; 沪房更新〔2024〕126号 三(二) for the lift in one stairwell;
   《上海市住宅物业管理规定》§69 for raising funds or rebuilding partial common parts), more than
   half for the others.

"以上" includes the number itself (民法典第一千二百五十九条): exactly 2/3 and exactly 3/4 pass;
"过半数" is strictly more than half. Every comparison uses fractions.Fraction, never floats.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

MAX_LINES = 500
MAX_ROOM = 40             # characters of a room name (室号)
# An area as people write it: up to 5 digits, optionally up to 4 decimals. Nothing else is read —
# no exponent (Fraction('1e999999999') would hold the interpreter), no sign, no full-width digits.
AREA_NUMBER = re.compile(r"^(\d{1,5})(?:\.(\d{1,4}))?$", re.ASCII)

AGREE, AGAINST, ABSTAIN, ABSENT = "同意", "反对", "弃权", "未参与"
# What people type in a spreadsheet → the four answers.
OPINIONS = {
    "同意": AGREE, "赞成": AGREE,
    "反对": AGAINST, "不同意": AGAINST,
    "弃权": ABSTAIN,
    "未参与": ABSENT, "未参加": ABSENT, "没参加": ABSENT, "未投票": ABSENT, "未表决": ABSENT, "没投票": ABSENT,
}
PUBLIC_MARKS = {"公房", "公"}
AREA_SUFFIX = re.compile(r"(m²|m2|㎡|平方米|平米|平)$", re.IGNORECASE)
SEPARATORS = re.compile(r"[\t,，、;；\s]+")

TWO_THIRDS, THREE_QUARTERS, HALF = Fraction(2, 3), Fraction(3, 4), Fraction(1, 2)

ART_1259 = "《中华人民共和国民法典》第一千二百五十九条：“以上”包括本数"
ART_278 = "《中华人民共和国民法典》第二百七十八条第二款"
ART_126 = "沪房更新〔2024〕126号 第三部分第（二）项"
ART_69 = "《上海市住宅物业管理规定》第六十九条第一款"
ART_SPC = "《最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》第八条、第九条（面积按登记面积，一个专有部分按一人计算）"
ART_PUBLIC = "沪房更新〔2024〕126号 第二部分第（一）项：公有住房的出租人可以与承租人约定，由承租人行使表决权"
ART_278_8 = "《中华人民共和国民法典》第二百七十八条第一款第（八）项、第二款：改变共有部分的用途，要四分之三以上同意"
# The headcount rule the tool uses for 公房, with its sources; what they leave open is flagged.
PUBLIC_HEADCOUNT = ("公房每行按一户、一人算：承租人按和出租人的约定投票（沪房更新〔2024〕126号 第二部分第（一）项）。"
                    "没有约定、由出租人自己投票的，同一个出租人有好几套，按法律只算一人"
                    "（最高法建筑物区分所有权解释第九条）。公房具体怎么计人数，请向房管办确认。")
MAX_TOTAL_HOUSEHOLDS = 20000
TOTAL_AREA_NUMBER = re.compile(r"^(\d{1,6})(?:\.(\d{1,4}))?$", re.ASCII)
TOTAL_COUNT_NUMBER = re.compile(r"^\d{1,5}$", re.ASCII)


@dataclass(frozen=True)
class Rule:
    """One text's threshold for agreement among the participants."""
    name: str           # how the verdict is headed when a vote has two rules
    special: bool       # True: 3/4 of participants; False: more than half


@dataclass(frozen=True)
class Mode:
    label: str          # what the steward picks
    rules: tuple[Rule, ...]
    basis: tuple[str, ...]
    advice: str = ""    # shown when the rules' verdicts differ

    @property
    def special(self) -> bool:
        return self.rules[0].special


ESTATE_ADVICE = ("两种算法的结果不一样。电梯要占用小区全体业主共有的地方，民法典对“改变共有部分的用途”要求四分之三以上同意："
                 "请在表决前先问街道房管办该按哪个比例，必要时按四分之三来征询更稳妥（见加装电梯指南）。")
MODES: dict[str, Mode] = {
    "lift": Mode("加装电梯：本单元（门洞）全体业主表决", (Rule("126号", True),), (ART_126 + "第一款", ART_278)),
    "lift-estate": Mode("加装电梯要占用小区全体业主共有的地方：全体业主表决",
                        (Rule("按沪房更新〔2024〕126号（过半数）", False),
                         Rule("按民法典第二百七十八条第（八）项（四分之三以上）", True)),
                        (ART_126 + "第二款", ART_278_8), ESTATE_ADVICE),
    "civil-special": Mode("民法典第二百七十八条 第六至第八项（筹集维修资金，改建、重建，改变共有部分用途或用来经营）",
                          (Rule("民法典", True),), (ART_278,)),
    "civil-general": Mode("民法典第二百七十八条 其他事项（如使用维修资金、选业委会、选聘物业）", (Rule("民法典", False),), (ART_278,)),
    "partial-special": Mode("部分共用部分（一幢楼、一个门洞）：筹集维修资金或改建、重建", (Rule("第六十九条", True),), (ART_69,)),
    "partial-general": Mode("部分共用部分（一幢楼、一个门洞）：其他维修、更新、改造事项", (Rule("第六十九条", False),), (ART_69,)),
}
DEFAULT_MODE = "lift"


@dataclass(frozen=True)
class Household:
    line: int
    room: str
    area: Fraction
    opinion: str
    public: bool = False

    @property
    def takes_part(self) -> bool:
        return self.opinion != ABSENT


class InputErrors(ValueError):
    """Every problem found in the pasted lines, each naming its line."""

    def __init__(self, messages: list[str]):
        super().__init__("；".join(messages))
        self.messages = messages


def _area(pattern: re.Pattern, text: str, wrong: str) -> Fraction:
    """An area typed with or without ㎡/平方米, exactly (a Fraction); ValueError(wrong) or when not positive."""
    found = pattern.match(AREA_SUFFIX.sub("", (text or "").strip()))
    if not found:
        raise ValueError(wrong)
    whole, decimals = found.group(1), found.group(2) or ""
    value = Fraction(int(whole + decimals), 10 ** len(decimals))
    if value <= 0:
        raise ValueError("not positive")
    return value


def parse_area(text: str) -> Fraction:
    """'56.3', '56.3㎡', '56.30平方米' → Fraction(563, 10); raises ValueError when not a positive number."""
    return _area(AREA_NUMBER, text, "not a plain decimal number")


def parse_total_count(text: str) -> int:
    """The building's (or estate's) total households: a whole number from 1 to 20000."""
    text = (text or "").strip()
    if not TOTAL_COUNT_NUMBER.match(text) or not 0 < int(text) <= MAX_TOTAL_HOUSEHOLDS:
        raise ValueError("not a household count")
    return int(text)


def parse_total_area(text: str) -> Fraction:
    """The total area in m²: up to 6 digits and 4 decimals, more than 0."""
    return _area(TOTAL_AREA_NUMBER, text, "not an area")


def parse(text: str) -> list[Household]:
    """One household per non-empty line; raise InputErrors listing every bad line (1-based numbers)."""
    households: list[Household] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    lines = (text or "").splitlines()
    first = next((i for i, line in enumerate(lines, start=1) if line.strip()), 0)
    if len([line for line in lines if line.strip()]) > MAX_LINES:
        raise InputErrors([f"一次最多算 {MAX_LINES} 户，请分开计算。"])
    for number, raw in enumerate(lines, start=1):
        fields = [f for f in SEPARATORS.split(raw.strip()) if f]
        if not fields:
            continue
        if number == first and fields[0] in ("室号", "房号", "门牌"):
            continue  # a header row pasted with the data
        where = f"第{number}行"
        if len(fields) < 3:
            missing = "面积和意见" if len(fields) == 1 else "意见" if parse_ok(fields[1]) else "面积或意见"
            errors.append(f"{where}：缺少{missing}。每行要写：室号、面积、意见（同意/反对/弃权/未参与）。")
            continue
        if len(fields) > 4:
            errors.append(f"{where}：内容太多了。每行只写：室号、面积、意见，公房再加“公房”。")
            continue
        room, area_text, opinion_text = fields[:3]
        if len(room) > MAX_ROOM:
            errors.append(f"{where}：室号太长了（最多 {MAX_ROOM} 个字）。")
            continue
        public = False
        if len(fields) == 4:
            if fields[3] not in PUBLIC_MARKS:
                errors.append(f"{where}：第四项只能写“公房”，现在是“{_shown(fields[3])}”。")
                continue
            public = True
        try:
            area = parse_area(area_text)
        except ValueError:
            errors.append(f"{where}：面积“{_shown(area_text)}”不对，要写大于 0 的数字，比如 56.3。")
            continue
        opinion = OPINIONS.get(opinion_text)
        if opinion is None:
            errors.append(f"{where}：意见“{_shown(opinion_text)}”看不懂，只能写 同意、反对、弃权 或 未参与。")
            continue
        if room in seen:
            errors.append(f"{where}：室号 {room} 和第{seen[room]}行重复了，一户只能算一次。")
            continue
        seen[room] = number
        households.append(Household(number, room, area, opinion, public))
    if errors:
        raise InputErrors(errors)
    if not households:
        raise InputErrors(["还没有填任何一户。每行写一户：室号、面积、意见。"])
    return households


def _shown(text: str, most: int = 20) -> str:
    """What was typed, cut short for a message (a 5,000-digit "area" is not echoed back whole)."""
    return text if len(text) <= most else text[:most] + "…"


def parse_ok(text: str) -> bool:
    """Whether text reads as an area (to word the 'missing' message)."""
    try:
        parse_area(text)
        return True
    except ValueError:
        return False


@dataclass(frozen=True)
class Check:
    """One condition: what is counted, against which share, and how far off it is."""
    what: str                 # 参加表决（面积）…
    have: Fraction            # counted amount (m² or households)
    of: Fraction              # the base it is a share of
    needed_share: Fraction
    strict: bool              # True: more than (过半数); False: at least (以上)
    unit: str                 # "m²" or "户"

    @property
    def share(self) -> Fraction:
        return self.have / self.of if self.of else Fraction(0)

    @property
    def words(self) -> str:
        """'8/12 户，正好三分之二' — the exact amounts and how they stand against the threshold."""
        if self.unit == "户":
            amounts = f"{format_number(self.have)}/{format_number(self.of)} 户"
        else:
            amounts = f"{format_area(self.have, up=False)}/{format_area(self.of)} m²"
        name = SHARE_NAMES[self.needed_share]
        if self.of and self.share == self.needed_share:
            return f"{amounts}，正好{name}"
        relation = "超过" if self.share > self.needed_share else "不到"
        return f"{amounts}，{relation}{name}（约 {format_share(self.share)}）"

    @property
    def passed(self) -> bool:
        if self.of == 0:
            return False
        return self.have > self.needed_share * self.of if self.strict else self.have >= self.needed_share * self.of

    @property
    def shortfall(self) -> Fraction:
        """How much more is needed: households rounded up to a whole one; for 过半数 by area, the
        amount that must be exceeded."""
        target = self.needed_share * self.of
        if self.unit == "户":
            whole = math.floor(target) + 1 if self.strict else math.ceil(target)
            return max(Fraction(whole) - self.have, Fraction(0))
        return max(target - self.have, Fraction(0))


@dataclass
class Verdict:
    """One rule's verdict: participation (shared by every rule) and agreement under this rule."""
    rule: Rule
    participation: list[Check]
    agreement: list[Check]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.participation + self.agreement)

    @property
    def word(self) -> str:
        return "通过" if self.passed else "未通过"


@dataclass
class Result:
    mode_id: str
    mode: Mode
    households: list[Household]
    total_area: Fraction
    part_area: Fraction
    agree_area: Fraction
    total_count: int
    part_count: int
    agree_count: int
    participation: list[Check] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    lines_area: Fraction = Fraction(0)   # the pasted lines' area (total_area may be larger)

    @property
    def agreement(self) -> list[Check]:
        """Agreement under the first rule (the only one for most votes)."""
        return self.verdicts[0].agreement

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def split(self) -> bool:
        """The rules disagree: one passes where another fails."""
        return len({v.passed for v in self.verdicts}) > 1

    @property
    def verdict(self) -> str:
        if self.split:
            return "两种算法结果不一样"
        return "通过" if self.passed else "未通过"

    @property
    def missing_count(self) -> int:
        """Households of the building not among the pasted lines (counted as not taking part)."""
        return self.total_count - len(self.households)

    @property
    def missing_area(self) -> Fraction:
        return self.total_area - self.lines_area

    def gaps(self) -> str:
        """When the pasted lines don't add up to the totals, say so: '' when they do."""
        if not self.missing_count and not self.missing_area:
            return ""
        pasted = f"贴进来 {len(self.households)} 户、{format_area(self.lines_area)} m²，全部是 {self.total_count} 户、{format_area(self.total_area)} m²"
        if self.missing_count and self.missing_area:
            return f"{pasted}：还有 {self.missing_count} 户、{format_area(self.missing_area)} m² 没贴进来，都算作没有参加表决。"
        if self.missing_count:
            return f"{pasted}：户数少了 {self.missing_count} 户，面积却对得上，请核对。少的户算作没有参加表决。"
        return f"{pasted}：户数对得上，面积差 {format_area(self.missing_area)} m²，请核对每户的面积。差的面积算作没有参加表决。"

    @property
    def public_lines(self) -> list[Household]:
        return [h for h in self.households if h.public]

    @property
    def counts(self) -> dict[str, int]:
        out = {AGREE: 0, AGAINST: 0, ABSTAIN: 0, ABSENT: 0}
        for h in self.households:
            out[h.opinion] += 1
        return out

    def failures(self) -> list[str]:
        """Which condition fails and by how much: '参加表决的还差 2 户、30.5 m²' / '还差 1 户、12.5 m² 同意'
        (with two rules, each agreement line is headed by its rule)."""
        out = []
        part = _shortfall(self.participation)
        if part:
            out.append(f"参加表决的还差 {part}")
        for v in self.verdicts:
            agree = _shortfall(v.agreement)
            if agree:
                head = f"{v.rule.name}：" if len(self.verdicts) > 1 else ""
                out.append(f"{head}还差 {agree} 同意")
        return out

    @property
    def basis(self) -> tuple[str, ...]:
        extra = (ART_PUBLIC,) if self.public_lines else ()
        return (*self.mode.basis, ART_1259, ART_SPC, *extra)


def _shortfall(checks: list[Check]) -> str:
    """'1 户、12.5 m²' for the checks that fail (households first); '' when all pass."""
    parts = []
    for c in sorted((c for c in checks if not c.passed), key=lambda c: c.unit != "户"):
        if c.unit == "户":
            parts.append(f"{format_number(c.shortfall)} 户")
        elif c.strict:
            parts.append(f"超过 {format_area(c.shortfall, up=False)} m²")
        else:
            parts.append(f"{format_area(c.shortfall)} m²")
    return "、".join(parts)


def evaluate(households: list[Household], mode_id: str = DEFAULT_MODE,
             total_count: int | None = None, total_area: Fraction | None = None) -> Result:
    """Participation against the totals (the pasted lines' own when not given), and agreement among
    the participants under each of the vote's rules, by area and by headcount."""
    mode = MODES[mode_id]
    lines_area = sum((h.area for h in households), Fraction(0))
    total_count = len(households) if total_count is None else total_count
    total_area = lines_area if total_area is None else Fraction(total_area)
    errors = []
    if total_count < len(households):
        errors.append(f"总户数写的是 {total_count} 户，可是贴进来了 {len(households)} 户：请核对总户数，或者删掉多贴的行。")
    if total_area < lines_area:
        errors.append(f"总面积写的是 {format_area(total_area)} m²，可是贴进来的各户面积加起来有 {format_area(lines_area)} m²：请核对。")
    if errors:
        raise InputErrors(errors)
    part = [h for h in households if h.takes_part]
    agree = [h for h in part if h.opinion == AGREE]
    part_area = sum((h.area for h in part), Fraction(0))
    agree_area = sum((h.area for h in agree), Fraction(0))
    n_part, n_agree = len(part), len(agree)
    result = Result(mode_id, mode, households, total_area, part_area, agree_area, total_count, n_part, n_agree,
                    lines_area=lines_area)
    result.participation = [
        Check("参加表决的面积", part_area, total_area, TWO_THIRDS, False, "m²"),
        Check("参加表决的户数", Fraction(n_part), Fraction(total_count), TWO_THIRDS, False, "户"),
    ]
    for rule in mode.rules:
        share, strict = (THREE_QUARTERS, False) if rule.special else (HALF, True)
        result.verdicts.append(Verdict(rule, result.participation, [
            Check("同意的面积（占参加表决的）", agree_area, part_area, share, strict, "m²"),
            Check("同意的户数（占参加表决的）", Fraction(n_agree), Fraction(n_part), share, strict, "户"),
        ]))
    return result


def format_number(value: Fraction) -> str:
    """An integer Fraction as '3'."""
    return str(int(value)) if value.denominator == 1 else format_area(value)


def format_area(value: Fraction, up: bool = True) -> str:
    """Exact when the value has at most two decimals, else rounded to 0.01 (up by default, so
    reaching the figure shown is always enough)."""
    hundredths = value * 100
    cents = (math.ceil(hundredths) if up else math.floor(hundredths)) if hundredths.denominator != 1 else int(hundredths)
    text = f"{cents // 100}.{cents % 100:02d}".rstrip("0").rstrip(".")
    return text


def format_share(value: Fraction) -> str:
    """A share as a percentage with one decimal, rounded down (never shows a pass that is not one)."""
    tenths = math.floor(value * 1000)
    return f"{tenths // 10}.{tenths % 10}%"


SHARE_WORDS = {TWO_THIRDS: "三分之二以上", THREE_QUARTERS: "四分之三以上", HALF: "过半数"}
SHARE_NAMES = {TWO_THIRDS: "三分之二", THREE_QUARTERS: "四分之三", HALF: "一半"}
