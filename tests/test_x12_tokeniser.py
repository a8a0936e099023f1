"""Our tokeniser against pyx12's reader, the differential oracle (10.1): the same segments, ordinals,
digest, faults, answers and `ecert validate` lines on every fixture and generated interchange."""

from __future__ import annotations

import datetime as dt
import functools
import io
from unittest import mock

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_x12_build import FIXTURES, RECORDS, group, interchange, set_segments
from test_x12_robustness import BASES, mutated, soups

from ecert_edi.bindings.x12 import functional_ack, is_x12, read_interchange, splitting, ta1
from ecert_edi.bindings.x12 import reading as reading_module
from ecert_edi.bindings.x12.envelope import parse_isa
from ecert_edi.bindings.x12.segments import CHUNK, SEGMENT_LIMIT, Reading, segments
from ecert_edi.surfaces.cli import main

CLOCK = dt.datetime(2026, 1, 15, 9, 31)
SCENARIOS = FIXTURES.parent / "scenarios"
FILES = sorted([*FIXTURES.rglob("*.x12"), *SCENARIOS.glob("*/*.x12")])
# Block sizes: one character (every segment crosses blocks), small, and the real one.
SIZES = [1, 2, 7, 64, 1000, CHUNK]


def _pyx12_tokens(data: bytes):
    head = parse_isa(data[:106].decode("latin-1"))
    reading = Reading()
    got = [(s.ordinal, s.id, s.elements) for s in segments(io.BytesIO(data[106:]), head, "",
                                                           reading)]
    return got, reading.digest, reading.trailing


def _own_tokens(data: bytes, size: int):
    head = parse_isa(data[:106].decode("latin-1"))
    reading = Reading()
    got = [(s.ordinal, s.id, s.elements) for s in
           splitting.split_segments(io.BytesIO(data[106:]), head, reading, size)]
    return got, reading.digest, reading.trailing


def _read_own(data: bytes, size: int = CHUNK):
    with mock.patch.object(reading_module, "blocks",
                           functools.partial(splitting.blocks, size=size)):
        return read_interchange(data)


def _everything(ix) -> tuple:
    """All an interchange as read decides: faults, structure, each set's ABI text, the answers."""
    groups = []
    for g in ix.groups:
        sets = [(s.line, s.st01, s.st02, s.st03, s.read, s.codes, s.segment_faults, s.segments,
                 s.trailer_line, s.bgf03, s.records, s.accepted, s.abi()) for s in g.sets]
        groups.append((g.line, g.gs01, g.gs02, g.gs03, g.gs06, g.gs08, g.kind, g.read, g.codes,
                       g.ge01, g.trailer_line, g.ak901, sets))
    answers = (ta1(ix, CLOCK, 7) if ix.wants_ta1() else None,
               functional_ack(ix, CLOCK, 8) if ix.wants_ack() else None)
    return (ix.faults(), ix.ta1_faults, groups, ix.digest, ix.reading.trailing, ix.iea_line,
            ix.ta1_segments, [s.line for s in ix.processable()], answers)


def agree(data: bytes, sizes=SIZES) -> None:
    """Our tokeniser and walker give what pyx12's reader and the walker a segment at a time
    give, at every block size."""
    if not is_x12(data[:106]):
        return
    if parse_isa(data[:106].decode("latin-1")).tokenisable:
        oracle = _pyx12_tokens(data)
        for size in sizes:
            assert _own_tokens(data, size) == oracle, size
    with read_interchange(data, tokeniser="pyx12") as ix:
        expected = _everything(ix)
    for size in sizes:
        with _read_own(data, size) as ix:
            assert _everything(ix) == expected, size


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES.parent)))
def test_every_fixture_reads_alike(path):
    agree(path.read_bytes())


# --- malformed interchanges, a segment at a time
LONG = "B" * (SEGMENT_LIMIT + 5) + "\x01*" + "C" * 300 + "*D"
BIG_SET = interchange([group([set_segments(records=RECORDS * 40)])])
EDIT_BASES = [*BASES, BIG_SET,
              interchange([group([set_segments(version="00401", records=["A" * 81, "  ", "B "]),
                                  set_segments("0002", version="00401")], version="00401")],
                          version="00401", term="!", sep="\x1d", eol=""),
              # K3s in sets not read: a non-996 set, an FA group, a group of another GS08
              interchange([group([set_segments(st01="810"), set_segments("0002")]),
                           group([set_segments()], number="2", gs01="FA"),
                           group([set_segments()], number="3", gs08="004010ECERT")])]


