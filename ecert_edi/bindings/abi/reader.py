"""Inbound bytes to physical lines, in bounded memory, with the content hash of spec 4.3."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from typing import BinaryIO, Self

# Longer lines are only ever reported (002), so a line is read at most this far; the rest of it is
# skipped in chunks and a binary file without line endings never fills memory.
LINE_LIMIT = 4096
BLOCK = 1 << 20


class SourceError(OSError):
    """An inbound file that cannot be opened or read (an operational failure, not an answer)."""


class Source:
    """An inbound file that can be read more than once (the envelope pass, then the apply pass).

    A path is opened once and every pass reads that one open file, so a file renamed over the
    path between the passes changes nothing: both passes read the same content.
    """

    def __init__(self, source: str | os.PathLike | bytes | BinaryIO, *, name: str | None = None):
        """`name` names bytes (a file the caller has read already); others name themselves."""
        self._path: str | os.PathLike | None = None
        self._data: bytes | None = None
        self._file: BinaryIO | None = None
        # the events of a pass that read them all, kept for the next pass (a source held in
        # memory and small: `binding.AbiBinding.check_envelope`)
        self.events: list | None = None
        if isinstance(source, bytes):
            self._data = source
            self.name = name or "<bytes>"
        elif isinstance(source, (str, os.PathLike)) and str(source) == "-":
            self._file = _spool(sys.stdin.buffer)
            self.name = "<stdin>"
        elif isinstance(source, (str, os.PathLike)):
            self._path = source
            self.name = str(source)
            if os.path.isdir(source):
                raise SourceError(f"{source}: is a directory")
            try:
                self._file = open(self._path, "rb")  # noqa: SIM115 - kept for both passes
            except OSError as exc:
                raise SourceError(f"{source}: {exc.strerror or exc}") from exc
        else:
            self._file = _spool(source)
            self.name = getattr(source, "name", "<stream>")

    def open(self) -> BinaryIO:
        """A reader from the first byte; closing it leaves the source open for the next pass."""
        if self._data is not None:
            return io.BytesIO(self._data)
        try:
            self._file.seek(0)
        except OSError as exc:
            raise SourceError(f"{self.name}: {exc.strerror or exc}") from exc
        return _Unclosable(self._file, self.name)

    @property
    def held(self) -> int | None:
        """The size of a source held in memory (bytes), None for a file or a stream."""
        return len(self._data) if self._data is not None else None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Unclosable:
    """A view of the spool whose close leaves the spool open for the next pass."""

    def __init__(self, inner, name: str):
        self._inner = inner
        self._name = name

    def readline(self, limit=-1):
        return self._inner.readline(limit)

    def read(self, n=-1):
        try:
            return self._inner.read(n)
        except OSError as exc:  # an I/O error of the disk under the file
            raise SourceError(f"{self._name}: {exc.strerror or exc}") from exc

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _spool(stream: BinaryIO):
    # kept open for the second pass; Source owns it for the life of the run.  (tempfile and
    # shutil are imported here: only standard input and streams need them, and they are slow to
    # import for a command that reads a three-line file.)
    import shutil
    import tempfile

    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    shutil.copyfileobj(stream, spool)
    spool.seek(0)
    return spool


def as_source(source) -> Source:
    return source if isinstance(source, Source) else Source(source)


def iter_lines(stream: BinaryIO) -> Iterator[tuple[int, str, int]]:
    """(line number, text, true length) of each non-empty physical line.

    Text is decoded byte for byte (latin-1), so a column is a byte position; the line ending (LF or
    CR LF) is removed; text holds at most LINE_LIMIT characters and true length tells the rest.
    """
    for first, texts, lengths in iter_blocks(stream):
        for number, text in enumerate(texts, first):
            if text:  # zero-length lines are ignored, but counted
                yield number, text, len(text) if lengths is None else lengths.get(number, len(text))


def iter_blocks(stream: BinaryIO) -> Iterator[tuple[int, list[str], dict[int, int] | None]]:
    """The physical lines of a stream, a block at a time: (number of the block's first line, the
    text of each of its lines, their true lengths).

    A text is as `iter_lines` gives it, "" for a line of no length (which counts but is no
    record).  The true length of a line is len(text) except where `lengths` (None when there is
    no such line in the block) says otherwise, by line number: a line cut at LINE_LIMIT.  The file
    is read in large blocks split in C; what is left to do line by line in Python (a CR to drop, a
    line to cut) is done only for a block that needs it, so reading costs a record a share of a
    few C calls.  A line without an end is kept only up to LINE_LIMIT, so a binary file without
    line endings never fills memory.
    """
    number = 0
    kept, total, last = "", 0, ""  # a line not yet ended: its start, true length, last character
    while True:
        block = stream.read(BLOCK)
        if not block:
            break
        texts = block.decode("latin-1").split("\n")  # byte for byte: one character a byte
        tail = texts.pop()
        if texts:
            first = number + 1
            number += len(texts)
            lengths = None
            start = 0
            if total:  # the first line began in an earlier block
                text, length = _continued(texts[0], kept, total, last)
                texts[0] = text
                if length != len(text):
                    lengths = {first: length}
                kept, total, start = "", 0, 1
            if b"\r" in block:  # CR LF: the CR is the line ending, not the record
                texts[start:] = [t[:-1] if t[-1:] == "\r" else t for t in texts[start:]]
            if max(map(len, texts)) > LINE_LIMIT:
                lengths = _cut(texts, first, lengths)
            yield first, texts, lengths
        if tail:
            if len(kept) < LINE_LIMIT:
                kept = (kept + tail)[:LINE_LIMIT]
            total += len(tail)
            last = tail[-1:]
    if total:  # the last line may lack an ending
        number += 1
        for _, text, length in _last_line(number, kept, total, last):
            yield number, [text], ({number: length} if length != len(text) else None)


def _continued(piece: str, kept: str, total: int, last: str) -> tuple[str, int]:
    """The text and true length of a line begun in an earlier block (`kept`, of `total`
    characters, the last `last`) and ended by `piece`."""
    length = len(piece) + total
    end = piece[-1:] or last
    piece = (kept + piece)[:LINE_LIMIT]
    if end == "\r":  # CR LF: the CR is the line ending, not the record
        length -= 1
        if len(piece) > length:
            piece = piece[:length]
    return (piece if length else ""), length


def _cut(texts: list[str], first: int, lengths: dict[int, int] | None) -> dict[int, int]:
    """Cut every line longer than LINE_LIMIT, in place; the true lengths, by line number."""
    lengths = dict(lengths or {})
    for i, text in enumerate(texts):
        if len(text) > LINE_LIMIT:
            lengths[first + i] = len(text)
            texts[i] = text[:LINE_LIMIT]
    return lengths


def _last_line(number: int, kept: str, total: int, last: str):
    if last == "\r":
        total -= 1
        kept = kept[:total]
    if total:
        yield number, kept, total


class ContentHash:
    """SHA-256 of the records after normalising endings to LF and padding each record to 80 columns."""

    def __init__(self):
        import hashlib  # here, not at import: `ecert validate` hashes nothing

        self._h = hashlib.sha256()

    def add(self, text: str, length: int) -> None:
        if length > len(text):  # a line longer than we keep: its length stands for the rest
            text = f"{text}...{length}"
        self._h.update(text.ljust(80).encode("latin-1"))
        self._h.update(b"\n")

    def hexdigest(self) -> str:
        return self._h.hexdigest()
