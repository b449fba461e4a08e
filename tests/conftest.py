"""Fixtures shared by every test: app → client → form helpers, and a real Chromium."""
from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from forms_app import create_app
from forms_app.core.directory import load as load_directory
from forms_app.core.store import connect
from tests.browser import CHROMIUM, CHROMIUM_ARGS, PHONE

VALID_REPORT = {
    "compound": "yanji2", "building": "55号", "room": "601", "category": "leak", "urgent": "no",
    "description": "卫生间天花板一直滴水，应该是楼上漏下来的。", "contact_name": "王阿姨",
    "phone": "138 1234 5678", "best_time": "上午", "consent": "y",
    "abroad_consent": "y",  # asked only when the stewards' table is Google (abroad); ignored otherwise
}
VALID_SIGNUP = {"name": "李先生", "phone": "139 8765 4321", "compound": "kongjiangdong3",
                "topic": "我们楼想加装电梯，想问问法治专员怎么征询意见。", "consent": "y", "abroad_consent": "y"}


@pytest.fixture
def app_config(tmp_path):
    """Test configuration; tests may change it before asking for `app`."""
    return {"TESTING": True, "DATABASE": str(tmp_path / "store.sqlite3"), "SEED_SAMPLE_SESSIONS": True,
            "RATELIMIT_ENABLED": False, "SECRET_KEY": "test-key-" + "k" * 32}


@pytest.fixture
def app(app_config):
    """A fresh app on its own SQLite file."""
    return create_app(app_config)


@pytest.fixture
def client(app):
    """Flask's test client."""
    return app.test_client()


@pytest.fixture
def db(app):
    """A separate connection to the app's store, for assertions."""
    conn = connect(app.config["DATABASE"])
    yield conn
    conn.close()


def directory_file(tmp_path, change) -> str:
    """data/directory.yaml as `change(data)` leaves it, written under tmp_path: its path, for DIRECTORY_FILE."""
    import yaml

    from forms_app.core.directory import DEFAULT_PATH

    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def slow_garbage(data: dict) -> None:
    """A directory change: the category 垃圾 gets its own deadlines (3 working days to first contact, 5 to re-handle)."""
    [garbage] = [c for c in data["categories"] if c["id"] == "garbage"]
    garbage["deadlines"] = {"first_contact": 3, "rehandle": 5}


def hidden_fields(html: str) -> dict:
    """The hidden inputs (CSRF token, submission id) of a rendered form."""
    return dict(re.findall(r'<input[^>]*name="(csrf_token|submission_id)"[^>]*value="([^"]*)"', html)
                + [(n, v) for v, n in re.findall(r'<input[^>]*value="([^"]*)"[^>]*name="(csrf_token|submission_id)"', html)])


class Forms:
    """Fill in and submit forms the way a browser does: GET the page, keep its hidden fields."""

    def __init__(self, client):
        self.client = client

    def submit(self, url: str, data: dict, drop: tuple = (), **kwargs):
        """GET url, then POST its hidden fields plus data (minus the names in drop)."""
        page = self.client.get(url)
        fields = {**hidden_fields(page.get_data(as_text=True)), **data}
        for name in drop:
            fields.pop(name, None)
        return self.client.post(url, data=fields, **kwargs)

    def report(self, url: str = "/forms/report", **changes):
        """Submit a valid report, with changes."""
        return self.submit(url, {**VALID_REPORT, **changes})

    def signup(self, session_id: str, **changes):
        """Sign up for a session, with changes."""
        return self.submit("/forms/reception", {**VALID_SIGNUP, "session": session_id, **changes})


@pytest.fixture
def forms(client):
    """Form-filling helper over the test client."""
    return Forms(client)


def text(response) -> str:
    """Response body as text."""
    return response.get_data(as_text=True)


def reference(response) -> str:
    """The reference shown in #reference, as stored (shown in groups of four: '2604 1937' -> '26041937')."""
    found = re.search(r'id="reference"[^>]*>([^<]+)<', text(response))
    assert found, text(response)[:500]
    return found.group(1).strip().replace(" ", "")


# --- Steward accounts (one per steward and supervisor) -------------------------------------
STEWARD_PASSWORD = "yanji-dagj-2026"
SUPERVISOR = "duban"
# Verifying reads the cost from the hash: a cheap one keeps the tests fast (production: argon2's defaults).
_FAST_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(STEWARD_PASSWORD)


def add_accounts(database: str, accounts: dict | None = None) -> None:
    """Accounts in the store at `database`: {id: (name, role)}; default s1…s5 as the directory names them,
    and 'duban' (街道督办, supervisor), all with STEWARD_PASSWORD."""
    if accounts is None:
        stewards = load_directory().stewards.values()
        accounts = {**{s.id: (s.name, "steward") for s in stewards}, SUPERVISOR: ("街道督办", "supervisor")}
    conn = connect(database)
    try:
        for account_id, (name, role) in accounts.items():
            conn.execute("INSERT OR IGNORE INTO accounts (id, name, role, password_hash, created_at) "
                         "VALUES (?, ?, ?, ?, '2026-01-01T00:00:00+08:00')", (account_id, name, role, _FAST_HASH))
    finally:
        conn.close()


