"""Reading an interchange: structure, control values and 996 content into an `Interchange` (3–4)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from typing import BinaryIO

from ecert_edi.bindings.x12.chars import (
    ABI_AN,
    OUTBOUND_DELIMITERS,
    Charset,
    an_trailing_space,
    echo,
    echo_bad_data,
    is_digits,
    valid_ccyymmdd,
    valid_hhmm,
    valid_segment_id,
    valid_time,
    valid_yymmdd,
)
from ecert_edi.bindings.x12.envelope import ISA_LENGTH, is_x12, parse_isa
from ecert_edi.bindings.x12.faults import Fault
from ecert_edi.bindings.x12.interchange import (
    ElementFault,
    Group,
    Interchange,
    SegmentFault,
    TransactionSet,
)
from ecert_edi.bindings.x12.segments import CHUNK, Segment, segments
from ecert_edi.bindings.x12.splitting import blocks

SPOOL_IN_MEMORY = 1 << 20  # ABI text of the sets beyond this goes to a temporary file
_FLUSH = 512               # K3 records buffered before a write to the spool

# Layouts named by GS08/ST03 (3.2, 4), by ISA12.
GS08_OF = {"00501": "005010ECERT", "00401": "004010ECERT"}
ST03 = "005010ECERT"
BGF03_MAX = {"00501": 50, "00401": 30}
RECORD_WIDTH = 80


class NotX12(ValueError):
    """The input is not an X12 interchange (2.1): it is read as ABI."""


def read_interchange(data, keep_sets: bool = True, tokeniser: str = "own") -> Interchange:
    """Read one interchange from bytes, a path or a binary stream, in one pass and bounded
    memory.  Raises `NotX12` when the input is not X12 (2.1); any other input gives an
    `Interchange`, never an exception: faults are data.  With `keep_sets`, each 996 set's ABI
    text is spooled (a temporary file beyond 1 MiB) for `TransactionSet.abi()`; close the
    interchange (`Interchange.close`) when done.

    `tokeniser` "own" splits segments with `splitting.blocks`, "pyx12" with pyx12's X12Reader
    (`segments.segments`, a segment at a time): the tests hold the first to the second, which
    reads some fifteen times slower (docs/x12.md, "Speed")."""
    if tokeniser not in ("own", "pyx12"):
        raise ValueError(f"tokeniser is 'own' or 'pyx12', not {tokeniser!r}")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return _read(io.BytesIO(bytes(data)), keep_sets, tokeniser)
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as stream:
            return _read(stream, keep_sets, tokeniser)
    return _read(data, keep_sets, tokeniser)


def _read(stream: BinaryIO, keep_sets: bool, tokeniser: str) -> Interchange:
    head = _read_exactly(stream, ISA_LENGTH)
    if not is_x12(head):
        raise NotX12("not an X12 interchange: the first 106 characters are no ISA (spec 2.1)")
    isa = parse_isa(head.decode("latin-1"))
    ix = Interchange(isa=isa)
    if keep_sets:
        # kept open with the interchange, for TransactionSet.abi(); Interchange.close ends it
        ix.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    if not isa.tokenisable:
        # Without a valid element separator and terminator nothing after the ISA can be split:
        # the delimiter fault is the answer, the content digest is that of the bytes.
        ix.ta1_faults.extend(isa.faults)
        ix.reading.digest = _digest_bytes(head, stream)
        return ix
    walker = _Walker(ix)
    if tokeniser == "pyx12":
        for seg in segments(stream, isa, "", ix.reading):
            walker.take(seg)
    else:
        for texts, joined in blocks(stream, isa, ix.reading):
            walker.take_block(texts, joined)
    walker.end()
    return ix


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    data = b""
    while len(data) < n:
        block = stream.read(n - len(data))
        if not block:
            break
        data += block
    return data


def _digest_bytes(head: bytes, stream: BinaryIO) -> str:
    h = hashlib.sha256(head)
    while block := stream.read(CHUNK):
        h.update(block)
    return h.hexdigest()


# Element forms of the control segments (3.2): (kind, least, most).  Kinds: ID and AN are
# lengths and element characters; ABI also the ABI AN characters; N0 digits; the others dates
# and times.
_FORMS = {
    "GS": (("ID", 2, 2), ("ABI", 2, 15), ("ABI", 2, 15), ("CCYYMMDD", 8, 8), ("TIME", 4, 8),
           ("N0", 1, 9), ("X", 1, 1), ("ABI", 1, 12)),
    "ST": (("ID", 3, 3), ("ABI", 4, 9), ("ABI", 1, 35)),
    "SE": (("N0", 1, 10), ("ABI", 4, 9)),
    "GE": (("N0", 1, 6), ("N0", 1, 9)),
    "IEA": (("N0", 1, 5), ("N0", 9, 9)),
    # A partner's TA1 (3.4): TA104 A, E or R; TA105 a three-digit note.
    "TA1": (("N0", 9, 9), ("YYMMDD", 6, 6), ("HHMM", 4, 4), ("ACK", 1, 1), ("NOTE", 3, 3)),
}


class _Walker:
    """The structure of 3.3 as a state machine over segments, with every fault of 3–4."""

    def __init__(self, ix: Interchange):
        self.ix = ix
        isa = ix.isa
        self.version = isa.version
        self.charset = Charset(isa.version, isa.component, isa.repetition)
        # after: 'isa' (ISA or TA1), 'group' (GS or SE), 'set' (inside ST…SE), 'ge', 'end'.
        self.state = "isa"
        self.group: Group | None = None
        self.tset: TransactionSet | None = None
        self.group_numbers: set[int] = set()
        self.set_numbers: set[str] = set()
        self.bgf_seen = False
        self.bgf_missing = False
        self.after_iea_reported = False
        self.pending: list[bytes] = []
        self.spool = ix.spool
        self.ordinal = 1  # of the last segment taken by take_block
        self.term = isa.segment_terminator
        self.clean_k3s = _clean_k3s(self.charset, isa.element_separator, self.term)

    # --- faults
    def ta1(self, code: str, line: int, column: int = 0) -> None:
        self.ix.ta1_faults.append(Fault("TA1", code, line, column))

    def _form(self, seg: Segment) -> list[bool]:
        """TA1 024 for each control value of bad form (3.2); which elements are well formed."""
        forms = _FORMS[seg.id]
        least = len(forms)
        if seg.id == "ST":
            least = 2
            most = 2 if self.version == "00401" else 3
        else:
            most = least
        if not least <= len(seg.elements) <= most:
            self.ta1("024", seg.ordinal, 0)
        ok = []
        for n, (kind, lo, hi) in enumerate(forms, 1):
            if n > len(seg.elements):
                ok.append(False)
                continue
            value = seg.elements[n - 1]
            good = self._well_formed(value, kind, lo, hi)
            if not good:
                self.ta1("024", seg.ordinal, n)
            ok.append(good)
        return ok

    def _well_formed(self, value: str, kind: str, lo: int, hi: int) -> bool:
        if not self.charset.valid(value) or not lo <= len(value) <= hi:
            return False
        if kind == "ABI":
            return all(c in ABI_AN for c in value)
        if kind == "N0":
            return is_digits(value, lo, hi)
        if kind == "CCYYMMDD":
            return valid_ccyymmdd(value)
        if kind == "YYMMDD":
            return valid_yymmdd(value)
        if kind == "HHMM":
            return valid_hhmm(value)
        if kind == "TIME":
            return valid_time(value)
        if kind == "X":
            return value == "X"
        if kind == "ACK":
            return value in ("A", "E", "R")
        if kind == "NOTE":
            return is_digits(value, 3, 3)
        return True  # ID: length and characters

    # --- the walk
    def take_block(self, texts: list[str], joined: str) -> None:
        """The segments of one block (`splitting.blocks`): a run of K3s without fault in a set
        being read is taken at once (`_k3_run`), any other segment by `take`."""
        sep = self.ix.isa.element_separator
        k3 = "K3" + sep
        ordinal = self.ordinal
        i, n, at = 0, len(texts), 0
        while i < n:
            text = texts[i]
            # A K3 before any BGF reveals the BGF missing: `take` reports it, the rest may run.
            if (self.state == "set" and text.startswith(k3) and self.tset.read
                    and (self.bgf_seen or self.bgf_missing)):
                run = self.clean_k3s.match(joined, at)
                if run is not None:
                    end = run.end()
                    count = joined.count(self.term, at, end)
                    self._k3_run(texts[i:i + count])
                    i += count
                    ordinal += count
                    at = end
                    continue
            ordinal += 1
            parts = text.split(sep)
            self.take(Segment(ordinal, parts[0], parts[1:]))
            i += 1
            at += len(text) + 1
        self.ordinal = ordinal

    def _k3_run(self, texts: list[str]) -> None:
        """K3s of a set being read, each with a K301 of 1–80 valid characters without trailing
        space and nothing after it: what `_k3` does for each, in one step."""
        tset = self.tset
        tset.segments += len(texts)
        tset.records += len(texts)
        if tset._spool is not None and not tset.segment_faults and not tset.codes:
            self._flush()
            # K301 follows K3 and the separator.  Held by no name, the list and the text are
            # freed as soon as the next form of them exists: a block is in memory twice at most.
            self.spool.write("\n".join([t[3:].ljust(RECORD_WIDTH) for t in texts])
                             .encode("latin-1") + b"\n")

    def take(self, seg: Segment) -> None:
        sid = seg.id
        if self.state == "end":
            if not self.after_iea_reported:
                self.after_iea_reported = True
                self.ta1("022", self.ix.iea_line + 1, 0)
            return
        valid_id = valid_segment_id(sid)
        if not valid_id:
            self.ta1("024", seg.ordinal, 0)
        state = self.state
        if sid == "SE" and state == "set":
            self._se(seg)
        elif sid == "ST" and state in ("group", "set"):
            self._end_set()
            self._st(seg)
        elif sid == "GS" and state != "end":
            self._end_set()
            self._end_group()
            self._gs(seg)
        elif sid == "GE" and state in ("group", "set"):
            self._end_set()
            self._ge(seg)
        elif sid == "IEA":
            self._end_set()
            self._end_group()
            self._iea(seg)
        elif sid == "TA1" and state == "isa" and not self.ix.groups:
            self._form(seg)
            self.ix.ta1_segments += 1
        elif state == "set":
            if sid in ("TA1", "ISA"):  # envelope segments out of place (3.3)
                self.ta1("024", seg.ordinal, 0)
            self._content(seg, valid_id)
        elif valid_id:
            self.ta1("024", seg.ordinal, 0)  # a segment out of place (3.3)

    def end(self) -> None:
        self._end_set()
        self._end_group()
        ix = self.ix
        if self.state != "end":
            self.ta1("023", 0, 0)
        elif ix.reading.trailing and not self.after_iea_reported:
            self.ta1("022", ix.iea_line + 1, 0)
        if not ix.groups and not ix.ta1_segments:
            self.ta1("024", ix.iea_line, 0)  # no content (3.3): at the IEA, or 0 without one
        if ix.reading.pyx12_errors and not ix.ta1_faults and not ix.isa.faults:
            # 10.1: a pyx12 exception is the TA1 R of the fault at hand, 024 if none is known.
            # Those pyx12 4.0.0 raises (a duplicated SE/GE/IEA, a segment of spaces) always
            # have one; this is for any other.
            for line in sorted({n for n, _ in ix.reading.pyx12_errors}):
                self.ta1("024", line, 0)
        # The ISA's own faults come first in file order (all at line 1).
        ix.ta1_faults[:0] = list(ix.isa.faults)

    # --- groups
    def _gs(self, seg: Segment) -> None:
        ok = self._form(seg)
        e = seg.elements + [""] * (8 - len(seg.elements))
        gs01 = e[0]
        kind = gs01 if ok[0] and gs01 in ("FT", "FA") else "other"
        group = Group(seg.ordinal, gs01, e[1], e[2], e[5], e[7], kind)
        if ok[0] and kind == "other":
            group.codes.add("1")
        if kind == "FT":
            if ok[7] and e[7] != GS08_OF[self.version]:
                group.codes.add("2")
            group.read = ok[7] and "2" not in group.codes
        if ok[5]:
            number = int(e[5])
            if number in self.group_numbers:
                group.codes.add("19" if self.version == "00501" else "6")
            self.group_numbers.add(number)
        self.ix.groups.append(group)
        self.group = group
        self.set_numbers = set()
        self.state = "group"

    def _ge(self, seg: Segment) -> None:
        ok = self._form(seg)
        group = self.group
        group.trailer_line = seg.ordinal
        if ok[0]:
            group.ge01 = int(seg.elements[0])
            if group.ge01 != len(group.sets):
                group.codes.add("5")
        if ok[1] and is_digits(group.gs06, 1, 9) and int(seg.elements[1]) != int(group.gs06):
            # N0 values compare as numbers (docs/x12.md).
            group.codes.add("4")
        self.group = None
        self.state = "ge"

    def _end_group(self) -> None:
        """A GS, IEA or end of data before GE (3.3): AK905 3."""
        if self.group is not None:
            self.group.codes.add("3")
            self.group = None
            self.state = "ge"

    # --- sets
    def _st(self, seg: Segment) -> None:
        ok = self._form(seg)
        e = seg.elements
        st01 = e[0] if e else ""
        st02 = e[1] if len(e) > 1 else ""
        st03 = e[2] if len(e) > 2 else None
        group = self.group
        tset = TransactionSet(seg.ordinal, st01, st02, st03)
        group.sets.append(tset)
        self.tset = tset
        self.state = "set"
        if group.kind == "other" or (group.kind == "FT" and not group.read):
            return  # AK905 1 or 2: the group is not read further (3.3)
        if ok[1]:
            if st02 in self.set_numbers:
                tset.codes.add("23")
            self.set_numbers.add(st02)
        if group.kind == "FA":
            return  # a partner's acknowledgment: control values only (3.4)
        if ok[0] and st01 != "996":
            tset.codes.add("1")
        if self.version == "00501" and (st03 is None or (ok[2] and st03 != ST03)):
            tset.codes.add("I6")
        tset.read = ok[0] and st01 == "996" and not tset.codes.intersection(("1", "I6")) and (
            self.version == "00401" or ok[2])
        self.bgf_seen = self.bgf_missing = False
        if tset.read and self.spool is not None:
            self.spool.seek(0, os.SEEK_END)
            tset._spool, tset._offset = self.spool, self.spool.tell()

    def _counts(self) -> bool:
        """Whether this set's control values are checked (not in a group read no further)."""
        g = self.group
        return g.kind == "FA" or (g.kind == "FT" and g.read)

    def _se(self, seg: Segment) -> None:
        ok = self._form(seg)
        tset = self.tset
        tset.segments += 1
        tset.trailer_line = seg.ordinal
        if self._counts():
            if ok[0] and int(seg.elements[0]) != tset.segments:
                tset.codes.add("4")
            if ok[1] and seg.elements[1] != tset.st02:
                tset.codes.add("3")
        if tset.read:
            self._missing(tset.segments - 1)
        self._close_set()
        self.state = "group"

    def _end_set(self) -> None:
        """An ST, GS, GE, IEA or end of data before SE (3.3): IK502 2."""
        tset = self.tset
        if tset is None:
            return
        if self._counts():
            tset.codes.add("2")
        if tset.read:
            self._missing(tset.segments)
        self._close_set()
        self.state = "group"

    def _close_set(self) -> None:
        tset = self.tset
        if tset.read:
            self._flush()
            if tset._spool is not None:
                end = self.spool.tell()
                if tset.accepted:
                    tset._length = end - tset._offset
                else:
                    # A rejected set's text is never read: its room is given back.
                    self.spool.seek(tset._offset)
                    self.spool.truncate()
                    tset._spool = None
        self.tset = None

    def _missing(self, p: int) -> None:
        """BGF and K3 required (4): a missing one revealed at the end, BGF before K3 (5.2)."""
        tset = self.tset
        if not self.bgf_seen and not self.bgf_missing:
            self._segment_fault("BGF", p, "3")
            self.bgf_missing = True
        if not tset.records:
            self._segment_fault("K3", p, "3")

    def _segment_fault(self, seg_id: str, position: int, code: str,
                       elements: list[ElementFault] | None = None, extra: int = 0) -> None:
        tset = self.tset
        # The ordinal of position p is the ST's ordinal + p - 1 (positions count from ST = 1).
        self.tset.segment_faults.append(SegmentFault(
            seg_id, position, tset.line + position - 1, code, elements or [], extra))

    # --- 996 content (4, 5.2)
    def _content(self, seg: Segment, valid_id: bool) -> None:
        tset = self.tset
        tset.segments += 1
        if not tset.read or not valid_id:
            # Content of a set not read is skipped; a segment ID of bad form is the TA1's.
            return
        pos = tset.segments
        sid = seg.id
        if sid == "K3":
            if not self.bgf_seen and not self.bgf_missing:
                self._segment_fault("BGF", pos, "3")
                self.bgf_missing = True
            self._k3(seg, pos)
        elif sid == "BGF" and not tset.records and not self.bgf_seen:
            self.bgf_seen = True
            self._bgf(seg, pos)
        elif sid == "BGF" and not tset.records:
            # A second BGF with no K3 since the first (docs/x12.md: "right after").
            self._segment_fault("BGF", pos, "5")
        else:
            self._segment_fault(echo(sid), pos, "1")

    def _bgf(self, seg: Segment, pos: int) -> None:
        e = seg.elements
        faults: list[ElementFault] = []
        bgf01 = e[0] if e else ""
        if bgf01 and bgf01 != "996":
            faults.append(_element(1, 143, "7", bgf01))
        bgf02 = e[1] if len(e) > 1 else ""
        if not bgf02:
            faults.append(ElementFault(2, 128, "1"))
        elif bgf02 != "ZZ":
            faults.append(_element(2, 128, "7", bgf02))
        bgf03 = e[2] if len(e) > 2 else ""
        if not bgf03:
            faults.append(ElementFault(3, 127, "1"))
        else:
            if len(bgf03) > BGF03_MAX[self.version]:
                faults.append(_element(3, 127, "5", bgf03))
            if (not self.charset.valid(bgf03) or an_trailing_space(bgf03)
                    or any(c in OUTBOUND_DELIMITERS for c in bgf03)):
                faults.append(_element(3, 127, "6", bgf03))
        self.tset.bgf03 = bgf03
        extra = 4 if len(e) > 3 else 0
        if faults or extra:
            self._segment_fault("BGF", pos, "8", faults, extra)

    def _k3(self, seg: Segment, pos: int) -> None:
        e = seg.elements
        tset = self.tset
        tset.records += 1
        k301 = e[0] if e else ""
        faults: list[ElementFault] = []
        if not k301:
            faults.append(ElementFault(1, 449, "1"))
        else:
            if len(k301) > RECORD_WIDTH:
                faults.append(_element(1, 449, "5", k301))
            if not self.charset.valid(k301) or an_trailing_space(k301):
                faults.append(_element(1, 449, "6", k301))
        extra = 2 if len(e) > 1 else 0
        if faults or extra:
            self._segment_fault("K3", pos, "8", faults, extra)
        if tset._spool is not None and not tset.segment_faults and not tset.codes:
            # Spec 4 "Receive": right-padded to 80, LF each (ABI 4.3's normal form).  Once the
            # set has a fault its text is never read, so nothing more is kept of it.
            self.pending.append(k301.ljust(RECORD_WIDTH).encode("latin-1") + b"\n")
            if len(self.pending) >= _FLUSH:
                self._flush()

    def _flush(self) -> None:
        if self.pending and self.spool is not None:
            self.spool.write(b"".join(self.pending))
        self.pending = []

    # --- the interchange trailer
    def _iea(self, seg: Segment) -> None:
        ok = self._form(seg)
        ix = self.ix
        if ok[0] and int(seg.elements[0]) != len(ix.groups):
            self.ta1("021", seg.ordinal, 1)
        if ok[1] and seg.elements[1] != ix.isa.element(13):
            self.ta1("001", seg.ordinal, 2)
        ix.iea_line = seg.ordinal
        self.state = "end"


def _clean_k3s(charset: Charset, sep: str, term: str) -> re.Pattern:
    """A run of K3 segments, each ending in the terminator, whose K301 draws no fault (4, 5.2):
    1–80 characters `charset` allows, not ending with a space unless all spaces, no K302."""
    allowed = [c for c in map(chr, range(0x20, 0x7F)) if charset.valid(c) and c not in (sep, term)]
    value = "[" + "".join(re.escape(c) for c in allowed) + "]"
    solid = "[" + "".join(re.escape(c) for c in allowed if c != " ") + "]"
    return re.compile(f"(?:K3{re.escape(sep)}(?:{value}{{0,79}}{solid}| {{1,80}}){re.escape(term)})+")


def _element(element: int, data_element: int, code: str, value: str) -> ElementFault:
    """An IK4 with its bad data under the echo rule (2.4), omitted when empty."""
    data = echo_bad_data(value)
    return ElementFault(element, data_element, code, data or None)
