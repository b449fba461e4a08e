"""Every route with absurd path and query values answers without a 5xx (issue 18, finding 7).

Walks app.url_map — so a route added later is walked too — anonymous, as a steward and as the
supervisor, GET and (where allowed) POST with a valid CSRF token and absurd form values.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from tests.conftest import SUPERVISOR, hidden_fields, sign_in

HUGE = "99999999999999999999999"
PATH_VALUES = [HUGE, "-1", "0", "1e5000", "x" * 600, "2604 1937", "..", "%00", "😀"]
QUERY = {"page": "99999999999999999999", "f": "1", "q": "2470", "ref": HUGE, "session": HUGE, "id": HUGE,
         "compound": "x" * 300, "category": "1e5000", "status": "\x00", "channel": HUGE, "size": "thumb",
         "next": "//evil.example/" + "x" * 100, "expired": "1", "saved": HUGE, "done": HUGE, "contacted": HUGE,
         "on_behalf": "y", "src": "qr", "mine": "y", "urgent": "y", "overdue": "y", "reopened": "y"}
FORM = {**QUERY, "households": "101 1e5000 反对\n102 1e999999999 同意", "mode": "lift", "version": HUGE,
        "capacity": HUGE, "refs": [HUGE, "2"], "bulk_status": "已解决", "date": "99999-99-99", "start": "99:99",
        "end": "-1:00", "linked": HUGE, "outcome_" + HUGE: "已解决", "account": "s1", "password": "x" * 5000}


def urls(app, values=PATH_VALUES):
    values = [*values, *getattr(app, "real_values", [])]
    """(rule, methods, url) for every route and absurd value of its arguments, with the absurd query."""
    # Signing out last, so the signed-in walks stay signed in.
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint.endswith("logout")):
        if rule.endpoint == "static":
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for value in values if rule.arguments else [None]:
            path = rule.rule
            for name in rule.arguments:
                for part in (f"<{name}>", f"<int:{name}>", f"<path:{name}>"):
                    path = path.replace(part, quote(value, safe="") if value is not None else "")
            yield rule.rule, methods, path + "?" + urlencode(QUERY)


def walk(client, app):
    token = hidden_fields(client.get("/forms/report").get_data(as_text=True))["csrf_token"]
    failures = []
    for rule, methods, url in urls(app):
        for method in methods:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={**FORM, "csrf_token": token})
            if response.status_code >= 500 and response.status_code != 503:
                failures.append((method, url[:120], response.status_code))
    return failures


@pytest.fixture
def steward_client(client, steward_account):
    return client


@pytest.fixture
def real_values(app, forms, db):
    """A real report and session too, so the walk reaches the forms behind them (absurd versions, outcomes …)."""
    from tests.conftest import reference
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    session_id = db.execute("SELECT id FROM sessions ORDER BY id LIMIT 1").fetchone()[0]
    app.real_values = [ref, session_id, "1"]
    return app.real_values


@pytest.mark.parametrize("who", ["anonymous", "s1", SUPERVISOR])
def test_no_route_answers_5xx_to_absurd_values(app, client, steward_account, real_values, who):
    if who != "anonymous":
        assert sign_in(client, who).status_code == 303
    assert len(list(urls(app))) > 150  # every route, each with every value
    assert walk(client, app) == []


@pytest.mark.parametrize("url", [f"/forms/steward/consultations/{HUGE}", "/forms/steward?f=1&q=2470&page=99999999999999999999",
                                 "/forms/steward?page=-5", "/forms/steward?page=1e5000", f"/forms/steward/consultations/{2**63}"])
def test_the_reviews_urls(client, steward_account, url):
    sign_in(client)
    assert client.get(url).status_code in (200, 404)


@pytest.mark.parametrize("text, page", [(None, 1), ("", 1), ("3", 3), ("0", 1), ("-5", 1), ("1e5000", 1), ("x", 1),
                                        ("99999999999999999999", 100_000), ("9" * 5000, 100_000), ("１２", 1)])
def test_page_numbers_are_clamped(text, page):
    from forms_app.core.security import page_number
    assert page_number(text) == page


@pytest.mark.parametrize("capacity", ["9" * 5000, "\U00010A40", "99999999999999999999999", "1e5000"])
def test_a_session_capacity_beyond_any_number_is_a_chinese_message(client, steward_account, capacity):
    sign_in(client)
    token = hidden_fields(client.get("/forms/steward/sessions/new").get_data(as_text=True))["csrf_token"]
    response = client.post("/forms/steward/sessions/new", data={"csrf_token": token, "capacity": capacity})
    assert response.status_code == 400 and "名额请填 0 到 500 之间的整数" in response.get_data(as_text=True)
