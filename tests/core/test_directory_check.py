"""scripts/check-directory and `flask check-directory`: a data file checked with Chinese errors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from forms_app.core import directory_check
from tests import REPO_ROOT

ROOT = REPO_ROOT
DATA = yaml.safe_load((ROOT / "data" / "directory.yaml").read_text(encoding="utf-8"))


def write(tmp_path, change) -> Path:
    data = yaml.safe_load(yaml.safe_dump(DATA, allow_unicode=True))
    change(data)
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_file_passes_with_a_summary():
    summary = directory_check.check()
    assert summary.startswith("目录数据没有问题")
    assert f"{len(DATA['stewards'])} 位大管家" in summary and f"{len(DATA['compounds'])} 个小区" in summary


BAD = [
    ("unknown steward", lambda d: d["compounds"][0].update(steward="s99"), "不在大管家名单里"),
    ("unknown area", lambda d: d["compounds"][0].update(area="nowhere"), "不在居民区名单里"),
    ("coverage not a yes/no", lambda d: d["areas"][0].update(covered="是"), "covered"),
    ("missing guide page", lambda d: d["categories"][0].update(guide="guides/no-such-page"), "docs/guides/no-such-page.md 不存在"),
    ("guide after an unknown category", lambda d: d["guides"][1].update(after="nope"), "不是问题类别的 id"),
    ("bad phone", lambda d: d["stewards"][0].update(phone="12"), "电话"),
]


@pytest.mark.parametrize("case, change, message", BAD, ids=[b[0] for b in BAD])
def test_a_broken_file_is_named_in_chinese(tmp_path, case, change, message):
    path = write(tmp_path, change)
    with pytest.raises(directory_check.DirectoryError, match=message):
        directory_check.check(path)
    result = subprocess.run([sys.executable, "-m", "forms_app.core.directory_check", str(path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 1 and "目录数据有误" in result.stderr and message.split("（")[0] in result.stderr


def test_the_flask_command_checks_a_given_file(app, tmp_path):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["check-directory"])
    assert ok.exit_code == 0 and "目录数据没有问题" in ok.output
    bad = runner.invoke(args=["check-directory", str(write(tmp_path, lambda d: d["compounds"][0].update(steward="s99")))])
    assert bad.exit_code == 1 and "不在大管家名单里" in bad.output


def test_a_missing_file_is_said_plainly(tmp_path):
    with pytest.raises(directory_check.DirectoryError, match="打不开目录文件"):
        directory_check.check(tmp_path / "nope.yaml")
