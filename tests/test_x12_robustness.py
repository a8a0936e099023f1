"""No traceback on any input: generated and mutated interchanges, odd delimiters, huge segments,
pyx12 exceptions; and what is written from any of them reads back as X12 (2.3, 10.1)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_x12_build import INBOUND, group, interchange, isa, set_segments

from ecert_edi.bindings.x12 import (
    fault_lines,
    functional_ack,
    is_x12,
    read_interchange,
    ta1,
    wrap_response,
)
from ecert_edi.bindings.x12.envelope import parse_isa
from ecert_edi.bindings.x12.reading import NotX12
from ecert_edi.bindings.x12.segments import Reading, segments

CLOCK = dt.datetime(2026, 1, 15, 9, 31)
TEXT = INBOUND.read_bytes()
WRITTEN = re.compile(rb"\A(?:[\x20-\x7e]*~\n)+\Z")  # 2.3: printable segments, `~` LF each
# Our own files always draw these two TA1 notes when read back: they are addressed to the
# partner (ISA07/ISA08), not to us.
ADDRESSED_TO_PARTNER = {"007", "009"}


def check(data: bytes) -> None:
    """Read anything; whatever is written for it must be well-formed X12 that reads back."""
    try:
        ix = read_interchange(data)
    except NotX12:
        assert not is_x12(data[:106])
        return
    lines = fault_lines("F", ix)
    assert all(line.startswith("F:") for line in lines)
    assert all(f.narrative for f in ix.faults())
    accepted = [id(s) for g in ix.groups for s in g.sets if s.accepted]
    assert all(id(s) in accepted for s in ix.processable())
    if ix.wants_ta1() or ix.ta1_faults:
        _reads_back(ta1(ix, CLOCK, 7).encode(), sets=None)
    if ix.wants_ack():
        ack = functional_ack(ix, CLOCK, 8).encode()
        back = _reads_back(ack, sets=len(ix.answered_groups))
        assert [g.kind for g in back.groups] == ["FA"]
    processed = ix.processable()
    if processed:
        resp = wrap_response(ix, [(s, s.abi()) for s in processed], CLOCK, 9)
        back = _reads_back(resp, sets=len(processed))
        for mine, theirs in zip(processed, back.groups[0].sets):
            if not re.search(rb"[*:^~`]", mine.abi()):
                # 4: right-trimmed K301s padded again give the same transmission
                assert theirs.abi() == mine.abi()
    ix.close()


def _reads_back(written: bytes, sets: int | None):
    assert WRITTEN.match(written), written[:200]
    back = read_interchange(written)
    assert {f.code for f in back.ta1_faults} <= ADDRESSED_TO_PARTNER
    assert all(not g.codes for g in back.groups)
    if sets is not None:
        assert sum(len(g.sets) for g in back.groups) == sets
        assert all(not s.codes for g in back.groups for s in g.sets)
    return back


# --- mutations of the worked example
ALPHABET = [b"*", b"~", b":", b"^", b"\n", b"\r", b" ", b"\x00", b"\x01", b"\xff", b"A", b"9",
            b"K3*", b"SE*9*0001~", b"ST*996*0002*005010ECERT~", b"GE*1*1~", b"IEA*1*000000001~",
            b"GS*FT*A*B*20260115*0930*2*X*005010ECERT~", b"TA1*000000001*260115*0930*A*000~",
            b"~~", b"\r\n"]


BASES = [TEXT,
         interchange([group([set_segments(version="00401"), set_segments("0002", version="00401")],
                            version="00401"),
                      group([set_segments(version="00401")], number="2", version="00401")],
                     version="00401"),
         interchange(sep="|", term="\x1c", comp=">", rep="!", eol="\r\n")]


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(ALPHABET))
        if kind == "insert":
            data[at:at] = piece
        elif kind == "delete":
            data[at:at + draw(st.integers(1, 12))] = b""
        else:
            data[at:at + len(piece)] = piece
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_no_traceback_on_mutated_interchanges(data):
    check(data)


# --- interchanges generated from segment soup, under any delimiters
DELIMITER = st.sampled_from(["*", "|", "\x1d", "\x1c", "!", "~", ":", "^", ">", "\x07", "A", " "])
SEGMENT_IDS = ["GS", "ST", "BGF", "K3", "SE", "GE", "IEA", "TA1", "N1", "ISA", "k3", "X"]
ELEMENT = st.one_of(
    st.text(st.sampled_from(list("AZ09 *:^~|>!-\x01\xe9")), max_size=6),
    st.sampled_from(["996", "ZZ", "1", "0001", "005010ECERT", "004010ECERT", "FT", "FA", "X",
                     "20260115", "0930", "000000001"]))


@st.composite
def soups(draw):
    sep, term, comp, rep = (draw(DELIMITER) for _ in range(4))
    if sep == term or sep in "A " or term in "A ":
        sep, term = "*", "~"
    version = draw(st.sampled_from(["00501", "00401", "00601"]))
    head = isa(version=version, sep=sep, term=term, comp=comp, rep=rep,
               ack=draw(st.sampled_from("01")))
    body = []
    for _ in range(draw(st.integers(0, 25))):
        seg_id = draw(st.sampled_from(SEGMENT_IDS))
        elements = draw(st.lists(ELEMENT, max_size=9))
        body.append(sep.join([seg_id, *elements]))
    eol = draw(st.sampled_from(["", "\n", "\r\n"]))
    return (head + eol + "".join(s + term + eol for s in body)).encode("latin-1")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(soups())
def test_no_traceback_on_segment_soup(data):
    check(data)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_no_traceback_on_bytes_after_an_isa(tail):
    check(isa().encode() + tail)
    check(tail)


# --- pyx12's tokens are the segments we read
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(soups())
def test_pyx12_tokens_equal_a_plain_split(data):
    if not is_x12(data[:106]):
        return
    head = parse_isa(data[:106].decode("latin-1"))
    if not head.tokenisable:
        return
    got = [(s.ordinal, s.id, s.elements) for s in
           segments(io.BytesIO(data[106:]), head, "", Reading())]
    pieces = [p.lstrip("\r\n") for p in data[106:].decode("latin-1").split(
        head.segment_terminator)[:-1]]
    pieces = [p for p in pieces if p]
    expected = [(n, p.split(head.element_separator)[0], p.split(head.element_separator)[1:])
                for n, p in enumerate(pieces, 2)]
    assert got == expected


# --- the interchange level
def test_not_x12_is_abi():
    with pytest.raises(NotX12):
        read_interchange(b"ACGAU          011526093000AU260115000001T\n")
    assert not is_x12(TEXT[:105])
    moved = TEXT[:9] + b"*" + TEXT[10:]  # a separator inside ISA02
    assert not is_x12(moved)
    assert is_x12(TEXT)


def test_paths_streams_and_bytes_read_alike(tmp_path):
    path = tmp_path / "in.x12"
    path.write_bytes(TEXT)

    class Trickle(io.RawIOBase):
        """A stream giving at most 7 bytes a read, never seekable."""

        def __init__(self, data):
            self.data = data

        def readable(self):
            return True

        def read(self, n=-1):
            piece, self.data = self.data[:min(7, n if n >= 0 else 7)], self.data[min(
                7, n if n >= 0 else 7):]
            return piece

    results = [read_interchange(x) for x in (TEXT, path, str(path), Trickle(TEXT))]
    assert len({r.digest for r in results}) == 1
    assert [r.processable()[0].abi() for r in results] == [results[0].processable()[0].abi()] * 4


def test_content_digest_ignores_delimiters_and_line_breaks():
    plain = read_interchange(interchange())
    other = read_interchange(interchange(sep="|", term="\x1c", comp=">", rep="!", eol="\r\n"))
    changed = read_interchange(interchange(control="000000002"))
    assert plain.digest == other.digest != changed.digest
    assert plain.reservation == ("ZZ", "CGAU", "T", "000000001")


def test_empty_segments_are_skipped_and_not_counted():
    data = TEXT.replace(b"K3*BCR0000001~\n", b"K3*BCR0000001~\n~\r\n~")
    ix = read_interchange(data)
    assert ix.faults() == [] and ix.processable()


def test_a_huge_segment_keeps_its_faults_in_bounded_memory():
    import tracemalloc

    k3 = b"K3*" + b"B" * 3_000_000 + b"\x01" + b"B" * 3_000_000 + b" *X" + b"Y" * 100_000 + b"~"
    data = TEXT.replace(b"K3*BCR0000001~", k3)
    tracemalloc.start()
    ix = read_interchange(io.BytesIO(data))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    (sf,) = ix.groups[0].sets[0].segment_faults
    assert (sf.segment, sf.position, sf.code, sf.extra) == ("K3", 4, "8", 2)
    assert [(e.code, e.data) for e in sf.elements] == [("5", "B" * 99), ("6", "B" * 99)]
    assert peak < 2_000_000  # the 6 MB segment is never held


def test_a_large_set_is_streamed_not_held():
    import tracemalloc

    records = ["C10201300200"] * 20_000
    data = interchange([group([set_segments(records=records)])])
    tracemalloc.start()
    ix = read_interchange(io.BytesIO(data))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    (tset,) = ix.processable()
    assert tset.records == 20_000 and len(tset.abi()) == 81 * 20_000
    assert peak < 2_500_000  # the 1.6 MB transmission went to the spool's file


def test_every_pyx12_exception_becomes_data(monkeypatch):
    # 10.1: whatever pyx12 raises while reading, the segment is still read and no traceback
    import pyx12.x12file

    original = pyx12.x12file.X12Reader._parse_segment
    calls = {"n": 0}

    def flaky(self, seg):
        calls["n"] += 1
        if calls["n"] in (4, 7):
            raise pyx12.x12file.pyx12.errors.EngineError("injected")
        return original(self, seg)

    monkeypatch.setattr(pyx12.x12file.X12Reader, "_parse_segment", flaky)
    ix = read_interchange(TEXT, tokeniser="pyx12")
    assert [n for n, _ in ix.reading.pyx12_errors] == [4, 7]
    # every segment was still read (one 996 set, six records, no set fault) ...
    assert [s.records for s in ix.groups[0].sets] == [6] and ix.groups[0].sets[0].accepted
    # ... and an exception no fault of ours explains is TA1 R 024 at its segment (10.1)
    assert [(f.code, f.line) for f in ix.ta1_faults] == [("024", 4), ("024", 7)]
    assert ix.processable() == [] and ta1(ix, CLOCK, 1).split("~\n")[1].endswith("*R*024")


def test_an_exception_our_checks_explain_adds_nothing():
    # duplicated SE: pyx12 fails at the GE after it; the fault at hand is our 024 at the SE
    data = TEXT.replace(b"SE*9*0001~\n", b"SE*9*0001~\nSE*9*0001~\n")
    ix = read_interchange(data, tokeniser="pyx12")
    assert [n for n, _ in ix.reading.pyx12_errors] == [13]
    assert [(f.code, f.line) for f in ix.ta1_faults] == [("024", 12)]
    assert ix.faults() == read_interchange(data).faults()


def test_a_pyx12_failure_at_the_start_still_reads_everything(monkeypatch):
    import pyx12.x12file

    def broken(self, *a, **k):
        raise AttributeError("injected")

    monkeypatch.setattr(pyx12.x12file.X12Reader, "__init__", broken)
    ix = read_interchange(TEXT, tokeniser="pyx12")
    assert ix.groups[0].sets[0].accepted and ix.groups[0].sets[0].records == 6
    assert [(f.code, f.line) for f in ix.faults()] == [("024", 1)]


def test_delimiters_that_cannot_split_stop_the_reading():
    ix = read_interchange(interchange(term="A", eol=""))
    assert [f.code for f in ix.faults()] == ["004"] and ix.groups == []
    assert ta1(ix, CLOCK, 1).split("~\n")[1].endswith("*R*004")
