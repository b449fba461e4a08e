"""flask backup / flask restore: consistent, verified, atomic copies; refused restores; the age in /healthz."""
import datetime as dt
import json
import shutil
import stat
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forms_app import create_app
from forms_app.core import backup, store
from forms_app.core.store import connect
from forms_app.residents import reports
from tests.residents.test_reports import DATA
from tests import REPO_ROOT

ROOT = REPO_ROOT
PHOTO = "Abc_def-123456789012345X.jpg"  # a stored photo's name: 24 URL-safe characters


@pytest.fixture
def instance(app_config, tmp_path):
    """An app with a photo folder and a few reports."""
    app = create_app({**app_config, "PHOTOS_DIR": str(tmp_path / "photos")})
    conn = connect(app.config["DATABASE"])
    for n in range(5):
        reports.create(conn, f"{n:032x}", {**DATA, "description": f"第 {n} 个问题"})
    conn.close()
    photos = tmp_path / "photos"
    photos.mkdir(parents=True)
    (photos / PHOTO).write_bytes(b"\xff\xd8" + os.urandom(2000))
    return app


def KEY(app):  # noqa: N802 — the instance's backup key
    return backup.signing_key(app.config)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_backup_is_a_verified_folder_with_the_store_photos_and_a_manifest(instance, tmp_path):
    result = cli(instance, "backup", "--to", str(tmp_path / "b"))
    assert result.exit_code == 0 and "已备份并核对" in result.output and "问题 5 条" in result.output
    [made] = backup.backups(tmp_path / "b")
    manifest = json.loads((made / "manifest.json").read_text())
    assert manifest["tables"]["reports"] == 5 and manifest["tables"]["outbox"] == 5
    assert manifest["photos"] == {PHOTO: 2002}
    assert (made / f"photos/{PHOTO}").read_bytes() == (tmp_path / f"photos/{PHOTO}").read_bytes()
    conn = sqlite3.connect(made / "yanji.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    conn.close()
    assert not [p for p in (tmp_path / "b").iterdir() if p.name.endswith(".partial")]


def test_unchanged_photos_are_hard_linked_not_copied_again(instance, tmp_path):
    first = backup.take(instance.config["DATABASE"], tmp_path / "b", 5, tmp_path / "photos",
                        now=dt.datetime(2026, 12, 1, 10, tzinfo=dt.timezone.utc))
    second = backup.take(instance.config["DATABASE"], tmp_path / "b", 5, tmp_path / "photos",
                         now=dt.datetime(2026, 12, 1, 11, tzinfo=dt.timezone.utc))
    one, two = (p / f"photos/{PHOTO}" for p in (first, second))
    assert one.stat().st_ino == two.stat().st_ino


def test_default_folder_is_next_to_the_store_and_keep_prunes_the_oldest(instance, tmp_path):
    for hour in range(4):
        backup.take(instance.config["DATABASE"], backup.backup_dir(instance.config), 2,
                    now=dt.datetime(2026, 12, 1, hour, tzinfo=dt.timezone.utc))
    kept = backup.backups(Path(instance.config["DATABASE"]).parent / "backups")
    assert [p.name for p in kept] == ["yanji-20261201T020000Z", "yanji-20261201T030000Z"]


def test_a_backup_that_fails_verification_prunes_nothing_and_leaves_no_half_folder(tmp_path):
    good = tmp_path / "good.sqlite3"
    connect(str(good)).close()
    for hour in range(2):
        backup.take(good, tmp_path / "b", 2, now=dt.datetime(2026, 12, 1, hour, tzinfo=dt.timezone.utc))
    other = tmp_path / "other.sqlite3"  # not our store: the copy cannot be verified
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(backup.BackupError, match="不是本服务"):
        backup.take(other, tmp_path / "b", 1)
    assert len(backup.backups(tmp_path / "b")) == 2
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [".lock", "yanji-20261201T000000Z", "yanji-20261201T010000Z"]


@pytest.mark.parametrize("damage", ["truncate_half", "truncate_page", "flip_byte", "drop_manifest"])
def test_a_damaged_backup_is_detected(instance, tmp_path, damage):
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1)
    db = made / "yanji.sqlite3"
    size = db.stat().st_size
    if damage == "truncate_half":
        os.truncate(db, size // 2)
    elif damage == "truncate_page":
        os.truncate(db, size - 4096)
    elif damage == "flip_byte":
        data = bytearray(db.read_bytes())
        data[size - 100] ^= 0xFF
        db.write_bytes(bytes(data))
    else:
        (made / "manifest.json").unlink()
    with pytest.raises(backup.BackupError):
        backup.verify(made)
    result = cli(instance, "restore", str(made))
    assert result.exit_code != 0 and "没有恢复" in result.output


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_a_truncated_bare_backup_file_is_detected_without_a_manifest(instance, tmp_path, cut):
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1)
    bare = tmp_path / "copy.sqlite3"
    data = (made / "yanji.sqlite3").read_bytes()
    bare.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(backup.BackupError, match="不完整"):
        backup.verify(bare)


