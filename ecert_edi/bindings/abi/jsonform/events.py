"""JSON text read as a stream of parser events (ijson's basic_parse), in passes from the start:
from a path, standard input, bytes or a binary stream, or from a document already in memory."""

from __future__ import annotations

import codecs
import io
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from typing import Any, BinaryIO

import ijson

from ecert_edi.bindings.abi.jsonform.common import DocumentError, JSONTextError

# The document is read as a stream of (event, value) pairs, ijson's basic_parse events, from its
# text or, for a document already in memory, from its objects, so both go the same way.
OPEN = frozenset(("start_map", "start_array"))
CLOSE = frozenset(("end_map", "end_array"))
Events = Iterator[tuple[str, Any]]
Opener = Callable[..., Events]


def events_of(value: Any) -> Events:
    """The events of a document in memory, as ijson would give them for its JSON text."""
    if isinstance(value, Mapping):
        yield "start_map", None
        for key, item in value.items():
            yield "map_key", key
            yield from events_of(item)
        yield "end_map", None
    elif isinstance(value, list):
        yield "start_array", None
        for item in value:
            yield from events_of(item)
        yield "end_array", None
    else:
        yield "value", value


def skip(events: Events, first: str) -> None:
    """Pass over the value whose first event was `first`."""
    if first in OPEN:
        depth = 1
        for event, _ in events:
            if event in OPEN:
                depth += 1
            elif event in CLOSE:
                depth -= 1
                if not depth:
                    return


def build(events: Events, first: str, value: Any, where: str) -> Any:
    """The value whose first event was (first, value); a key given twice in an object is
    refused (which of the two json.loads keeps is not for a translation to guess)."""
    if first == "start_map":
        obj: dict = {}
        for event, key in events:
            if event == "end_map":
                return obj
            event, value = next(events)
            if key in obj:
                raise DocumentError(f"{where}: {key!r} is given twice")
            obj[key] = build(events, event, value, where) if event in OPEN else value
    elif first == "start_array":
        items = []
        for event, value in events:
            if event == "end_array":
                return items
            items.append(build(events, event, value, where) if event in OPEN else value)
    return value


def advance(events: Events, path: tuple[str, ...]) -> tuple[str, Any]:
    """Advance a fresh pass to the value at `path` (keys from the top); its first event.

    The survey found it there, once."""
    event, value = next(events)
    for name in path:
        for event, key in events:
            event, value = next(events)
            if key == name:
                break
            skip(events, event)
    return event, value


def items_of(events: Events, where: str) -> Iterator[tuple[Any, str]]:
    """The items of the array a pass stands in, each built, with its place."""
    for i, (event, value) in enumerate(events):
        if event == "end_array":
            return
        place = f"{where}[{i}]"
        yield (build(events, event, value, place) if event in OPEN else value), place


class _Pread:
    """A reader of an open file from an offset that shares no position with other readers, so
    several passes can read one open file at once."""

    def __init__(self, fd: int, offset: int) -> None:
        self.fd = fd
        self.offset = offset

    def read(self, n: int = -1) -> bytes:
        data = os.pread(self.fd, n if n >= 0 else 1 << 30, self.offset)
        self.offset += len(data)
        return data


# An escaped UTF-16 surrogate: ijson's C parser turns a lone one into "?", so a document with one
# is read by its Python parser, which keeps it (and then refuses it where a record holds it).
_SURROGATE = re.compile(rb"\\u[dD][89abAB]")


class _Checked:
    """The first pass's reader: the bytes must be UTF-8, and escaped surrogates are noted."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.tail = b""
        self.surrogates = False

    def read(self, n: int = -1) -> bytes:
        data = self.inner.read(n)
        try:
            self.decoder.decode(data, final=not data)
        except UnicodeDecodeError:
            raise JSONTextError("not UTF-8 text, so not a JSON document") from None
        if not self.surrogates and _SURROGATE.search(self.tail + data):
            self.surrogates = True
        self.tail = data[-5:]
        return data


class JsonText:
    """The bytes of a JSON document, read from the start by each pass: a path opened once, bytes,
    or standard input or a stream copied to a temporary file."""

    def __init__(self, source: str | os.PathLike | bytes | BinaryIO) -> None:
        self._data: bytes | None = None
        self._file = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._data = bytes(source)
        elif isinstance(source, (str, os.PathLike)) and str(source) == "-":
            self._file = _copied(sys.stdin.buffer)
        elif isinstance(source, (str, os.PathLike)):
            self._file = open(source, "rb")  # noqa: SIM115 - kept for every pass
        else:
            self._file = _copied(source)
        start = self._data[:3] if self._data is not None else os.pread(self._file.fileno(), 3, 0)
        self._start = 3 if start == codecs.BOM_UTF8 else 0  # utf-8-sig, as before
        self.slow = not _has_c()  # ijson's Python parser rather than its C one
        self.checked: _Checked | None = None

    def reader(self):
        if self._data is not None:
            stream = io.BytesIO(self._data)
            stream.seek(self._start)
            return stream
        return _Pread(self._file.fileno(), self._start)

    def events(self, first: bool = False) -> Events:
        reader = self.reader()
        if first:
            reader = self.checked = _Checked(reader)
        backend = ijson.get_backend("python" if self.slow else "yajl2_c")
        return backend.basic_parse(reader, use_float=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _has_c() -> bool:
    try:
        ijson.get_backend("yajl2_c")
    except ImportError:  # pragma: no cover - a platform without the compiled parser
        return False
    return True


def _copied(stream: BinaryIO):
    copy = tempfile.TemporaryFile()  # noqa: SIM115 - kept for every pass
    shutil.copyfileobj(stream, copy)
    copy.flush()
    return copy


def first_line(exc: Exception) -> str:
    message = exc.args[0] if exc.args else exc
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return str(message).strip().splitlines()[0] if str(message).strip() else type(exc).__name__
