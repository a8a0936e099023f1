"""Reading a block at a time gives exactly the lines of the line-by-line reader it replaced.

`reference_lines` is that reader (ecert_edi/bindings/abi/reader.py before lines were read a block
at a time), kept here as the definition: every line number, text and true length, for any bytes,
any block size and any line limit, with CR LF, bare CR, empty lines, lines longer than the limit,
lines spanning blocks and a last line without an ending.
"""

from __future__ import annotations

import io
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from ecert_edi.bindings.abi import reader


def reference_lines(stream, block: int, limit: int):
    number = 0
    kept, total, last = "", 0, ""
    while True:
        data = stream.read(block)
        if not data:
            break
        pieces = data.decode("latin-1").split("\n")
        tail = pieces.pop()
        for piece in pieces:
            number += 1
            length = len(piece)
            end = piece[-1:]
            if total:
                length += total
                end = end or last
                piece = (kept + piece)[:limit]
                kept, total = "", 0
            if end == "\r":
                length -= 1
                if len(piece) > length:
                    piece = piece[:length]
            if len(piece) > limit:
                piece = piece[:limit]
            if length:
                yield number, piece, length
        if tail:
            if len(kept) < limit:
                kept = (kept + tail)[:limit]
            total += len(tail)
            last = tail[-1:]
    if total:
        number += 1
        if last == "\r":
            total -= 1
            kept = kept[:total]
        if total:
            yield number, kept, total


PIECES = st.sampled_from([b"\n", b"\r\n", b"\r", b"\r\r\n", b"A", b"E1001", b" ", b"\xe9", b"\x00",
                          b"Z" * 9, b"x" * 23])


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(PIECES, max_size=40), block=st.integers(1, 40), limit=st.integers(1, 30))
def test_blocks_give_the_lines_of_the_line_reader(parts, block, limit):
    data = b"".join(parts)
    expected = list(reference_lines(io.BytesIO(data), block, limit))
    with sizes(block, limit):
        got = list(reader.iter_lines(io.BytesIO(data)))
        blocks = list(reader.iter_blocks(io.BytesIO(data)))
    assert got == expected
    # and the blocks themselves: every physical line counted, the empty ones as ""
    seen = []
    for first, texts, lengths in blocks:
        assert first == len(seen) + 1
        for number, text in enumerate(texts, first):
            true = len(text) if lengths is None else lengths.get(number, len(text))
            seen.append((number, text, true))
    assert [s for s in seen if s[1]] == expected
    assert all(true == 0 for _, text, true in seen if not text)


@contextmanager
def sizes(block: int, limit: int):
    """The reader with another block size and line limit, for the length of a block."""
    saved = reader.BLOCK, reader.LINE_LIMIT
    reader.BLOCK, reader.LINE_LIMIT = block, limit
    try:
        yield
    finally:
        reader.BLOCK, reader.LINE_LIMIT = saved
