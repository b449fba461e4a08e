"""Photos with a report: checked, re-encoded without any metadata, kept privately, shown to stewards.

Every upload is decoded and **re-encoded** with Pillow (HEIC through pillow-heif) to a JPEG of at most
1600 px on the long side, turned upright (EXIF orientation applied), flattened onto white, converted
to sRGB, and written without EXIF, GPS, XMP, ICC, comments or maker notes: nothing the phone wrote
survives. Refused, with a Chinese message naming the photo ("第2张照片…"): more than 3 photos, a photo
over PHOTO_MAX_BYTES, anything that is not a JPEG/PNG/WebP/HEIC image (a PDF or script renamed .jpg,
an SVG), an image carrying a document, script or archive as well (a polyglot), more than its format's
budget (read from the header, before decoding: decompression bombs; photo_decode.over_budget), and
truncated or damaged files. JPEGs are decoded in draft mode (the decoder scales by 1/2, 1/4 or 1/8 itself).

Hostile uploads (issue 18): nothing is decoded until the CSRF token and every other field passed
(``PhotosMixin.validate``; the field checks only number and byte sizes); decoding runs in a child process
(``photo_decode.py``) with memory and CPU limits, at most PHOTO_DECODE_SLOTS at once across all workers
(lock files next to the store), and a request finding them all busy gets a 503 at once, never a queue.

Files live in PHOTOS_DIR (default: `photos` next to the DATABASE file; never under site/ or static/)
under random names (`<24 random URL-safe characters>.jpg`); a file is served only when a row of the
`photos` table names it, only to signed-in stewards (/forms/steward/photos/<name>) and, as a
thumbnail, to the browser that sent the report (its confirmation page). Names never go into logs.

API — what forms and views call
-------------------------------
``PhotosMixin``
    Mix into a FlaskForm (``class MyForm(PhotosMixin, FlaskForm)``) to get a ``photos`` field: a
    ``PhotoField`` (WTForms MultipleFileField, up to 3, rendered with ``accept="image/*" multiple``).
    A form that declares its own ``PhotoField`` must still mix this in: its ``validate`` decodes the
    photos once every other field passed (a bare PhotoField only checks number and sizes). Afterwards ``form.photos.prepared`` holds the
    ``Prepared`` photos (empty list when none were chosen) and ``form.photos.chosen`` says whether the
    request carried any (then a re-shown form must say the photos have to be chosen again). The form
    tag needs ``enctype="multipart/form-data"``; ``{% from "_photos_field.html" import photo_field %}``
    ``{{ photo_field(form.photos) }}`` renders label, hint, error and that note.
``prepare(files) -> list[Prepared]``
    Werkzeug FileStorage objects (empty parts are skipped) → re-encoded photos, in order (``check_uploads``
    then ``decode``). Raises ``PhotoError`` (``.message`` is the Chinese message naming the photo,
    ``.index`` 1-based), or ServiceUnavailable (503) when every decode slot is busy. Needs an app context.
``attach(conn, report_id, prepared, origin) -> list[str]``
    Call INSIDE the report's ``store.transaction`` (origin: ``"report"``, ``"intake"`` or
    ``"followup"``): writes each file to a temporary name, fsyncs, renames it into place and inserts
    its row; if the transaction rolls back the files are removed, so a report and its photos are one
    commit. Queues the 问题登记 照片 cell (a link to the steward page, never a file URL). Returns names.
``for_report(conn, report_id) -> list[Row]``
    The report's photos (id, origin, name, width, height, created_at), oldest first.
``delete_for_report(conn, report_id) -> int``
    Inside a transaction: removes the rows and the files (retention); returns how many.
``accepts_photos``
    Decorator for a route that takes photos: for a multipart POST carrying the session cookie, raises that request's body limit
    to ``route_limit()`` = 3 × PHOTO_MAX_BYTES + MAX_CONTENT_LENGTH + multipart overhead (a typed
    field still stops at Flask's MAX_FORM_MEMORY_SIZE, 500 KB, and at the form's length checks);
    any other request, and every other route, keeps MAX_CONTENT_LENGTH (64 KB).
``path_of(name)``, ``thumbnail(name)``, ``by_name(conn, name)``, ``sheet_cell(directory, ref)``, ``sweep()``
    A stored file's path; a small JPEG of it; its row; the 照片 cell; remove files no row names.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import io
import logging
import os
import re
import secrets
import sqlite3
import struct
import subprocess
import sys
import time
from pathlib import Path

from flask import current_app, request
from flask_wtf.file import MultipleFileField
from PIL import Image
from werkzeug.exceptions import ServiceUnavailable
from wtforms.validators import ValidationError

from forms_app.core import clock, outbox
from forms_app.core.files import fsync
from forms_app.residents.photo_decode import (  # noqa: F401  (the API other code and the tests use)
    AGAIN, FORMATS, LONG_SIDE, MAX_PIXELS, NOT_IMAGE, POLYGLOT, QUALITY, TOO_COSTLY, TOO_MANY_PIXELS, TRUNCATED,
    PhotoError, Prepared, carries_more, over_budget, reencode, structure)

log = logging.getLogger(__name__)

MAX_PHOTOS = 3
THUMB_SIDE = 320          # px, thumbnails (confirmation page, case page, sign-in sheet)
ORIGINS = ("report", "intake", "followup")
ORIGIN_LABELS = {"report": "居民反映时", "intake": "大管家代录时", "followup": "居民回访时"}
NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.jpg$")
FORM_OVERHEAD = 16 * 1024  # multipart headers of the parts, on top of MAX_CONTENT_LENGTH for the fields
# Refusals (the others are in photo_decode). {n}: the photo's number. Each says the photo has to be chosen again.
TOO_MANY = "最多传 {max} 张照片，您选了 {count} 张。" + AGAIN
TOO_BIG = "第{n}张照片太大了（超过 {mb} MB）。请换一张照片，重新选择。"


# --- checking and re-encoding ---------------------------------------------------------------------

def _size(upload) -> int:
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def check_uploads(files, max_bytes: int | None = None) -> list:
    """The chosen files (FileStorage; empty parts skipped) if their number and byte sizes are allowed; no image work."""
    uploads = [f for f in (files or ()) if f is not None and getattr(f, "filename", None)]
    if len(uploads) > MAX_PHOTOS:
        raise PhotoError(TOO_MANY.format(max=MAX_PHOTOS, count=len(uploads)))
    limit = max_bytes if max_bytes is not None else current_app.config["PHOTO_MAX_BYTES"]
    for n, upload in enumerate(uploads, start=1):
        if _size(upload) > limit:
            raise PhotoError(TOO_BIG.format(n=n, mb=round(limit / 1024 / 1024)), n)
    return uploads


def prepare(files, max_bytes: int | None = None) -> list[Prepared]:
    """Check and re-encode uploads (FileStorage; empty parts skipped) → Prepared, in order; PhotoError on
    refusal, 503 (ServiceUnavailable) when every decode slot is busy. Decodes in a child process."""
    uploads = check_uploads(files, max_bytes)
    return decode([upload.stream.read() for upload in uploads]) if uploads else []


# --- decoding in a child process, a few at a time --------------------------------------------------

DECODER = str(Path(__file__).with_name("photo_decode.py"))


@contextlib.contextmanager
def decode_slot():
    """One of PHOTO_DECODE_SLOTS decode slots, shared by every worker process (a lock file each, next to
    the store); ServiceUnavailable (503, "现在人多") at once when all are taken — never a queue."""
    config = current_app.config
    base = os.path.abspath(config["DATABASE"]) + ".photo-decode-"
    for slot in range(max(1, config["PHOTO_DECODE_SLOTS"])):
        fd = os.open(base + str(slot), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield slot
        finally:
            os.close(fd)  # closing releases the lock
        return
    log.warning("photo decode slots all busy: 503")
    raise ServiceUnavailable()


def decode(photos_data: list[bytes]) -> list[Prepared]:
    """Re-encode photos in one child process (photo_decode.py) with memory and CPU limits; PhotoError naming the
    photo when refused or when the child dies (too big, too slow); 503 when every decode slot is busy."""
    config = current_app.config
    payload = b"".join(struct.pack(">I", len(data)) + data for data in photos_data)
    cpu = max(1, int(config["PHOTO_DECODE_SECONDS"]))
    with decode_slot():
        try:
            child = subprocess.run([sys.executable, "-I", DECODER, str(int(config["PHOTO_DECODE_MEMORY_MB"])), str(cpu)],
                                   input=payload, capture_output=True, timeout=cpu * 2 + 10,
                                   env={"MALLOC_ARENA_MAX": "2", "LC_ALL": "C.UTF-8"}, cwd="/")
            output, died = child.stdout, child.returncode != 0
        except subprocess.TimeoutExpired as exc:
            output, died = exc.stdout or b"", True
    done, at = [], 0
    while at < len(output):
        kind = output[at:at + 1]
        if kind == b"O" and at + 13 <= len(output):
            width, height, size = struct.unpack(">III", output[at + 1:at + 13])
            if at + 13 + size > len(output):
                break
            done.append(Prepared(output[at + 13:at + 13 + size], width, height))
            at += 13 + size
        elif kind == b"E" and at + 5 <= len(output):
            size = struct.unpack(">I", output[at + 1:at + 5])[0]
            raise PhotoError(output[at + 5:at + 5 + size].decode("utf-8", "replace"), len(done) + 1)
        else:
            break
    if len(done) < len(photos_data):
        n = len(done) + 1
        log.warning("photo decoder stopped at photo %d (%s)", n, "killed" if died else "no answer")
        raise PhotoError(TOO_COSTLY.format(n=n), n)
    return done


# --- the form field -------------------------------------------------------------------------------

class Photos:
    """WTForms validator: the number and byte sizes only (no image work); the form decodes once it is valid."""

    def __call__(self, form, field):
        field.prepared, field.uploads = [], []
        try:
            field.uploads = check_uploads(field.data or [])
        except PhotoError as exc:
            raise ValidationError(exc.message) from None


class PhotoField(MultipleFileField):
    """Up to 3 photos; `<input type="file" accept="image/*" multiple>` so WeChat offers the camera."""

    prepared: list[Prepared]

    def __init__(self, label="照片（可不传，最多 3 张）", validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"accept": "image/*", "data-photos": str(MAX_PHOTOS)})
        super().__init__(label, validators=[Photos(), *(validators or [])], **kwargs)
        self.prepared = []

    @property
    def chosen(self) -> bool:
        """Whether this request carried photos (a re-shown form must ask for them again)."""
        return bool(self.data)


class PhotosMixin:
    """Adds `photos` to a FlaskForm, and decodes them only once the CSRF token and every other field passed.

    A photo costs a child process and up to a second of CPU; a request with no token, no cookie or a wrong
    phone number must cost nothing of that (issue 18: a photo bomb before the CSRF check)."""

    photos = PhotoField()  # a form may declare its own (label, field order); this validate() is what matters

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        field = self.photos
        field.prepared = []
        if not valid or not getattr(field, "uploads", None):
            return valid
        try:
            field.prepared = decode([upload.stream.read() for upload in field.uploads])
        except PhotoError as exc:
            field.errors = [*field.errors, exc.message]
            self._errors = None  # Form.errors is cached: let it see this one
            return False
        return True


# --- body limit for the routes that take photos -----------------------------------------------------

def route_limit(config=None) -> int:
    """What a photo route accepts: 3 photos at the limit, plus the form's own fields and the part headers."""
    config = config or current_app.config
    return MAX_PHOTOS * config["PHOTO_MAX_BYTES"] + config["MAX_CONTENT_LENGTH"] + FORM_OVERHEAD


