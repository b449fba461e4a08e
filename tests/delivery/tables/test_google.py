"""GoogleTables specifics on the Sheets emulator: row 1 as the stewards arranged it, optional columns,
one protection per service column."""
import logging

from forms_app.delivery import columns
from forms_app.delivery.sheet_setup import PROTECTION, setup
from forms_app.delivery.sheets import Sheets
from tests.conftest import sheet_values


def test_a_sheet_from_before_the_deadline_column_still_takes_rows_and_says_so(sheet_app, emu, caplog):
    sheets = Sheets.from_config(sheet_app.config)
    spec = columns.REPORTS.spec(sheet_app.extensions["directory"])
    sheets.update_cells(spec, [(f"{columns.REPORTS.letter('时限')}1", "")])   # as made before 时限 existed
    with caplog.at_level(logging.WARNING):
        sheets.add(spec, [{"提交编号": "a" * 32, "问题描述": "楼道灯坏了", "时限": "先行联系超时 1 个工作日"}])
    [row] = [r for r in sheet_values(emu, spec.title)[1:]]
    assert row[columns.REPORTS.col("提交编号") - 1] == "a" * 32 and "先行联系超时" not in "".join(row)
    assert "时限" in caplog.text and "sheet-setup" in caplog.text
    sheets.close()


def test_a_service_column_added_later_at_the_end_protects_no_steward_column(sheet_config, emu):
    """A sheet from before 时限: sheet-setup adds it after the stewards' columns. One range spanning the
    service columns (the old way) would now cover 状态 … 回访满意度; one range per column covers none."""
    from forms_app import create_app

    app = create_app(sheet_config)
    sheets = Sheets.from_config(app.config)
    spec = columns.REPORTS.spec(app.extensions["directory"])
    sheets.add_worksheet(spec)
    sheets.set_row(spec, 1, [h for h in columns.REPORTS.headers if h != "时限"])
    with app.app_context():
        setup(sheets)
    header = sheet_values(emu, spec.title)[0]
    assert header[-1] == "时限"
    meta = [s for s in sheets.metadata()["sheets"] if s["properties"]["title"] == spec.title][0]
    covered = {i for p in meta["protectedRanges"] if p["description"].startswith(PROTECTION)
               for i in range(p["range"]["startColumnIndex"], p["range"]["endColumnIndex"])}
    assert covered == {header.index(h) for h in columns.REPORTS.service_columns}
    assert not covered & {header.index(h) for h in columns.REPORTS.steward_columns}
    sheets.close()
