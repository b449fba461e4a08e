"""The README's "where do I add …" recipes, done as a new developer would: each change touches only the
files its recipe names, and reaches everything that should follow it.

- a category: one entry in the directory file (and its guide page) reaches the report form, the
  stewards' list and its filter, the shared table's options and cells, the figures, the nav, the
  guides index and the search keywords, with no other edit;
- a column: one `Column(...)` in delivery/columns.py reaches every table backend, `sheet-setup` and
  the .xlsx export;
- a compound with its steward: two entries in the directory file, checked by scripts/check-directory,
  reach the form and the confirmation.
(A channel file and two robots side by side: the channel tests; another street: test_another_street.)
"""
from __future__ import annotations

import datetime as dt
import io
import re
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from forms_app import create_app
from forms_app.core import directory as directory_module
from forms_app.core.store import connect
from forms_app.delivery import columns, export
from forms_app.delivery.sheet_setup import setup
from forms_app.delivery.sync import Worker
from forms_app.delivery.tables import service_from_config
from forms_app.publishing import figures
from tests.conftest import Forms, add_accounts, reference, sign_in, text
from tests.kb.conftest import mkdocs_build
from tests.tables_fixtures import backend  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
NOISE = {"id": "noise", "name": "噪音扰民", "urgent": False, "asks": "楼上太吵、夜里施工",
         "guide": "guides/maintenance-fund", "parties": "物业劝阻；居委会调解；大管家协调、跟踪进度",
         "deadlines": {"resolve": 5}}


