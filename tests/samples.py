"""Sample facts the tests need, read from the shipped directory — never retyped, so no test changes when
the street office enters its real stewards and numbers in place of the 示例 ones."""
import re

from forms_app.core import directory

DIRECTORY = directory.load()
STEWARD = {s.id: s.name for s in DIRECTORY.stewards.values()}   # id → name as the data file has it


def shown(phone: str) -> str:
    """A number as the pages show it: the data file's '021-5555 0100' as '021 5555 0100'."""
    return " ".join(phone.replace("-", " ").split())


def tel(phone: str) -> str:
    """Its tel: link: the digits only."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


STEWARD_PHONE = {s.id: shown(s.phone) for s in DIRECTORY.stewards.values()}
OFFICE_PHONE = shown(DIRECTORY.street["office"]["phone"])                  # 事务所
LATE_PHONE = shown(DIRECTORY.street["office"]["after_hours"]["phone"])     # the out-of-hours line
