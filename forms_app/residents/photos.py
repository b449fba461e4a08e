"""The photos of a report, stored: kept privately under random names, listed, thumbnailed, removed.

Photos arrive cleaned (residents/photo_clean.py: re-encoded without any metadata) through a form's photo
field (residents/photo_field.py). Files live in PHOTOS_DIR (default: `photos` next to the DATABASE file;
never under site/ or static/) under random names (`<24 random URL-safe characters>.jpg`); a file is served
only when a row of the `photos` table names it, only to signed-in stewards (/forms/steward/photos/<name>)
and, as a thumbnail, to the browser that sent the report (its confirmation page). Names never go into logs
(core/logs.py hides them in the request lines).

``attach(conn, report_id, prepared, origin) -> list[str]``
    Call INSIDE the report's ``store.transaction`` (origin: ``"report"``, ``"intake"`` or
    ``"followup"``): writes each file to a temporary name, fsyncs, renames it into place and inserts
    its row; if the transaction rolls back the files are removed, so a report and its photos are one
    commit. Queues the 问题登记 照片 cell (a link to the steward page, never a file URL). Returns names.
``for_report(conn, report_id) -> list[Row]``
    The report's photos (id, origin, name, width, height, created_at), oldest first.
``delete_for_report(conn, report_id) -> int``
    Inside a transaction: removes the rows and the files (retention); returns how many.
``path_of(name)``, ``thumbnail(name)``, ``by_name(conn, name)``, ``sheet_cell(directory, ref)``, ``sweep()``
    A stored file's path; a small JPEG of it; its row; the 照片 cell; remove files no row names.
"""
from __future__ import annotations

import io
import logging
import os
import re
import secrets
import sqlite3
import time
from pathlib import Path

from flask import current_app
from PIL import Image

from forms_app.core import clock, outbox
from forms_app.core.files import fsync

log = logging.getLogger(__name__)

THUMB_SIDE = 320          # px, thumbnails (confirmation page, case page, sign-in sheet)
ORIGINS = ("report", "intake", "followup")
ORIGIN_LABELS = {"report": "居民反映时", "intake": "大管家代录时", "followup": "居民回访时"}
NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.jpg$")


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