def directory_data() -> dict:
    return yaml.safe_load((ROOT / "data" / "directory.yaml").read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def confirmed(client, **changes):
    """Submit a report as a browser does; the confirmation page it is sent to."""
    response = Forms(client).report(**changes)
    assert response.status_code == 303, text(response)[:300]
    return client.get(response.headers["Location"])


def app_on(tmp_path: Path, directory_file: Path, **settings):
    return create_app({"TESTING": True, "DATABASE": str(tmp_path / "store.sqlite3"), "RATELIMIT_ENABLED": False,
                       "SECRET_KEY": "test-key-" + "k" * 32, "DIRECTORY_FILE": str(directory_file), **settings})


# --- a category: data only -----------------------------------------------------------------------

@pytest.fixture
def noise_file(tmp_path):
    """The shipped directory plus 噪音扰民 with its own resolution deadline; its guide is a page that
    was no category's own (taken out of `guides:`), so no page is written either."""
    data = directory_data()
    data["guides"] = [g for g in data["guides"] if g["page"] != NOISE["guide"]]
    data["categories"].insert(2, NOISE)
    return write(tmp_path, data)


def test_a_new_category_reaches_the_form_the_list_the_table_and_the_figures(tmp_path, noise_file):
    app = app_on(tmp_path, noise_file)
    client = app.test_client()
    form = text(client.get("/forms/report"))
    assert 'value="noise"' in form and "噪音扰民" in form
    other = reference(confirmed(client, category="other"))
    noisy = reference(confirmed(client, category="noise", description="楼上装修，晚上十点还在敲。"))
    conn = connect(app.config["DATABASE"])
    try:
        rows = {r["ref"]: r for r in conn.execute("SELECT * FROM reports")}
        assert rows[noisy]["category_id"] == "noise"
        assert rows[noisy]["resolve_due"] < rows[other]["resolve_due"]      # its own deadline: 5 working days
        d = app.extensions["directory"]
        # the shared table: 问题类别's options and the cell
        assert "噪音扰民" in columns.REPORTS.spec(d).field("问题类别").options
        assert columns.report_values(rows[noisy], d)["问题类别"] == "噪音扰民"
        # the figures
        by_category = {c["label"]: c for c in figures.compute(conn, d, dt.date(2026, 12, 31))["by_category"]}
        assert "噪音扰民" in by_category
    finally:
        conn.close()
    # the stewards' list: the filter offers it and finds the case
    add_accounts(app.config["DATABASE"])
    assert sign_in(client).status_code == 303
    page = text(client.get("/forms/steward?f=1&category=noise"))
    assert re.search(r'<option[^>]*value="noise">噪音扰民</option>', page) and "全部 <strong>1</strong>" in page and noisy in page.replace(" ", "") and other not in page.replace(" ", "")


def test_a_new_category_reaches_the_nav_the_guides_index_search_and_the_figures_page(tmp_path, noise_file):
    app = app_on(tmp_path, noise_file)
    Forms(app.test_client()).report(category="noise")
    figures_file = tmp_path / "figures.json"
    result = subprocess.run([".venv/bin/flask", "--app", "forms_app", "figures", "--output", str(figures_file)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "FLASK_DEBUG": "1", "DATABASE": app.config["DATABASE"],
                                 "DIRECTORY_FILE": str(noise_file)})
    assert result.returncode == 0, result.stdout + result.stderr
    built = mkdocs_build(tmp_path / "site", DIRECTORY_FILE=str(noise_file), FIGURES_FILE=str(figures_file))
    assert built.returncode == 0, built.stdout + built.stderr
    site = tmp_path / "site"
    index = (site / "guides" / "index.html").read_text(encoding="utf-8")
    assert "噪音扰民" in index and NOISE["asks"] in index
    nav = re.findall(r'class="md-nav__link">\s*<span class="md-ellipsis">\s*([^<\s]+)',
                     (site / "index.html").read_text(encoding="utf-8"))
    assert "噪音扰民" in nav
    search = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    entry = next(d for d in search["docs"] if d["location"] == f"{NOISE['guide']}/")
    assert "噪音扰民" in entry["keywords"]
    assert "噪音扰民" in (site / "progress" / "index.html").read_text(encoding="utf-8")


# --- a column: one entry -------------------------------------------------------------------------

BLOCK = columns.Column("楼栋", lambda s: f"{s.row['building']}楼" if s.row["building"] else "", optional=True)


@pytest.fixture
def block_column():
    """楼栋 added to 问题登记 after 楼号 — the one entry the recipe asks for."""
    table = columns.REPORTS
    before = table.columns
    at = table.headers.index("楼号") + 1
    object.__setattr__(table, "columns", (*before[:at], BLOCK, *before[at:]))
    table._index.clear()
    yield BLOCK
    object.__setattr__(table, "columns", before)
    table._index.clear()


def test_a_new_column_is_one_entry_on_every_backend_and_in_the_export(block_column, backend, app_config):  # noqa: F811
    app = create_app({**app_config, **backend.settings})
    service = service_from_config(app.config)
    try:
        with app.app_context():
            setup(service)                                   # flask sheet-setup
        Forms(app.test_client()).report(building="12号")
        conn = connect(app.config["DATABASE"])
        try:
            assert Worker(conn, service, app.extensions["directory"]).deliver() == 1
            [record] = backend.shown(columns.REPORTS.title)
            assert record["楼栋"] == "12号楼" and record["楼号"] == "12号"
            data, n_reports, _ = export.workbook(conn, app.extensions["directory"])
        finally:
            conn.close()
    finally:
        service.close()
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(data), read_only=True)[columns.REPORTS.title]
    header, row = list(sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert n_reports == 1 and header.index("楼栋") == header.index("楼号") + 1 and row[header.index("楼栋")] == "12号楼"


# --- a compound with its steward: data only -------------------------------------------------------

def test_a_new_compound_with_its_steward_is_checked_and_reaches_the_form_and_the_confirmation(tmp_path):
    data = directory_data()
    area = data["areas"][0]["id"]
    data["stewards"].append({"id": "s9", "name": "孙悦（示例）", "phone": "021-5555 0109",
                             "hours": "周一至周五 9:00–11:30", "place": "测试工作室（示例）"})
    data["compounds"].append({"id": "ceshi", "name": "测试新村", "area": area, "steward": "s9",
                              "owners_committee": {"name": "测试新村业主委员会（示例）", "phone": "021-5555 2199",
                                                   "reception": "每月第一个周六 9:00–11:00（示例）"},
                              "property_company": {"name": "示例物业（测试新村项目部）", "phone": "021-5555 3199",
                                                   "service_desk": "测试新村物业服务中心（示例）"}})
    path = write(tmp_path, data)
    checked = subprocess.run([str(ROOT / "scripts" / "check-directory"), str(path)], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "6 位大管家" in checked.stdout
    client = app_on(tmp_path, path).test_client()
    assert "测试新村" in text(client.get("/forms/report"))
    done = text(confirmed(client, compound="ceshi", category="other"))
    assert "孙悦" in done and "021 5555 0109" in done
    assert directory_module.load(path).compounds["ceshi"].steward.id == "s9"