TAKER = ("import sys, time; from forms_app.core import backup; print('go', flush=True); t = time.monotonic(); "
         "backup.take(sys.argv[1], sys.argv[2], 3); print(time.monotonic() - t, flush=True)")


def test_a_crash_mid_backup_leaves_nothing_that_looks_like_a_backup(tmp_path):
    """SIGKILL a backup at moments spread over its run: every folder that looks finished verifies."""
    db = tmp_path / "store.sqlite3"
    conn = connect(str(db))
    conn.execute("CREATE TABLE ballast (b BLOB)")
    with conn:
        conn.executemany("INSERT INTO ballast VALUES (randomblob(8000))", [()] * 1000)  # ~8 MB
    conn.close()
    cmd = [sys.executable, "-c", TAKER, str(db), str(tmp_path / "b")]
    first = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True, timeout=60)
    duration = float(first.stdout.split()[-1])
    killed = 0
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        proc.stdout.readline()
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait() == -signal.SIGKILL
        proc.stdout.close()
        for made in backup.backups(tmp_path / "b"):
            backup.verify(made)  # raises if anything that looks finished is not
    assert killed >= 3
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, timeout=60)
    assert not [p for p in (tmp_path / "b").iterdir() if p.name.endswith(".partial")]
    assert 1 <= len(backup.backups(tmp_path / "b")) <= 3


def test_healthz_shows_the_last_backups_age(instance):
    assert instance.test_client().get("/healthz").get_json()["last_backup_age_hours"] is None
    backup.take(instance.config["DATABASE"], backup.backup_dir(instance.config), 2,
                now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3))
    health = instance.test_client().get("/healthz").get_json()
    assert 2.9 <= health["last_backup_age_hours"] <= 3.1 and health["last_backup"].endswith("+00:00")


def test_restore_keeps_the_current_store_aside_and_brings_back_the_photos(instance, tmp_path):
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1, tmp_path / "photos", key=KEY(instance))
    conn = connect(instance.config["DATABASE"])
    reports.create(conn, "f" * 32, {**DATA, "description": "备份之后才来的问题"})
    conn.close()
    (tmp_path / f"photos/{PHOTO}").unlink()
    result = cli(instance, "restore", str(made))
    assert result.exit_code == 0, result.output
    assert "原来的数据库保留在" in result.output
    conn = connect(instance.config["DATABASE"])
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 5
    conn.close()
    [aside] = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name and p.name.startswith("store.sqlite3")
               and not p.name.endswith(("-wal", "-shm"))]
    kept = sqlite3.connect(aside)
    assert kept.execute("SELECT count(*) FROM reports").fetchone()[0] == 6  # nothing thrown away
    kept.close()
    assert (tmp_path / f"photos/{PHOTO}").is_file()


HOLDER = "import sys, time; from forms_app.core.store import connect; c = connect(sys.argv[1]); print('open', flush=True); time.sleep(60)"


