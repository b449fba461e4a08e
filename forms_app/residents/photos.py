"""Photos with a report: checked, re-encoded without any metadata, kept privately, shown to stewards.

Every upload is decoded and **re-encoded** with Pillow (HEIC through pillow-heif) to a JPEG of at most
1600 px on the long side, turned upright (EXIF orientation applied), flattened onto white, converted
to sRGB, and written without EXIF, GPS, XMP, ICC, comments or maker notes: nothing the phone wrote
survives. Refused, with a Chinese message naming the photo ("第2张照片…"): more than 3 photos, a photo
over PHOTO_MAX_BYTES, anything that is not a JPEG/PNG/WebP/HEIC image (a PDF or script renamed .jpg,
an SVG), an image carrying a document, script or archive as well (a polyglot), more than MAX_PIXELS
pixels (read from the header, before decoding: decompression bombs), and truncated or damaged files.
JPEGs are decoded in draft mode (the decoder scales by 1/2, 1/4 or 1/8 itself), so a 48-megapixel
photo never exists at full size in memory; one decode runs at a time per process.

Files live in PHOTOS_DIR (default: `photos` next to the DATABASE file; never under site/ or static/)
under random names (`<24 random URL-safe characters>.jpg`); a file is served only when a row of the
`photos` table names it, only to signed-in stewards (/forms/steward/photos/<name>) and, as a
thumbnail, to the browser that sent the report (its confirmation page). Names never go into logs.

API — what forms and views call
-------------------------------
``PhotosMixin``
    Mix into a FlaskForm (``class MyForm(PhotosMixin, FlaskForm)``) to get a ``photos`` field: a
    ``PhotoField`` (WTForms MultipleFileField, up to 3, rendered with ``accept="image/*" multiple``).
    Validating the form runs ``prepare`` on the files; afterwards ``form.photos.prepared`` holds the
    ``Prepared`` photos (empty list when none were chosen) and ``form.photos.chosen`` says whether the
    request carried any (then a re-shown form must say the photos have to be chosen again). The form
    tag needs ``enctype="multipart/form-data"``; ``{% from "_photos_field.html" import photo_field %}``
    ``{{ photo_field(form.photos) }}`` renders label, hint, error and that note.
``prepare(files) -> list[Prepared]``
    Werkzeug FileStorage objects (empty parts are skipped) → re-encoded photos, in order.
    Raises ``PhotoError`` (``.message`` is the Chinese message naming the photo, ``.index`` 1-based).
    Needs an app context (reads PHOTO_MAX_BYTES).
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
    Decorator for a route that takes photos: for a multipart POST, raises that request's body limit
    to ``route_limit()`` = 3 × PHOTO_MAX_BYTES + MAX_CONTENT_LENGTH + multipart overhead (a typed
    field still stops at Flask's MAX_FORM_MEMORY_SIZE, 500 KB, and at the form's length checks);
    any other request, and every other route, keeps MAX_CONTENT_LENGTH (64 KB).
``path_of(name)``, ``thumbnail(name)``, ``by_name(conn, name)``, ``sheet_cell(directory, ref)``, ``sweep()``
    A stored file's path; a small JPEG of it; its row; the 照片 cell; remove files no row names.
"""
from __future__ import annotations

import functools
import io
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from flask import current_app, request
from flask_wtf.file import MultipleFileField
from PIL import Image, ImageCms, ImageFile, ImageOps
from wtforms.validators import ValidationError

from forms_app.core import clock, outbox
from forms_app.core.files import fsync

pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, never padded with grey

log = logging.getLogger(__name__)

MAX_PHOTOS = 3
LONG_SIDE = 1600          # px, the long side of a stored photo
THUMB_SIDE = 320          # px, thumbnails (confirmation page, case page, sign-in sheet)
QUALITY = 82
MAX_PIXELS = 64_000_000   # from the header, before decoding: 48/50 MP phone photos pass; below Pillow's 89 MP
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
ORIGINS = ("report", "intake", "followup")
ORIGIN_LABELS = {"report": "居民反映时", "intake": "大管家代录时", "followup": "居民回访时"}
NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.jpg$")
FORM_OVERHEAD = 16 * 1024  # multipart headers of the parts, on top of MAX_CONTENT_LENGTH for the fields
# Something that is an image AND a document, page, script or archive (a polyglot). Re-encoding removes any
# such payload anyway; refusing it tells the sender and keeps it off the disk even as a temporary file.
# Only the parts that are not compressed pixels are searched (metadata, comments, anything after the image's
# end): in compressed data such short patterns turn up by chance in about one photo in a few hundred.
_ACTIVE = re.compile(rb"<(?:script|html|svg|iframe|object|embed|body)[\s/>]|<\?php|<!doctype\s+html|javascript:|%PDF-\d", re.I)
_ZIP_END = b"PK\x05\x06"
_DECODE = threading.BoundedSemaphore(1)  # one full decode at a time per process: memory stays bounded
_SRGB = ImageCms.createProfile("sRGB")

