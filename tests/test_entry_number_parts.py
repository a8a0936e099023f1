"""`valid_entry_number` (the check digit by parts, the filer codes remembered) says what the
pattern and `check_digit` say, for any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ecert_edi.domain import codes

CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def reference(value: str) -> bool:
    if codes.ENTRY_NUMBER_PATTERN.fullmatch(value) is None:
        return False
    return codes.check_digit(value[:10]) == int(value[10])


NUMBERS = st.builds(lambda f, s: f + s, st.text(CHARS, min_size=3, max_size=3),
                    st.text("0123456789", min_size=8, max_size=8))
ODD = st.text(st.sampled_from(list(CHARS) + [" ", "a", "²", "٣", "-", "\n", "\x00"]), max_size=13)


@settings(max_examples=2000, deadline=None)
@given(value=st.one_of(NUMBERS, ODD, st.builds(lambda n, o, k: n[:k] + o + n[k:], NUMBERS, ODD,
                                               st.integers(0, 11))))
def test_valid_entry_number_is_the_pattern_and_the_check_digit(value):
    assert codes.valid_entry_number(value) == reference(value)
    assert codes.valid_entry_number(value) == reference(value)  # and again, its filer code known


def test_a_number_with_its_own_check_digit_is_valid_and_no_other_is():
    for first10 in ("AB20000000", "B2X0000001", "9Z90000123"):
        digit = codes.check_digit(first10)
        for d in range(10):
            assert codes.valid_entry_number(f"{first10}{d}") == (d == digit)