@st.composite
def edited(draw):
    """A base interchange with segments duplicated (SE, GE, IEA most of all), dropped, made
    over-long or led by spaces, empty segments and line breaks added, text after the end or
    the file cut short."""
    data = draw(st.sampled_from(EDIT_BASES))
    head = data[:106].decode("latin-1")
    term, sep = head[105], head[3]
    body = data[106:].decode("latin-1").split(term)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(body) - 1))
        kind = draw(st.sampled_from(["trailer", "duplicate", "drop", "long", "spaces", "empty",
                                     "breaks"]))
        if kind == "trailer":
            trailers = [i for i, s in enumerate(body)
                        if s.lstrip("\r\n").split(sep)[0] in ("SE", "GE", "IEA")]
            at = draw(st.sampled_from(trailers)) if trailers else at
            body.insert(at, body[at])
        elif kind == "duplicate":
            body.insert(at, body[at])
        elif kind == "drop":
            del body[at]
        elif kind == "long":
            body[at] = body[at] + sep + LONG.replace("*", sep)
        elif kind == "spaces":
            body[at] = draw(st.sampled_from([" ", "  ", "\t", " \r\n"])) + body[at].lstrip("\r\n")
        elif kind == "empty":
            body.insert(at, draw(st.sampled_from(["", "\n", "\r\n", "\r\n\r\n"])))
        else:
            body[at] = draw(st.sampled_from(["\n", "\r", "\r\n\n"])) + body[at]
        if not body:
            body = [""]
    text = (head + term.join(body)).encode("latin-1")
    tail = draw(st.sampled_from([b"", b"\n", b"   \r\n", b"X", b"K3*AB", b" " * 3000,
                                 b"K3*" + b"Z" * 5000]))
    cut = draw(st.one_of(st.none(), st.integers(106, len(text))))
    return (text[:cut] if cut is not None else text) + tail


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited(), st.sampled_from(SIZES))
def test_malformed_interchanges_read_alike(data, size):
    agree(data, sizes=[size, CHUNK])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(soups(), st.sampled_from(SIZES))
def test_generated_interchanges_read_alike(data, size):
    agree(data, sizes=[size, CHUNK])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(SIZES))
def test_mutated_interchanges_read_alike(data, size):
    agree(data, sizes=[size, CHUNK])


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_after_an_isa_read_alike(tail):
    agree(BASES[0][:106] + tail, sizes=[1, CHUNK])


@pytest.mark.parametrize("term", ["\x01", "\x02", "\x1c", "!"])
@pytest.mark.parametrize("sep", ["\x01", "\x02", "\n", "|"])
def test_control_character_delimiters_read_alike(sep, term):
    # the digest's byte replacements (splitting._marker) must not take each other's output
    if sep == term:
        return
    data = interchange(sep=sep, term=term, comp=">", rep="&", eol="")
    agree(data.replace(b"BCR0000001", b"BCR\x00\x010\x02001"))
    agree(data)


# --- the command
def _validate(*args: str, tokeniser: str) -> str:
    own = read_interchange
    with mock.patch.object(reading_module, "read_interchange",
                           functools.partial(own, tokeniser=tokeniser)):
        result = CliRunner().invoke(main, ["validate", *args])
    assert "Traceback" not in result.output
    return f"{result.exit_code}\n{result.output}"


@pytest.mark.parametrize("options", [[], ["--detail"], ["--json"]], ids=["plain", "detail",
                                                                           "json"])
def test_validate_prints_the_same_lines_on_every_fixture(options):
    paths = [str(p) for p in FILES]
    mine = _validate(*options, *paths, tokeniser="own")
    assert mine == _validate(*options, *paths, tokeniser="pyx12")
    assert mine.count(":") > len(paths)  # the fixtures have faults to print


# --- the speed path is the path taken
def test_a_large_set_is_taken_a_block_at_a_time():
    # the K3s of a set being read go through one match a block, not `take` each (the speed of
    # `ecert validate`, docs/x12.md)
    data = interchange([group([set_segments(records=RECORDS[1:5] * 5_000)])])
    with mock.patch.object(reading_module._Walker, "take", autospec=True,
                           side_effect=reading_module._Walker.take) as take:
        ix = read_interchange(data)
    assert ix.processable()[0].records == 20_000
    assert take.call_count < 100
    with read_interchange(data, tokeniser="pyx12") as oracle:
        assert ix.processable()[0].abi() == oracle.processable()[0].abi()
    ix.close()


def test_an_unknown_tokeniser_is_refused():
    with pytest.raises(ValueError, match="tokeniser"):
        read_interchange(BASES[0], tokeniser="fast")
