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


class SourceError(OSError):
    """An inbound file that cannot be opened or read (an operational failure, not an answer)."""


class Source:
    """An inbound file that can be read more than once (the envelope pass, then the apply pass)."""

    def __init__(self, source: str | os.PathLike | bytes | BinaryIO):
        self._path: Path | None = None
        self._data: bytes | None = None
        self._spool: tempfile.SpooledTemporaryFile | None = None
        if isinstance(source, bytes):
            self._data = source
            self.name = "<bytes>"
        elif isinstance(source, (str, os.PathLike)) and str(source) == "-":
            self._spool = _spool(sys.stdin.buffer)
            self.name = "<stdin>"
        elif isinstance(source, (str, os.PathLike)):
            self._path = Path(source)
            self.name = str(source)
            if self._path.is_dir():
                raise SourceError(f"{source}: is a directory")
            try:
                with open(self._path, "rb"):
                    pass
            except OSError as exc:
                raise SourceError(f"{source}: {exc.strerror or exc}") from exc
        else:
            self._spool = _spool(source)
            self.name = getattr(source, "name", "<stream>")

    def open(self) -> BinaryIO:
        if self._data is not None:
            return io.BytesIO(self._data)
        if self._spool is not None:
            self._spool.seek(0)
            return _Unclosable(self._spool)
        try:
            return open(self._path, "rb")
        except OSError as exc:
            raise SourceError(f"{self.name}: {exc.strerror or exc}") from exc


class _Unclosable:
    """A view of the spool whose close leaves the spool open for the next pass."""

    def __init__(self, inner):
        self._inner = inner

    def readline(self, limit=-1):
        return self._inner.readline(limit)

    def read(self, n=-1):
        return self._inner.read(n)

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
    """
    number = 0
    readline = stream.readline
    while True:
        raw = readline(LINE_LIMIT)
        if not raw:
            return
        number += 1
        length = len(raw)
        if raw[-1:] != b"\n":
            if length == LINE_LIMIT:  # a longer line: skip to its end, counting
                while True:
                    more = readline(LINE_LIMIT)
                    if not more:
                        break
                    if more[-1:] == b"\n":
                        length += len(more) - 1
                        break
                    length += len(more)
                raw = raw[:LINE_LIMIT]
        else:
            raw = raw[:-1]
            length -= 1
            if raw[-1:] == b"\r":
                raw = raw[:-1]
                length -= 1
        if not length:
            continue  # zero-length lines are ignored, but counted
        yield number, raw.decode("latin-1"), length


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
