"""Inbound bytes to physical lines, in bounded memory, with the content hash of spec 4.3."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

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

    def __init__(self, source: str | os.PathLike | bytes | BinaryIO):
        self._path: Path | None = None
        self._data: bytes | None = None
        self._file: BinaryIO | None = None
        if isinstance(source, bytes):
            self._data = source
            self.name = "<bytes>"
        elif isinstance(source, (str, os.PathLike)) and str(source) == "-":
            self._file = _spool(sys.stdin.buffer)
            self.name = "<stdin>"
        elif isinstance(source, (str, os.PathLike)):
            self._path = Path(source)
            self.name = str(source)
            if self._path.is_dir():
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

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> Source:
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


def _spool(stream: BinaryIO) -> tempfile.SpooledTemporaryFile:
    # kept open for the second pass; Source owns it for the life of the run
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
    The file is read in large blocks split in C; a line without an end is kept only up to
    LINE_LIMIT, so a binary file without line endings never fills memory.
    """
    number = 0
    kept, total, last = "", 0, ""  # a line not yet ended: its start, true length, last character
    while True:
        block = stream.read(BLOCK)
        if not block:
            break
        pieces = block.decode("latin-1").split("\n")  # byte for byte: one character a byte
        tail = pieces.pop()
        for piece in pieces:
            number += 1
            length = len(piece)
            end = piece[-1:]
            if total:  # the end of a line begun in an earlier block
                length += total
                end = end or last
                piece = (kept + piece)[:LINE_LIMIT]
                kept, total = "", 0
            if end == "\r":  # CR LF: the CR is the line ending, not the record
                length -= 1
                if len(piece) > length:
                    piece = piece[:length]
            if len(piece) > LINE_LIMIT:
                piece = piece[:LINE_LIMIT]
            if length:  # zero-length lines are ignored, but counted
                yield number, piece, length
        if tail:
            if len(kept) < LINE_LIMIT:
                kept = (kept + tail)[:LINE_LIMIT]
            total += len(tail)
            last = tail[-1:]
    if total:  # the last line may lack an ending
        number += 1
        yield from _last_line(number, kept, total, last)


def _last_line(number: int, kept: str, total: int, last: str):
    if last == "\r":
        total -= 1
        kept = kept[:total]
    if total:
        yield number, kept, total


class ContentHash:
    """SHA-256 of the records after normalising endings to LF and padding each record to 80 columns."""

    def __init__(self):
        self._h = hashlib.sha256()

    def add(self, text: str, length: int) -> None:
        if length > len(text):  # a line longer than we keep: its length stands for the rest
            text = f"{text}...{length}"
        self._h.update(text.ljust(80).encode("latin-1"))
        self._h.update(b"\n")

    def hexdigest(self) -> str:
        return self._h.hexdigest()