def test_restore_is_refused_while_the_service_has_the_store_open_unless_forced(instance, tmp_path):
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1, key=KEY(instance))
    service = subprocess.Popen([sys.executable, "-c", HOLDER, instance.config["DATABASE"]], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert service.stdout.readline().strip() == "open"
        refused = cli(instance, "restore", str(made))
        assert refused.exit_code != 0 and "服务正在运行" in refused.output and "systemctl stop" in refused.output
        forced = cli(instance, "restore", str(made), "--force")
        assert forced.exit_code == 0, forced.output
    finally:
        service.kill()
        service.wait()
        service.stdout.close()
    assert cli(instance, "restore", str(made)).exit_code == 0  # stopped: allowed


def test_a_running_gunicorn_blocks_a_restore_until_it_stops(instance, tmp_path):
    from tests.server import gunicorn

    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1, key=KEY(instance))
    with gunicorn({"DATABASE": instance.config["DATABASE"], "SEED_SAMPLE_SESSIONS": "0"}, workers=1, threads=1):
        refused = cli(instance, "restore", str(made))
    assert refused.exit_code != 0 and "服务正在运行" in refused.output
    assert cli(instance, "restore", str(made)).exit_code == 0


# --- a backup on the NAS is not trusted (issue 18 #3) ------------------------------------------

def _resign(made: Path, key: bytes | None) -> None:
    """What an attacker with write access to the NAS does after changing the copy: recompute the manifest
    (size, checksum, counts, photos) — and, with `key`, sign it (as if the key had leaked)."""
    manifest = json.loads((made / "manifest.json").read_text())
    db = made / "yanji.sqlite3"
    conn = sqlite3.connect(db)
    manifest["tables"] = backup._counts(conn)
    conn.close()
    manifest["size"], manifest["sha256"] = db.stat().st_size, backup._sha256(db)
    photos = {p.name: p.lstat().st_size for p in (made / "photos").iterdir()} if (made / "photos").is_dir() else None
    manifest["photos"] = photos
    manifest["photo_sha256"] = {n: backup._sha256(made / "photos" / n) for n in photos or {}
                                if (made / "photos" / n).is_file()}
    manifest.pop("hmac", None)
    if key is not None:
        manifest["hmac"] = backup._signature(manifest, key)
    (made / "manifest.json").write_text(json.dumps(manifest))


TRIGGER = ("CREATE TRIGGER leak AFTER INSERT ON reports BEGIN UPDATE reports SET public_note = "
           "NEW.contact_name || NEW.phone || NEW.room WHERE id = 1; END")
ADDED = {"trigger": TRIGGER, "view": "CREATE VIEW v AS SELECT phone FROM reports",
         "index": "CREATE INDEX by_phone ON reports(phone)", "table": "CREATE TABLE extra (x)"}


def _tamper(made: Path, sql: str) -> None:
    conn = sqlite3.connect(made / "yanji.sqlite3")
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_the_trigger_attack_with_a_recomputed_manifest_is_refused(instance, tmp_path):
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1, tmp_path / "photos", key=KEY(instance))
    _tamper(made, TRIGGER)
    _resign(made, key=None)  # the NAS holds no key: the attacker can only recompute the checksums
    result = cli(instance, "restore", str(made))
    assert result.exit_code != 0 and "没有恢复" in result.output and "签名" in result.output
    assert "已恢复" not in result.output
    conn = connect(instance.config["DATABASE"])
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'leak'").fetchone()[0] == 0
    conn.close()


@pytest.mark.parametrize("kind", sorted(ADDED))
def test_a_schema_object_the_migrations_do_not_make_is_refused_even_when_signed(instance, tmp_path, kind):
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1, tmp_path / "photos", key=KEY(instance))
    _tamper(made, ADDED[kind])
    _resign(made, key=KEY(instance))  # even a leaked key does not let a trigger in
    result = cli(instance, "restore", str(made))
    assert result.exit_code != 0 and "不会建的" in result.output and {"trigger": "触发器", "view": "视图",
                                                                    "index": "索引", "table": "表"}[kind] in result.output


