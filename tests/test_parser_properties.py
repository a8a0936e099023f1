"""Properties of reading any input: nothing raises, and every condition is one the spec defines,
at a place that exists in the file (spec 3.1, 4.2, 7)."""

from __future__ import annotations

from abi import to_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import valid_transmissions

from ecert_edi.domain.conditions import CATALOGUE
from ecert_edi.bindings.abi.reading import check_envelope, iter_conditions, parse_file

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def physical_lines(data: bytes) -> int:
    """The number of physical lines of a file: LF-ended lines, and a last line without ending."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def read_everything(data: bytes):
    """Every reading of spec 4.2's two passes, as the processor and the validator make them."""
    parsed = parse_file(data)
    envelope = check_envelope(data)
    streamed = list(iter_conditions(data))
    return parsed, envelope, streamed


def assert_well_placed(data: bytes, conditions) -> None:
    lines = physical_lines(data)
    for c in conditions:
        assert c.code in CATALOGUE, c
        severity, _level, narrative = CATALOGUE[c.code]
        assert c.severity == severity, c
        assert c.text.startswith(narrative), c
        assert 0 <= c.line <= lines, (c, lines)
        assert 0 <= c.column <= 81, c
        if c.line == 0:
            assert c.column == 0, c


def check(data: bytes) -> None:
    parsed, envelope, streamed = read_everything(data)
    for conditions in (parsed.conditions, envelope.conditions, streamed):
        assert_well_placed(data, conditions)
    for info in envelope.batches.values():
        assert_well_placed(data, info.conditions)
    # iter_conditions: line, column, code order, with the conditions of no place (0/0) last
    placed = [c for c in streamed if c.line]
    unplaced = [c for c in streamed if not c.line]
    assert streamed == sorted(placed) + sorted(unplaced)
    # the two passes agree on the envelope, and the full parse holds every streamed condition
    assert sorted(set(envelope.conditions)) == sorted(set(parsed.envelope.conditions))
    assert set(streamed) == set(parsed.conditions)


# -- mutations of valid files ------------------------------------------------------------------


@st.composite
def mutated(draw) -> bytes:
    """A valid transmission after a few random edits of its lines or bytes."""
    lines = draw(valid_transmissions()).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(
            ["delete", "duplicate", "swap", "truncate", "widen", "flip", "insert-empty"]
        ))
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            lines.append("")
        elif kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, 80))]
        elif kind == "widen":
            lines[i] += draw(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                                     min_size=1, max_size=120))
        elif kind == "flip":
            text = lines[i].ljust(1)
            at = draw(st.integers(0, len(text) - 1))
            lines[i] = text[:at] + chr(draw(st.integers(0, 255))) + text[at + 1:]
        else:
            lines.insert(i, "")
    eol = draw(st.sampled_from(["\n", "\r\n", "mixed"]))
    if eol == "mixed":
        endings = draw(st.lists(st.sampled_from(["\n", "\r\n"]), min_size=len(lines),
                                max_size=len(lines)))
        data = "".join(line + end for line, end in zip(lines, endings)).encode("latin-1")
    else:
        data = to_bytes(lines, eol)
    if draw(st.booleans()):
        data = data.rstrip(b"\r\n")  # the last line may lack its ending
    return data


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_and_conditions_are_well_placed(data):
    check(data)


@SETTINGS
@given(st.lists(
    st.sampled_from(["A", "B", "BCR", "BEN", "BEC", "BXX", "Y", "Z", "C0", "C1", "E0", "E1",
                     "Q0", "R0", "", "\x00"]).flatmap(
        lambda rid: st.text(st.characters(max_codepoint=0xFF), max_size=90).map(lambda s: rid + s)
    ),
    max_size=15,
))
def test_record_shaped_lines_never_raise(lines):
    check("\n".join(lines).encode("latin-1"))


@SETTINGS
@given(mutated())
def test_mutated_valid_files_never_raise_and_conditions_are_well_placed(data):
    check(data)


@settings(max_examples=60, deadline=None)
@given(valid_transmissions(), st.sampled_from(["\n", "\r\n"]))
def test_valid_files_give_no_condition(text, eol):
    data = to_bytes(text.splitlines(), eol)
    parsed, envelope, streamed = read_everything(data)
    assert parsed.conditions == []
    assert envelope.conditions == [] and envelope.batches == {}
    assert streamed == []


@settings(max_examples=60, deadline=None)
@given(valid_transmissions(), st.data())
def test_empty_lines_only_shift_line_numbers(text, data):
    # spec 3.1: zero-length lines are ignored but counted
    lines = text.splitlines()
    where = data.draw(st.integers(1, len(lines)), label="empty line before line")
    fault = data.draw(st.integers(1, len(lines)), label="long line")
    lines[fault - 1] += "X"
    before = list(iter_conditions(to_bytes(lines)))
    lines.insert(where - 1, "")
    after = list(iter_conditions(to_bytes(lines)))
    shifted = [(c.line + (c.line >= where), c.column, c.code) for c in before]
    assert [(c.line, c.column, c.code) for c in after] == shifted
    assert (fault + (fault >= where), 81, "002") in shifted
