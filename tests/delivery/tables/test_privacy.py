"""Where residents' data goes, by backend: Google is a transfer abroad needing separate consent (PIPL §39).

The forms ask for it only when SHEET_BACKEND is google; a resident who declines is still served, and
nothing of theirs is sent to the sheet.
"""
import pytest

from forms_app import create_app
from forms_app.core import outbox
from forms_app.core.store import connect
from forms_app.delivery.sync import Worker
from forms_app.delivery.tables import service_from_config
from tests.conftest import VALID_REPORT, Forms, reference, text
from tests.tables_fixtures import backend, table_app  # noqa: F401

ABROAD = 'name="abroad_consent"'


@pytest.mark.parametrize("settings, asked", [
    ({}, False),
    ({"SHEET_BACKEND": "wecom", "WECOM_CORP_ID": "ww1", "WECOM_CORP_SECRET": "s", "WECOM_DOC_ID": "d"}, False),
    ({"SHEET_BACKEND": "feishu", "FEISHU_APP_ID": "cli_1", "FEISHU_APP_SECRET": "s", "FEISHU_APP_TOKEN": "t"}, False),
    ({"SHEETS_SPREADSHEET_KEY": "k", "GOOGLE_SERVICE_ACCOUNT_FILE": "f.json"}, True),
])
@pytest.mark.parametrize("url", ["/forms/report", "/forms/reception"])
def test_separate_consent_is_asked_only_when_the_table_is_abroad(app_config, settings, asked, url):
    page = text(create_app({**app_config, **settings}).test_client().get(url))
    assert (ABROAD in page) is asked and ("Google 表格" in page) is asked


@pytest.mark.parametrize("ticked, in_sheet", [(True, 1), (False, 0)])
def test_a_resident_who_declines_is_served_and_nothing_of_theirs_goes_abroad(backend, table_app, ticked, in_sheet):
    if backend.name != "google":
        pytest.skip("only Google Sheets is abroad")
    forms = Forms(table_app.test_client())
    drop = () if ticked else ("abroad_consent",)
    response = forms.submit("/forms/report", dict(VALID_REPORT), drop=drop)
    ref = reference(forms.client.get(response.headers["Location"]))
    conn = connect(table_app.config["DATABASE"])
    row = conn.execute("SELECT abroad_consent, id FROM reports WHERE ref = ?", (ref,)).fetchone()
    assert row["abroad_consent"] == int(ticked)
    service = service_from_config(table_app.config)
    Worker(conn, service, table_app.extensions["directory"]).deliver()
    service.close()
    assert len(backend.shown("问题登记")) == in_sheet and outbox.backlog(conn, outbox.SHEET_KINDS) == 0
    if not ticked:
        note = conn.execute("SELECT last_error FROM outbox WHERE kind = 'report' AND row_id = ?", (row["id"],)).fetchone()[0]
        assert "没有同意信息出境" in note
    conn.close()


def test_the_store_records_not_asked_when_the_table_is_at_home(app_config):
    app = create_app(app_config)
    forms = Forms(app.test_client())
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    conn = connect(app.config["DATABASE"])
    assert conn.execute("SELECT abroad_consent FROM reports WHERE ref = ?", (ref,)).fetchone()[0] == -1
    conn.close()


@pytest.mark.parametrize("environ, says, never", [
    ({}, "不另外同步", "Google"),
    ({"SHEETS_SPREADSHEET_KEY": "k", "GOOGLE_SERVICE_ACCOUNT_FILE": "f.json"}, "在中国大陆以外", "境内"),
    ({"SHEET_BACKEND": "google"}, "单独同意", "境内"),
    ({"SHEET_BACKEND": "wecom"}, "企业微信", "Google"),
    ({"SHEET_BACKEND": "feishu"}, "飞书", "Google"),
])
def test_the_privacy_page_says_where_the_shared_table_keeps_data(monkeypatch, environ, says, never):
    from hooks import markers

    for name in ("SHEET_BACKEND", "SHEETS_SPREADSHEET_KEY", "GOOGLE_SERVICE_ACCOUNT_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    page = (markers.ROOT / "docs/privacy/index.md").read_text(encoding="utf-8")
    from hooks.build import load_directory

    rendered = markers.render_markers(page, "privacy/index.md", load_directory())
    assert says in rendered and never not in rendered.split("## 存在哪里")[1].split("## 保存多久")[0]


GOOGLE = {"SHEETS_SPREADSHEET_KEY": "k", "GOOGLE_SERVICE_ACCOUNT_FILE": "f.json"}


@pytest.mark.parametrize("settings, changes, stored", [
    ({}, {"abroad_consent": "y"}, -1),           # no table abroad: not asked, whatever is posted
    (GOOGLE, {"abroad_consent": "y"}, 1),        # the steward asked and the resident agreed
    (GOOGLE, {"abroad_consent": None}, 0),       # asked, declined (left unticked)
])
def test_a_stewards_intake_asks_the_consent_only_with_google(app_config, settings, changes, stored):
    from tests.views.test_steward_intake import NEW, register, sign_in_steward

    app = create_app({**app_config, **settings})
    steward = sign_in_steward(Forms(app.test_client()))
    assert (ABROAD in text(steward.client.get(NEW))) is bool(settings)
    assert register(steward, **changes).status_code == 303
    conn = connect(app.config["DATABASE"])
    assert conn.execute("SELECT abroad_consent FROM reports").fetchone()[0] == stored
    conn.close()
