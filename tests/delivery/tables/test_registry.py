"""Choosing the table backend from the settings (delivery/tables/__init__.py, core/config.py)."""
import pytest

from forms_app.core import config
from forms_app.delivery import tables
from forms_app.delivery.tables import BackendUnavailable, backend_name, service_from_config

GOOGLE = {"SHEETS_SPREADSHEET_KEY": "k", "GOOGLE_SERVICE_ACCOUNT_FILE": "f.json"}
WECOM = {"WECOM_CORP_ID": "ww1", "WECOM_CORP_SECRET": "s", "WECOM_DOC_ID": "d"}
FEISHU = {"FEISHU_APP_ID": "cli_1", "FEISHU_APP_SECRET": "s", "FEISHU_APP_TOKEN": "t"}


@pytest.mark.parametrize("settings, chosen", [
    ({}, ""),
    (GOOGLE, "google"),                                     # empty SHEET_BACKEND: Google when its key is set
    ({**GOOGLE, "SHEET_BACKEND": "wecom", **WECOM}, "wecom"),
    ({"SHEET_BACKEND": " Feishu ", **FEISHU}, "feishu"),
])
def test_the_backend_in_use(settings, chosen):
    final = {**settings, "TESTING": True}
    config.finalise(final, debug=False)
    assert final["TABLE_BACKEND"] == chosen and final["SHEETS_ENABLED"] is bool(chosen)
    assert backend_name(final) == chosen


@pytest.mark.parametrize("settings, named", [
    ({"SHEET_BACKEND": "dingtalk"}, "SHEET_BACKEND"),
    ({"SHEET_BACKEND": "wecom", "WECOM_CORP_ID": "ww1"}, "WECOM_CORP_SECRET、WECOM_DOC_ID"),
    ({"SHEET_BACKEND": "feishu", **FEISHU, "FEISHU_APP_TOKEN": ""}, "FEISHU_APP_TOKEN"),
    ({"SHEET_BACKEND": "google", "SHEETS_SPREADSHEET_KEY": "k"}, "GOOGLE_SERVICE_ACCOUNT_FILE"),
])
def test_a_backend_chosen_without_its_settings_stops_the_start_naming_them(settings, named):
    with pytest.raises(config.ConfigError, match=named):
        config.finalise({**settings, "TESTING": True}, debug=False)


def test_no_backend_builds_nothing():
    assert service_from_config({}) is None


def test_a_backend_module_missing_here_is_said_in_chinese(monkeypatch):
    monkeypatch.setitem(tables.BACKENDS, "wecom", "forms_app.delivery.tables.no_such_module:WeComTables")
    with pytest.raises(BackendUnavailable, match="企业微信智能表格的对接模块用不了"):
        service_from_config({"SHEET_BACKEND": "wecom"})


def test_every_backend_setting_is_declared_with_its_documented_default():
    parsed = config.from_environ({})
    assert parsed["SHEET_BACKEND"] == "" and parsed["WECOM_API_BASE_URL"] == "https://qyapi.weixin.qq.com"
    assert parsed["FEISHU_API_BASE_URL"] == "https://open.feishu.cn"
    for name in ("WECOM_CORP_ID", "WECOM_CORP_SECRET", "WECOM_DOC_ID", "FEISHU_APP_ID", "FEISHU_APP_SECRET",
                 "FEISHU_APP_TOKEN"):
        assert parsed[name] == ""


def test_sync_and_sheet_setup_say_when_no_table_is_configured(app):
    runner = app.test_cli_runner()
    assert "未配置共享表格" in runner.invoke(args=["sheet-setup"]).output
