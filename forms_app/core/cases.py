"""What a case is made of, whichever door it came through: its statuses and the stewards' fields."""
from __future__ import annotations

STATUSES = ("已受理", "处理中", "已形成方案", "已解决", "不予受理", "已转办")
# One plain-words explanation per status: the status page and the knowledge base's progress and
# figures pages say the same (tests/test_status_words.py checks docs/progress/index.md against it).
STATUS_MEANINGS = {
    "已受理": "问题已经登记，有了编号，安排了负责的大管家。大管家会联系您。",
    "处理中": "大管家已经联系您，正在找相关各方、看现场、商量办法。",
    "已形成方案": "各方已经商量出办法，正在落实。比如等业主表决、等施工。",
    "已解决": "事情办完了。您用编号查进度时，页面会请您说说：真的解决了吗、打几分、有什么意见。大管家也可能打电话问您。",
    "不予受理": "这件事不在大管家能办的范围内，或者和已登记的问题重复。大管家会告诉您原因，以及可以去找谁。",
    "已转办": "这件事交给了更合适的部门，比如12345市民服务热线或政府有关部门。大管家会告诉您交给了哪里。",
}
# The stewards' fields of a case (store column -> the 问题登记 header that mirrors it).
STEWARD_FIELDS = {"status": "状态", "steward_name": "负责大管家", "coordinating": "协调单位", "notes": "处理记录",
                  "public_note": "公开进展", "first_contact_at": "首次联系时间", "resolved_at": "办结时间",
                  "satisfaction": "回访满意度"}