# Refusals. {n}: the photo's number. Each says the photo has to be chosen again (a browser never re-fills a file input).
AGAIN = "请重新选择照片。"
TOO_MANY = "最多传 {max} 张照片，您选了 {count} 张。" + AGAIN
TOO_BIG = "第{n}张照片太大了（超过 {mb} MB）。请换一张照片，重新选择。"
NOT_IMAGE = "第{n}张照片打不开：只能传照片（JPG、PNG、WebP、HEIC 格式）。" + AGAIN
TOO_MANY_PIXELS = "第{n}张照片的像素太多（超过 6400 万），无法处理。请换一张照片，重新选择。"
POLYGLOT = "第{n}张照片里夹带了别的内容（文档、网页或压缩包），不能接收。请换一张照片，重新选择。"
TRUNCATED = "第{n}张照片不完整，可能没有传完或已经损坏。" + AGAIN


class PhotoError(ValueError):
    """A refused photo: .message is the Chinese message naming it, .index its number (1-based; 0: all)."""

    def __init__(self, message: str, index: int = 0):
        super().__init__(message)
        self.message, self.index = message, index


@dataclass(frozen=True)
class Prepared:
    """One photo ready to store: a clean JPEG and its size."""

    data: bytes
    width: int
    height: int


# --- checking and re-encoding ---------------------------------------------------------------------

def _size(upload) -> int:
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def prepare(files, max_bytes: int | None = None) -> list[Prepared]:
    """Check and re-encode uploads (FileStorage; empty parts skipped) → Prepared, in order; PhotoError on refusal."""
    uploads = [f for f in (files or ()) if f is not None and getattr(f, "filename", None)]
    if len(uploads) > MAX_PHOTOS:
        raise PhotoError(TOO_MANY.format(max=MAX_PHOTOS, count=len(uploads)))
    limit = max_bytes if max_bytes is not None else current_app.config["PHOTO_MAX_BYTES"]
    out = []
    for n, upload in enumerate(uploads, start=1):
        if _size(upload) > limit:
            raise PhotoError(TOO_BIG.format(n=n, mb=round(limit / 1024 / 1024)), n)
        out.append(reencode(upload.stream.read(), n))
    return out


def reencode(data: bytes, n: int = 1) -> Prepared:
    """One photo's bytes → a clean upright sRGB JPEG of at most LONG_SIDE px; PhotoError(n) when refused."""
    # Pillow's own check runs here too: over 2 × Image.MAX_IMAGE_PIXELS it raises; between 1 and 2 × it only
    # warns (not turned into an error here: warning filters are process-wide, not per thread) and our lower
    # MAX_PIXELS refuses the photo just below.
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(TOO_MANY_PIXELS.format(n=n), n) from None
    except Exception:  # UnidentifiedImageError, or a header the plugin cannot parse
        raise PhotoError(NOT_IMAGE.format(n=n), n) from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS or not width or not height:
            raise PhotoError(TOO_MANY_PIXELS.format(n=n), n)
        if carries_more(data, image.format):
            raise PhotoError(POLYGLOT.format(n=n), n)
        with _DECODE:
            try:
                return _encode(image)
            except PhotoError:
                raise
            except (OSError, SyntaxError, ValueError, EOFError, RuntimeError, zlib.error, IndexError, TypeError):
                raise PhotoError(TRUNCATED.format(n=n), n) from None


def carries_more(data: bytes, image_format: str) -> bool:
    """Whether the metadata, comments or trailing bytes of an image carry a page, script, PDF or ZIP."""
    meta, trailer = structure(data, image_format)
    return any(_ACTIVE.search(part) for part in (*meta, trailer)) or _ZIP_END in trailer[-65_557:]


def structure(data: bytes, image_format: str) -> tuple[list[bytes], bytes]:
    """(the parts that are not compressed pixels, the bytes after the image's end) of a JPEG, PNG, WebP or HEIF."""
    walk = {"JPEG": _jpeg, "MPO": _jpeg, "PNG": _png, "WEBP": _webp, "HEIF": _bmff}.get(image_format)
    try:
        return walk(data) if walk else ([], b"")
    except (IndexError, ValueError):
        return [], b""  # malformed structure: the decoder will refuse it


