"""Photos in real Chromium: a resident on a phone in WeChat attaches a photo, a signed-in steward sees it."""
import io

import pytest
from PIL import Image

from forms_app.core.store import connect
from tests import photo_samples as samples
from tests.browser import DESKTOP, WECHAT, assert_accessible, fill_report, steward_server
from tests.conftest import browser_sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, store path) of a gunicorn with the stewards' pages on."""
    with steward_server(tmp_path_factory, "photos") as served:
        yield served


@pytest.fixture
def wechat(browser):
    context = browser.new_context(**WECHAT)
    yield context.new_page()
    context.close()


@pytest.fixture
def wechat_without_js(browser):
    context = browser.new_context(**WECHAT, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def desk(browser):
    context = browser.new_context(**DESKTOP)
    yield context.new_page()
    context.close()


def steward_sign_in(page, base: str, path: str = "/forms/steward", account: str = "s1") -> None:
    """Sign a steward in with their account (conftest's helper)."""
    browser_sign_in(page, base, account, path)


def phone_photo() -> bytes:
    """A 3000×2000 phone photo with GPS in its EXIF."""
    exif = Image.Exif()
    exif[0x8825] = samples.GPS
    return samples.jpeg(samples.noise(750, 500).resize((3000, 2000)), exif=exif.tobytes())


def loaded(page, selector: str) -> list[int]:
    """naturalWidth of each matching image, once loaded (0 = broken)."""
    page.locator(selector).first.wait_for()
    return page.eval_on_selector_all(selector, "imgs => Promise.all(imgs.map(i => i.decode().then(() => i.naturalWidth, () => 0)))")


def test_resident_attaches_a_photo_in_wechat_and_a_steward_sees_it(server, wechat, desk):
    base, db = server
    original = phone_photo()
    wechat.goto(f"{base}/forms/report?compound=yanji2")
    photo_input = wechat.locator("#photos")
    assert photo_input.get_attribute("accept") == "image/*" and photo_input.get_attribute("multiple") is not None
    assert wechat.locator("form").get_attribute("enctype") == "multipart/form-data"
    assert_accessible(wechat)
    photo_input.set_input_files([{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": original}])
    wechat.locator("#photos[data-shrunk]").wait_for(state="attached")
    sent = wechat.evaluate("[...document.querySelector('#photos').files].map(f => [f.name, f.type, f.size])")
    assert sent[0][0] == "IMG_2041.jpg" and sent[0][1] == "image/jpeg" and sent[0][2] < len(original)  # scaled in the browser
    ref = fill_report(wechat, category="漏水/渗水", description="卫生间天花板一直滴水，照片里是水渍。")
    assert wechat.locator("#photos img").count() == 1 and loaded(wechat, "#photos img")[0] > 0
    assert_accessible(wechat)
    assert wechat.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    conn = connect(db)
    [(name, width, height)] = conn.execute("SELECT p.name, p.width, p.height FROM photos p JOIN reports r "
                                           "ON r.id = p.report_id WHERE r.ref = ?", (ref,)).fetchall()
    conn.close()
    assert (width, height) == (1600, 1067)

    # a stranger's browser: sent to the sign-in page, no photo
    anonymous = desk.request.get(f"{base}/forms/steward/photos/{name}", max_redirects=0)
    assert anonymous.status == 302 and anonymous.headers["content-type"].startswith("text/html")

    steward_sign_in(desk, base, path=f"/forms/steward/reports/{ref}")
    assert desk.locator("#reference").inner_text().replace(" ", "") == ref  # shown in groups of four
    assert desk.locator(".case-photos img").count() == 1 and loaded(desk, ".case-photos img")[0] > 0
    assert_accessible(desk)
    full = desk.request.get(base + desk.locator(".case-photos a").get_attribute("href"))
    assert full.status == 200 and full.headers["cache-control"] == "no-store, private"
    image = Image.open(io.BytesIO(full.body()))
    assert image.size == (1600, 1067) and dict(image.getexif()) == {}


def test_without_javascript_the_original_photo_is_sent_and_scaled_on_the_server(server, wechat_without_js):
    base, db = server
    page = wechat_without_js
    page.goto(f"{base}/forms/report?compound=yanji5")
    page.locator("#photos").set_input_files([{"name": "IMG_2042.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()},
                                             {"name": "shot.png", "mimeType": "image/png", "buffer": samples.png_transparent()}])
    ref = fill_report(page, category="电梯运行", description="电梯门关不上，停在三楼。")
    conn = connect(db)
    sizes = conn.execute("SELECT p.width, p.height FROM photos p JOIN reports r ON r.id = p.report_id "
                         "WHERE r.ref = ? ORDER BY p.id", (ref,)).fetchall()
    conn.close()
    assert [tuple(s) for s in sizes] == [(1600, 1067), (200, 100)]


def test_a_refused_photo_keeps_what_was_typed_and_asks_for_it_again(server, wechat):
    base, _ = server
    wechat.goto(f"{base}/forms/report?compound=yanji2")
    wechat.locator("#photos").set_input_files([{"name": "报告.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.7 not a photo"}])
    wechat.locator("#photos[data-shrunk]").wait_for(state="attached")
    wechat.get_by_label("楼号").fill("12号")
    wechat.get_by_label("漏水/渗水").check()
    wechat.get_by_label("请说说情况").fill("厨房水管在滴水。")
    wechat.get_by_label("怎么称呼您").fill("李师傅")
    wechat.get_by_label("联系电话").fill("139 1111 3333")
    wechat.get_by_label("我已看过隐私说明").check()
    wechat.get_by_role("button", name="提交").click()
    assert "第1张照片打不开" in wechat.locator(".error-summary").inner_text()
    assert wechat.get_by_label("请说说情况").input_value() == "厨房水管在滴水。"
    assert wechat.get_by_label("怎么称呼您").input_value() == "李师傅"
    assert "重新选择照片" in wechat.locator("#photos-error").inner_text()
    assert_accessible(wechat)
