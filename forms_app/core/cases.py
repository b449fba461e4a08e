"""What a case is made of, whichever door it came through: its statuses and the stewards' fields."""
from __future__ import annotations

STATUSES = ("已受理", "处理中", "已形成方案", "已解决", "不予受理", "已转办")
# The stewards' fields of a case (store column -> the 问题登记 header that mirrors it).
STEWARD_FIELDS = {"status": "状态", "steward_name": "负责大管家", "coordinating": "协调单位", "notes": "处理记录",
                  "public_note": "公开进展", "first_contact_at": "首次联系时间", "resolved_at": "办结时间",
                  "satisfaction": "回访满意度"}
