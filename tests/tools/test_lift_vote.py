"""The owners' vote calculator: exact thresholds, shortfalls, parsing, and the page (no JS, nothing kept)."""
from __future__ import annotations

import logging
from fractions import Fraction

import pytest

from forms_app.tools import lift_vote as lv
from tests.conftest import hidden_fields


def rows(*specs: str) -> str:
    return "\n".join(specs)


def twelve(agree: int, against: int = 0, abstain: int = 0, area: str = "50") -> str:
    """Twelve equal flats; the rest of the twelve did not take part."""
    opinions = ["同意"] * agree + ["反对"] * against + ["弃权"] * abstain
    opinions += ["未参与"] * (12 - len(opinions))
    return "\n".join(f"{100 + i}\t{area}\t{o}" for i, o in enumerate(opinions, start=1))


# (case, text, mode, verdict, failures)
CASES = [
    ("exactly 2/3 take part, exactly 3/4 agree", twelve(6, 2), "lift", "通过", []),
    ("one short of 2/3 taking part", twelve(6, 1), "lift", "未通过", ["参加表决的还差 1 户、50 m²"]),
    ("exactly 3/4 of participants agree (abstain counts as taking part)", twelve(6, 1, 1), "lift", "通过", []),
    ("one short of 3/4 agreement", twelve(5, 3), "lift", "未通过", ["还差 1 户、50 m² 同意"]),
    ("all take part, all agree", twelve(12), "lift", "通过", []),
    ("exactly half is not a majority", twelve(4, 4), "civil-general", "未通过", ["还差 1 户、超过 0 m² 同意"]),
    ("one over half is a majority", twelve(5, 3), "civil-general", "通过", []),
    ("majority is not enough for special items", twelve(5, 3), "civil-special", "未通过", ["还差 1 户、50 m² 同意"]),
    ("estate-wide land: 126号 passes, §278(八) does not", twelve(5, 3), "lift-estate", "两种算法结果不一样",
     ["按民法典第二百七十八条第（八）项（四分之三以上）：还差 1 户、50 m² 同意"]),
    ("estate-wide land: both pass", twelve(8), "lift-estate", "通过", []),
    ("partial common parts, special", twelve(6, 2), "partial-special", "通过", []),
    ("partial common parts, general: exactly half fails", twelve(4, 4), "partial-general", "未通过", ["还差 1 户、超过 0 m² 同意"]),
    # headcount passes, area does not: the big flats said no
    ("area fails while headcount passes",
     rows("101 30 同意", "102 30 同意", "103 40 同意", "104 50 反对"), "lift", "未通过",
     ["还差 12.5 m² 同意"]),
    # the issue's own example: both headcount and area short
    ("one household and 12.5 m² short", rows("101 60 同意", "102 40 同意", "201 10 反对", "202 40 反对"), "lift", "未通过",
     ["还差 1 户、12.5 m² 同意"]),
    ("missing agreement and participation both named", twelve(4, 3), "lift", "未通过",
     ["参加表决的还差 1 户、50 m²", "还差 2 户、62.5 m² 同意"]),
    # 公房 lines count like any other household (the tenant votes by agreement with the landlord)
    ("public housing lines", rows("101,50,同意,公房", "102,50,同意", "103,50,同意,公房", "104,50,反对"), "lift", "通过", []),
    ("full-width commas, m² suffix, header row", rows("室号，面积，意见", "101，50㎡，同意", "102，50平方米，同意", "103，50，赞成"),
     "lift", "通过", []),
]


@pytest.mark.parametrize("case, text, mode, verdict, failures", CASES, ids=[c[0] for c in CASES])
def test_verdicts_and_shortfalls(case, text, mode, verdict, failures):
    result = lv.evaluate(lv.parse(text), mode)
    assert result.verdict == verdict
    assert result.failures() == failures


def test_exact_two_thirds_with_areas_that_floats_get_wrong():
    """0.1 + 0.2 style areas: 2/3 of 0.3 is exactly 0.2 — floats would say 0.19999…"""
    result = lv.evaluate(lv.parse(rows("1 0.1 同意", "2 0.1 同意", "3 0.1 未参与")), "civil-general")
    assert result.participation[0].passed and result.participation[1].passed
    assert result.part_area == Fraction(1, 5)
    assert isinstance(result.part_area, Fraction)


