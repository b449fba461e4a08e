"""Hostile photos (issue 18, finding 2): nothing is decoded before the form is valid, a pixel budget per
format from the header, decoding in a child process with limits, 503 when every decode slot is busy."""
from __future__ import annotations

import subprocess

import pytest
from PIL import Image

from forms_app.residents import photo_clean, photo_decode
from tests import photo_samples as samples
from tests.conftest import VALID_REPORT, hidden_fields, text
from tests.residents.test_photos import post_multipart, send_report


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return samples.png_bomb()


@pytest.fixture
def image_work(monkeypatch):
    """Every image opened in this process and every child process started (spies that call through)."""
    seen = []
    real_open, real_popen_init = Image.open, subprocess.Popen.__init__

    def spy_open(*args, **kwargs):
        seen.append("open")
        return real_open(*args, **kwargs)

    def spy_popen(self, *args, **kwargs):
        seen.append("child")
        return real_popen_init(self, *args, **kwargs)

    monkeypatch.setattr(Image, "open", spy_open)
    monkeypatch.setattr(subprocess.Popen, "__init__", spy_popen)
    return seen


def test_no_token_no_cookie_no_image_work(app, bomb, image_work):
    response = post_multipart(app.test_client(), "/forms/report", dict(VALID_REPORT), [(bomb, "bomb.png")])
    assert response.status_code == 413  # no cookie: the 64 KB limit stays
    assert image_work == []


def test_a_cookie_but_no_token_no_image_work(forms, bomb, image_work):
    forms.client.get("/forms/report")
    response = post_multipart(forms.client, "/forms/report", dict(VALID_REPORT), [(bomb, "bomb.png")])
    assert response.status_code == 400
    assert image_work == []


def test_another_wrong_field_means_no_image_work(forms, bomb, image_work):
    response = send_report(forms, [(bomb, "bomb.png")], phone="123")
    assert response.status_code == 400 and "重新选择照片" in text(response)
    assert image_work == []


@pytest.mark.parametrize("make, name", [(samples.png_bomb, "bomb.png"),
                                        (lambda: samples.progressive_jpeg_claiming(8000, 8000), "big.jpg"),
                                        (lambda: samples.png_claiming(5000, 5000), "claims.png")],
                         ids=["png-64mp-rgba", "progressive-jpeg-64mp", "png-25mp"])
def test_pixel_budget_per_format_refuses_from_the_header(app, forms, db, make, name):
    response = send_report(forms, [samples.jpeg(), (make(), name)])
    body = text(response)
    assert response.status_code == 400 and "第2张照片" in body and "像素太多" in body
    assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0


def test_a_baseline_jpeg_at_64_mp_is_still_within_budget():
    image = Image.open(__import__("io").BytesIO(samples.jpeg_claiming(8000, 8000)))
    assert photo_decode.over_budget(image) is False
    image = Image.open(__import__("io").BytesIO(samples.progressive_jpeg_claiming(8000, 8000)))
    assert photo_decode.over_budget(image) is True


def test_decoding_runs_in_a_child_process(forms, image_work):
    assert send_report(forms, [samples.jpeg(), samples.webp()]).status_code == 303
    assert image_work.count("child") == 1 and "open" not in image_work


def test_a_child_over_its_memory_limit_refuses_the_photo_not_the_worker(app_config, db):
    from forms_app import create_app
    from tests.conftest import Forms
    app = create_app({**app_config, "PHOTO_DECODE_MEMORY_MB": 1})
    response = send_report(Forms(app.test_client()), [samples.jpeg(samples.noise(2000, 1500))])
    assert response.status_code == 400 and "第1张照片" in text(response) and "处理不了" in text(response)


def test_busy_decode_slots_answer_503_at_once(app, forms):
    page = forms.client.get("/forms/report")
    with app.app_context():
        held = [photo_clean.decode_slot() for _ in range(app.config["PHOTO_DECODE_SLOTS"])]
        for slot in held:
            slot.__enter__()
        try:
            response = post_multipart(forms.client, "/forms/report", {**hidden_fields(text(page)), **VALID_REPORT},
                                      [samples.jpeg()])
        finally:
            for slot in held:
                slot.__exit__(None, None, None)
    assert response.status_code == 503 and "现在人多，请过一会儿再试" in text(response)
    assert send_report(forms, [samples.jpeg()]).status_code == 303  # free again


def test_without_a_session_cookie_a_photo_sized_body_is_refused_before_parsing(app, forms):
    """No cookie means no CSRF token can match: such a request keeps the 64 KB body limit (413)."""
    big = samples.jpeg(samples.noise(1200, 900))
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    anonymous = post_multipart(app.test_client(), "/forms/report", dict(VALID_REPORT), [big])
    assert anonymous.status_code == 413
    assert send_report(forms, [big]).status_code == 303  # a browser that opened the form first


@pytest.mark.slow
def test_eight_parallel_heavy_uploads_get_503s_and_the_site_keeps_answering(tmp_path):
    """The review's eight parallel photo posts against gunicorn (2 × 4 threads): with one decode slot the
    others are told "现在人多" at once instead of holding every thread, and /healthz still answers."""
    import re
    import threading

    import requests

    from tests.server import gunicorn

    heavy = samples.png_bomb(3000, 3000)  # inside the budget: really decoded, a second or so each
    with gunicorn({"DATABASE": str(tmp_path / "store.sqlite3"), "RATELIMIT_ENABLED": "0", "PHOTO_DECODE_SLOTS": "1"}) as base:
        sessions = []
        for _ in range(8):
            session = requests.Session()
            page = session.get(base + "/forms/report", timeout=30).text
            sessions.append((session, dict(re.findall(r'name="(csrf_token|submission_id)"[^>]*value="([^"]*)"', page))))
        answers, health = [], []

        def post(session, hidden):
            answer = session.post(base + "/forms/report", data={**VALID_REPORT, **hidden},
                                  files=[("photos", ("big.png", heavy, "image/png"))], timeout=120, allow_redirects=False)
            answers.append((answer.status_code, answer.text))

        threads = [threading.Thread(target=post, args=pair) for pair in sessions]
        for thread in threads:
            thread.start()
        health.append(requests.get(base + "/healthz", timeout=30).status_code)
        for thread in threads:
            thread.join()
    codes = sorted(code for code, _ in answers)
    assert len(codes) == 8 and set(codes) <= {303, 503} and 303 in codes and 503 in codes, codes
    assert all("现在人多，请过一会儿再试" in body for code, body in answers if code == 503)
    assert health == [200]
