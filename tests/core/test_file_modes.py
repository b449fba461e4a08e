"""Issue 18 #4: the store, its -wal/-shm, the backups and the photos are the service user's alone,
whatever umask the process was started with."""
import os
import stat
from pathlib import Path

import pytest

from forms_app import create_app
from forms_app.core import backup
from forms_app.core.store import get_db
from tests.conftest import Forms
from tests import REPO_ROOT

ROOT = REPO_ROOT


@pytest.fixture
def loose_umask():
    """Start as a shell or cron with the usual umask 022 would."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_store_wal_shm_backups_and_photos_are_owner_only_after_real_use(loose_umask, app_config, tmp_path):
    data = tmp_path / "data"
    app = create_app({**app_config, "DATABASE": str(data / "yanji.sqlite3")})
    Forms(app.test_client()).report()  # a real report: the store, its -wal and -shm are written
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM reports").fetchone()[0] == 1
        store = Path(app.config["DATABASE"])
        for suffix in ("", "-wal", "-shm"):
            assert mode(f"{store}{suffix}") == 0o600, suffix
    assert mode(data) == 0o700
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    folder = backup.backup_dir(app.config)
    assert mode(folder) == 0o700
    [made] = backup.backups(folder)
    assert mode(made) == 0o700
    for path in made.rglob("*"):
        assert mode(path) in (0o600, 0o700), path


def test_a_store_made_world_readable_earlier_is_tightened_at_start(loose_umask, app_config, tmp_path):
    create_app(app_config)
    os.umask(0o022)
    db = Path(app_config["DATABASE"])
    os.chmod(db, 0o644)
    create_app(app_config)
    assert mode(db) == 0o600


def test_scripts_run_and_the_systemd_units_set_umask_077_and_the_install_makes_the_data_folder_0700():
    run = (ROOT / "scripts/run").read_text(encoding="utf-8")
    assert "umask 077" in run
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    units = readme.split("systemd units", 1)[1].split("```", 2)[1]
    assert units.count("UMask=0077") == units.count("[Service]") == 2
    assert "install -d -m 0700 -o yanji" in readme and "/var/lib/yanji" in readme
