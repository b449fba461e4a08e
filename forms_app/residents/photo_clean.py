"""Cleaning uploaded photos: their number and sizes checked, then each one decoded and re-encoded, a few at a time.

Every upload is decoded and **re-encoded** (photo_decode.py: Pillow, HEIC through pillow-heif) to a JPEG of
at most 1600 px on the long side, turned upright (EXIF orientation applied), flattened onto white, converted
to sRGB, and written without EXIF, GPS, XMP, ICC, comments or maker notes: nothing the phone wrote
survives. Refused, with a Chinese message naming the photo ("第2张照片…"): more than 3 photos, a photo
over PHOTO_MAX_BYTES, anything that is not a JPEG/PNG/WebP/HEIC image (a PDF or script renamed .jpg,
an SVG), an image carrying a document, script or archive as well (a polyglot), more than its format's
budget (read from the header, before decoding: decompression bombs; photo_decode.over_budget), and
truncated or damaged files. JPEGs are decoded in draft mode (the decoder scales by 1/2, 1/4 or 1/8 itself).

Hostile uploads (issue 18): nothing is decoded until the CSRF token and every other field passed (the
form field, residents/photo_field.py, checks only number and byte sizes here, and decodes once the form
is valid); decoding runs in a child process (``photo_decode.py``) with memory and CPU limits, at most
PHOTO_DECODE_SLOTS at once across all workers (lock files next to the store), and a request finding them
all busy gets a 503 at once, never a queue.

``check_uploads(files) -> list``
    The chosen Werkzeug FileStorage objects (empty parts skipped) if their number and byte sizes are
    allowed; ``PhotoError`` (``.message`` the Chinese message naming the photo, ``.index`` 1-based) if not.
``decode(photos_data) -> list[Prepared]``
    The photos' bytes → re-encoded photos, in order, in one child process; ``PhotoError`` naming the photo
    when refused or when the child dies; ServiceUnavailable (503) when every decode slot is busy. Needs an
    app context.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import struct
import subprocess
import sys
from pathlib import Path

from flask import current_app
from werkzeug.exceptions import ServiceUnavailable

from forms_app.residents.photo_decode import TOO_BIG, TOO_COSTLY, TOO_MANY, PhotoError, Prepared

log = logging.getLogger(__name__)

MAX_PHOTOS = 3
DECODER = str(Path(__file__).with_name("photo_decode.py"))


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