def accepts_photos(view):
    """Route decorator: this request may carry photos (every other route keeps MAX_CONTENT_LENGTH)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        # Only for a browser that opened a form here: without the session cookie no CSRF token can match,
        # so a photo-sized body from it is refused (413) before anything is parsed.
        if request.method == "POST" and request.mimetype == "multipart/form-data" \
                and request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]):
            request.max_content_length = route_limit()  # typed fields: Flask's MAX_FORM_MEMORY_SIZE and the form's limits
        return view(*args, **kwargs)
    return wrapper


# --- storage --------------------------------------------------------------------------------------

def folder() -> Path:
    """PHOTOS_DIR, created (owner-only) if missing."""
    path = Path(current_app.config["PHOTOS_DIR"])
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def path_of(name: str) -> Path | None:
    """The file of a stored name (None for anything that is not one of our names)."""
    return folder() / name if NAME.match(name or "") else None


def _write(directory: Path, data: bytes) -> tuple[Path, Path]:
    """Write to a temporary name, fsync; (temporary, final) paths."""
    name = secrets.token_urlsafe(18) + ".jpg"
    final, temp = directory / name, directory / f".tmp-{name}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return temp, final


def attach(conn: sqlite3.Connection, report_id: int, prepared, origin: str,
           directory_data=None, ref: str | None = None) -> list[str]:
    """Inside the report's transaction: files into place, rows inserted, 照片 cell queued; undone on rollback."""
    if origin not in ORIGINS:
        raise ValueError(f"unknown photo origin {origin!r}")
    prepared = list(prepared or ())
    if not prepared:
        return []
    undo = getattr(conn, "on_rollback", None)
    if undo is None:
        raise RuntimeError("photos.attach must run inside store.transaction(conn)")
    directory, now, names = folder(), clock.iso(clock.now()), []
    written: list[Path] = []
    undo.append(lambda: [p.unlink(missing_ok=True) for p in written])
    for photo in prepared:
        temp, final = _write(directory, photo.data)
        written.append(temp)
        os.replace(temp, final)
        written[-1] = final
        conn.execute("INSERT INTO photos (report_id, origin, name, width, height, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                     (report_id, origin, final.name, photo.width, photo.height, now))
        names.append(final.name)
    fsync(directory)
    if ref is None:
        ref = conn.execute("SELECT ref FROM reports WHERE id = ?", (report_id,)).fetchone()[0]
    outbox.enqueue(conn, "report_update", report_id, {"照片": sheet_cell(directory_data or _directory(), ref)})
    log.info("report %s: %d photo(s) stored (%s)", ref, len(names), origin)
    return names


def _directory():
    return current_app.extensions["directory"]


def sheet_cell(directory, ref: str) -> str:
    """The 问题登记 照片 cell: the stewards' page of the report (absolute; it needs a steward sign-in)."""
    return f"{str(directory.street.get('site_url') or '').rstrip('/')}/forms/steward/reports/{ref}#photos"


def for_report(conn: sqlite3.Connection, report_id: int) -> list[sqlite3.Row]:
    """A report's photos, oldest first."""
    return conn.execute("SELECT id, report_id, origin, name, width, height, created_at FROM photos "
                        "WHERE report_id = ? ORDER BY id", (report_id,)).fetchall()


def for_reports(conn: sqlite3.Connection, report_ids) -> dict[int, list[sqlite3.Row]]:
    """Photos of several reports: report id → its photos (the sign-in sheet)."""
    ids = sorted(set(report_ids))
    found: dict[int, list] = {i: [] for i in ids}
    if ids:
        rows = conn.execute(f"SELECT * FROM photos WHERE report_id IN ({','.join('?' * len(ids))}) ORDER BY id", ids)
        for row in rows:
            found[row["report_id"]].append(row)
    return found


def by_name(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """The row of a stored name, if any."""
    if not NAME.match(name or ""):
        return None
    return conn.execute("SELECT * FROM photos WHERE name = ?", (name,)).fetchone()


def delete_for_report(conn: sqlite3.Connection, report_id: int) -> int:
    """Inside a transaction: remove a report's photo rows and files (retention); how many."""
    rows = for_report(conn, report_id)
    conn.execute("DELETE FROM photos WHERE report_id = ?", (report_id,))
    for row in rows:
        path = path_of(row["name"])
        if path is not None:
            path.unlink(missing_ok=True)
    return len(rows)


def sweep(conn: sqlite3.Connection, older_than: float = 3600.0) -> int:
    """Remove files no row names (a crash between writing and committing), older than an hour; how many."""
    directory, cutoff, removed = folder(), time.time() - older_than, 0
    known = {row[0] for row in conn.execute("SELECT name FROM photos")}
    for path in directory.iterdir():
        if path.is_file() and path.name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def thumbnail(name: str, side: int = THUMB_SIDE) -> bytes | None:
    """A small JPEG of a stored photo (decoded in draft mode), or None when the file is gone."""
    path = path_of(name)
    if path is None or not path.is_file():
        return None
    with Image.open(path, formats=("JPEG",)) as image:
        image.draft("RGB", (side, side))
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=75)
    return out.getvalue()


# --- keeping the names out of the logs -----------------------------------------------------------

_IN_URL = re.compile(r"(photos(?:/|%2F))[A-Za-z0-9_-]{24}\.jpg", re.I)


class HideNames(logging.Filter):
    """Replace photo names in log lines (e.g. the development server's request lines) with '…'."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _IN_URL.search(message):
            record.msg, record.args = _IN_URL.sub(r"\1…", message), None
        return True


def init_app(app) -> None:
    """Keep photo names out of the request logs (werkzeug's; gunicorn writes no access log unless asked)."""
    requests_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, HideNames) for f in requests_log.filters):
        requests_log.addFilter(HideNames())
