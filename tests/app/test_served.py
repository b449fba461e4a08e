"""Through a real gunicorn: a chunked body over the cap, and the application's log lines kept."""
import re

import pytest
import requests

from tests.conftest import VALID_REPORT, hidden_fields
from tests.server import gunicorn


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("served")
    log = tmp / "server.log"
    env = {"DATABASE": str(tmp / "store.sqlite3"), "RATELIMIT_ENABLED": "0", "MAX_CONTENT_LENGTH": "4096"}
    with gunicorn(env, workers=1, threads=2, log_file=log) as base:
        yield base, log


def chunks(body: bytes, size: int = 1000):
    for start in range(0, len(body), size):
        yield body[start:start + size]


def post_chunked(base: str, session: requests.Session, body_fields: dict):
    from urllib.parse import urlencode

    body = urlencode(body_fields).encode()
    return session.post(base + "/forms/report", data=chunks(body), timeout=30, allow_redirects=False,
                        headers={"Content-Type": "application/x-www-form-urlencoded"}), len(body)


def test_a_chunked_body_over_the_cap_is_a_413_and_under_it_is_read_whole(served):
    base, _ = served
    with requests.Session() as s:
        fields = hidden_fields(s.get(base + "/forms/report", timeout=30).text)
        big, size = post_chunked(base, s, {**fields, **VALID_REPORT, "description": "楼上漏水" * 400})
        assert size > 4096 and big.status_code == 413 and "内容太多了" in big.text
        fields = hidden_fields(s.get(base + "/forms/report", timeout=30).text)
        small, _ = post_chunked(base, s, {**fields, **VALID_REPORT})
        assert small.status_code == 303


def test_the_application_log_lines_reach_the_server_log_without_personal_data(served):
    base, log = served
    with requests.Session() as s:
        fields = hidden_fields(s.get(base + "/forms/report", timeout=30).text)
        done = s.post(base + "/forms/report", data={**fields, **VALID_REPORT}, timeout=30)
        ref = re.search(r'id="reference"[^>]*>([^<]+)<', done.text).group(1).replace(" ", "").strip()
    lines = log.read_text(encoding="utf-8")
    assert re.search(rf"INFO forms_app\.views\.report: report {ref} stored", lines), lines[-2000:]
    for secret in ("13812345678", "1234 5678", "王阿姨", "卫生间天花板"):
        assert secret not in lines