@pytest.fixture
def steward_account(app):
    """The accounts s1…s5 and 'duban' (supervisor) in the app's store; the password they share."""
    add_accounts(app.config["DATABASE"])
    return STEWARD_PASSWORD


def sign_in(client, account: str = "s1", password: str = STEWARD_PASSWORD, next: str = ""):
    """Sign in through the real form (GET for its CSRF token, then POST); the response (303 when signed in)."""
    url = "/forms/steward/login" + (f"?next={next}" if next else "")
    token = hidden_fields(client.get(url).get_data(as_text=True)).get("csrf_token", "")
    return client.post(url, data={"csrf_token": token, "account": account, "password": password})


def browser_sign_in(page, base: str, account: str = "s1", path: str = "/forms/steward", password: str = STEWARD_PASSWORD):
    """In Chromium: open a steward page, get sent to the sign-in page, sign in with an account."""
    page.goto(base + path)
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (headless)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def phone_page(browser):
    """A fresh phone-sized page; closed after the test."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


def checked(body: str, name: str) -> list[str]:
    """Values of the checked radios/checkboxes called `name`."""
    tags = re.findall(rf'<input[^>]*\bname="{name}"[^>]*>', body)
    return [re.search(r'value="([^"]*)"', t).group(1) for t in tags if re.search(r"\bchecked\b", t)]


def selected(body: str, name: str) -> list[str]:
    """Values of the selected options of the <select> called `name`."""
    select = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return re.findall(r'<option selected value="([^"]*)"', select) + re.findall(r'<option value="([^"]*)" selected', select)


# --- The stewards' sheet on the local Sheets API emulator ----------------------------------
from tests.sheets_emulator.fixtures import emu, emulator, key_file, service_account  # noqa: E402,F401

SHEET_KEY = "STEWARDS-SHEET"


@pytest.fixture
def sheet_config(app_config, emu, key_file):
    """App config with delivery on, pointed at an empty spreadsheet on the emulator."""
    emu.state.create_spreadsheet("延吉社区大管家", spreadsheet_id=SHEET_KEY)
    return {**app_config, "GOOGLE_SERVICE_ACCOUNT_FILE": str(key_file), "SHEETS_SPREADSHEET_KEY": SHEET_KEY,
            "SHEETS_API_BASE_URL": emu.url, "SHEETS_TIMEOUT": 2.0}


@pytest.fixture
def sheet_app(sheet_config):
    """An app whose stewards' sheet is set up on the emulator."""
    from forms_app.delivery.sheet_setup import setup
    from forms_app.delivery.sheets import Sheets

    app = create_app(sheet_config)
    sheets = Sheets.from_config({**app.config, "SHEETS_TIMEOUT": 10.0})  # set-up is plumbing here: a busy machine is no fault
    setup(sheets)
    sheets.close()
    return app


def sheet_values(emu, title: str) -> list[list[str]]:
    """What the emulator holds in one worksheet (header row included)."""
    return [row for row in emu.state.dump_values(SHEET_KEY, title)["values"] if any(row)]


def without_refs(text: str) -> str:
    """Text with every reference number taken out (as stored or shown in groups of four), so a check
    that no phone digits or room number leaked is not fooled by the digits of a random reference."""
    import re
    return re.sub(r"(?<!\d)[28]\d{3}[ \u00a0]?\d{4}(?!\d)", "", text)


@pytest.fixture
def clock_at(monkeypatch):
    """Set the clock: clock_at('2026-12-05T22:30:00+08:00') — every clock.now() then answers that moment."""
    import datetime as dt

    from forms_app.core import clock

    def set_clock(moment: str):
        fixed = dt.datetime.fromisoformat(moment).astimezone(clock.SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: fixed)
        return fixed
    return set_clock


@pytest.fixture
def office_hours_now(clock_at):
    """A Tuesday 10:00 (2026-12-08): the 事务所 is open — for tests of the in-hours wording."""
    return clock_at("2026-12-08T10:00:00+08:00")


@pytest.fixture(autouse=True)
def _default_workdays_file():
    """Each test starts and ends on data/workdays.yaml (an app built with WORKDAYS_FILE switches it)."""
    from forms_app.core import workdays

    yield
    workdays.configure(None)


def pytest_collection_modifyitems(items):
    """The long tests (marked slow) first, the rest in collection order: a parallel run (pytest-xdist)
    hands them out at the start instead of ending on one long test begun last."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
