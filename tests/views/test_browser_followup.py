"""A resident whose report was marked 已解决 answers the follow-up in Chromium."""
import pytest

from forms_app.core.store import connect
from tests.browser import assert_accessible, fill_report
from tests.server import gunicorn

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    db = tmp_path / "store.sqlite3"
    with gunicorn({"DATABASE": str(db), "RATELIMIT_ENABLED": "0"}, workers=1) as url:
        yield url, str(db)


def test_resident_says_not_solved_and_the_report_reopens(phone_page, server):
    base, db = server
    page = phone_page
    page.goto(f"{base}/forms/report?compound=yanji2&category=facilities")
    reference = fill_report(page, category=None, description="楼梯没有扶手，老人上下楼很危险。")
    conn = connect(db)
    conn.execute("UPDATE reports SET status = '已解决', resolved_at = '2026-11-20', public_note = '扶手已经装好。', followup_due = 1")
    page.goto(f"{base}/forms/status?ref={reference}")
    page.get_by_label("电话号码的最后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    assert page.locator("#public-note").inner_text() == "扶手已经装好。"
    assert_accessible(page)
    page.get_by_label("部分解决", exact=True).check()
    page.get_by_role("group", name="办得快不快（效率）").get_by_label("基本满意").check()
    page.get_by_role("group", name="大管家的态度").get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交回访").click()  # 结果 not rated: the error summary names it
    assert "请选择对结果是否满意。" in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    page.get_by_role("group", name="处理的结果").get_by_label("不满意").check()
    page.get_by_label("还想说点什么").fill("只装了一半，三楼以上还没有。")
    page.get_by_role("button", name="提交回访").click()
    assert "重新打开" in page.locator("main").inner_text() and "最晚" in page.locator("main").inner_text()
    row = conn.execute("SELECT status, reopened, satisfaction, public_note FROM reports").fetchone()
    assert tuple(row)[:3] == ("处理中", 1, "效率基本满意/态度满意/结果不满意·部分解决")
    assert row["public_note"].endswith("再联系您。")
    conn.close()
