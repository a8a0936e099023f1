"""What reading an interchange yields: its groups and sets, their faults, each 996 set's ABI text."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from typing import BinaryIO, Self

from ecert_edi.bindings.x12.envelope import Isa
from ecert_edi.bindings.x12.faults import Fault, ta1_order
from ecert_edi.bindings.x12.segments import Reading

MAX_CODES = 5  # IK5 and AK9 carry at most five codes (5.2)


@dataclass(frozen=True)
class ElementFault:
    """An IK4/AK4: element position, data element number, code, bad data (echoed) or None."""

    element: int
    data_element: int
    code: str
    data: str | None = None


@dataclass
class SegmentFault:
    """An IK3/AK3 and its IK4s.  `extra` is the first element beyond the last defined one when
    the segment has too many (code 8 without IK4 for them)."""

    segment: str
    position: int
    line: int
    code: str
    elements: list[ElementFault] = field(default_factory=list)
    extra: int = 0


@dataclass
class TransactionSet:
    """One ST…SE.  `read` when its content was read as a 996 (ST01 996, ST03 right, FT group)."""

    line: int                    # ordinal of its ST
    st01: str
    st02: str
    st03: str | None
    read: bool = False
    codes: set[str] = field(default_factory=set)   # IK502 codes but 5
    segment_faults: list[SegmentFault] = field(default_factory=list)
    segments: int = 1            # ST…SE counted so far (SE01's count)
    trailer_line: int = 0        # ordinal of its SE, 0 without one
    bgf03: str | None = None
    records: int = 0             # K3 segments
    _spool: BinaryIO | None = field(default=None, repr=False)
    _offset: int = 0
    _length: int = 0

    @property
    def ik5_codes(self) -> list[str]:
        codes = set(self.codes)
        if self.segment_faults:
            codes.add("5")
        return sorted(codes)[:MAX_CODES]

    @property
    def accepted(self) -> bool:
        """IK5 `A`: a 996 read without any fault (5.2)."""
        return self.read and not self.codes and not self.segment_faults

    def abi(self) -> bytes:
        """The ABI transmission carried (4: K301 values padded to 80, LF each), for an accepted
        set; processed exactly as an ABI file."""
        if self._spool is None:
            return b""
        self._spool.seek(self._offset)
        return self._spool.read(self._length)

    def open_abi(self) -> BinaryIO:
        """The same as `abi()` as a binary stream, read from the spool as it goes (what
        `respond` takes for a set too large to hold)."""
        return io.BufferedReader(_Region(self._spool, self._offset, self._length))

    def abi_stream(self, block: int = 1 << 16):
        """The same as `abi()`, in blocks, for a set too large to hold."""
        left = self._length
        position = self._offset
        while left > 0 and self._spool is not None:
            self._spool.seek(position)
            data = self._spool.read(min(block, left))
            if not data:
                return
            position += len(data)
            left -= len(data)
            yield data


@dataclass
class Group:
    """One GS…GE.  `kind`: `FT`, `FA` (a partner's acknowledgments: checked, content skipped,
    never answered) or `other` (AK905 1 or a GS01 of bad form)."""

    line: int
    gs01: str
    gs02: str
    gs03: str
    gs06: str
    gs08: str
    kind: str
    read: bool = False           # its sets' content is read (FT, GS08 right)
    codes: set[str] = field(default_factory=set)   # AK905 codes
    sets: list[TransactionSet] = field(default_factory=list)
    ge01: int | None = None
    trailer_line: int = 0

    @property
    def accepted_sets(self) -> int:
        return sum(1 for s in self.sets if s.accepted)

    @property
    def ak9_codes(self) -> list[str]:
        return sorted(self.codes)[:MAX_CODES]

    @property
    def ak901(self) -> str:
        """`R` with any AK905 code or no set accepted, `A` when all are, else `P` (5.2)."""
        accepted = self.accepted_sets
        if self.codes or accepted == 0:
            return "R"
        return "A" if accepted == len(self.sets) else "P"


@dataclass
class Interchange:
    """An inbound interchange as read: every fault, and what is to be answered and processed."""

    isa: Isa
    ta1_faults: list[Fault] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    ta1_segments: int = 0        # partners' TA1s (3.4)
    iea_line: int = 0
    reading: Reading = field(default_factory=Reading)
    spool: tempfile.SpooledTemporaryFile | None = field(default=None, repr=False)

    # --- the interchange level
    @property
    def ta1_note(self) -> Fault | None:
        """The TA1's note: the first interchange-level fault in the order of 5.1, or None."""
        return min(self.ta1_faults, key=ta1_order) if self.ta1_faults else None

    @property
    def acknowledges_only(self) -> bool:
        """3.4: all groups `FA`, or TA1s and no group: no file is written for it."""
        if self.groups:
            return all(g.kind == "FA" for g in self.groups)
        return self.ta1_segments > 0

    @property
    def answered_groups(self) -> list[Group]:
        """The groups a 999/997 answers: every non-FA group, in order."""
        return [g for g in self.groups if g.kind != "FA"]

    def wants_ta1(self) -> bool:
        """5.1: ISA14 `1` or an interchange-level fault, unless it acknowledges only."""
        return not self.acknowledges_only and (self.isa.ta1_requested or bool(self.ta1_faults))

    def wants_ack(self) -> bool:
        """5.2: passing the interchange level with a non-FA group."""
        return not self.ta1_faults and bool(self.answered_groups)

    def processable(self) -> list[TransactionSet]:
        """The sets whose ABI content reaches the rules (5.2), in file order: IK5 `A`, group
        AK901 not `R`, interchange not rejected by a TA1."""
        if self.ta1_faults:
            return []
        return [s for g in self.groups if g.kind == "FT" and g.ak901 != "R"
                for s in g.sets if s.accepted]

    @property
    def version(self) -> str:
        return self.isa.version

    @property
    def digest(self) -> str:
        """The content digest of 7: segments as element lists, delimiters and line breaks aside."""
        return self.reading.digest

    @property
    def reservation(self) -> tuple[str, str, str, str]:
        """The key passing the interchange level reserves (7): ISA05, ISA06 right-trimmed,
        ISA15, ISA13."""
        e = self.isa.element
        return (e(5), e(6).rstrip(" "), e(15), e(13))

    @property
    def reply_group_ids(self) -> tuple[str, str]:
        """Outbound GS02/GS03 (6): GS03/GS02 of the first inbound non-FA group."""
        for g in self.groups:
            if g.kind != "FA":
                return g.gs03, g.gs02
        return "USCBPECERT", "UNKNOWN"

    def faults(self) -> list[Fault]:
        """Every X12 fault as `ecert validate` prints it (8.2), in LINE, COLUMN, CODE order,
        LINE 0 last."""
        out = list(self.ta1_faults)
        placed = {"1": 1, "2": 8, "3": 0, "19": 6, "6": 6}
        trailer = {"4": 2, "5": 1}
        for g in self.groups:
            for code in sorted(g.codes):
                if code in trailer:
                    out.append(Fault("AK9", code, g.trailer_line, trailer[code]))
                else:
                    out.append(Fault("AK9", code, g.line, placed[code]))
            for s in g.sets:
                out.extend(_set_faults(s))
        return sorted(out, key=_validate_order)

    def close(self) -> None:
        """Release the spool of the sets' ABI text."""
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Region(io.RawIOBase):
    """One set's bytes of the shared spool, as a stream of its own."""

    def __init__(self, spool, offset: int, length: int):
        self.spool, self.position, self.left = spool, offset, length if spool is not None else 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        if n <= 0:
            return 0
        self.spool.seek(self.position)
        data = self.spool.read(n)
        buffer[:len(data)] = data
        self.position += len(data)
        self.left -= len(data)
        return len(data)


def _set_faults(s: TransactionSet) -> list[Fault]:
    at_st = {"1": 1, "I6": 3, "2": 0, "23": 2}
    at_se = {"3": 2, "4": 1}
    out = []
    for code in sorted(s.codes):
        if code in at_se:
            out.append(Fault("IK5", code, s.trailer_line, at_se[code]))
        else:
            out.append(Fault("IK5", code, s.line, at_st[code]))
    for sf in s.segment_faults:
        if sf.code != "8" or not sf.elements:
            out.append(Fault("IK3", sf.code, sf.line, sf.extra if sf.code == "8" else 0,
                             segment=sf.segment, position=sf.position))
        for ef in sf.elements:
            out.append(Fault("IK4", ef.code, sf.line, ef.element, segment=sf.segment,
                             position=sf.position, element=ef.element,
                             data_element=ef.data_element, data=ef.data))
    return out


def _validate_order(f: Fault) -> tuple:
    return (f.line == 0, f.line, f.column, f.name)
