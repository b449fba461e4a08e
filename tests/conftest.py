"""Fixtures shared by every test: a real Chromium, shared across the session."""
from __future__ import annotations

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, PHONE


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
