import itertools
import re

import pytest

from forms_app.core import references


def test_new_references_are_eight_digits_kind_first_and_pass_their_check_digit():
    for kind, first in references.KINDS.items():
        for _ in range(200):
            ref = references.new_reference(kind)
            assert re.fullmatch(first + r"\d{7}", ref), ref
            assert references.damm_valid(ref) and references.kind_of(ref) == kind


def test_reports_and_signups_differ_in_their_first_digit():
    assert references.KINDS["report"] != references.KINDS["signup"]
    assert references.kind_of(references.new_reference("report")) == "report"
    assert references.kind_of(references.new_reference("signup")) == "signup"


def test_random_digits_cover_every_digit_in_every_position():
    sample = [references.new_reference("report")[1:-1] for _ in range(2000)]
    for position in range(references.RANDOM_DIGITS):
        assert {ref[position] for ref in sample} == set("0123456789")


def test_damm_known_value():
    # The textbook example: 572 -> check digit 4.
    assert references.damm_digit("572") == "4" and references.damm_valid("5724") and not references.damm_valid("5723")


def test_every_single_digit_error_is_caught():
    ref = references.new_reference("report")
    for position, digit in itertools.product(range(references.LENGTH), "0123456789"):
        typo = ref[:position] + digit + ref[position + 1:]
        if typo != ref:
            assert references.normalise(typo) == "", typo
            assert references.problem(typo) == references.MISTYPED


def test_every_adjacent_swap_is_caught():
    for _ in range(50):
        ref = references.new_reference("signup")
        for i in range(references.LENGTH - 1):
            swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2:]
            if swapped != ref:
                assert not references.damm_valid(swapped), (ref, swapped)


GOOD = "2" + "604193" + references.damm_digit("2604193")


@pytest.mark.parametrize("typed, expected", [
    (GOOD, GOOD), (references.display(GOOD), GOOD), (f" {GOOD[:4]}-{GOOD[4:]} ", GOOD),
    ("".join(chr(ord(c) + 0xFEE0) for c in GOOD), GOOD),                     # full-width digits
    (GOOD[:-1], ""), (GOOD + "1", ""), ("", ""),
    # References issued before keep working:
    ("W7K3-M9P", "W7K3-M9P"), ("w7k3m9p", "W7K3-M9P"), (" w7k3 m9p ", "W7K3-M9P"),
    ("Ｗ７Ｋ３－Ｍ９Ｐ", "W7K3-M9P"), ("W7K3M9", ""), ("W7K3-M9PX", ""), ("j4km 7px", "J4KM-7PX"),
])
def test_normalise(typed, expected):
    assert references.normalise(typed) == expected


@pytest.mark.parametrize("typed, says", [
    (GOOD, ""), ("W7K3-M9P", ""), ("garbled", ""),
    (GOOD[:-1] + str((int(GOOD[-1]) + 1) % 10), references.MISTYPED),
    (GOOD[:6], "编号是 8 个数字，您填了 6 个"),
])
def test_problem_names_what_is_wrong(typed, says):
    assert (references.problem(typed) or "").startswith(says) if says else references.problem(typed) == ""


@pytest.mark.parametrize("ref, kind", [
    ("W7K3-M9P", "report"), ("J7K3-M9P", "signup"), ("X7K3-M9P", None), ("W7K0-M9P", None), ("W7K3M9P", None),
    (GOOD, "report"), ("8" + GOOD[1:-1] + references.damm_digit("8" + GOOD[1:-1]), "signup"),
    ("5" + GOOD[1:-1] + references.damm_digit("5" + GOOD[1:-1]), None), (GOOD[:-1] + "x", None), ("", None),
])
def test_kind_of(ref, kind):
    assert references.kind_of(ref) == kind


@pytest.mark.parametrize("ref, shown", [("26041937", "2604 1937"), ("W7K3-M9P", "W7K3-M9P"), ("", "")])
def test_display_groups_of_four(ref, shown):
    assert references.display(ref) == shown


def test_example_is_a_valid_report_reference():
    assert references.kind_of(references.normalise(references.example("report"))) == "report"
