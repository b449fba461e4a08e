"""The forms as part of the site: /forms/ leads home, and every form page carries the site's own icon."""
from pathlib import Path

import pytest
from tests import REPO_ROOT

ROOT = REPO_ROOT


@pytest.mark.parametrize("path", ["/forms/", "/forms"])
def test_forms_root_redirects_to_the_home_page(client, path):
    response = client.get(path)
    assert response.status_code in (301, 302, 308)
    assert response.headers["Location"] in ("/", "http://localhost/")


@pytest.mark.parametrize("path", ["/forms/report", "/forms/reception", "/forms/status", "/forms/reception/cancel"])
def test_form_pages_link_the_sites_icon_served_here(client, path):
    body = client.get(path).get_data(as_text=True)
    assert '<link rel="icon" href="/forms/static/favicon.svg" type="image/svg+xml">' in body
    icon = client.get("/forms/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()


def test_the_forms_icon_is_the_sites_icon():
    """One icon: the forms' copy must match the knowledge base's (docs/assets, mkdocs.yml theme.favicon)."""
    assert (ROOT / "forms_app/static/favicon.svg").read_bytes() == (ROOT / "docs/assets/favicon.svg").read_bytes()