def test_a_changed_table_definition_is_refused(instance, tmp_path):
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1, key=KEY(instance))
    _tamper(made, "ALTER TABLE reports ADD COLUMN leak TEXT DEFAULT ''")
    _resign(made, key=KEY(instance))
    assert "不能恢复" in cli(instance, "restore", str(made)).output


@pytest.mark.parametrize("how", ["unsigned", "other_key", "bare_file"])
def test_an_unauthenticated_backup_is_refused_with_a_clear_message(instance, tmp_path, how):
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1,
                       key=None if how == "unsigned" else b"another office's key" if how == "other_key" else KEY(instance))
    target = made / "yanji.sqlite3" if how == "bare_file" else made
    result = cli(instance, "restore", str(target))
    assert result.exit_code != 0 and "没有恢复" in result.output
    assert {"unsigned": "没有签名", "other_key": "签名对不上", "bare_file": "只能恢复一个备份文件夹"}[how] in result.output


@pytest.mark.parametrize("entry", ["symlink_to_env", "bad_name", "folder", "symlinked_folder"])
def test_photos_that_are_not_regular_files_with_our_names_are_refused(instance, tmp_path, entry):
    env = tmp_path / ".env"
    env.write_text("SECRET_KEY=geheim\n")
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1, tmp_path / "photos", key=KEY(instance))
    photos = made / "photos"
    if entry == "symlink_to_env":
        (photos / "Zzz_zzz-123456789012345X.jpg").symlink_to(env)
    elif entry == "bad_name":
        (photos / "../photos/.htaccess").write_bytes(b"x")
    elif entry == "folder":
        (photos / "Yyy_yyy-123456789012345X.jpg").mkdir()
    else:
        shutil.rmtree(photos)
        photos.symlink_to(tmp_path)
    if entry != "symlinked_folder":
        _resign(made, key=KEY(instance))
    result = cli(instance, "restore", str(made))
    assert result.exit_code != 0 and "不能恢复" in result.output
    assert not [p for p in list((tmp_path / "photos").iterdir()) if p.is_symlink()]


def test_a_good_signed_backup_still_restores_every_photo_as_an_owner_only_file(instance, tmp_path):
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1, tmp_path / "photos", key=KEY(instance))
    result = cli(instance, "restore", str(made))
    assert result.exit_code == 0 and "已恢复" in result.output, result.output
    restored = tmp_path / "photos" / PHOTO
    assert restored.read_bytes() == (made / "photos" / PHOTO).read_bytes()
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600


def test_backup_copies_only_photo_files_never_a_link(instance, tmp_path):
    (tmp_path / "photos" / "Link_to-123456789012345X.jpg").symlink_to(tmp_path / "store.sqlite3")
    (tmp_path / "photos" / f".tmp-{PHOTO}").write_bytes(b"half")
    made = backup.take(instance.config["DATABASE"], tmp_path / "b", 1, tmp_path / "photos", key=KEY(instance))
    assert sorted(p.name for p in (made / "photos").iterdir()) == [PHOTO]


def test_a_signed_backup_from_before_a_migration_restores_and_is_migrated(instance, tmp_path, monkeypatch):
    newest = max(name for name, _ in store.MIGRATIONS)
    # The previous version: every migration but the newest (whatever it does: add, rename, drop), its own store.
    monkeypatch.setattr(store, "MIGRATIONS", [m for m in store.MIGRATIONS if m[0] != newest])
    previous = str(tmp_path / "previous" / "store.sqlite3")
    Path(previous).parent.mkdir()
    conn = connect(previous)
    reports.create(conn, "f" * 32, {**DATA, "description": "上一个版本收到的问题"})
    conn.close()
    made = backup.take(previous, tmp_path / "b", 1, key=KEY(instance))  # signed with the same key
    monkeypatch.undo()
    result = cli(instance, "restore", str(made))
    assert result.exit_code == 0 and "已恢复" in result.output, result.output
    conn = connect(instance.config["DATABASE"])
    assert newest in {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
    assert [r[0] for r in conn.execute("SELECT description FROM reports")] == ["上一个版本收到的问题"]
    conn.close()
