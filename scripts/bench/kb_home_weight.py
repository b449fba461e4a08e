"""Benchmark: what the home page costs a resident's phone on first load, gzip-compressed.

Builds the knowledge base, serves it from a local http.server that logs every request, opens
the home page in Chromium (phone-sized, cold cache) and counts every response at its gzip size
(level 6, as nginx would send it). Target: 100 KB.

The search index and lunr's language scripts load only when the resident opens search
(overrides/main.html). The baseline, measured in the same run, is a second cold load that opens
search at once: what every first load cost before.

Usage: .venv/bin/python scripts/bench/kb_home_weight.py [--site-dir DIR]
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, PHONE  # noqa: E402

TARGET_KB = 100


class LoggingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site and records each path it was asked for."""

    served: list[str] = []

    def do_GET(self):  # noqa: N802
        """Record, then serve as usual."""
        self.served.append(unquote(urlsplit(self.path).path))
        super().do_GET()

    def log_message(self, *args):
        """No access log."""


def build(site_dir: Path) -> None:
    """The real strict build."""
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site_dir)],
                   cwd=ROOT, check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def file_for(site_dir: Path, path: str) -> Path:
    """The file a URL path is served from (directory URLs serve index.html)."""
    target = site_dir / path.lstrip("/")
    return target / "index.html" if target.is_dir() else target


def load_home(base: str, open_search: bool = False) -> list[str]:
    """Open the home page in a fresh phone-sized Chromium (and open search); return every URL requested."""
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(**PHONE)
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        page.goto(base, wait_until="networkidle")
        page.wait_for_timeout(500)
        if open_search:
            page.locator("label.md-header__button[for=__search]").click()
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
        browser.close()
    return requested


def weigh(site_dir: Path, served: list[str]) -> list[tuple[str, int, int]]:
    """(path, raw bytes, gzip bytes) for every path served."""
    rows = []
    for path in served:
        body = file_for(site_dir, path).read_bytes()
        rows.append((path, len(body), len(gzip.compress(body, compresslevel=6))))
    return rows


def main() -> int:
    """Build, serve, load (plain, then with search opened), measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-dir", type=Path, help="measure an existing build instead of building")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site_dir = args.site_dir or Path(tmp) / "site"
        if not args.site_dir:
            build(site_dir)
        handler = functools.partial(LoggingHandler, directory=str(site_dir))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        requested = load_home(base)
        rows = weigh(site_dir, LoggingHandler.served)
        LoggingHandler.served = []
        requested += load_home(base, open_search=True)
        baseline_rows = weigh(site_dir, LoggingHandler.served)
        server.shutdown()
        index = (site_dir / "search" / "search_index.json").read_bytes()

    elsewhere = [u for u in requested if not u.startswith(base) and not u.startswith(("data:", "blob:"))]
    total = sum(z for _, _, z in rows)
    baseline = sum(z for _, _, z in baseline_rows)
    print(f"Home page first load: {len(rows)} requests, all to 127.0.0.1" if not elsewhere
          else f"REQUESTS TO OTHER HOSTS: {elsewhere}")
    print(f"{'gzip KB':>9} {'raw KB':>9}  path")
    for path, raw, zipped in sorted(rows, key=lambda r: -r[2]):
        print(f"{zipped / 1024:9.1f} {raw / 1024:9.1f}  {path}")
    print(f"{total / 1024:9.1f} {sum(r for _, r, _ in rows) / 1024:9.1f}  TOTAL "
          f"(target ≤ {TARGET_KB} KB gzip: {'OK' if total <= TARGET_KB * 1024 else 'OVER'})")
    print(f"Baseline, search opened at once (the index loaded on every first load before): "
          f"{baseline / 1024:.1f} KB gzip in {len(baseline_rows)} requests; ratio {total / baseline:.2f}")
    print(f"Search index: {len(index) / 1024:.1f} KB raw, {len(gzip.compress(index, 6)) / 1024:.1f} KB gzip")
    return 0 if total <= TARGET_KB * 1024 and not elsewhere else 1


if __name__ == "__main__":
    sys.exit(main())
