"""Backups of the store (and the photo folder) while the service runs, and restoring one.

A backup is one folder, backups/yanji-20261201T210000Z/, holding
  yanji.sqlite3   a consistent copy made with SQLite's online backup API (sqlite3.Connection.backup)
                  inside one read transaction, so it is the store as of one moment even while
                  residents submit;
  photos/         the photo folder, when there is one (unchanged files hard-linked to the previous
                  backup's, so an hourly backup costs only what is new);
  manifest.json   when, the schema version, rows per table, the copy's size and SHA-256, each
                  photo's size and SHA-256, and an HMAC-SHA256 over all of that made with the
                  backup key (BACKUP_KEY, kept on the server, never on the NAS).
It is built under a hidden temporary name (.yanji-….partial), verified (PRAGMA integrity_check,
row counts, size and checksum), fsynced, and only then renamed into place: a crash mid-backup
leaves a .partial folder that is never taken for a backup and is removed by the next run. Older
backups are pruned only after the new one has been verified.

Restoring trusts nothing in the backup (it sits on a NAS others can write to): the manifest's HMAC
must check out with our key, the copy's schema must be exactly what the migrations make (no
trigger, view, index or table of anyone else's), and photos/ may hold only regular files with our
photo names (no symlink is followed).
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import stat as stat_mode
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from forms_app.core import store
from forms_app.core.files import fsync

DB_FILE, MANIFEST, PHOTOS = "yanji.sqlite3", "manifest.json", "photos"
NAME = re.compile(r"^yanji-(\d{8}T\d{6}Z)(-\d+)?$")
TABLES_REQUIRED = ("reports", "outbox", "signups", "sessions")
PHOTO_NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.jpg$")  # residents/photos.py's names (core cannot import it)
# SQLite's own objects: made by SQLite itself (UNIQUE/PRIMARY KEY indexes, AUTOINCREMENT, ANALYZE), never by SQL in a backup.
INTERNAL = re.compile(r"^sqlite_(autoindex_.+|sequence|stat[1-4])$")
KEY_CONTEXT = b"yanji backup manifest v1"


class BackupError(Exception):
    """A backup that could not be made, verified or restored; the message is in Chinese."""


def backup_dir(config) -> Path:
    """BACKUP_DIR, or a folder `backups` next to the store."""
    return Path(config.get("BACKUP_DIR") or Path(config["DATABASE"]).parent / "backups")


def photos_dir(config) -> Path:
    """PHOTOS_DIR, or a folder `photos` next to the store (the photo feature's default)."""
    return Path(config.get("PHOTOS_DIR") or Path(config["DATABASE"]).parent / "photos")


def signing_key(config) -> bytes:
    """The key that signs and checks backup manifests.

    BACKUP_KEY when set. Otherwise derived from SECRET_KEY (HMAC with a fixed context, so the
    secret itself is never used twice for two jobs): SECRET_KEY lives only in the server's .env,
    which is not in the backup folder nor on the NAS, so whoever can write to the NAS still cannot
    sign a backup. Set BACKUP_KEY when SECRET_KEY may change (a rotated SECRET_KEY would otherwise
    make every older backup unrestorable) or when backups are restored on another machine.
    """
    explicit = (config.get("BACKUP_KEY") or "").strip()
    if explicit:
        return explicit.encode()
    secret = str(config.get("SECRET_KEY") or "")
    if not secret:
        raise BackupError("没有备份密钥：请在 .env 里设置 BACKUP_KEY（或 SECRET_KEY）。")
    return hmac.new(secret.encode(), KEY_CONTEXT, hashlib.sha256).hexdigest().encode()


def _signature(manifest: dict, key: bytes) -> str:
    """HMAC-SHA256 over the manifest (without its own signature), canonical JSON."""
    body = {k: v for k, v in manifest.items() if k != "hmac"}
    return hmac.new(key, json.dumps(body, sort_keys=True, ensure_ascii=False).encode(), hashlib.sha256).hexdigest()


# --- taking a backup ----------------------------------------------------------------------

def take(database: str | Path, dest: str | Path, keep: int, photos: str | Path | None = None,
         now: dt.datetime | None = None, key: bytes | None = None) -> Path:
    """Make, verify and keep one backup in dest; prune to the newest `keep`; return its folder.

    With `key` (signing_key) the manifest is signed; `flask restore` refuses an unsigned backup."""
    if keep < 1:
        raise BackupError("--keep 至少是 1。")
    database, dest = Path(database), Path(dest)
    if not database.is_file():
        raise BackupError(f"找不到数据库文件：{database}")
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(dest, 0o700)  # a folder made before umask 077 was world-readable
    now = now or dt.datetime.now(dt.timezone.utc)
    with _exclusive(dest):
        for partial in dest.glob(".yanji-*.partial"):  # left by a backup that died: never a backup
            shutil.rmtree(partial, ignore_errors=True)
        final = _free_name(dest, now.strftime("yanji-%Y%m%dT%H%M%SZ"))
        tmp = dest / f".{final.name}.partial"
        tmp.mkdir()
        try:
            tables = _copy_store(database, tmp / DB_FILE)
            previous = latest(dest)
            photo_files, photo_sums = _copy_photos(Path(photos), tmp / PHOTOS, previous) \
                if photos and Path(photos).is_dir() else (None, None)
            manifest = {"created_at": now.isoformat(timespec="seconds"), "tables": tables,
                        "schema_version": _schema_version(tmp / DB_FILE),
                        "size": (tmp / DB_FILE).stat().st_size, "sha256": _sha256(tmp / DB_FILE),
                        "photos": photo_files, "photo_sha256": photo_sums}
            if key is not None:
                manifest["hmac"] = _signature(manifest, key)
            _write_synced(tmp / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            verify(tmp)
            fsync(tmp)
            os.rename(tmp, final)
            fsync(dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        prune(dest, keep)
    return final


def _free_name(dest: Path, name: str) -> Path:
    """dest/name, or name-2, name-3 … when two backups fall in the same second."""
    candidate, n = dest / name, 1
    while candidate.exists():
        n += 1
        candidate = dest / f"{name}-{n}"
    return candidate


@contextmanager
def _exclusive(dest: Path):
    """One backup at a time per folder (cron overlapping a manual run)."""
    fd = os.open(dest / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _copy_store(database: Path, target: Path) -> dict[str, int]:
    """Copy the store as of one moment (one read transaction); return rows per table in that moment."""
    src = sqlite3.connect(database, timeout=30, isolation_level=None)
    try:
        src.execute("BEGIN")  # the snapshot starts with the first read and holds through the copy
        tables = _counts(src)
        dst = sqlite3.connect(target, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()
    fsync(target)
    return tables


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _schema_version(path: Path) -> int:
    conn = _open_readonly(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def _copy_photos(src: Path, dst: Path, previous: Path | None) -> tuple[dict[str, int], dict[str, str]]:
    """Copy the photos (regular files with our names only: no temporary file, no symlink); a file
    unchanged since the previous backup is hard-linked, not copied, and keeps its checksum.
    Returns (size, SHA-256) per file."""
    files, sums = {}, {}
    dst.mkdir(parents=True, exist_ok=True)
    try:
        old_sums = json.loads((previous / MANIFEST).read_text(encoding="utf-8")).get("photo_sha256") or {} \
            if previous else {}
    except (OSError, ValueError):
        old_sums = {}
    for path in sorted(src.iterdir()):
        info = path.lstat()
        if not PHOTO_NAME.match(path.name) or not stat_mode.S_ISREG(info.st_mode):
            continue
        rel, target = path.name, dst / path.name
        old = previous / PHOTOS / rel if previous else None
        if old is not None and rel in old_sums and old.is_file() and not old.is_symlink() \
                and old.stat().st_size == info.st_size and old.stat().st_mtime_ns == info.st_mtime_ns:
            os.link(old, target)
            sums[rel] = old_sums[rel]
        else:
            shutil.copy2(path, target, follow_symlinks=False)
            fsync(target)
            sums[rel] = _sha256(target)
        files[rel] = info.st_size
    return files, sums


# --- checking one ---------------------------------------------------------------------------

def verify(path: str | Path, key: bytes | None = None) -> dict:
    """Check a backup folder (or a bare .sqlite3 file); return its manifest, raise BackupError if damaged.

    Size and SHA-256 against the manifest catch a truncated or altered copy; integrity_check and
    the row counts catch a file that was damaged before the manifest was written. With `key`, the
    manifest must carry our HMAC (a bare file, having none, is refused) and every photo its checksum.
    """
    path = Path(path)
    folder = path if path.is_dir() else None
    db = folder / DB_FILE if folder else path
    manifest = None
    if folder is not None:
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise BackupError(f"备份不完整：{folder} 里没有可读的 {MANIFEST}。") from None
        if not isinstance(manifest, dict):
            raise BackupError(f"备份不完整：{folder} 里的 {MANIFEST} 看不懂。")
    if key is not None:
        if manifest is None or not manifest.get("hmac"):
            raise BackupError(f"这个备份没有签名，无法确认它没有被改动过，不能恢复：{path}"
                              "（只能恢复本服务用 BACKUP_KEY 签过名的备份文件夹）")
        if not hmac.compare_digest(str(manifest["hmac"]), _signature(manifest, key)):
            raise BackupError(f"备份的签名对不上：它被改动过，或是用别的 BACKUP_KEY 做的，不能恢复：{path}")
    if not db.is_file():
        raise BackupError(f"找不到备份文件：{db}")
    size = db.stat().st_size
    if manifest is not None and (size != manifest["size"] or _sha256(db) != manifest["sha256"]):
        raise BackupError(f"备份文件不完整或被改动过（大小或校验值对不上）：{db}")
    _check_header(db, size)
    try:
        conn = _open_readonly(db)
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            counts = _counts(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份文件损坏，无法读取（{exc}）：{db}") from None
    if result != ["ok"]:
        raise BackupError(f"备份文件没有通过完整性检查（integrity_check: {'; '.join(result[:3])}）：{db}")
    missing = [t for t in TABLES_REQUIRED if t not in counts]
    if missing:
        raise BackupError(f"这不是本服务的数据库备份（缺少表：{'、'.join(missing)}）：{db}")
    if manifest is not None:
        if counts != manifest["tables"]:
            raise BackupError(f"备份的行数和记录的不一致：{db}")
        sums = manifest.get("photo_sha256") or {}
        if key is not None and folder is not None:
            check_photos(folder, manifest)
        for rel, length in (manifest.get("photos") or {}).items():
            photo = folder / PHOTOS / rel
            if not photo.is_file() or photo.stat().st_size != length:
                raise BackupError(f"备份里的照片不完整：{rel}")
            if key is not None and sums.get(rel) != _sha256(photo):
                raise BackupError(f"备份里的照片被改动过：{rel}")
    return manifest or {"tables": counts, "size": size}


def check_photos(folder: Path, manifest: dict) -> None:
    """photos/ may hold only regular files with our photo names, each one the manifest lists:
    no symlink (never followed), no folder, no other file. BackupError naming the first that is not."""
    photos = folder / PHOTOS
    if not photos.exists() and not photos.is_symlink():
        return
    if photos.is_symlink() or not photos.is_dir():
        raise BackupError(f"备份里的 {PHOTOS} 不是普通文件夹（可能是链接），不能恢复。")
    listed = manifest.get("photos") or {}
    with os.scandir(photos) as entries:
        found = list(entries)
    for entry in found:
        if not PHOTO_NAME.match(entry.name) or not entry.is_file(follow_symlinks=False) or entry.name not in listed:
            kind = "链接" if entry.is_symlink() else "文件夹" if entry.is_dir(follow_symlinks=False) else "文件"
            raise BackupError(f"备份的照片文件夹里有不该有的{kind}「{entry.name[:40]}」，不能恢复。")


def expected_schema(applied: set[str]) -> set[tuple]:
    """The schema objects (type, name, table, SQL) the migrations named in `applied` make on an empty store."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL "
                     "DEFAULT (datetime('now')))")
        for name, script in store.MIGRATIONS:
            if name in applied:
                for statement in store._statements(script):
                    conn.execute(statement)
        return _schema(conn)
    finally:
        conn.close()


def _schema(conn: sqlite3.Connection) -> set[tuple]:
    return {(t, n, tbl, " ".join((sql or "").split())) for t, n, tbl, sql in conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master") if not INTERNAL.match(n)}


def check_schema(db: Path) -> None:
    """Refuse a copy whose schema is not exactly what our migrations make (an added trigger, view,
    index or table; a changed one; a migration we do not know)."""
    conn = _open_readonly(db)
    try:
        known = {name for name, _ in store.MIGRATIONS}
        has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
        if has_table:
            applied = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        else:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            applied = {name for name, _ in store.MIGRATIONS[:version]}
        unknown = sorted(applied - known)
        if unknown:
            raise BackupError(f"备份来自更新的版本或被改动过（不认识的数据库升级：{'、'.join(unknown)[:80]}），不能恢复。")
        found = _schema(conn)
    finally:
        conn.close()
    expected = expected_schema(applied)
    if not has_table:
        expected = {o for o in expected if o[1] != "schema_migrations"}
    extra = sorted(found - expected)
    if extra:
        kinds = {"table": "表", "index": "索引", "trigger": "触发器", "view": "视图"}
        t, n = extra[0][0], extra[0][1]
        raise BackupError(f"备份的数据库里有本服务不会建的{kinds.get(t, t)}「{n[:40]}」"
                          f"（共 {len(extra)} 处与本服务的结构不同），可能被改动过，不能恢复。")
    missing = sorted(expected - found)
    if missing:
        raise BackupError(f"备份的数据库少了「{missing[0][1][:40]}」，和本服务的结构不同，不能恢复。")


def _check_header(db: Path, size: int) -> None:
    """A SQLite file says how many pages it has (header bytes 28–31): fewer bytes on disk = truncated."""
    with open(db, "rb") as f:
        header = f.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        raise BackupError(f"这不是一个完整的 SQLite 数据库文件：{db}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages and size < pages * page_size:
        raise BackupError(f"备份文件不完整：应有 {pages * page_size} 字节，只有 {size} 字节：{db}")


def _open_readonly(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db.resolve()}?mode=ro", uri=True)


# --- which backups there are ------------------------------------------------------------

def backups(dest: str | Path) -> list[Path]:
    """Finished backups in dest (a manifest present), oldest first."""
    dest = Path(dest)
    if not dest.is_dir():
        return []
    found = [p for p in dest.iterdir() if NAME.match(p.name) and (p / MANIFEST).is_file()]
    return sorted(found, key=lambda p: (NAME.match(p.name).group(1), int((NAME.match(p.name).group(2) or "-1")[1:])))


def latest(dest: str | Path) -> Path | None:
    """The newest finished backup, if any."""
    found = backups(dest)
    return found[-1] if found else None


def last_backup_time(dest: str | Path) -> dt.datetime | None:
    """When the newest finished backup was taken."""
    newest = latest(dest)
    if newest is None:
        return None
    stamp = NAME.match(newest.name).group(1)
    return dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)


def age_hours(config, now: dt.datetime | None = None) -> float | None:
    """Hours since the newest backup in the configured folder; None when there is none."""
    taken = last_backup_time(backup_dir(config))
    if taken is None:
        return None
    now = now or dt.datetime.now(dt.timezone.utc)
    return round((now - taken).total_seconds() / 3600, 1)


def prune(dest: str | Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` finished backups; return what was removed."""
    old = backups(dest)[:-keep] if keep > 0 else []
    for path in old:
        shutil.rmtree(path)
    return old


# --- restoring ----------------------------------------------------------------------------

def restore(config, source: str | Path, force: bool = False, now: dt.datetime | None = None) -> Path | None:
    """Put a verified backup in place of the store; the current store is kept aside; return where (None: there was none).

    Refused while another process has the store open (a web worker, the sync worker), unless forced.
    """
    source = Path(source)
    if source.is_symlink() or not source.is_dir():
        raise BackupError(f"只能恢复一个备份文件夹（yanji-…Z，带签名的 {MANIFEST}）：{source}")
    manifest = verify(source, signing_key(config))  # signature, checksums, photos (check_photos)
    check_schema(source / DB_FILE)
    folder = source
    db = Path(config["DATABASE"]).resolve()
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    store.InUse.release(str(db))  # this command's own mark
    db.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(f"{db}.inuse", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not force:
                raise BackupError("服务正在运行（网页或后台发送还开着数据库），不能恢复。请先停止："
                                  "sudo systemctl stop yanji-web yanji-sync；确有必要时可加 --force。") from None
        # The copy that goes in place is the one checked: its checksum against the signed manifest and
        # its schema again (the backup folder could change between the checks and the copy).
        tmp = db.with_name(f".{db.name}.restoring")
        shutil.copyfile(folder / DB_FILE, tmp)
        try:
            if _sha256(tmp) != manifest["sha256"]:
                raise BackupError(f"备份文件在恢复时被改动过（校验值对不上），不能恢复：{folder / DB_FILE}")
            check_schema(tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync(tmp)
        with store.WriteGate.for_path(str(db)):  # forced: at least no transaction is half-way
            aside = db.with_name(f"{db.name}.before-restore-{stamp}") if db.exists() else None
            for suffix in ("", "-wal", "-shm") if aside else ():
                if Path(f"{db}{suffix}").exists():
                    os.replace(f"{db}{suffix}", f"{aside}{suffix}")
            os.replace(tmp, db)
            fsync(db.parent)
            if folder is not None and (folder / PHOTOS).is_dir():
                photos = photos_dir(config)
                if photos.exists():
                    os.replace(photos, photos.with_name(f"{photos.name}.before-restore-{stamp}"))
                photos.mkdir(mode=0o700)
                for rel in manifest.get("photos") or {}:  # checked above: regular files with our names
                    shutil.copyfile(folder / PHOTOS / rel, photos / rel, follow_symlinks=False)
                    os.chmod(photos / rel, 0o600)
    finally:
        os.close(fd)  # before connecting: our own shared mark would wait on this exclusive one
    conn = store.connect(str(db))  # migrates a backup from an older version forward
    try:
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"恢复后的数据库没有通过检查：{db}")
    finally:
        conn.close()
        store.InUse.release(str(db))
    return aside


# --- small file helpers -------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


# --- commands -----------------------------------------------------------------------------

@click.command("backup")
@click.option("--to", "to", type=click.Path(file_okay=False), default=None,
              help="Folder for the backups (default: BACKUP_DIR).")
@click.option("--keep", type=int, default=None, help="How many verified backups to keep (default: BACKUP_KEEP).")
@with_appcontext
def backup_command(to: str | None, keep: int | None) -> None:
    """Back up the store (and the photo folder) while the service runs; verify; prune old ones."""
    config = current_app.config
    try:
        made = take(config["DATABASE"], to or backup_dir(config), keep if keep is not None else config["BACKUP_KEEP"],
                    photos_dir(config), key=signing_key(config))
    except (BackupError, OSError, sqlite3.Error) as exc:
        raise click.ClickException(f"备份失败：{exc}") from None
    manifest = json.loads((made / MANIFEST).read_text(encoding="utf-8"))
    click.echo(f"已备份并核对：{made}（问题 {manifest['tables'].get('reports', 0)} 条，"
               f"报名 {manifest['tables'].get('signups', 0)} 条，照片 {len(manifest['photos'] or {})} 张）")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True))
@click.option("--force", is_flag=True, help="Restore even though the service seems to be running.")
@with_appcontext
def restore_command(file: str, force: bool) -> None:
    """Replace the store with a signed backup folder; the current store is kept aside."""
    try:
        aside = restore(current_app.config, file, force=force)
    except (BackupError, OSError, sqlite3.Error) as exc:
        raise click.ClickException(f"没有恢复：{exc}") from None
    kept = f"原来的数据库保留在：{aside}" if aside else "原来没有数据库，不需要保留。"
    click.echo(f"已恢复：{current_app.config['DATABASE']}\n{kept}\n"
               "现在可以启动服务：sudo systemctl start yanji-web yanji-sync")


def init_app(app) -> None:
    """Register the commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