def test_shortfall_in_area_is_rounded_up_to_the_hundredth():
    # 3 flats of 10, 10, 10.01: 2/3 of 30.01 = 20.00666… → 20.01; one 10 took part → short 10.01
    result = lv.evaluate(lv.parse(rows("1 10 同意", "2 10 未参与", "3 10.01 未参与")), "lift")
    assert result.failures()[0] == "参加表决的还差 1 户、10.01 m²"


def test_the_articles_are_cited():
    result = lv.evaluate(lv.parse(rows("1,50,同意,公房", "2,50,同意")), "lift")
    text = " ".join(result.basis)
    for article in ("沪房更新〔2024〕126号 第三部分第（二）项", "第二百七十八条", "第一千二百五十九条", "第二部分第（一）项"):
        assert article in text
    assert "第六十九条" in " ".join(lv.evaluate(lv.parse("1 5 同意"), "partial-general").basis)


BAD_INPUT = [
    ("zero area", "101 0 同意", ["第1行：面积“0”不对，要写大于 0 的数字，比如 56.3。"]),
    ("negative area", "101 -5 同意", ["第1行：面积“-5”不对，要写大于 0 的数字，比如 56.3。"]),
    ("missing area", "101 同意", ["第1行：缺少面积或意见。每行要写：室号、面积、意见（同意/反对/弃权/未参与）。"]),
    ("missing opinion", "101 56.3", ["第1行：缺少意见。每行要写：室号、面积、意见（同意/反对/弃权/未参与）。"]),
    ("only a room", "101", ["第1行：缺少面积和意见。每行要写：室号、面积、意见（同意/反对/弃权/未参与）。"]),
    ("text as area", "101 五十 同意", ["第1行：面积“五十”不对，要写大于 0 的数字，比如 56.3。"]),
    ("not a number at all", "101 NaN 同意", ["第1行：面积“NaN”不对，要写大于 0 的数字，比如 56.3。"]),
    ("unknown opinion", "101 50 随便", ["第1行：意见“随便”看不懂，只能写 同意、反对、弃权 或 未参与。"]),
    ("bad fourth field", "101 50 同意 私房", ["第1行：第四项只能写“公房”，现在是“私房”。"]),
    ("too many fields", "101 50 同意 公房 多余", ["第1行：内容太多了。每行只写：室号、面积、意见，公房再加“公房”。"]),
    ("duplicate room", "101 50 同意\n\n101 48 反对", ["第3行：室号 101 和第1行重复了，一户只能算一次。"]),
    ("nothing", "  \n ", ["还没有填任何一户。每行写一户：室号、面积、意见。"]),
    ("several bad lines, all named", "101 50 同意\n102 x 同意\n103 50 好", [
        "第2行：面积“x”不对，要写大于 0 的数字，比如 56.3。",
        "第3行：意见“好”看不懂，只能写 同意、反对、弃权 或 未参与。"]),
]


@pytest.mark.parametrize("case, text, messages", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_malformed_input_gets_line_numbered_chinese_errors(case, text, messages):
    with pytest.raises(lv.InputErrors) as caught:
        lv.parse(text)
    assert caught.value.messages == messages


def test_too_many_lines_are_refused():
    with pytest.raises(lv.InputErrors, match="最多"):
        lv.parse("\n".join(f"{i} 50 同意" for i in range(lv.MAX_LINES + 1)))


# --- the page -----------------------------------------------------------------------------

URL = "/forms/tools/lift-vote"


def post(client, households: str, mode: str = "lift", total_households: str | None = None, total_area: str | None = None):
    """Post the lines; the totals default to the lines' own (when they parse)."""
    token = hidden_fields(client.get(URL).get_data(as_text=True))["csrf_token"]
    if total_households is None or total_area is None:
        try:
            lines = lv.parse(households)
            total_households = total_households if total_households is not None else str(len(lines))
            total_area = total_area if total_area is not None else lv.format_area(sum(h.area for h in lines))
        except lv.InputErrors:
            total_households, total_area = total_households or "10", total_area or "500"
    return client.post(URL, data={"csrf_token": token, "mode": mode, "households": households,
                                  "total_households": total_households, "total_area": total_area})


def test_page_says_nothing_is_kept_and_works_without_javascript(client):
    response = client.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "不保存、不记录" in html
    assert '<form method="post"' in html and "<script" not in html.split("</head>")[1]


def test_post_shows_verdict_shortfall_tally_and_articles(client):
    response = post(client, twelve(5, 3))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="verdict">未通过<' in html
    assert "还差 1 户、50 m² 同意" in html
    assert "同意 5 户，反对 3 户，弃权 0 户，未参与 4 户" in html
    assert "第一千二百五十九条" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_bad_lines_are_listed_and_what_was_typed_is_kept(client):
    text = "101 50 同意\n102 x 同意"
    html = post(client, text).get_data(as_text=True)
    assert "第2行：面积“x”不对" in html
    assert "102 x 同意" in html          # kept in the box
    assert 'id="verdict"' not in html


def test_nothing_is_stored_or_logged(client, app, db, caplog):
    before = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
              for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    with caplog.at_level(logging.DEBUG):
        post(client, "房9901 50 同意\n房9902 50 反对")
    after = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in before}
    assert after == before
    assert "房9901" not in caplog.text


