"""The shipped nginx configuration (deploy/nginx.conf), run by Debian's nginx in front of a test gunicorn
(issue 18, findings 8–10): 413 and 414 pages, security headers, the photo routes, what the access log keeps,
and the optional address allow-list for the stewards' pages.

Only the lines marked "test: replaced" change (addresses, certificate, paths); everything else is the file
an operator installs. scripts/test installs nginx when it is missing.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests import REPO_ROOT
from tests.server import gunicorn, listening_socket, stop_process

ROOT = REPO_ROOT
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SHIPPED = ROOT / "deploy/nginx.conf"


def site_conf(tmp: Path, port: int, upstream: str, allow_list: bool = False) -> str:
    """deploy/nginx.conf with the marked lines pointed at this test's addresses and files."""
    text = SHIPPED.read_text(encoding="utf-8")
    swaps = {
        "server 127.0.0.1:8001;": f"server {upstream};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{port} ssl http2;",
        "/etc/letsencrypt/live/yanji.example.cn/fullchain.pem": str(tmp / "cert.pem"),
        "/etc/letsencrypt/live/yanji.example.cn/privkey.pem": str(tmp / "key.pem"),
        "root /srv/yanji/site;": f"root {tmp / 'site'};",
        "/var/log/nginx/yanji.access.log": str(tmp / "access.log"),
        "root /srv/yanji/deploy/errors;": f"root {ROOT / 'deploy/errors'};",
    }
    for old, new in swaps.items():
        assert text.count(old) == 1, f"deploy/nginx.conf no longer has {old!r}: update this test"
        text = text.replace(old, new)
    text = re.sub(r"^server \{ listen 80;.*$", "", text, flags=re.M)
    if allow_list:
        text = text.replace("#ALLOWLIST ", "")
    return text


