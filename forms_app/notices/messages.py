"""What an alert or a digest says: redacted text, the steward in charge, plain and markdown forms.

A message names the reference, compound, building, category and a short excerpt — never the
resident's phone number, name or room (it lands in a group chat): anything phone-like, and the
report's own name and room, are blanked out of the excerpt too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from forms_app.core.redact import hide

EXCERPT = 50
CALL_HINT = "请尽快联系居民（电话见表格/管家页面）。"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋", "0123456789+")
_HIDDEN = "＊＊＊"
# Characters that would turn a resident's words into markup (links, @-mentions, headings) in a robot message.
_MARKDOWN = str.maketrans({"*": "＊", "_": "＿", "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞",
                           "#": "＃", "`": "｀", "~": "～", "|": "｜", "!": "！", "\\": "＼"})


# --- what a message may say ------------------------------------------------------------------

def redact(text: str, *private: str) -> str:
    """Text with phone-like numbers and the given private strings (name, room) hidden; one line."""
    text = " ".join((text or "").translate(_FULLWIDTH_DIGITS).split())
    return hide(text, *private, mark=_HIDDEN)


def excerpt(text: str, limit: int = EXCERPT, *private: str) -> str:
    """The first `limit` characters of redacted text, with … when cut."""
    clean = redact(text, *private)
    return clean if len(clean) <= limit else clean[:limit] + "…"


def _private(row) -> tuple[str, ...]:
    """The personal values of a report or sign-up row that must not appear in a message."""
    keys = row.keys()
    return tuple(row[k] for k in ("contact_name", "name", "room") if k in keys and row[k])


def steward_for(row, directory):
    """The steward in charge: the one named in 负责大管家 (reassigned), else the compound's; None if neither."""
    named = (row["steward_name"] if "steward_name" in row.keys() else "") or ""
    if named.strip():
        found = find_steward(named, directory)
        if found is not None:
            return found
    compound = directory.compounds.get(row["compound_id"])
    return compound.steward if compound else None


def find_steward(name: str, directory):
    """The directory steward a typed name means ('陈静' finds '陈静（示例）'), if exactly one."""
    name = _bare(name)
    matches = [s for s in directory.stewards.values() if _bare(s.name) == name or s.id == name]
    return matches[0] if len(matches) == 1 else None


def _bare(name: str) -> str:
    """A name without spaces or a bracketed note such as （示例）."""
    return re.sub(r"[（(].*?[）)]", "", "".join((name or "").split()))


def alert_for(report, payload: dict, directory) -> dict:
    """What an alert says, from a report row: no name, no phone, no room."""
    compound = directory.compounds.get(report["compound_id"])
    category = directory.categories.get(report["category_id"])
    steward = steward_for(report, directory)
    private = _private(report)
    return {
        "type": payload.get("type", "urgent"),
        "ref": report["ref"],
        "compound": compound.name if compound else report["compound_id"],
        "area": compound.area.name if compound else "",
        "building": redact(report["building"], *private),
        "category": category.name if category else report["category_id"],
        "steward_id": steward.id if steward else "",
        "steward_name": steward.name if steward else "",
        "excerpt": excerpt(report["description"], EXCERPT, *private),
        "note": excerpt(payload.get("note", ""), EXCERPT, *private),
        "sent": list(payload.get("sent", [])),  # channels that already took this alert
        "outcome": payload.get("outcome", "没有解决"),   # reopened: what the resident said
        "via": payload.get("via", "online"),             # reopened: online, or by phone to a steward
        "rehandle_due": payload.get("rehandle_due", ""),  # reopened: by when it is handled again
    }


@dataclass(frozen=True)
class Message:
    """What a channel sends: a title (first line, e-mail subject) and sections of lines (heading may be '')."""

    title: str
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    steward_id: str = ""      # whose message it is: their e-mail address is added, and they may be @-mentioned
    mention: bool = False     # @ the steward (WeCom/DingTalk, when a mobile is configured for them)
    mobiles: tuple[str, ...] = field(default=(), compare=False)  # filled in by the Notifier


