"""Steward accounts (core/accounts.py): the `flask steward` commands, hashes, sign-in sessions, the attempt counter."""
import logging
import threading

import pytest
import requests
from argon2 import PasswordHasher
from werkzeug.security import generate_password_hash

from forms_app.core import accounts
from tests.conftest import STEWARD_PASSWORD, add_accounts, hidden_fields
from tests.server import gunicorn
from tests.samples import STEWARD


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """argon2id with a small cost: the same code path, a fraction of the time (production keeps the defaults)."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_production_hashes_use_argon2id_with_the_library_defaults(monkeypatch):
    monkeypatch.undo()  # the module's own hasher
    defaults = PasswordHasher()
    made = accounts.hash_password("a-good-password")
    assert made.startswith(f"$argon2id$v=19$m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}$")
    assert accounts.check_password(made, "a-good-password") and not accounts.check_password(made, "a-good-passworD")


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def steward(runner, *args, password="a-good-password\n"):
    return runner.invoke(args=["steward", *args], input=password)


def test_add_a_directory_steward_takes_the_directory_name(runner, db, app, caplog):
    caplog.set_level(logging.INFO)
    result = steward(runner, "add", "s2", "--password-stdin")
    assert result.exit_code == 0 and f"已建好账号 s2（{STEWARD['s2']}，大管家，代表名录里的大管家 {STEWARD['s2']}）" in result.output
    row = db.execute("SELECT * FROM accounts WHERE id = 's2'").fetchone()
    assert row["name"] == STEWARD['s2'] and row["role"] == "steward" and row["password_hash"].startswith("$argon2id$")
    assert "a-good-password" not in row["password_hash"] and "a-good-password" not in caplog.text
    account = accounts.authenticate(db, "s2", "a-good-password", app.extensions["directory"])
    assert (account.id, account.steward_id, account.can_edit, account.label) == ("s2", "s2", True, f"s2 {STEWARD['s2']}")


def test_other_ids_and_supervisors_stand_for_no_directory_steward(runner, db, app):
    assert steward(runner, "add", "duban", "--name", "街道督办", "--role", "supervisor", "--password-stdin").exit_code == 0
    assert steward(runner, "add", "s3", "--name", "李敏", "--role", "supervisor", "--password-stdin").exit_code == 0
    assert steward(runner, "add", "helper1", "--name", "小张", "--password-stdin").exit_code == 0
    d = app.extensions["directory"]
    found = {a: accounts.authenticate(db, a, "a-good-password", d) for a in ("duban", "s3", "helper1")}
    assert {a: (x.role, x.steward_id, x.can_edit) for a, x in found.items()} == {
        "duban": ("supervisor", "", False), "s3": ("supervisor", "", False), "helper1": ("steward", "", True)}


@pytest.mark.parametrize("args, password, message", [
    (["add", "S 1", "--name", "x"], "a-good-password", "账号只能用小写字母"),
    (["add", "helper2"], "a-good-password", "请给出姓名（--name）"),
    (["add", "helper2", "--name", "字" * 41], "a-good-password", "最多 40 个字"),
    (["add", "helper2", "--name", "小张", "--role", "admin"], "a-good-password", "Invalid value for '--role'"),
    (["add", "helper2", "--name", "小张"], "short", "密码至少要 8 个字符"),
    (["add", "helper2", "--name", "小张"], "", "密码至少要 8 个字符"),
    (["add", "s1"], "a-good-password", "账号 s1 已经有了"),
    (["passwd", "nobody"], "a-good-password", "没有账号 nobody"),
    (["passwd", "s1"], "short", "密码至少要 8 个字符"),
    (["disable", "nobody"], "", "没有账号 nobody"),
])
def test_bad_commands_say_what_is_wrong_and_change_nothing(runner, db, args, password, message):
    steward(runner, "add", "s1", "--password-stdin")
    before = db.execute("SELECT group_concat(id || password_hash || disabled_at) FROM accounts").fetchone()[0]
    extra = ["--password-stdin"] if args[0] != "disable" else []
    result = steward(runner, *args, *extra, password=password + "\n")
    assert result.exit_code != 0 and message in result.output
    assert db.execute("SELECT group_concat(id || password_hash || disabled_at) FROM accounts").fetchone()[0] == before


def test_passwd_and_disable(runner, db, app):
    d = app.extensions["directory"]
    steward(runner, "add", "s1", "--password-stdin")
    token = accounts.start_session(db, "s1", 12)
    assert accounts.session_account(db, token, 12, d).id == "s1"
    result = steward(runner, "disable", "s1")
    assert result.exit_code == 0 and "账号 s1 已停用，1 处登录已退出" in result.output
    assert accounts.session_account(db, token, 12, d) is None
    assert accounts.authenticate(db, "s1", "a-good-password", d) is None
    result = steward(runner, "passwd", "s1", "--password-stdin", password="another-password\n")
    assert result.exit_code == 0 and "密码已更换" in result.output
    assert accounts.authenticate(db, "s1", "another-password", d).id == "s1"  # enabled again
    assert accounts.authenticate(db, "s1", "a-good-password", d) is None


def test_werkzeug_hashes_are_accepted_too(db, app):
    db.execute("INSERT INTO accounts (id, name, password_hash, created_at) VALUES ('old', '老账号', ?, '')",
               (generate_password_hash("from-before-2026", method="pbkdf2:sha256:1000"),))
    assert accounts.authenticate(db, "old", "from-before-2026", app.extensions["directory"]).name == "老账号"
    assert not accounts.check_password("not-a-hash", "x") and not accounts.check_password("$argon2id$broken", "x")


def test_init_db_creates_demo_accounts_only_for_a_demo_run(app_config, tmp_path):
    from forms_app import create_app

    demo = create_app({**app_config, "SEED_SAMPLE_SESSIONS": True})
    result = demo.test_cli_runner().invoke(args=["init-db"])
    password = result.output.split("这次的密码是 ")[1].split("（")[0]
    assert "示例账号" in result.output and "duban、s1、s2、s3、s4、s5" in result.output
    from forms_app.core.store import connect
    conn = connect(app_config["DATABASE"])
    d = demo.extensions["directory"]
    assert accounts.authenticate(conn, "s1", password, d).steward_id == "s1"
    assert accounts.authenticate(conn, "duban", password, d).role == "supervisor"
    again = demo.test_cli_runner().invoke(args=["init-db"]).output.split("这次的密码是 ")[1].split("（")[0]
    assert again != password and accounts.authenticate(conn, "s1", password, d) is None  # a new one every start
    conn.close()

    plain = tmp_path / "plain.sqlite3"
    result = create_app({**app_config, "DATABASE": str(plain), "SEED_SAMPLE_SESSIONS": False}).test_cli_runner().invoke(args=["init-db"])
    assert "示例账号" not in result.output
    conn = connect(str(plain))
    assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
    conn.close()


def test_attempts_are_counted_before_the_check_and_successes_refunded(db):
    limit = "3 per minute"
    ids = [accounts.count_attempt(db, "10.0.0.1", "s1", limit) for _ in range(2)]
    accounts.attempt_succeeded(db, ids[0])
    assert accounts.count_attempt(db, "10.0.0.1", "s1", limit) is not None
    assert accounts.count_attempt(db, "10.0.0.1", "s1", limit) is not None
    assert accounts.count_attempt(db, "10.0.0.1", "s1", limit) is None   # three still open or failed
    assert accounts.count_attempt(db, "10.0.0.2", "s1", limit) is not None  # another address is not affected
    assert accounts.count_attempt(db, "10.0.0.1", "s1", None) is not None   # limits switched off


@pytest.mark.slow
def test_a_burst_of_concurrent_wrong_passwords_never_beats_the_limit(tmp_path):
    """100 wrong passwords at the same moment against gunicorn (2 workers × 8 threads): at most 5 are checked."""
    db = str(tmp_path / "store.sqlite3")
    with gunicorn({"DATABASE": db, "RATELIMIT_ENABLED": "1", "RATELIMIT_STEWARD_LOGIN": "5 per minute"},
                  workers=2, threads=8) as base:
        add_accounts(db, {"s1": ("陈静", "steward")})
        sessions = []
        for _ in range(100):
            s = requests.Session()
            s.headers["Connection"] = "close"  # no idle keep-alive for gunicorn to drop before the burst
            sessions.append((s, hidden_fields(s.get(base + "/forms/steward/login", timeout=30).text)["csrf_token"]))
        barrier, codes = threading.Barrier(len(sessions)), []

        def guess(s, token, n):
            barrier.wait()
            try:
                codes.append(s.post(base + "/forms/steward/login", timeout=120,
                                    data={"csrf_token": token, "account": "s1", "password": f"guess-{n}"}).status_code)
            except requests.RequestException as exc:
                codes.append(type(exc).__name__)

        threads = [threading.Thread(target=guess, args=(s, t, n)) for n, (s, t) in enumerate(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        from forms_app.core.store import connect
        conn = connect(db)
        checked = conn.execute("SELECT count(*) FROM login_attempts").fetchone()[0]
        conn.close()
        assert codes.count(400) == checked == 5 and codes.count(429) == 95, codes
        right = requests.Session()
        token = hidden_fields(right.get(base + "/forms/steward/login", timeout=30).text)["csrf_token"]
        late = right.post(base + "/forms/steward/login", timeout=30, allow_redirects=False,
                          data={"csrf_token": token, "account": "s1", "password": STEWARD_PASSWORD})
        assert late.status_code == 429  # the right password waits too, until the minute is over
