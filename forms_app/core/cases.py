"""What a case is made of, whichever door it came through: its statuses and the stewards' fields."""
from __future__ import annotations

STATUSES = ("已受理", "处理中", "已形成方案", "已解决", "不予受理", "已转办")
# One plain-words explanation per status: the forms' status page and the knowledge base (the
# [[statuses]] marker on the progress and how-a-case-moves pages) show these same words.
STATUS_MEANINGS = {
    "已受理": "登记好了，有编号，安排了负责的大管家。大管家会先联系您：紧急的当天，其他的最晚下一个工作日。",
    "处理中": "大管家正在找该管的单位、看现场、商量办法。",
    "已形成方案": "几方商量出了办法，正在落实，比如等业主表决、等施工。",
    "已解决": "事情办完了，会请您回访，说说是不是真的解决了。",
    "不予受理": "不归这里办，或者和已经登记的问题重复。大管家会告诉您原因，以及该找谁。",
    "已转办": "交给了更合适的部门（比如 12345 市民服务热线）。大管家会告诉您交给了哪里。",
}
# The stewards' fields of a case (store column -> the 问题登记 header that mirrors it).
STEWARD_FIELDS = {"status": "状态", "steward_name": "负责大管家", "coordinating": "协调单位", "notes": "处理记录",
                  "public_note": "公开进展", "first_contact_at": "首次联系时间", "resolved_at": "办结时间",
                  "satisfaction": "回访满意度"}
