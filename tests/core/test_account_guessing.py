"""Password guessing from many addresses (issue 18, findings 9 and 10): a per-account limit with back-off kept
in the store, a line in the account holder's digest, and no typed account name in the log unless it exists."""
from __future__ import annotations

import logging

import pytest

from forms_app import create_app
from forms_app.core import accounts
from forms_app.publishing import digest
from tests.conftest import STEWARD_PASSWORD, add_accounts, hidden_fields


@pytest.fixture
def limited(app_config):
    """Limits on, the per-address one generous: only the per-account one can bite."""
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STEWARD_LOGIN": "100 per minute"})
    add_accounts(app.config["DATABASE"])
    return app


def attempt(app, account: str, password: str, address: str) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = hidden_fields(client.get("/forms/steward/login").get_data(as_text=True))["csrf_token"]
    return client.post("/forms/steward/login", data={"csrf_token": token, "account": account,
                                                     "password": password}).status_code


def age_attempts(db, seconds: float) -> None:
    """As if the attempts so far were made `seconds` earlier."""
    db.execute("UPDATE login_attempts SET at = at - ?", (seconds,))


@pytest.mark.parametrize("account", ["s1", "nobody-here"])
def test_guesses_from_many_addresses_meet_a_per_account_back_off(limited, db, account):
    answers = [attempt(limited, account, f"guess-{i}", f"10.0.{i}.1") for i in range(accounts.ACCOUNT_FREE_TRIES + 1)]
    assert answers == [400] * accounts.ACCOUNT_FREE_TRIES + [429]   # an unknown account answers the same
    assert attempt(limited, account, STEWARD_PASSWORD, "10.9.9.9") == 429   # not even checked while backing off
    age_attempts(db, accounts.backoff(accounts.ACCOUNT_FREE_TRIES) + 1)
    assert attempt(limited, account, "guess-again", "10.0.99.1") == 400   # one more try after the pause …
    assert attempt(limited, account, "guess-again", "10.0.99.2") == 429   # … then a longer pause
    age_attempts(db, accounts.backoff(accounts.ACCOUNT_FREE_TRIES + 1) + 1)
    if account == "s1":
        assert attempt(limited, account, STEWARD_PASSWORD, "10.9.9.9") == 303


def test_the_back_off_doubles_up_to_a_cap():
    free = accounts.ACCOUNT_FREE_TRIES
    assert accounts.backoff(free - 1) == 0
    assert accounts.backoff(free + 1) == 2 * accounts.backoff(free) > 0
    assert accounts.backoff(free + 30) == accounts.BACKOFF_MAX


def test_another_account_is_not_held_back(limited):
    for i in range(accounts.ACCOUNT_FREE_TRIES + 1):
        attempt(limited, "s1", "wrong-password", f"10.1.{i}.1")
    assert attempt(limited, "s2", STEWARD_PASSWORD, "10.1.0.1") == 303


def test_the_account_holder_reads_how_many_passwords_were_tried(limited, db):
    for i in range(3):
        attempt(limited, "s1", "wrong-password", f"10.2.{i}.1")
    attempt(limited, "duban", "wrong-password", "10.2.9.1")
    attempt(limited, "ghost", "wrong-password", "10.2.9.2")
    result = limited.test_cli_runner().invoke(args=["digest", "--print"])
    assert result.exit_code == 0
    s1 = result.output.split("【每日汇总】")[1]
    assert "陈静" in s1 and "有人试了3次密码" in s1
    assert "账号 duban" in result.output and "有人试了1次密码" in result.output
    assert "ghost" not in result.output


@pytest.mark.parametrize("typed, logged", [("yanji-dagj-2026", False), ("s1", True)])
def test_an_account_name_is_logged_only_when_it_exists(limited, caplog, typed, logged):
    caplog.set_level(logging.INFO)
    attempt(limited, typed, "wrong-password", "10.3.0.1")
    failures = [r.getMessage() for r in caplog.records if "sign-in failed" in r.getMessage()]
    assert failures and (typed in failures[0]) is logged
