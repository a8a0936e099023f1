"""The echo rule (x12-binding.md 2.4): one search, the same answer as the rule said per character."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ecert_edi.bindings.x12.chars import echo


def by_the_rule(value: str) -> str:
    return "".join(c if " " <= c <= "~" and c not in "*:^~`" else " " for c in value)


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=120))
def test_echo_is_the_rule_character_by_character(value):
    assert echo(value) == by_the_rule(value)
    assert len(echo(value)) == len(value)
