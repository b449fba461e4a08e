"""Shared Playwright helpers: Debian's Chromium, a phone-sized page, axe-core checks."""
from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags that keep Chromium from calling home (this machine has no outside network).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
# A typical Android phone in WeChat, with the system font at its largest.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA) on the page and return its violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    return results.response["violations"]


def describe(violations: list[dict]) -> str:
    """One line per violation, for a readable assertion message."""
    return "\n".join(f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in violations)


def fill_report(page, building="55号", category="漏水/渗水", compound=None, description="卫生间天花板一直滴水，应该是楼上漏下来的。",
                name="王阿姨", phone="138 1234 5678") -> str:
    """Fill the open report form as a resident would, submit, and return the reference (as stored: '2604 1937' shown)."""
    if compound:
        page.get_by_label("您住在哪个小区").select_option(compound)
    page.get_by_label("楼号").fill(building)
    if category:
        page.get_by_label(category).check()
    page.get_by_label("请说说情况").fill(description)
    page.get_by_label("怎么称呼您").fill(name)
    page.get_by_label("联系电话").fill(phone)
    page.get_by_label("我已看过隐私说明").check()
    page.get_by_role("button", name="提交").click()
    return page.locator("#reference").inner_text().replace(" ", "")


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the page."""
    violations = axe_violations(page)
    assert violations == [], describe(violations)
