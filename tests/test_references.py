import re

import pytest

from forms_app.core import references


def test_new_reference_shape_and_alphabet():
    for kind, prefix in references.PREFIXES.items():
        ref = references.new_reference(kind)
        assert re.fullmatch(prefix + r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}", ref), ref
        assert not set(ref) & set("01OIL")


def test_references_draw_on_the_whole_alphabet_in_every_position():
    sample = [references.new_reference("report").replace("-", "")[1:] for _ in range(3000)]
    for position in range(references.BODY_LENGTH):
        assert {ref[position] for ref in sample} == set(references.ALPHABET)


@pytest.mark.parametrize("typed, expected", [
    ("W7K3-M9P", "W7K3-M9P"), ("w7k3m9p", "W7K3-M9P"), (" w7k3 m9p ", "W7K3-M9P"),
    ("Ｗ７Ｋ３－Ｍ９Ｐ", "W7K3-M9P"), ("W7K3M9", ""), ("", ""), ("W7K3-M9PX", ""),
])
def test_normalise(typed, expected):
    assert references.normalise(typed) == expected


@pytest.mark.parametrize("ref, kind", [
    ("W7K3-M9P", "report"), ("J7K3-M9P", "signup"), ("X7K3-M9P", None), ("W7K0-M9P", None), ("W7K3M9P", None),
])
def test_kind_of(ref, kind):
    assert references.kind_of(ref) == kind