def test_unknown_mode_is_refused_in_chinese(client):
    response = post(client, "101 50 同意", mode="nope")
    assert response.status_code == 400
    assert "请选择表决的是什么事" in response.get_data(as_text=True)


# --- hostile numbers (issue 18, finding 1) -------------------------------------------------

HOSTILE_AREAS = ["1e999999999", "1e5000", "9" * 5000, "1E5", "0x10", "56.30000", "123456", "1_000", "５６.３", "56.3.1",
                 ".5", "5.", "+5", "inf", "Infinity", "-0", "1e-5"]


@pytest.mark.parametrize("area", HOSTILE_AREAS, ids=[a[:20] for a in HOSTILE_AREAS])
def test_only_plain_decimal_areas_are_read(area):
    """An area is at most 5 digits and 4 decimals, nothing else: never an exponent for Fraction to expand."""
    with pytest.raises(lv.InputErrors) as caught:
        lv.parse(f"101 {area} 同意")
    assert caught.value.messages[0].startswith("第1行：面积")


@pytest.mark.parametrize("area, value", [("56.3", Fraction(563, 10)), ("99999.9999", Fraction(999999999, 10000)),
                                         ("0.0001", Fraction(1, 10000)), ("48㎡", Fraction(48)), ("007", Fraction(7))])
def test_plain_areas_still_read_exactly(area, value):
    assert lv.parse(f"101 {area} 同意")[0].area == value


def test_a_room_name_is_bounded():
    with pytest.raises(lv.InputErrors, match="第1行：室号太长"):
        lv.parse("1" * 41 + " 50 同意")


@pytest.mark.parametrize("households", ["101 1e999999999 同意", "101 1e5000 反对", "101 " + "9" * 4000 + " 同意"])
def test_hostile_numbers_get_a_clear_answer_quickly(client, households):
    import time
    start = time.perf_counter()
    response = post(client, households)
    assert time.perf_counter() - start < 2
    assert response.status_code == 400
    assert "第1行：面积" in response.get_data(as_text=True)


def test_the_calculator_has_a_rate_limit(app_config):
    from forms_app import create_app
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_TOOLS": "2 per minute"})
    client = app.test_client()
    assert [post(client, "101 50 同意").status_code for _ in range(3)] == [200, 200, 429]


# --- issue 19: the review's five tallies, totals, two verdicts, exact words ----------------------

def test_exact_two_thirds_is_said_as_a_fraction_not_a_rounded_percentage():
    result = lv.evaluate(lv.parse(twelve(6, 2)), "lift", 12, Fraction(600))
    words = [c.words for c in result.participation]
    assert words == ["400/600 m²，正好三分之二", "8/12 户，正好三分之二"]
    assert result.verdict == "通过"


def test_just_under_three_quarters_by_area_fails_exactly():
    text = rows("101 100 同意", "102 100 同意", "103 99.9 同意", "104 100 反对")
    result = lv.evaluate(lv.parse(text), "lift", 4, Fraction("399.9"))
    agreement_area = result.agreement[0]
    assert agreement_area.needed_share * agreement_area.of - agreement_area.have == Fraction("0.025")
    assert result.verdict == "未通过"
    assert result.failures() == ["还差 0.03 m² 同意"]
    assert agreement_area.words == "299.9/399.9 m²，不到四分之三（约 74.9%）"


def test_section_69_half_and_half_is_not_a_majority():
    result = lv.evaluate(lv.parse(twelve(6, 6)), "partial-general", 12, Fraction(600))
    assert result.verdict == "未通过"
    assert result.agreement[1].words == "6/12 户，正好一半"
    assert "第六十九条" in " ".join(result.basis)