def _jpeg(data: bytes) -> tuple[list[bytes], bytes]:
    """Marker segments up to EOI: APPn/COM payloads are metadata; the entropy-coded scans are skipped."""
    meta, at, end = [], 2, len(data)
    while at + 2 <= end:
        if data[at] != 0xFF:
            return meta, b""
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9:  # EOI
            return meta, data[at + 2:]
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            meta.append(data[at + 4:at + 2 + length])
        at += 2 + length
        if marker == 0xDA:  # a scan: skip to the next marker (0xFF not followed by a stuffed 0x00 or a restart)
            while True:
                at = data.find(b"\xff", at)
                if at < 0 or at + 1 >= end:
                    return meta, b""
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    at += 2
                elif following == 0xFF:
                    at += 1
                else:
                    break
    return meta, b""


def _png(data: bytes) -> tuple[list[bytes], bytes]:
    """Chunks up to IEND: everything but IDAT is searched."""
    meta, at = [], 8
    while at + 8 <= len(data):
        length, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        if kind not in (b"IDAT", b"fdAT"):
            meta.append(data[at + 8:at + 8 + length])
        at += 12 + length
        if kind == b"IEND":
            return meta, data[at:]
    return meta, b""


def _webp(data: bytes) -> tuple[list[bytes], bytes]:
    """RIFF chunks: EXIF, XMP, ICC and unknown ones are searched; the RIFF size says where the file ends."""
    riff_end, meta, at = 8 + int.from_bytes(data[4:8], "little"), [], 12
    while at + 8 <= min(riff_end, len(data)):
        kind, length = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
        if kind not in (b"VP8 ", b"VP8L", b"ALPH", b"ANMF"):
            meta.append(data[at + 8:at + 8 + length])
        at += 8 + length + (length & 1)
    return meta, data[riff_end:]


def _bmff(data: bytes) -> tuple[list[bytes], bytes]:
    """HEIF boxes: all but the media data are searched; bytes after the last box are the trailer."""
    meta, at = [], 0
    while at + 8 <= len(data):
        size, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        header = 8
        if size == 1:
            size, header = int.from_bytes(data[at + 8:at + 16], "big"), 16
        elif size == 0:
            size = len(data) - at
        if size < header or at + size > len(data):
            return meta, data[at:]  # not a box that fits: whatever follows the last one
        if kind != b"mdat":
            meta.append(data[at + header:at + size])
        at += size
    return meta, data[at:]


def _encode(image: Image.Image) -> Prepared:
    """Decode (JPEG: in draft mode, scaled by the decoder), turn upright, flatten, sRGB, shrink, save clean."""
    width, height = image.size
    if image.format in ("JPEG", "MPO"):
        scale = LONG_SIDE / max(width, height)
        if scale < 1:  # the decoder picks the smallest 1/2, 1/4, 1/8 that still covers LONG_SIDE
            image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
    image.load()
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    rgb = _flatten(upright)
    rgb.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.BICUBIC, reducing_gap=3.0)
    if icc:  # e.g. an iPhone's Display P3: converted, so colours stay right once the profile is dropped
        try:
            rgb = ImageCms.profileToProfile(rgb, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, TypeError, ValueError):
            pass  # an unusable profile: keep the pixels as they are
    clean = Image.new("RGB", rgb.size)  # a fresh image: no info, no EXIF, no ICC, nothing carried over
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=QUALITY, optimize=True)
    return Prepared(out.getvalue(), *clean.size)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB; anything transparent is laid on white (a PNG screenshot with see-through parts stays readable)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info) or image.has_transparency_data:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image if image.mode == "RGB" else image.convert("RGB")


# --- the form field -------------------------------------------------------------------------------

class Photos:
    """WTForms validator: prepare() the chosen files; keep the result on field.prepared."""

    def __call__(self, form, field):
        field.prepared = []
        try:
            field.prepared = prepare(field.data or [])
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
    """Adds `photos` to a FlaskForm."""

    photos = PhotoField()


# --- body limit for the routes that take photos -----------------------------------------------------

def route_limit(config=None) -> int:
    """What a photo route accepts: 3 photos at the limit, plus the form's own fields and the part headers."""
    config = config or current_app.config
    return MAX_PHOTOS * config["PHOTO_MAX_BYTES"] + config["MAX_CONTENT_LENGTH"] + FORM_OVERHEAD


def accepts_photos(view):
    """Route decorator: this request may carry photos (every other route keeps MAX_CONTENT_LENGTH)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method == "POST" and request.mimetype == "multipart/form-data":
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
