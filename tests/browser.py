"""Shared Playwright helpers: Debian's Chromium, a phone-sized page, axe-core checks."""
from __future__ import annotations

import os
from contextlib import contextmanager

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
# WeChat's in-app browser (XWEB) on a small phone: the size and user agent the residents' tests use.
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
             "MMWEBSDK/20231202 MMWEBID/2308 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 "
             "Weixin NetType/WIFI Language/zh_CN ABI/arm64")
WECHAT = {"viewport": {"width": 375, "height": 667}, "device_scale_factor": 2, "is_mobile": True,
          "has_touch": True, "locale": "zh-CN", "user_agent": WECHAT_UA}
# A steward's desk.
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


@contextmanager
def steward_server(tmp_path_factory, name: str, **env):
    """(base URL, store path) of a gunicorn serving the app, with the accounts s1…s5 and 'duban'."""
    from tests.conftest import add_accounts
    from tests.server import gunicorn

    db = str(tmp_path_factory.mktemp(name) / "store.sqlite3")
    add_accounts(db)
    with gunicorn({"DATABASE": db, "RATELIMIT_ENABLED": "0", "SEED_SAMPLE_SESSIONS": "0", **env}, workers=1) as url:
        yield url, db


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