def test_estate_land_vote_at_57_percent_shows_both_verdicts_and_the_advice():
    opinions = ["同意"] * 137 + ["反对"] * 103 + ["未参与"] * 60
    text = "\n".join(f"{i} 60 {o}" for i, o in enumerate(opinions, start=1))
    result = lv.evaluate(lv.parse(text), "lift-estate", 300, Fraction(18000))
    assert [(v.rule.name, v.word) for v in result.verdicts] == [
        ("按沪房更新〔2024〕126号（过半数）", "通过"), ("按民法典第二百七十八条第（八）项（四分之三以上）", "未通过")]
    assert result.split and result.verdict == "两种算法结果不一样"
    assert "先问街道房管办" in result.mode.advice
    assert any("第二百七十八条第一款第（八）项" in b for b in result.basis)


def test_missing_lines_count_as_not_taking_part_and_are_named():
    text = "\n".join(f"{i} 50 {'同意' if i <= 6 else '反对'}" for i in range(1, 8))   # 7 of 12 households pasted
    inflated = lv.evaluate(lv.parse(text), "lift")
    assert inflated.verdict == "通过"   # measured against the pasted lines only: the old mistake
    result = lv.evaluate(lv.parse(text), "lift", 12, Fraction(600))
    assert result.verdict == "未通过"
    assert result.failures()[0] == "参加表决的还差 1 户、50 m²"
    assert result.gaps() == "贴进来 7 户、350 m²，全部是 12 户、600 m²：还有 5 户、250 m² 没贴进来，都算作没有参加表决。"


@pytest.mark.parametrize("count, area, message", [
    (3, Fraction(600), "总户数写的是 3 户"),
    (12, Fraction(100), "总面积写的是 100 m²"),
])
def test_totals_smaller_than_the_lines_are_refused(count, area, message):
    with pytest.raises(lv.InputErrors, match=message):
        lv.evaluate(lv.parse(twelve(6, 2)), "lift", count, area)


def test_public_housing_headcount_rule_is_stated_with_its_sources_and_flagged():
    assert "第二部分第（一）项" in lv.PUBLIC_HEADCOUNT and "第九条" in lv.PUBLIC_HEADCOUNT
    assert "请向房管办确认" in lv.PUBLIC_HEADCOUNT


@pytest.mark.parametrize("field, total_households, total_area, message", [
    ("total_households", "", "600", "请填全部户数"),
    ("total_area", "12", "", "请填全部面积"),
    ("total_households", "1e5000", "600", "全部户数要写 1 到 20000 之间的整数"),
    ("total_households", "0", "600", "全部户数要写 1 到 20000 之间的整数"),
    ("total_area", "12", "1e999999999", "全部面积要写大于 0 的数字"),
    ("total_area", "12", "-5", "全部面积要写大于 0 的数字"),
    ("total_households", "3", "600", "全部户数写的是 3 户，可是贴进来了 12 户"),
    ("total_area", "12", "100", "全部面积写的是 100 平方米"),
])
def test_bad_totals_name_their_field_and_keep_what_was_typed(client, field, total_households, total_area, message):
    response = post(client, twelve(6, 2), total_households=total_households, total_area=total_area)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert f'href="#{field}"' in html
    assert "101\t50\t同意" in html or "101	50	同意" in html


def test_the_page_shows_both_verdicts_side_by_side_and_no_lone_pass(client):
    opinions = ["同意"] * 137 + ["反对"] * 103 + ["未参与"] * 60
    text = "\n".join(f"{i} 60 {o}" for i, o in enumerate(opinions, start=1))
    html = post(client, text, mode="lift-estate", total_households="300", total_area="18000").get_data(as_text=True)
    assert 'id="verdict">两种算法结果不一样<' in html
    assert 'id="verdicts"' in html and "<strong>通过</strong>" in html and "<strong>未通过</strong>" in html
    assert 'id="advice"' in html
    assert 'id="verdict">通过<' not in html


def test_the_page_says_exact_fractions_and_the_gap(client):
    text = "\n".join(f"{i} 50 {'同意' if i <= 6 else '反对'}" for i in range(1, 8))
    html = post(client, text, total_households="12", total_area="600").get_data(as_text=True)
    assert "7/12 户，不到三分之二" in html
    assert 'id="gaps"' in html and "还有 5 户、250 m² 没贴进来" in html
    assert "66.6%" not in post(client, twelve(6, 2), total_households="12", total_area="600").get_data(as_text=True)