def start_nginx(tmp: Path, upstream: str, allow_list: bool = False) -> tuple[subprocess.Popen, int]:
    """nginx on a port of its own; (process, port).

    The listening socket is made here and handed over as nginx hands its sockets to a new binary
    (NGINX="fd;"): no parallel test can take the port between choosing it and nginx listening on it."""
    tmp.mkdir(parents=True, exist_ok=True)
    listener = listening_socket()
    port = listener.getsockname()[1]
    (tmp / "yanji.conf").write_text(site_conf(tmp, port, upstream, allow_list), encoding="utf-8")
    user = "user root;" if os.geteuid() == 0 else ""  # as root, workers would switch to nobody, who cannot read tmp
    temps = " ".join(f"{kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(
        f"{user} daemon off; worker_processes 1; pid {tmp / 'nginx.pid'}; error_log {tmp / 'error.log'};\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{ include /etc/nginx/mime.types; default_type application/octet-stream; access_log off; {temps}\n"
        f"  include {tmp / 'yanji.conf'}; }}\n", encoding="utf-8")
    checked = subprocess.run([NGINX, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    try:
        proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")], pass_fds=(listener.fileno(),),
                                env={**os.environ, "NGINX": f"{listener.fileno()};"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        listener.close()  # nginx holds its own copy
    # The socket takes connections into its backlog from the start: up means nginx finishes a TLS handshake.
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as raw, tls.wrap_socket(raw):
                return proc, port
        except OSError:
            time.sleep(0.05)
    stop(proc)
    raise RuntimeError((tmp / "error.log").read_text())


stop = stop_process


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    """nginx (HTTPS, HTTP/2) with the shipped configuration in front of gunicorn; yields (base URL, tmp dir)."""
    if not os.path.exists(NGINX):
        pytest.fail("nginx is not installed: scripts/test installs it (Debian package nginx)")
    tmp = tmp_path_factory.mktemp("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem"), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    (tmp / "site").mkdir()
    (tmp / "site/index.html").write_text("<!doctype html><title>首页</title><p>延吉</p>", encoding="utf-8")
    (tmp / "site/404.html").write_text("<!doctype html><title>没有找到</title>", encoding="utf-8")
    with gunicorn({"DATABASE": str(tmp / "store.sqlite3"), "RATELIMIT_ENABLED": "0"}, workers=1, threads=2) as app_url:
        proc, port = start_nginx(tmp, app_url.removeprefix("http://"))
        try:
            yield f"https://localhost:{port}", tmp
        finally:
            stop(proc)


def curl(url: str, *args: str, http2: bool = False) -> tuple[int, dict, str]:
    """(status, headers with lower-case names, body) from curl (HTTP/1.1 unless http2)."""
    out = subprocess.run(["curl", "-sk", "--max-time", "30", "--http2" if http2 else "--http1.1", "-D", "-", *args, url],
                         capture_output=True, timeout=60)
    raw = out.stdout.decode("utf-8", "replace")
    head, _, body = raw.partition("\r\n\r\n")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


SECURITY = ("strict-transport-security", "x-content-type-options", "referrer-policy", "content-security-policy")


@pytest.mark.parametrize("length", [5000, 9000])
@pytest.mark.parametrize("http2", [False, True], ids=["http1.1", "http2"])
def test_a_long_request_line_gets_the_static_chinese_414(edge, http2, length):
    """Over 8 KB nginx's own limit; from 4,000 bytes, before gunicorn's (4094) answers in English."""
    base, tmp = edge
    status, headers, body = curl(base + "/forms/status?ref=" + "2" * length, http2=http2)
    assert status == 414 and "地址太长了" in body and "回到首页" in body
    assert headers["content-type"].startswith("text/html")
    assert all(name in headers for name in SECURITY)
    assert "empty URI" not in (tmp / "error.log").read_text()


def test_bodies_over_the_limits_get_the_chinese_413(edge):
    base, tmp = edge
    (tmp / "100k").write_bytes(b"x" * 100_000)
    status, headers, body = curl(base + "/forms/status", "--data-binary", f"@{tmp / '100k'}")
    assert status == 413 and "内容太多了" in body and all(name in headers for name in SECURITY)
    with open(tmp / "32m", "wb") as big:
        big.truncate(32 * 1024 * 1024)
    form = ["-H", "Content-Type: multipart/form-data; boundary=x"]
    status, _, body = curl(base + "/forms/report", *form, "--data-binary", f"@{tmp / '32m'}")
    assert status == 413 and "内容太多了" in body


def test_the_photo_routes_take_a_few_megabytes(edge):
    base, tmp = edge
    (tmp / "2m").write_bytes(b"--x\r\n" + b"y" * 2_000_000 + b"\r\n--x--\r\n")
    form = ["-H", "Content-Type: multipart/form-data; boundary=x"]
    for path in ("/forms/report", "/forms/status/followup", "/forms/steward/reports/new"):
        status, _, body = curl(base + path, *form, "--data-binary", f"@{tmp / '2m'}")
        assert status not in (413, 502, 500), (path, status)   # through nginx: the app answers (no token: 400, …)
    status, _, _ = curl(base + "/forms/status", *form, "--data-binary", f"@{tmp / '2m'}")
    assert status == 413  # every other route keeps 64 KB


@pytest.mark.parametrize("path", ["/", "/forms/report", "/healthz", "/no-such-page"])
def test_security_headers_everywhere(edge, path):
    status, headers, _ = curl(edge[0] + path)
    assert status in (200, 404)
    assert all(name in headers for name in SECURITY), headers
    assert headers["strict-transport-security"].startswith("max-age=")


def test_the_access_log_keeps_no_query_string_and_no_photo_address(edge):
    base, tmp = edge
    curl(base + "/forms/steward?f=1&q=13912345678")
    curl(base + "/forms/status?ref=26041937")
    curl(base + "/forms/steward/photos/AbCdEfGhIjKlMnOpQrStUvWx.jpg?size=thumb")
    curl(base + "/forms/report/done/26041937/photos/AbCdEfGhIjKlMnOpQrStUvWx.jpg")
    curl(base + "/healthz")  # nginx logs as each request ends: once this last one is in, every earlier one is
    deadline = time.monotonic() + 10
    while '"GET /healthz HTTP/1.1"' not in (log := (tmp / "access.log").read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert '"GET /forms/steward HTTP/1.1"' in log and '"GET /forms/status HTTP/1.1" 200' in log
    for secret in ("13912345678", "26041937", "AbCdEfGh", "?"):
        assert secret not in log


def test_the_commented_allow_list_keeps_other_addresses_off_the_steward_pages(edge, tmp_path):
    base, tmp = edge
    upstream = re.search(r"server (127\.0\.0\.1:\d+);", (tmp / "yanji.conf").read_text()).group(1)
    for name in ("cert.pem", "key.pem"):
        shutil.copy(tmp / name, tmp_path / name)
    shutil.copytree(tmp / "site", tmp_path / "site")
    proc, port = start_nginx(tmp_path, upstream, allow_list=True)  # lists 203.0.113.10 and 198.51.100.0/24 only
    try:
        other = f"https://localhost:{port}"
        assert curl(other + "/forms/steward")[0] == 403
        assert curl(other + "/forms/steward/login")[0] == 403
        assert curl(other + "/forms/steward/photos/AbCdEfGhIjKlMnOpQrStUvWx.jpg")[0] == 403
        assert curl(other + "/forms/report")[0] == 200 and curl(other + "/")[0] == 200
    finally:
        stop(proc)
