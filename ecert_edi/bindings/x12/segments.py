"""Segments of an interchange, tokenised by pyx12's X12Reader over a bounded, normalised feed."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from ecert_edi.bindings.x12.envelope import VERSIONS, Isa

CHUNK = 1 << 16
# No valid segment is near this long (K3 is 83 characters); beyond it a segment is kept in a
# summary that keeps every fault it can have (see Squeezed); limit and summary together stay
# under pyx12's read size (8 KiB): RawX12File gives up silently on a segment whose end is not in
# one more read.
SEGMENT_LIMIT = 2048
_KEEP = 128          # an overflowing element keeps this much verbatim (> 99, > 80, > 50)
_MAX_ELEMENTS = 8    # elements kept after the limit: enough to show "too many elements"


@dataclass(slots=True)
class Segment:
    """One segment: its ordinal in the file (ISA = 1), its ID as written, its element values."""

    ordinal: int
    id: str
    elements: list[str]


@dataclass
class Reading:
    """What the tokeniser saw besides segments."""

    trailing: bool = False  # text after the last terminator other than CR, LF, spaces
    pyx12_errors: list[tuple[int, str]] = field(default_factory=list)  # (ordinal, exception)
    digest: str = ""        # content digest (7): segments as element lists, delimiters aside


class Squeezed:
    """The rest of an over-long segment, summarised: each element's first characters, then each
    further distinct character once, then its last character; at most _MAX_ELEMENTS elements.
    Length, character and trailing-space faults and the echoed bad data stay what they were."""

    def __init__(self, separator: str):
        self.sep = separator
        self.done: list[str] = []
        self.kept: list[str] = []
        self.kept_len = 0
        self.seen: dict[str, None] = {}
        self.last = ""
        self.overflowed = False

    def add(self, text: str) -> None:
        pieces = text.split(self.sep)
        for i, piece in enumerate(pieces):
            if i:
                self._close()
            if not piece:
                continue
            room = _KEEP - self.kept_len
            if room > 0:
                self.kept.append(piece[:room])
                self.kept_len += min(room, len(piece))
            rest = piece[max(room, 0):]
            if rest:
                self.overflowed = True
                for c in rest:
                    self.seen.setdefault(c, None)
            self.last = piece[-1]

    def _close(self) -> None:
        if len(self.done) < _MAX_ELEMENTS:
            self.done.append(self._element())
        self.kept, self.kept_len, self.seen, self.last, self.overflowed = [], 0, {}, "", False

    def _element(self) -> str:
        text = "".join(self.kept)
        if self.overflowed:
            text += "".join(self.seen) + self.last
        return text

    def text(self) -> str:
        return self.sep.join(self.done + [self._element()])


class _Feed:
    """The text stream X12Reader reads: the ISA (its ISA12 made readable to pyx12), then every
    non-empty segment with its terminator, CR/LF after terminators dropped (2.1); it keeps the
    text of each segment handed out until the reader has yielded it."""

    closed = False

    def __init__(self, stream: BinaryIO, isa: Isa, rest: str, reading: Reading):
        self.stream = stream
        self.term = isa.segment_terminator
        self.sep = isa.element_separator
        self.reading = reading
        self.out: list[str] = []
        self.out_len = 0
        self.emitted: deque[str] = deque()
        self.eof = False
        self.head: list[str] = []
        self.head_len = 0
        self.squeezed: Squeezed | None = None
        self.hash = hashlib.sha256()
        self.table = {ord(self.sep): "\x00\x01", 0: "\x00\x00"}
        text = isa.text
        if isa.element(12) not in VERSIONS:
            # pyx12 refuses any other ISA12 (X12Error); the spec reads it as 00501 (3.1 ISA12).
            text = text[:84] + "00501" + text[89:]
        self._put(text)
        self._hash_isa(isa)
        self._take(rest)

    # --- the stream X12Reader reads
    def read(self, n: int = -1) -> str:
        while not self.eof and (n < 0 or self.out_len < n):
            block = self.stream.read(CHUNK)
            if not block:
                self._finish()
                break
            self._take(block.decode("latin-1"))
        text = "".join(self.out)
        if n < 0 or n >= len(text):
            self.out, self.out_len = [], 0
            return text
        self.out, self.out_len = [text[n:]], len(text) - n
        return text[:n]

    def _put(self, text: str) -> None:
        self.out.append(text)
        self.out_len += len(text)

    # --- splitting
    def _take(self, text: str) -> None:
        pieces = text.split(self.term)
        for piece in pieces[:-1]:
            self._add(piece)
            self._end_segment()
        self._add(pieces[-1])

    def _add(self, piece: str) -> None:
        if self.squeezed is not None:
            self._hash(piece)
            self.squeezed.add(piece)
            return
        if not self.head_len:
            piece = piece.lstrip("\r\n")  # CR/LF right after a terminator are skipped (2.1)
            if not piece:
                return
        self.head.append(piece)
        self.head_len += len(piece)
        if self.head_len > SEGMENT_LIMIT:
            text = "".join(self.head)
            self._hash(text)
            self.head, self.head_len = [text[:SEGMENT_LIMIT]], SEGMENT_LIMIT
            self.squeezed = Squeezed(self.sep)
            self.squeezed.add(text[SEGMENT_LIMIT:])

    def _end_segment(self) -> None:
        if not self.head_len:
            return  # an empty segment: skipped, not counted (2.1)
        text = self.head[0] if len(self.head) == 1 else "".join(self.head)
        if self.squeezed is None:
            self._hash(text)
        else:
            text += self.squeezed.text()
            self.squeezed = None
        self.hash.update(b"\x00\x02")
        self.head, self.head_len = [], 0
        self.emitted.append(text)
        self._put(text + self.term)

    def _finish(self) -> None:
        self.eof = True
        rest = "".join(self.head)
        if self.squeezed is not None or rest.strip("\r\n "):
            # Text after the last terminator is no segment (pyx12 drops it too); it counts as
            # data after the IEA, or leaves the IEA missing (docs/x12.md).
            self.reading.trailing = True
            if self.squeezed is None:
                self._hash(rest)
            self.hash.update(b"\x00\x03")
        self.head, self.head_len, self.squeezed = [], 0, None
        self.reading.digest = self.hash.hexdigest()

    # --- the content digest (7)
    def _hash(self, text: str) -> None:
        self.hash.update(text.translate(self.table).encode("utf-8"))

    def _hash_isa(self, isa: Isa) -> None:
        self._hash(isa_digest_text(isa))
        self.hash.update(b"\x00\x02")


def isa_digest_text(isa: Isa) -> str:
    """The ISA as the content digest (7) takes it: without ISA16 and, under 00501, ISA11, for
    delimiters do not matter."""
    kept = [e for n, e in enumerate(isa.elements, 1)
            if n != 16 and not (n == 11 and isa.version == "00501")]
    return isa.element_separator.join(["ISA", *kept])


def _split(text: str, sep: str) -> tuple[str, list[str]]:
    parts = text.split(sep)
    return parts[0], parts[1:]


def segments(stream: BinaryIO, isa: Isa, rest: str, reading: Reading) -> Iterator[Segment]:
    """Every segment after the ISA (ordinal 2 on), read by pyx12.  `rest` is what was read of the
    stream after the ISA's 106 characters.  No pyx12 exception escapes: the segment it was
    reading is split here instead and the reading goes on (10.1)."""
    from pyx12.x12file import X12Reader  # the `x12` extra; imported only when X12 is read

    feed = _Feed(stream, isa, rest, reading)
    sep = isa.element_separator
    ordinal = 1
    try:
        reader = X12Reader(feed)
        it = iter(reader)
        next(it)  # its ISA: ours is parsed already (envelope.parse_isa)
    except Exception as exc:  # noqa: BLE001 - pyx12 may raise anything; reading goes on
        reading.pyx12_errors.append((1, repr(exc)))
        yield from _without_pyx12(feed, sep, ordinal)
        return
    while True:
        loops = list(reader.loops)  # pyx12's loop bookkeeping, restored if it fails
        try:
            seg = next(it)
        except StopIteration:
            break
        except Exception as exc:  # noqa: BLE001 - e.g. IndexError on a duplicated SE/GE/IEA
            if not feed.emitted:
                break  # it failed before taking a segment: the rest is split here
            ordinal += 1
            reading.pyx12_errors.append((ordinal, repr(exc)))
            seg_id, elements = _split(feed.emitted.popleft(), sep)
            yield Segment(ordinal, seg_id, elements)
            # pyx12's loop bookkeeping is what fails (a duplicated SE, GE or IEA empties its
            # stack); the structure is ours (reading.py), so pyx12 goes on as before it.
            reader.loops = loops
            it = iter(reader)
            continue
        ordinal += 1
        raw = feed.emitted.popleft()
        if raw[:1].isspace():
            # pyx12 strips leading whitespace (10.3), which may run past a separator: the
            # segment ID as written is invalid, and the elements are split here.
            seg_id, elements = _split(raw, sep)
        else:
            seg_id = seg.seg_id or ""
            elements = [c.subele_term.join([e.value for e in c.elements]) for c in seg.elements]
        yield Segment(ordinal, seg_id, elements)
    # pyx12 ends at the end of its data; anything still unread (never, unless it stopped early)
    # is split here, so no segment is lost and the feed reaches its end (digest, trailing text).
    yield from _without_pyx12(feed, sep, ordinal)


def _without_pyx12(feed: _Feed, sep: str, ordinal: int) -> Iterator[Segment]:
    """The segments after `ordinal` when pyx12 cannot go on."""
    while True:
        while not feed.emitted and not feed.eof:
            feed.read(CHUNK)
        if not feed.emitted:
            return
        ordinal += 1
        seg_id, elements = _split(feed.emitted.popleft(), sep)
        yield Segment(ordinal, seg_id, elements)


PYX12_MISSING = "X12 input needs pyx12, the x12 extra: pip install 'ecert-edi[x12]'"


def pyx12_missing() -> str | None:
    """None when pyx12 can be imported, else the message the commands give (exit 1): pyx12 is
    an optional extra, and an X12 file read without it must be an answer, not a traceback."""
    try:
        import pyx12.x12file  # noqa: F401 - only whether it imports
    except ImportError:
        return PYX12_MISSING
    return None
