"""Segments of an interchange split a block at a time by our own tokeniser (pyx12's is its oracle)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from ecert_edi.bindings.x12.envelope import Isa
from ecert_edi.bindings.x12.segments import (
    CHUNK,
    SEGMENT_LIMIT,
    Reading,
    Segment,
    Squeezed,
    isa_digest_text,
)


def blocks(stream: BinaryIO, isa: Isa, reading: Reading,
           size: int = CHUNK) -> Iterator[tuple[list[str], str]]:
    """Every segment after the ISA, as pyx12's reader over `segments._Feed` gives them (the
    differential test holds it to that): per block read, the texts of the segments it ends and
    those texts joined, each followed by the terminator.  CR/LF after a terminator and empty
    segments are dropped (2.1), a segment longer than `SEGMENT_LIMIT` is summarised as the feed
    does; the digest (7) and trailing text are left in `reading` at the end."""
    term = isa.segment_terminator
    sep = isa.element_separator
    # The ISA may hold the terminator (it then has a fault): it is digested as the feed does,
    # without the terminator's mark, which segment texts, split at it, never need.
    digest = hashlib.sha256()
    digest.update(isa_digest_text(isa).translate({ord(sep): "\x00\x01", 0: "\x00\x00"})
                  .encode("utf-8") + b"\x00\x02")
    marked = _marker(sep, term)
    carry = ""                        # the segment being read, leading CR/LF dropped
    squeezed: Squeezed | None = None  # its summary once over-long (carry its first part)
    while block := stream.read(size):
        pieces = block.decode("latin-1").split(term)
        last = pieces.pop()
        if pieces:
            texts: list[str] = []
            first = pieces[0]
            if squeezed is not None:
                # an over-long segment ends: its text was digested as it came
                digest.update(marked(first) + b"\x00\x02")
                squeezed.add(first)
                texts.append(carry + squeezed.text())
                squeezed = None
                pieces[0] = ""
            elif carry:
                pieces[0] = carry + first
            carry = ""
            pieces = [p.lstrip("\r\n") for p in pieces]
            if "" in pieces:
                pieces = [p for p in pieces if p]  # empty segments: skipped, not counted (2.1)
            if pieces:
                joined = term.join(pieces) + term
                digest.update(marked(joined))
                if max(map(len, pieces)) > SEGMENT_LIMIT:
                    pieces = [_summary(p, sep) for p in pieces]
                    joined = term.join(pieces) + term
                if texts:
                    texts.extend(pieces)
                    joined = texts[0] + term + joined
                else:
                    texts = pieces
                yield texts, joined
            elif texts:
                yield texts, texts[0] + term
            last = last.lstrip("\r\n")
        elif squeezed is not None:
            digest.update(marked(last))
            squeezed.add(last)
            continue
        elif not carry:
            last = last.lstrip("\r\n")
        carry += last
        if len(carry) > SEGMENT_LIMIT:
            digest.update(marked(carry))
            squeezed = Squeezed(sep)
            squeezed.add(carry[SEGMENT_LIMIT:])
            carry = carry[:SEGMENT_LIMIT]
    if squeezed is not None or carry.strip("\r\n "):
        # Text after the last terminator is no segment; it counts as data after the IEA, or
        # leaves the IEA missing (docs/x12.md).
        reading.trailing = True
        if squeezed is None:
            digest.update(marked(carry))
        digest.update(b"\x00\x03")
    reading.digest = digest.hexdigest()


def _marker(sep: str, term: str) -> Callable[[str], bytes]:
    """The digest's form of segment text (segments._Feed._hash): NUL doubled, each element
    separator NUL 1 and terminator NUL 2, as UTF-8.  Replacing bytes is what makes a digest of
    100,000 segments cost milliseconds; delimiters are ASCII (2.2), so a UTF-8 sequence never
    holds one.  The replacements run one after the other: the terminator's would also take the
    NUL 1 the separator's leaves when the terminator is that character."""
    if term == "\x01":
        table = {ord(sep): "\x00\x01", 0: "\x00\x00", ord(term): "\x00\x02"}
        return lambda text: text.translate(table).encode("utf-8")
    s, t = sep.encode("ascii"), term.encode("ascii")

    def marked(text: str) -> bytes:
        return (text.encode("utf-8").replace(b"\x00", b"\x00\x00").replace(s, b"\x00\x01")
                .replace(t, b"\x00\x02"))

    return marked


def _summary(text: str, sep: str) -> str:
    """An over-long segment's text as the walker reads it (segments.Squeezed)."""
    if len(text) <= SEGMENT_LIMIT:
        return text
    squeezed = Squeezed(sep)
    squeezed.add(text[SEGMENT_LIMIT:])
    return text[:SEGMENT_LIMIT] + squeezed.text()


def split_segments(stream: BinaryIO, isa: Isa, reading: Reading,
                   size: int = CHUNK) -> Iterator[Segment]:
    """The segments of `blocks` one at a time, numbered from 2 (the ISA is 1), as
    `segments.segments` yields them."""
    sep = isa.element_separator
    ordinal = 1
    for texts, _ in blocks(stream, isa, reading, size):
        for text in texts:
            ordinal += 1
            parts = text.split(sep)
            yield Segment(ordinal, parts[0], parts[1:])
