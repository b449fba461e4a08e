"""`flask sheet-setup` against the emulator: what it creates, and that a second run sends nothing."""
from forms_app.delivery import sheet_layout as sl
from forms_app.delivery.sheet_setup import PROTECTION, setup
from forms_app.delivery.sheets import Sheets
from tests.conftest import SHEET_KEY, sheet_values


def sheet_meta(emu, title):
    book = emu.state.spreadsheet(SHEET_KEY)
    return book.sheet_by_title(title)


def test_setup_creates_the_worksheets_with_headers_dropdown_widths_and_protection(sheet_config, emu):
    from forms_app import create_app

    app = create_app(sheet_config)
    sheets = Sheets.from_config(app.config)
    changes = setup(sheets)
    assert any("问题登记" in c for c in changes)
    for layout in sl.LAYOUTS:
        assert sheet_values(emu, layout.title)[0] == list(layout.headers)
    meta = sheets.metadata()
    by_title = {s["properties"]["title"]: s for s in meta["sheets"]}
    reports = by_title["问题登记"]
    assert reports["properties"]["gridProperties"]["frozenRowCount"] == 1
    widths = reports["data"][0]["columnMetadata"]
    assert widths[sl.REPORTS.col("问题描述") - 1]["pixelSize"] == 360
    protected = {p["description"]: p for p in reports["protectedRanges"]}
    assert set(protected) == {f"{PROTECTION}：{name}" for name in sl.REPORTS.service_columns}  # one per column
    one = protected[f"{PROTECTION}：联系电话"]
    column = sl.REPORTS.col("联系电话") - 1
    assert one["warningOnly"] is True and (one["range"]["startColumnIndex"], one["range"]["endColumnIndex"]) == (column, column + 1)
    assert not any(name in p for p in protected for name in sl.REPORTS.steward_columns)
    cell = f"'问题登记'!{sl.REPORTS.letter('状态')}5"
    rule = sheets.metadata([cell])["sheets"][0]["data"][0]["rowData"][0]["values"][0]["dataValidation"]
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == list(sl.STATUSES) and rule["strict"]
    category = f"'问题登记'!{sl.REPORTS.letter('问题类别')}5"
    rule = sheets.metadata([category])["sheets"][0]["data"][0]["rowData"][0]["values"][0]["dataValidation"]
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == [
        c.name for c in app.extensions["directory"].categories.values()] and not rule.get("strict")  # hand-typed rows
    sheets.close()


def test_an_old_single_protection_is_replaced_by_one_per_service_column(sheet_app, emu):
    """The single range of older set-ups spanned 编号…时限 and would cover a steward column inserted inside it."""
    sheets = Sheets.from_config(sheet_app.config)
    sheet = sheets.worksheet(sl.REPORTS.title)
    old = [p for p in sheets.metadata()["sheets"] if p["properties"]["title"] == "问题登记"][0]["protectedRanges"]
    sheets.batch_update([{"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}} for p in old] + [
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": sheet.id, "startColumnIndex": 0,
                                                           "endColumnIndex": len(sl.REPORTS.service_columns)},
                                                 "description": PROTECTION, "warningOnly": True}}}])
    setup(sheets)
    ranges = [p for p in sheets.metadata()["sheets"] if p["properties"]["title"] == "问题登记"][0]["protectedRanges"]
    assert PROTECTION not in {p["description"] for p in ranges}
    assert len(ranges) == len(sl.REPORTS.service_columns)
    assert all(p["range"]["endColumnIndex"] - p["range"]["startColumnIndex"] == 1 for p in ranges)
    sheets.close()


def test_second_run_changes_nothing(sheet_app, emu):
    before = emu.state.stats.snapshot()["write_requests"]
    sheets = Sheets.from_config(sheet_app.config)
    assert setup(sheets) == []
    assert emu.state.stats.snapshot()["write_requests"] == before
    sheets.close()


def test_setup_adds_a_header_a_steward_overwrote_without_moving_the_others(sheet_app, emu):
    sheets = Sheets.from_config(sheet_app.config)
    sheets.set_row(sl.REPORTS, 1, ["编号", "乱写的"])
    assert setup(sheets)[0] == "「问题登记」补上表头：提交编号"  # (and the moved column gets its width)
    header = sheet_values(emu, "问题登记")[0]
    assert header[:3] == ["编号", "乱写的", "提交时间"] and header[-1] == "提交编号"
    sheets.close()


def test_cli_seeds_sessions_once_and_reports_in_chinese(sheet_app, emu):
    runner = sheet_app.test_cli_runner()
    first = runner.invoke(args=["sheet-setup"])
    assert "接待场次" in first.output and first.exit_code == 0
    assert len(sheet_values(emu, "接待场次")) == 1 + 3
    second = runner.invoke(args=["sheet-setup"])
    assert second.output.strip() == "表格已是最新，没有改动。"


def test_cli_without_configuration_says_what_is_missing(app):
    result = app.test_cli_runner().invoke(args=["sheet-setup"])
    assert result.exit_code != 0 and "未配置共享表格" in result.output


def test_protections_named_after_the_street_by_an_older_set_up_are_kept_not_doubled(sheet_app, emu):
    """Older set-ups wrote the street's name before the mark ("延吉社区大管家：系统写入的列…：状态"); the
    mark itself names no street now, so another street's sheet says nothing of 延吉."""
    assert "延吉" not in PROTECTION
    sheets = Sheets.from_config(sheet_app.config)
    sheet = sheets.worksheet(sl.REPORTS.title)
    old = [p for p in sheets.metadata()["sheets"] if p["properties"]["title"] == "问题登记"][0]["protectedRanges"]
    sheets.batch_update([{"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}} for p in old] + [
        {"addProtectedRange": {"protectedRange": {"range": p["range"], "warningOnly": True,
                                                 "description": "延吉社区大管家：" + p["description"]}}} for p in old])
    assert not any("保护" in change for change in setup(sheets))
    ranges = [p for p in sheets.metadata()["sheets"] if p["properties"]["title"] == "问题登记"][0]["protectedRanges"]
    assert len(ranges) == len(sl.REPORTS.service_columns) and all(p["description"].startswith("延吉") for p in ranges)
    assert sheet.id == ranges[0]["range"]["sheetId"]
    sheets.close()
