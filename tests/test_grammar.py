"""The remembered LALR transitions accept exactly what Lark's parser accepts, token by token."""

from hypothesis import given, settings
from hypothesis import strategies as st
from lark.exceptions import UnexpectedInput

from ecert_edi.bindings.abi.records import UNKNOWN
from ecert_edi.bindings.abi.grammar import Transitions, grammar

INBOUND = ["A", "Z", "Y", "B_CR", "B_EN", "B_EC", "B_XX", "C0", "C1", "E0", "E1", "Q0", UNKNOWN]
RESPONSE = ["A", "Z", "Y", "B_CA", "B_EA", "B_EZ", "B_TR", "R0", "R1", "R2", "S0", "S1", UNKNOWN]


def lark_accepts(direction: str, tokens: list[str]) -> list[bool]:
    """For each prefix, whether Lark's own interactive parser takes the next token."""
    from lark import Token

    parser = grammar().parse_interactive(start=direction)
    out = []
    for t in tokens:
        if t not in parser.choices():
            out.append(False)
            continue
        trial = parser.copy()
        try:
            trial.feed_token(Token(t, ""))
        except UnexpectedInput:
            out.append(False)
            continue
        parser = trial
        out.append(True)
    return out


def remembered_accepts(direction: str, tokens: list[str]) -> list[bool]:
    table = Transitions(direction)
    state, out = table.start, []
    for t in tokens:
        nxt = table.step(state, t)
        out.append(nxt >= 0)
        if nxt >= 0:
            state = nxt
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(INBOUND), max_size=30))
def test_inbound_transitions_agree_with_lark(tokens):
    assert remembered_accepts("inbound", tokens) == lark_accepts("inbound", tokens)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(RESPONSE), max_size=30))
def test_response_transitions_agree_with_lark(tokens):
    assert remembered_accepts("response", tokens) == lark_accepts("response", tokens)


def test_well_formed_sequences_are_accepted_to_the_end():
    tokens = ["A", "B_CR", "C0", "C1", "C1", "C0", "Y", "B_EN", "E0", "E1", "Y", "B_EC", "Q0",
              "Q0", "Y", "Z"]
    assert all(remembered_accepts("inbound", tokens))
    tokens = ["A", "B_EA", "R0", "R1", "R2", "R2", "R0", "Y", "B_EZ", "R0", "S0", "S1", "S0", "Y",
              "B_TR", "R0", "R1", "Y", "Z"]
    assert all(remembered_accepts("response", tokens))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["A", "Z", "Y", "B_CR", "B_EN", "C0", "C1", "E0", "E1"]),
                min_size=1, max_size=14))
def test_walker_structure_agrees_with_a_whole_lark_parse(tokens):
    """A file whose records Lark parses whole has no structural condition in the walker, and a
    file Lark rejects has at least one."""
    from abi import record

    from ecert_edi.bindings.abi.reading import check_envelope

    def record_for(token: str) -> str:
        if token.startswith("B_"):
            return record("B", application=token[2:])
        if token in ("Y",):
            return record("Y", application="CR")
        return record(token)

    text = "\n".join(record_for(t) for t in tokens) + "\n"
    try:
        grammar().parse(text, start="inbound")
        lark_ok = True
    except UnexpectedInput:
        lark_ok = False
    structural = {"003", "004", "010", "011", "015", "022", "023", "024"}
    envelope = check_envelope(text.encode())
    found = {c.code for c in envelope.conditions} | {
        c.code for b in envelope.batches.values() for c in b.conditions
    }
    assert lark_ok == (not found & structural)
