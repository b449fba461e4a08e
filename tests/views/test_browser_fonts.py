"""The browser tests see real Chinese text: Noto Sans CJK (Debian's fonts-noto-cjk, as on Android phones).

Without a Chinese font Chromium draws every character as the same box (tofu), of another width than a
real glyph, and every layout assertion in the browser tests would measure the wrong page. These tests
fail on such a machine instead of letting it pass silently; `scripts/test` installs the font."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser import WECHAT
from tests import REPO_ROOT

pytestmark = pytest.mark.browser

ROOT = REPO_ROOT
SAMPLE = "延吉社区大管家"
# Draw one character on a canvas in the page's own font and return its pixels as a string.
GLYPH = """([text, font]) => {
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const g = c.getContext('2d'); g.font = font; g.fillStyle = '#000'; g.textBaseline = 'top';
  g.fillText(text, 4, 4);
  return Array.from(g.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)).join(',');
}"""


def test_fontconfig_knows_a_noto_cjk_font_for_chinese():
    assert shutil.which("fc-list"), "fontconfig is missing: scripts/test installs fonts-noto-cjk"
    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True).stdout
    assert "Noto Sans CJK SC" in families, "没有中文字体：scripts/test 会安装 Debian 的 fonts-noto-cjk"


@pytest.fixture
def wechat(browser):
    context = browser.new_context(**WECHAT)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("css", ["forms_app/static/forms.css", "docs/stylesheets/yanji.css"])
def test_chinese_is_drawn_in_noto_sans_cjk_with_the_pages_own_fonts(wechat, css):
    """Chromium itself reports which installed font drew the text, for the forms' and the site's font lists."""
    wechat.set_content(f'<html lang="zh-CN"><body class="md-typeset"><h1 id="t">{SAMPLE}</h1></body></html>')
    wechat.add_style_tag(content=(ROOT / css).read_text(encoding="utf-8"))
    cdp = wechat.context.new_cdp_session(wechat)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#t"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert [f["familyName"] for f in fonts if f["glyphCount"]][:1] == ["Noto Sans CJK SC"], fonts


def test_different_characters_are_different_glyphs_not_boxes(wechat):
    """With no Chinese font, 延 and 吉 come out as the same box as a character no font has."""
    wechat.set_content('<html lang="zh-CN"><body></body></html>')
    font = '40px "Noto Sans CJK SC", sans-serif'
    yan, ji, none = (wechat.evaluate(GLYPH, [ch, font]) for ch in ("延", "吉", "\U0010fffd"))
    assert yan != ji
    assert yan != none and ji != none
    width = wechat.evaluate("([t, f]) => { const g = document.createElement('canvas').getContext('2d');"
                            " g.font = f; return g.measureText(t).width; }", [SAMPLE, font])
    assert width == pytest.approx(40 * len(SAMPLE), rel=0.02)   # CJK glyphs are one em wide