def alert_message(alert: dict) -> Message:
    """The Chinese text of an urgent or reopened alert."""
    where = " ".join(filter(None, [alert["compound"], alert["building"]]))
    owner = f"负责：{alert['steward_name']}。" if alert["steward_name"] else "负责：未找到对应的大管家，请事务所安排。"
    if alert["type"] == "reopened":
        unsatisfied = str(alert.get("outcome") or "").startswith("已解决")  # 已解决 ticked, but 结果不满意
        title = f"【回访{'不满意' if unsatisfied else '未解决'}】{alert['ref']} {where} {alert['category']}"
        how = "电话回访时" if alert.get("via") == "phone" else "网上回访时"
        lines = [f"原问题：{alert['excerpt']}",
                 f"居民{how}说“{alert.get('outcome') or '没有解决'}”，问题已重新打开，状态改回处理中。"]
        if alert["note"]:
            lines.append(f"居民意见：{alert['note']}")
        due = alert.get("rehandle_due", "")
        lines.append(owner + (f"请在 {due} 前再次联系居民（电话见表格/管家页面）。" if due
                              else "请尽快再次联系居民（电话见表格/管家页面）。"))
    else:
        title = f"【紧急】{alert['ref']} {where} {alert['category']}"
        lines = [alert["excerpt"], owner + CALL_HINT]
    return Message(title, (("", tuple(lines)),), steward_id=alert["steward_id"], mention=True)


def folded_message(count: int) -> Message:
    """The one message standing for the urgent alerts held back this hour (ALERT_URGENT_PER_HOUR)."""
    return Message(f"【紧急】另有{count}条紧急问题，请看工作台",
                   (("", (f"这一小时的紧急提醒已达上限，另外 {count} 条没有一条条发到群里。",
                          "请打开管家工作台，按“紧急”筛选查看并联系居民。")),))


def sms_refused_message(payload: dict) -> Message:
    """短信服务商拒绝了我们的账号或设置 (a wrong key, an unapproved signature or template, no balance)."""
    code, reason = payload.get("code", ""), payload.get("reason", "")
    return Message(f"【短信发不出去】服务商拒绝：{code}",
                   (("", (f"短信服务商拒绝了发送（{reason}）。这不是某一位居民的问题：在改好之前，所有短信都发不出去。",
                          "请检查 .env 里的 SMS_ACCESS_KEY_ID、SMS_ACCESS_KEY_SECRET、SMS_SIGN_NAME 和短信模板设置，"
                          "以及服务商控制台里签名、模板的审核状态和余额。",
                          "没发出的短信已在各个问题的处理记录里注明，不会再自动重发。")),))


# --- rendering --------------------------------------------------------------------------------

def as_text(message: Message) -> str:
    """Plain text: the title, then each section's heading and its lines."""
    out = [message.title]
    for heading, lines in message.sections:
        if heading:
            out += ["", heading]
        out += [f"· {line}" if heading else line for line in lines]
    return "\n".join(out)


def markdown_safe(text: str) -> str:
    """Text that robot markdown shows as it is (no links, mentions or headings of its own)."""
    return text.translate(_MARKDOWN)


def fit(text: str, limit: int) -> str:
    """Text cut to at most `limit` UTF-8 bytes, saying so when cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    tail = "\n……（内容太长，已截断，请看表格）"
    budget = limit - len(tail.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut + tail


def size(message: Message) -> int:
    """UTF-8 bytes of the larger of its renderings (plain text, robot markdown with its escapes)."""
    plain = as_text(message)
    marked = [f"**{markdown_safe(message.title)}**"]
    for heading, lines in message.sections:
        if heading:
            marked.append(f"**{markdown_safe(heading)}**")
        marked += [f"> {markdown_safe(line)}" for line in lines]
    return max(len(plain.encode("utf-8")), len("\n".join(marked).encode("utf-8")))


def split(message: Message, limit: int) -> list[Message]:
    """The message as several, each within `limit` bytes (see size), whole lines only — never cut.

    Titles get '（1/3）'; a section that goes on in the next message repeats its heading with '（续）'.
    A single line longer than the limit is the one thing that may still be cut (by the channel's fit).
    """
    if size(message) <= limit:
        return [message]
    room = limit - len(" （99/99）".encode("utf-8"))
    parts: list[list[tuple[str, list[str]]]] = [[]]

    def fits(sections) -> bool:
        return size(Message(message.title, tuple((h, tuple(ls)) for h, ls in sections))) <= room

    for heading, lines in message.sections:
        parts[-1].append((heading, []))
        for line in lines:
            parts[-1][-1][1].append(line)
            if fits(parts[-1]) or (len(parts[-1]) == 1 and len(parts[-1][0][1]) == 1):
                continue
            parts[-1][-1][1].pop()
            begun = bool(parts[-1][-1][1])  # this section already has lines in the message before
            if not begun:
                parts[-1].pop()
            parts.append([(f"{heading}（续）" if heading and begun else heading, [line])])
    out = []
    for number, sections in enumerate(parts, start=1):
        out.append(Message(f"{message.title}（{number}/{len(parts)}）", tuple((h, tuple(ls)) for h, ls in sections),
                           steward_id=message.steward_id, mention=message.mention))
    return out
