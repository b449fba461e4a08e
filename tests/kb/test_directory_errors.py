"""A mistake in the directory data stops the build with a Chinese message naming the entry."""
from __future__ import annotations

import copy

import pytest
import yaml

from forms_app.core import directory
from tests.kb.conftest import mkdocs_build

SAMPLE = yaml.safe_load(directory.DEFAULT_PATH.read_text(encoding="utf-8"))


def _compound(data, cid):
    """The raw entry of one compound."""
    return next(c for c in data["compounds"] if c["id"] == cid)


def duplicate_compound(data):
    data["compounds"].append(copy.deepcopy(_compound(data, "yanji2")))


def duplicate_steward(data):
    data["stewards"].append(copy.deepcopy(data["stewards"][0]))


def unknown_area(data):
    _compound(data, "yanji2")["area"] = "yanji99"


def no_steward(data):
    del _compound(data, "yanji2")["steward"]


def unknown_steward(data):
    _compound(data, "yanji2")["steward"] = "s9"


def bad_steward_phone(data):
    data["stewards"][0]["phone"] = "5555-01"


def bad_property_phone(data):
    _compound(data, "yanji2")["property_company"]["phone"] = "电话待定"


def bad_committee_phone(data):
    data["areas"][0]["committee"]["phone"] = "021-555"


@pytest.mark.parametrize("change, message", [
    (duplicate_compound, "小区 id「yanji2」重复出现"),
    (duplicate_steward, "大管家 id「s1」重复出现"),
    (unknown_area, "小区 yanji2 的居民区「yanji99」不在居民区名单里"),
    (no_steward, "小区 yanji2 没有指定大管家"),
    (unknown_steward, "小区 yanji2 的大管家「s9」不在大管家名单里"),
    (bad_steward_phone, "大管家 s1 的电话「5555-01」格式不对"),
    (bad_property_phone, "小区 yanji2 的物业公司的电话「电话待定」格式不对"),
    (bad_committee_phone, "居民区 dunhualu 的居委会的电话「021-555」格式不对"),
], ids=lambda v: v.__name__ if callable(v) else "")
def test_directory_error(change, message):
    data = copy.deepcopy(SAMPLE)
    change(data)
    with pytest.raises(directory.DirectoryError) as error:
        directory.parse(data)
    assert message in str(error.value)


def test_sample_directory_is_valid():
    parsed = directory.parse(copy.deepcopy(SAMPLE))
    assert len(parsed.areas) == 17 and all(c.steward for c in parsed.compounds.values())


@pytest.mark.parametrize("change, message", [
    (unknown_steward, "目录数据有误，网站没有生成：小区 yanji2 的大管家「s9」不在大管家名单里。"),
    (lambda data: data["street"].pop("site_url"), "street 下的 site_url 要写网站地址"),
    (lambda data: _compound(data, "yanji2").update(id="Yanji 2"), "小区 id「Yanji 2」会成为网址的一部分"),
    (lambda data: data["street"].update(sample=False), "site_url 还是本机地址"),
], ids=["unknown-steward", "no-site-url", "id-not-url-safe", "real-data-local-site-url"])
def test_build_fails_with_the_chinese_message(tmp_path, change, message):
    data = copy.deepcopy(SAMPLE)
    change(data)
    broken = tmp_path / "directory.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = mkdocs_build(tmp_path / "site", DIRECTORY_FILE=str(broken))
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "site" / "index.html").exists()
