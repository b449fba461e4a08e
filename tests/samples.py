"""Sample facts the tests need, read from the shipped directory — never retyped, so a test does not
change when the street office enters its real stewards in place of the 示例 ones."""
from forms_app.core import directory

DIRECTORY = directory.load()
STEWARD = {s.id: s.name for s in DIRECTORY.stewards.values()}   # id → name as the data file has it
