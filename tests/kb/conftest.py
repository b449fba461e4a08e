"""Knowledge-base fixtures: the site built once with `mkdocs build --strict`, served on 127.0.0.1."""
from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import WECHAT, WECHAT_UA  # noqa: F401  (the kb browser tests import them from here)

ROOT = Path(__file__).resolve().parents[2]


def mkdocs_build(site_dir: Path, **env) -> subprocess.CompletedProcess:
    """Run the real `mkdocs build --strict` into site_dir; env adds variables (DIRECTORY_FILE)."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
    )


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, no access log on stderr."""

    def log_message(self, *args):
        """Keep test output clean."""


@dataclass
class Site:
    path: Path      # the built site directory
    base: str       # http://127.0.0.1:<port>/
    log: str        # mkdocs' output

    def read(self, rel: str) -> str:
        """A built file's text, e.g. site.read('compounds/yanji2/index.html')."""
        return (self.path / rel).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def kb_site(tmp_path_factory):
    """The knowledge base built once for the session and served by a local http.server thread."""
    site_dir = tmp_path_factory.mktemp("kb") / "site"
    result = mkdocs_build(site_dir)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(site_dir, f"http://127.0.0.1:{server.server_address[1]}/", log)
    server.shutdown()
    server.server_close()


# WeChat's in-app browser on an Android phone, 375×667, with the text at 125 %.
# WeChat's 字体大小 setting scales text, not layout: make the root font 25 % larger than the page sets it.
TEXT_125 = """document.addEventListener('DOMContentLoaded', () => {
  const root = document.documentElement;
  root.style.fontSize = (parseFloat(getComputedStyle(root).fontSize) * 1.25) + 'px';
});"""


@pytest.fixture
def wechat_page(browser):
    """A WeChat-like phone page at 375×667 with 125 % text; closed after the test."""
    context = browser.new_context(**WECHAT)
    context.add_init_script(TEXT_125)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def wechat_page_no_js(browser):
    """The same, with JavaScript off."""
    context = browser.new_context(**WECHAT, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()
