"""Configuration: every setting is documented where an operator looks, and parsed as documented."""
from pathlib import Path

import pytest

from forms_app.core import config
from tests import REPO_ROOT

ROOT = REPO_ROOT


@pytest.mark.parametrize("document", [".env.example", "README.md"])
def test_every_setting_is_documented(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    missing = [name for name in config.SETTINGS if name not in text]
    assert missing == []


def test_defaults_and_parsing():
    parsed = config.from_environ({"SYNC_INTERVAL": "2.5", "RATELIMIT_ENABLED": "no", "SEED_SAMPLE_SESSIONS": "1",
                                  "MAX_CONTENT_LENGTH": "", "TRUSTED_PROXY_ADDRESSES": "10.0.0.0/8"})
    assert parsed["SYNC_INTERVAL"] == 2.5 and parsed["RATELIMIT_ENABLED"] is False
    assert parsed["SEED_SAMPLE_SESSIONS"] is True and parsed["TRUSTED_PROXY_ADDRESSES"] == "10.0.0.0/8"
    assert parsed["MAX_CONTENT_LENGTH"] == 64 * 1024  # empty means the default
    assert config.from_environ({})["TRUSTED_PROXY_ADDRESSES"] == "127.0.0.1,::1"


def test_sheets_are_on_only_with_both_key_and_credentials():
    for key, creds, on in (("k", "f.json", True), ("k", "", False), ("", "f.json", False)):
        settings = {"SHEETS_SPREADSHEET_KEY": key, "GOOGLE_SERVICE_ACCOUNT_FILE": creds, "TESTING": True}
        config.finalise(settings, debug=False)
        assert settings["SHEETS_ENABLED"] is on


def test_env_example_can_be_sourced_by_bash_as_scripts_run_does(tmp_path):
    import subprocess

    script = f"set -a; source {ROOT / '.env.example'}; set +a; printf '%s|%s' \"$RATELIMIT_SUBMIT\" \"$SYNC_INTERVAL\""
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "10 per minute;60 per hour|5"
