"""Configuration: every setting is documented where an operator looks, and parsed as documented."""
import re
from pathlib import Path

import pytest

from forms_app.core import config
from tests import REPO_ROOT

ROOT = REPO_ROOT


# Named in the documents but not declared in SETTINGS: Flask reads FLASK_DEBUG itself; scripts/run the others.
OUTSIDE_SETTINGS = {"FLASK_DEBUG", "HOST", "PORT", "WEB_WORKERS"}


def shown(default) -> str | None:
    """A default as the documents write it (None: no value to show)."""
    if default is None:
        return None
    if isinstance(default, bool):
        return "1" if default else "0"
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


def settings_table(text: str) -> dict[str, list[str]]:
    """manual/settings.md's table: setting name -> the default cells of every row naming it."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                rows.setdefault(name, []).append(cells[1])
    return rows


def env_example(text: str) -> dict[str, list[str]]:
    """.env.example: setting name -> the values it is given (commented-out lines count)."""
    lines: dict[str, list[str]] = {}
    for match in re.finditer(r"^(?:# )?([A-Z][A-Z0-9_]+)=(.*)$", text, re.M):
        lines.setdefault(match.group(1), []).append(match.group(2).strip().strip("'\""))
    return lines


def test_the_settings_page_lists_every_setting_once_with_its_default_and_no_other():
    rows = settings_table((ROOT / "manual" / "settings.md").read_text(encoding="utf-8"))
    assert set(rows) - OUTSIDE_SETTINGS == set(config.SETTINGS), "manual/settings.md and SETTINGS differ"
    assert [name for name, cells in rows.items() if len(cells) > 1] == []
    wrong = {}
    for name, (default, _) in config.SETTINGS.items():
        cell, value = rows[name][0], shown(default)
        if value is None:
            ok = cell != ""
        elif value == "":
            ok = cell.startswith("empty")
        else:
            ok = f"`{value}`" in cell
        if not ok:
            wrong[name] = (cell, value)
    assert wrong == {}


def test_env_example_lists_every_setting_once_with_its_default_and_no_other():
    lines = env_example((ROOT / ".env.example").read_text(encoding="utf-8"))
    assert set(lines) - OUTSIDE_SETTINGS == set(config.SETTINGS), ".env.example and SETTINGS differ"
    assert [name for name, values in lines.items() if len(values) > 1] == []
    wrong = {name: (lines[name][0], shown(default)) for name, (default, _) in config.SETTINGS.items()
             if lines[name][0] != (shown(default) or "")}
    assert wrong == {}


@pytest.mark.parametrize("text, problem", [
    ("| `SYNC_INTERVAL` | `7` | x |", "default"),
    ("| `NO_SUCH_SETTING` | empty | x |", "unknown"),
])
def test_the_settings_check_sees_a_wrong_default_and_an_unknown_name(text, problem):
    rows = settings_table(text)
    if problem == "default":
        assert "`5`" not in rows["SYNC_INTERVAL"][0]
    else:
        assert set(rows) - OUTSIDE_SETTINGS - set(config.SETTINGS) == {"NO_SUCH_SETTING"}


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
