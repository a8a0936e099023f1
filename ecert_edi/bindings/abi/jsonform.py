"""The JSON form of a transmission (docs/json.md): ABI text to a JSON document and back."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import itertools
import json
import os
import pickle
import re
import shutil
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from json.encoder import encode_basestring_ascii
from typing import Any, BinaryIO, TextIO

import ijson

from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.quantities import quantity_text
from ecert_edi.bindings.abi.emitter import EnvelopeWriter, format_record
from ecert_edi.bindings.abi.fields import FieldOverflow, decode
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH, Field
from ecert_edi.domain.transactions import Record, Transaction
from ecert_edi.bindings.abi.reading import BatchEnd, BatchStart, Header, Stray, Trailer, parse_file
from ecert_edi.bindings.abi.reader import BLOCK, as_source
from ecert_edi.bindings.abi.responses import RESPONDER_TYPE
from ecert_edi.bindings.abi.structure import Walker

FORMAT_VERSION = 1
DIRECTIONS = ("inbound", "response")

_QUANTITY = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}")
# Output is gathered into pieces of about this size before it is written: one write per record
# would cost more than the formatting.
_CHUNK = 1 << 16
# Temporary spools (strays, conditions, line numbers) stay in memory up to this size.
_SPOOL = 1 << 20
# The most lines a "physical" object may describe.  Its empty lines are written, not stored, but
# a document of a few bytes must not ask for a file of terabytes; a file of this many lines
# holds at least a gigabyte of line endings.
MAX_LINES = 10**9


class DocumentError(ValueError):
    """A JSON document that is not the JSON form of a transmission; the message says where."""


class JSONTextError(DocumentError):
    """Input that is not JSON text at all (not UTF-8, or not valid JSON); the message says so."""


# -- ABI -> JSON ---------------------------------------------------------------------------------


def json_value(field: Field, value: Any) -> Any:
    """A typed field value in its JSON form: quantities as exact decimal strings, ISO dates."""
    if value is None:
        return None
    fmt = field.fmt
    if fmt == "Q":
        return quantity_text(value, grouped=False)
    if fmt == "D":
        return value.isoformat()
    if fmt == "T":
        return value.isoformat(timespec="seconds")
    return value


def record_json(record: Record) -> dict[str, Any]:
    """A record object: identifier, line, data fields; the raw columns when the values fall short.

    The raw text is kept whenever formatting the values again would not give the record back: a
    faulty field (decoded as null), a field not read for the action, filler that is not blank, or
    an unknown identifier.  to_abi writes such a record from its raw text, so an invalid file
    still translates both ways.
    """
    obj: dict[str, Any] = {"record": record.rid, "line": record.line}
    layout = LAYOUTS.get(record.rid)
    if layout is None:
        obj["raw"] = record.raw
        return obj
    values = {f.name: record.values.get(f.name) for f in layout.data_fields}
    if not record.values:
        # The parser keeps some records as text only (the C1s of a void, the E1s of a cancel, a
        # stray): read their fields here so the document shows them; findings are not conditions.
        scratch: list = []
        values = {
            f.name: decode(f, record.raw[f.slice], record.line, scratch) for f in layout.data_fields
        }
    for f in layout.data_fields:
        obj[f.name] = json_value(f, values[f.name])
    try:
        faithful = format_record(record.rid, values) == record.raw
    except FieldOverflow:
        faithful = False
    if not faithful:
        obj["raw"] = record.raw
    return obj


def condition_json(cond: Condition) -> dict[str, Any]:
    return {
        "code": cond.code,
        "severity": cond.severity,
        "line": cond.line,
        "column": cond.column,
        "text": cond.text,
    }


def sniff_direction(first_line: bytes | str) -> str:
    """`response` when the A record's sender type is this system's, else `inbound`.

    The sender type is what tells the two directions apart: only this system sends `CB`.
    """
    if isinstance(first_line, bytes):
        first_line = first_line.decode("latin-1")
    f = LAYOUTS["A"].field("sender_type")
    is_response = first_line[:1] == "A" and first_line[f.slice] == RESPONDER_TYPE
    return "response" if is_response else "inbound"


def _direction_of(src, direction: str | None) -> str:
    if direction is None:
        with src.open() as fh:
            direction = sniff_direction(fh.readline(RECORD_LENGTH))
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
    return direction


def to_json(source, direction: str | None = None) -> dict[str, Any]:
    """The JSON document of a transmission read from a path, "-" (standard input) or bytes.

    Without a direction, a file whose A record comes from this system (`CB`) is read as a
    response file, any other as an inbound one.  An invalid file still gives a document: its
    conditions are listed and its faulty records carry their raw text.  The whole document is
    built in memory; `write_json` writes the same document as text in bounded memory.
    """
    src = as_source(source)
    direction = _direction_of(src, direction)
    parsed = parse_file(src, direction)
    doc: dict[str, Any] = {
        "ecert": FORMAT_VERSION,
        "direction": direction,
        "header": None,
        "batches": [],
        "trailer": None,
        "stray": [],
        "conditions": [],
    }
    batch: dict[str, Any] | None = None
    for event in parsed.events:
        if isinstance(event, Header):
            doc["header"] = record_json(event.record)
        elif isinstance(event, BatchStart):
            batch = {"header": record_json(event.record), "transactions": [], "trailer": None}
            doc["batches"].append(batch)
        elif isinstance(event, BatchEnd):
            if batch is not None and event.record is not None:
                batch["trailer"] = record_json(event.record)
            batch = None
        elif isinstance(event, Trailer):
            doc["trailer"] = record_json(event.record)
        elif isinstance(event, Stray):
            doc["stray"].append(record_json(event.record))
        elif isinstance(event, Transaction):
            records = [event.header, *event.details]
            if batch is None:  # cannot happen in a parse, but never lose a record
                doc["stray"].extend(record_json(r) for r in records)
                continue
            batch["transactions"].append(
                {
                    "header": record_json(event.header),
                    "details": [record_json(r) for r in event.details],
                }
            )
    doc["conditions"] = [condition_json(c) for c in sorted(set(parsed.conditions))]
    physical = physical_form(src)
    if physical:
        doc["physical"] = physical
    return doc


def physical_form(src) -> dict[str, Any]:
    """How the file's lines are written, where it differs from LF lines of 80 columns with a
    final LF and no empty line: the line ending, lines that end in CR LF when the ending is mixed,
    lines shorter than 80 (transports strip trailing blanks), empty lines (from the record line
    numbers and the count of lines), and a missing final line ending.  to_abi uses it to give a
    valid file back byte for byte."""
    form = _LineForm.of(as_source(src))  # kept while its spooled lists are read
    out: dict[str, Any] = {}
    for key, value in form.items():
        if key == "crlf_lines":
            value = list(value)
        elif key == "short_lines":
            value = {str(n): w for n, w in value}
        out[key] = value
    return out


class _LineForm:
    """The physical form of a file, found in one pass over its bytes in blocks.

    Line numbers of CR LF lines are spooled only once the endings turn out mixed (a file of CR LF
    lines only says "CRLF"), and short lines are spooled, so a file of any size and form is read
    in bounded memory.
    """

    def __init__(self) -> None:
        self.lines = 0
        self.crlf = 0
        self.lf = False  # a line ending in LF alone has been seen: CR LF lines are listed
        self.crlf_lines = tempfile.SpooledTemporaryFile(max_size=_SPOOL, mode="w+")  # noqa: SIM115
        self.short = tempfile.SpooledTemporaryFile(max_size=_SPOOL, mode="w+")  # noqa: SIM115
        self.short_count = 0
        self.empty = 0
        self.final = True

    @classmethod
    def of(cls, src) -> _LineForm:
        form = cls()
        partial, last_cr = 0, False  # the line not yet ended: its length so far, its last byte CR
        with src.open() as fh:
            while True:
                block = fh.read(BLOCK)
                if not block:
                    break
                first = block.find(b"\n")
                if first < 0:  # a line longer than the block: only its length and end matter
                    partial += len(block)
                    last_cr = block[-1] == 13
                    continue
                start = 0
                if partial:
                    form.line(partial + first, block[first - 1] == 13 if first else last_cr)
                    partial, start = 0, first + 1
                end = block.rfind(b"\n") + 1
                if start < end:
                    form.block(block[start:end])
                if end < len(block):
                    partial, last_cr = len(block) - end, block[-1] == 13
        if partial:
            form.line(partial, last_cr)
            form.final = False
        return form

    def block(self, data: bytes) -> None:
        """Whole lines, each with its ending; the usual blocks (every line 80 columns and one
        ending) are counted without looking at each line."""
        k = data.count(b"\n")
        if len(data) == 81 * k and data[80::81] == b"\n" * k and b"\r" not in data[79::81]:
            self.plain(k)
            return
        if len(data) == 82 * k and data[81::82] == b"\n" * k and data[80::82] == b"\r" * k:
            self.windows(k)
            return
        for piece in data.split(b"\n")[:-1]:
            self.line(len(piece), piece.endswith(b"\r"))

    def plain(self, k: int) -> None:
        """k lines of 80 columns, each ending in LF."""
        if k:
            self._seen_lf(self.lines)
            self.lines += k

    def windows(self, k: int) -> None:
        """k lines of 80 columns, each ending in CR LF."""
        first = self.lines + 1
        self.lines += k
        self.crlf += k
        if self.lf:
            self._spool_crlf(first, self.lines)

    def line(self, length: int, cr: bool) -> None:
        """One line of `length` bytes (its CR included, its LF not)."""
        self.lines += 1
        n = self.lines
        if cr:
            self.crlf += 1
            if self.lf:
                self._spool_crlf(n, n)
        else:
            self._seen_lf(n - 1)
        width = length - cr
        if width == 0:
            self.empty += 1
        elif width < RECORD_LENGTH:
            self.short.write(f"{n} {width}\n")
            self.short_count += 1

    def _seen_lf(self, before: int) -> None:
        """A line ending in LF alone after `before` lines."""
        if not self.lf:
            self.lf = True
            if self.crlf:  # every line before it ended in CR LF
                self._spool_crlf(1, before)

    def _spool_crlf(self, first: int, last: int) -> None:
        for start in range(first, last + 1, 65536):
            stop = min(start + 65536, last + 1)
            self.crlf_lines.write("".join(f"{n}\n" for n in range(start, stop)))

    def _numbers(self) -> Iterator[int]:
        self.crlf_lines.seek(0)
        return (int(line) for line in self.crlf_lines)

    def _widths(self) -> Iterator[tuple[int, int]]:
        self.short.seek(0)
        for line in self.short:
            n, w = line.split()
            yield int(n), int(w)

    def items(self) -> Iterator[tuple[str, Any]]:
        """The keys of the "physical" object in the order of docs/json.md; lists as iterators."""
        if self.crlf and self.crlf == self.lines:
            yield "line_ending", "CRLF"
        elif self.crlf:
            yield "crlf_lines", self._numbers()
        if self.short_count:
            yield "short_lines", self._widths()
        if self.empty:
            yield "lines", self.lines
        if not self.final and self.lines:
            yield "final_line_ending", False


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is int:
        return int.__repr__(value)
    return json.dumps(value)


def _render(obj: Mapping[str, Any], level: int) -> str:
    """A flat object as json.dumps(indent=2) writes it with its braces at column `level`."""
    inner = "\n" + " " * (level + 2)
    fields = ("," + inner).join(
        f"{encode_basestring_ascii(key)}: {_scalar(value)}" for key, value in obj.items()
    )
    return "{" + inner + fields + "\n" + " " * level + "}"


class _Out:
    """Pieces of output gathered and written in chunks."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.pieces: list[str] = []
        self.size = 0

    def __call__(self, text: str) -> None:
        self.pieces.append(text)
        self.size += len(text)
        if self.size >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        self.stream.write("".join(self.pieces))
        self.pieces.clear()
        self.size = 0


class _Items:
    """The items of a JSON list written later, at `level`: kept in a spool, in bounded memory."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL, mode="w+")  # noqa: SIM115
        self.count = 0
        self.sep = ",\n" + " " * (level + 2)

    def add(self, text: str) -> None:
        self.spool.write(self.sep if self.count else self.sep[1:])
        self.spool.write(text)
        self.count += 1

    def write(self, out: _Out) -> None:
        out("[")
        self.copy(out)
        out(("\n" + " " * self.level + "]") if self.count else "]")

    def copy(self, out: _Out) -> None:
        """The items as spooled, each after its separator."""
        out.flush()
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, out.stream)


class _Findings:
    """The conditions of a file in the order of to_json (line, column, code), gathered as the walk
    goes: each batch's, with the transmission's found since the one before, sorted and spooled;
    those of no place (line 0), known only at the end, go first.  Should a batch's conditions
    not all follow the ones before (the walk finds them in line order, so they do), the file is
    walked again and every condition sorted at once."""

    def __init__(self, walker: Walker) -> None:
        self.envelope = walker.envelope
        self.told = 0
        self.pending: list[Condition] = []
        self.zero: set[Condition] = set()
        self.last: Condition | None = None
        self.ordered = True
        self.items = _Items(2)

    def add(self, conditions: list[Condition]) -> None:
        if conditions:
            self.pending.extend(conditions)

    def cut(self) -> None:
        """At a batch's end and at the file's: the conditions found since the last cut."""
        found = self.envelope.conditions
        placed = found[self.told :]
        self.told = len(found)
        chunk = set(self.pending)
        chunk.update(placed)
        self.pending = []
        for c in [c for c in chunk if not c.line]:
            self.zero.add(c)
            chunk.discard(c)
        if not chunk:
            return
        ordered = sorted(chunk)
        if self.last is not None and ordered[0] <= self.last:
            self.ordered = False
        self.last = ordered[-1]
        for c in ordered:
            self.items.add(_render(condition_json(c), 4))


def write_json(source, stream: TextIO, direction: str | None = None) -> None:
    """Write the JSON document of a transmission to a text stream as the file is read.

    The text is exactly `json.dumps(to_json(source, direction), indent=2)` and a final LF, but
    only the current transaction is held: batches are written as they end, strays and conditions
    (which the document lists after the batches) wait in spools, and the physical form is found
    by a pass of its own.
    """
    src = as_source(source)
    direction = _direction_of(src, direction)
    walker = Walker(src, direction)
    out = _Out(stream)
    strays = _Items(2)
    findings = _Findings(walker)
    events = walker.events()
    first = next(events, None)
    out(f'{{\n  "ecert": {FORMAT_VERSION},\n  "direction": {_scalar(direction)},\n  "header": ')
    if isinstance(first, Header):  # the walker gives a Header for the first record or never
        out(_render(record_json(first.record), 2))
        first = None
    else:
        out("null")
    out(',\n  "batches": [')
    batches = 0
    transactions = -1  # of the open batch; -1 when no batch is open
    trailer = None
    pending = [first] if first is not None else []
    for event in itertools.chain(pending, events):
        if isinstance(event, Transaction):
            findings.add(event.conditions)
            if transactions < 0:  # cannot happen in a parse, but never lose a record
                for r in (event.header, *event.details):
                    strays.add(_render(record_json(r), 4))
                continue
            head = ",\n        {" if transactions else "\n        {"
            if event.details:
                details = ",\n            ".join(_render(record_json(r), 12) for r in event.details)
                details = f"[\n            {details}\n          ]"
            else:
                details = "[]"
            out(f'{head}\n          "header": {_render(record_json(event.header), 10)},'
                f'\n          "details": {details}\n        }}')
            transactions += 1
        elif isinstance(event, BatchStart):
            if transactions >= 0:  # cannot happen: a batch ends before the next begins
                out(_close_batch(transactions, None))
            out(",\n    {" if batches else "\n    {")
            out(f'\n      "header": {_render(record_json(event.record), 6)},\n      "transactions": [')
            batches += 1
            transactions = 0
        elif isinstance(event, BatchEnd):
            findings.add(event.info.conditions)
            findings.cut()
            if transactions >= 0:
                out(_close_batch(transactions, event.record))
            transactions = -1
        elif isinstance(event, Trailer):
            trailer = event.record
        elif isinstance(event, Stray):
            strays.add(_render(record_json(event.record), 4))
    if transactions >= 0:
        out(_close_batch(transactions, None))
    findings.cut()
    out("\n  ]" if batches else "]")
    out(',\n  "trailer": ' + (_render(record_json(trailer), 2) if trailer is not None else "null"))
    out(',\n  "stray": ')
    strays.write(out)
    out(',\n  "conditions": ')
    _write_conditions(findings, src, direction, out)
    form = _LineForm.of(src)  # kept while its spooled lists are read
    given = False
    for key, value in form.items():
        out((",\n    " if given else ',\n  "physical": {\n    ') + f"{_scalar(key)}: ")
        given = True
        if key == "crlf_lines":
            for j, n in enumerate(value):
                out(f",\n      {n}" if j else f"[\n      {n}")
            out("\n    ]")
        elif key == "short_lines":
            for j, (n, w) in enumerate(value):
                out(f',\n      "{n}": {w}' if j else f'{{\n      "{n}": {w}')
            out("\n    }")
        else:
            out(_scalar(value))
    if given:
        out("\n  }")
    out("\n}\n")
    out.flush()


def _close_batch(transactions: int, trailer: Record | None) -> str:
    text = "\n      ]" if transactions else "]"
    shown = _render(record_json(trailer), 6) if trailer is not None else "null"
    return f'{text},\n      "trailer": {shown}\n    }}'


def _write_conditions(findings: _Findings, src, direction: str, out: _Out) -> None:
    zero = [_render(condition_json(c), 4) for c in sorted(findings.zero)]
    if findings.ordered:
        items = findings.items
        if not zero:
            items.write(out)
            return
        out("[\n    " + ",\n    ".join(zero))
        if items.count:
            out(",")
            items.copy(out)
        out("\n  ]")
        return
    # the walk did not give them in order after all: every condition at once, as to_json does
    walker = Walker(src, direction)
    found: list[Condition] = []
    for event in walker.events():
        if isinstance(event, Transaction):
            found.extend(event.conditions)
        elif isinstance(event, BatchEnd):
            found.extend(event.info.conditions)
    found.extend(walker.envelope.conditions)
    rendered = [_render(condition_json(c), 4) for c in sorted(set(found))]
    out(("[\n    " + ",\n    ".join(rendered) + "\n  ]") if rendered else "[]")


# -- JSON -> ABI ---------------------------------------------------------------------------------


def _python_value(field: Field, value: Any, where: str) -> Any:
    """A JSON field value as the emitter takes it, or DocumentError."""
    if value is None:
        return None
    fmt = field.fmt
    if fmt in ("AN", "C"):
        if not isinstance(value, str):
            raise DocumentError(f"{where}: expected a string or null, got {value!r}")
        return value
    if fmt == "N":
        if isinstance(value, bool) or not isinstance(value, int):
            raise DocumentError(f"{where}: expected a whole number or null, got {value!r}")
        return value
    if fmt == "Q":
        # Quantities travel as decimal strings so that no float ever rounds them; [0-9], not \d
        # or str.isdigit, which take "٣" and "²" for digits.
        m = _QUANTITY.fullmatch(value) if isinstance(value, str) else None
        if m is None:
            raise DocumentError(
                f'{where}: expected a decimal string such as "125.50" or null, got {value!r}'
            )
        return int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))
    if fmt == "D":
        try:
            if not isinstance(value, str) or _DATE.fullmatch(value) is None:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            raise DocumentError(
                f'{where}: expected a date "YYYY-MM-DD" or null, got {value!r}'
            ) from None
    if fmt == "T":
        try:
            if not isinstance(value, str) or _TIME.fullmatch(value) is None:
                raise ValueError
            return dt.time.fromisoformat(value)
        except ValueError:
            raise DocumentError(
                f'{where}: expected a time "HH:MM:SS" or null, got {value!r}'
            ) from None
    raise DocumentError(f"{where}: not a data field")  # pragma: no cover - data_fields only


def record_text(obj: Any, where: str, expected: tuple[str, ...] | None = None) -> str:
    """The 80 columns of a record object: its raw text when it has one, else its values formatted."""
    if obj is None:
        raise DocumentError(f"{where}: a record object is missing")
    if not isinstance(obj, Mapping):
        shown = json.dumps(obj, default=repr)
        raise DocumentError(f"{where}: expected a record object, got {shown[:40]}")
    rid = obj.get("record")
    if not isinstance(rid, str):
        raise DocumentError(f'{where}: a record object needs "record", its identifier')
    line = obj.get("line")
    if line is not None and (isinstance(line, bool) or not isinstance(line, int)):
        raise DocumentError(f'{where}: "line" must be a whole number')
    raw = obj.get("raw")
    if raw is not None:
        if (
            not isinstance(raw, str)
            or len(raw) != RECORD_LENGTH
            or any(ch in "\r\n" or ord(ch) > 0xFF for ch in raw)
        ):
            raise DocumentError(f'{where}: "raw" must be a string of {RECORD_LENGTH} characters')
        return raw
    layout = LAYOUTS.get(rid)
    if layout is None:
        raise DocumentError(f"{where}: unknown record identifier {rid!r}")
    if expected is not None and rid not in expected:
        raise DocumentError(f"{where}: expected a {' or '.join(expected)} record, got {rid!r}")
    fields = {f.name: f for f in layout.data_fields}
    values = {}
    for name, value in obj.items():
        if name in ("record", "line", "raw"):
            continue
        field = fields.get(name)
        if field is None:
            raise DocumentError(f"{where}: {rid} has no field {name!r}")
        values[name] = _python_value(field, value, f"{where}.{name}")
    try:
        return format_record(rid, values)
    except FieldOverflow as exc:
        raise DocumentError(f"{where}: {exc}") from None


def _ids(role: str, direction: str) -> tuple[str, ...]:
    """The identifiers of the records of a role in files of a direction."""
    return tuple(
        rid
        for rid, lo in LAYOUTS.items()
        if lo.role == role and lo.direction in (direction, "both")
    )


def _line_of(obj: Any) -> float:
    line = obj.get("line") if isinstance(obj, Mapping) else None
    return line if isinstance(line, int) and not isinstance(line, bool) else float("inf")


def _own_line(obj: Any) -> int | None:
    line = obj.get("line") if isinstance(obj, Mapping) else None
    return line if isinstance(line, int) and not isinstance(line, bool) else None


def _list(doc: Mapping, key: str, where: str, required: bool = True) -> list:
    value = doc.get(key, None if required else [])
    if not isinstance(value, list):
        raise DocumentError(f'{where}: "{key}" must be a list')
    return value


def _whole(value: Any) -> int | None:
    """A JSON whole number as an int; None for anything else (a string of digits included)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _line_key(key: Any) -> int | None:
    """A line number given as an object key: ASCII digits only ("٣" and "²" are digits to
    str.isdigit, and int() reads "٣" as 3)."""
    if isinstance(key, str):
        return int(key) if key.isascii() and key.isdigit() else None
    return _whole(key)


# The document is read as a stream of (event, value) pairs, ijson's basic_parse events, from its
# text or, for a document already in memory, from its objects, so both go the same way.
_OPEN = frozenset(("start_map", "start_array"))
_CLOSE = frozenset(("end_map", "end_array"))
Events = Iterator[tuple[str, Any]]
Opener = Callable[..., Events]


def _events_of(value: Any) -> Events:
    """The events of a document in memory, as ijson would give them for its JSON text."""
    if isinstance(value, Mapping):
        yield "start_map", None
        for key, item in value.items():
            yield "map_key", key
            yield from _events_of(item)
        yield "end_map", None
    elif isinstance(value, list):
        yield "start_array", None
        for item in value:
            yield from _events_of(item)
        yield "end_array", None
    else:
        yield "value", value


def _skip(events: Events, first: str) -> None:
    """Pass over the value whose first event was `first`."""
    if first in _OPEN:
        depth = 1
        for event, _ in events:
            if event in _OPEN:
                depth += 1
            elif event in _CLOSE:
                depth -= 1
                if not depth:
                    return


def _build(events: Events, first: str, value: Any, where: str) -> Any:
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
            obj[key] = _build(events, event, value, where) if event in _OPEN else value
    elif first == "start_array":
        items = []
        for event, value in events:
            if event == "end_array":
                return items
            items.append(_build(events, event, value, where) if event in _OPEN else value)
    return value


def _at(events: Events, path: tuple[str, ...]) -> tuple[str, Any]:
    """Advance a fresh pass to the value at `path` (keys from the top); its first event.

    The survey found it there, once."""
    event, value = next(events)
    for name in path:
        for event, key in events:
            event, value = next(events)
            if key == name:
                break
            _skip(events, event)
    return event, value


def _array(events: Events, where: str) -> Iterator[tuple[Any, str]]:
    """The items of the array a pass stands in, each built, with its place."""
    for i, (event, value) in enumerate(events):
        if event == "end_array":
            return
        place = f"{where}[{i}]"
        yield (_build(events, event, value, place) if event in _OPEN else value), place


def _problem(text: str) -> DocumentError:
    return DocumentError(f'"physical" is not as docs/json.md describes: {text}')


class _Physical:
    """A document's "physical" object: what its survey found, and its two lists read lazily in
    line order by passes of their own (or at once, sorted, when the document does not list them
    in order)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.crlf: tuple[int, bool] | None = None  # (count, ascending) of a crlf_lines list
        self.short: tuple[int, bool] | None = None  # (count, ascending) of a short_lines object

    @property
    def every(self) -> bool:
        return self.values.get("line_ending") == "CRLF"

    @property
    def final(self) -> bool:
        return self.values.get("final_line_ending") is not False

    def count(self) -> int:
        return self.values.get("lines", 0)

    def crlf_lookup(self, opener: Opener) -> _Ascending:
        if not self.crlf or not self.crlf[0]:
            return _Ascending(())
        events = opener()
        _at(events, ("physical", "crlf_lines"))
        pairs = ((n, True) for n, _ in _array(events, "physical.crlf_lines"))
        return _Ascending(pairs if self.crlf[1] else sorted(set(pairs)))

    def short_lookup(self, opener: Opener) -> _Ascending:
        if not self.short or not self.short[0]:
            return _Ascending(())
        events = opener()
        _at(events, ("physical", "short_lines"))
        pairs = _widths(events)
        return _Ascending(pairs if self.short[1] else sorted(dict(pairs).items()))


def _widths(events: Events) -> Iterator[tuple[int, int]]:
    """The (line, width) pairs of the short_lines object a pass stands in."""
    for event, key in events:
        if event == "end_map":
            return
        _, value = next(events)
        yield _line_key(key), value


class _Ascending:
    """Look-ups in (number, value) pairs in ascending order, for numbers asked in ascending order."""

    def __init__(self, pairs: Iterable[tuple[int, Any]]) -> None:
        self.pairs = iter(pairs)
        self.next = next(self.pairs, None)

    def upcoming(self, n: int) -> int | None:
        """The first number from n on, or None."""
        while self.next is not None and self.next[0] < n:
            self.next = next(self.pairs, None)
        return self.next[0] if self.next is not None else None

    def get(self, n: int) -> Any:
        found = None
        while self.next is not None and self.next[0] <= n:
            if self.next[0] == n:
                found = self.next[1]
            self.next = next(self.pairs, None)
        return found


def _survey_physical(events: Events, event: str, value: Any, faults: list) -> _Physical | None:
    """The survey of "physical": None when it is left out or empty, as when it is absent.  Its
    faults go to `faults`, and the object is read to its end all the same."""
    if event == "start_array":
        event, value = next(events)
        if event == "end_array":
            return None  # an empty list, falsy: ignored as before
        _skip(events, event)
        _skip(events, "start_array")
        faults.append(DocumentError('"physical" must be an object'))
        return None
    if event != "start_map":
        if value:
            faults.append(DocumentError('"physical" must be an object'))
        return None
    spec = _Physical()
    seen: set = set()
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)
        if key in seen:
            faults.append(_problem(f"{key!r} is given twice"))
        seen.add(key)
        if key == "crlf_lines":
            spec.crlf = _survey_numbers(events, event, value, faults)
        elif key == "short_lines":
            spec.short = _survey_widths(events, event, value, faults)
        elif key in ("line_ending", "lines", "final_line_ending"):
            spec.values[key] = _build(events, event, value, "physical") if event in _OPEN else value
        else:
            _skip(events, event)
    if not seen:
        return None
    if "lines" in spec.values:
        lines = _whole(spec.values["lines"])
        if lines is None or lines < 0:
            faults.append(_problem(f"lines must be a whole number, not {spec.values['lines']!r}"))
        elif lines > MAX_LINES:
            faults.append(_problem(f"lines: at most {MAX_LINES}, not {lines}"))
    return spec


def _survey_numbers(events: Events, first: str, given: Any, faults: list):
    """(count, ascending) of a crlf_lines list; None when it is null or empty."""
    if first != "start_array":
        _skip(events, first)
        if first in _OPEN or given:
            faults.append(_problem("crlf_lines must be a list of line numbers"))
        return None
    count, ascending, last = 0, True, None
    for event, value in events:
        if event == "end_array":
            break
        n = _whole(value) if event not in _OPEN else None
        _skip(events, event)
        if n is None:
            faults.append(_problem(f"crlf_lines[{count}] is not a line number"))
        elif last is not None and n < last:
            ascending = False
        last = n if n is not None else last
        count += 1
    return count, ascending


def _survey_widths(events: Events, first: str, given: Any, faults: list):
    """(count, ascending) of a short_lines object; None when it is null or empty."""
    if first != "start_map":
        _skip(events, first)
        if first in _OPEN or given:
            faults.append(_problem("short_lines must be an object of line numbers and widths"))
        return None
    count, ascending, last = 0, True, None
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)
        n = _line_key(key)
        width = _whole(value) if event not in _OPEN else None
        _skip(events, event)
        if n is None:
            faults.append(_problem(f"short_lines key {key!r} is not a line number"))
        elif width is None or width < 0:
            faults.append(_problem(f"short_lines {key!r} is not a width"))
        else:
            if last is not None and n <= last:
                ascending = False
            last = n
        count += 1
    return count, ascending


_READ = ("ecert", "direction", "header", "batches", "trailer", "stray", "physical")


class _Survey:
    """What a document says outside its batches, from one pass before anything is written: the
    text is checked whole first, as a parser that reads it at once would."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}  # ecert, direction, header, trailer as given
        self.batches = False  # a list
        self.stray: tuple[int, bool] | None = (0, True)  # (count, in line order); None: no list
        self.physical: _Physical | None = None
        self.twice: str | None = None
        self.root = True
        self.physical_faults: list[DocumentError] = []

    @classmethod
    def of(cls, events: Events) -> _Survey:
        survey = cls()
        found: DocumentError | None = None
        try:
            survey._read(events)
        except JSONTextError:
            raise
        except DocumentError as exc:
            found = exc
        for _ in events:  # the rest of the text, for its syntax
            pass
        if found is not None:
            raise found
        return survey

    def _read(self, events: Events) -> None:
        event, value = next(events)
        if event != "start_map":
            self.root = False
            _skip(events, event)
            return
        seen: set = set()
        for event, key in events:
            if event == "end_map":
                return
            event, value = next(events)
            if key in _READ:
                if key in seen and self.twice is None:
                    self.twice = key
                seen.add(key)
            if key == "batches":
                self.batches = event == "start_array"
                _skip(events, event)
            elif key == "stray":
                self.stray = self._strays(events) if event == "start_array" else None
                if event != "start_array":
                    _skip(events, event)
            elif key == "physical":  # its faults are told after those of the document's shape
                self.physical = _survey_physical(events, event, value, self.physical_faults)
            elif key in _READ:
                self.values[key] = _build(events, event, value, key) if event in _OPEN else value
            else:
                _skip(events, event)

    @staticmethod
    def _strays(events: Events) -> tuple[int, bool]:
        count, ascending, last = 0, True, float("-inf")
        for obj, _ in _array(events, "stray"):
            line = _line_of(obj)
            if line < last:
                ascending = False
            last = line
            count += 1
        return count, ascending

    def check(self) -> str:
        """The document's direction, or DocumentError for the first fault of its shape."""
        if not self.root:
            raise DocumentError("the document must be a JSON object")
        if self.twice is not None:
            raise DocumentError(f'the document gives "{self.twice}" twice')
        if self.values.get("ecert") != FORMAT_VERSION:
            raise DocumentError(f'the document must say "ecert": {FORMAT_VERSION}')
        direction = self.values.get("direction", "inbound")
        if direction not in DIRECTIONS:
            raise DocumentError(f'"direction" must be one of {", ".join(DIRECTIONS)}')
        if not self.batches:
            raise DocumentError('document: "batches" must be a list')
        if self.stray is None:
            raise DocumentError('document: "stray" must be a list')
        if self.physical_faults:
            raise self.physical_faults[0]
        return direction


class _Unordered(Exception):
    """Records whose lines do not rise in the order they are written, under "physical"."""


class _Records:
    """The text stream an EnvelopeWriter writes to under "physical": each record, LF-ended, goes to
    the sink with the line number the writer was told for it (None for a computed trailer)."""

    def __init__(self, sink) -> None:
        self.sink = sink
        self.line: int | None = None
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        *ended, rest = text.split("\n")
        for piece in ended:
            self.parts.append(piece)
            self.sink.put("".join(self.parts), self.line)
            self.parts.clear()
            self.line = None
        if rest:
            self.parts.append(rest)


def _numbered(line: int | None) -> int:
    if line is None or line < 1:
        raise DocumentError('"physical" needs every record to have its own "line", from 1')
    if line > MAX_LINES:
        raise DocumentError(f'"physical" describes at most {MAX_LINES} lines, not line {line}')
    return line


class _Placed:
    """Records written as "physical" says the file was: each at its line, empty lines between,
    the endings and stripped blanks of each line, the final ending or not.

    Records are expected in rising line order, as the document lists them; when they are not,
    _Unordered asks for the lines to be sorted first (given then as `numbers`: the i-th record
    goes to the i-th smallest line, as ever).  The text waits in a spool until `close`, so that
    a second try starts clean.
    """

    def __init__(self, spec: _Physical, opener: Opener, numbers: Iterator[int] | None = None):
        self.spec = spec
        self.every = spec.every
        self.crlf = spec.crlf_lookup(opener)
        self.short = spec.short_lookup(opener)
        self.numbers = numbers
        self.last = 0
        self.end = ""  # the ending of the last line: written before the next, or at the close
        self.spool = tempfile.SpooledTemporaryFile(max_size=8 * _SPOOL, mode="w+",  # noqa: SIM115
                                                   encoding="latin-1", newline="")
        self.out = _Out(self.spool)

    def put(self, text: str, line: int | None) -> None:
        if self.numbers is not None:
            line = next(self.numbers)
        else:
            line = _numbered(line)
            if line <= self.last:
                raise _Unordered
        self._empty(line - 1)
        width = self.short.get(line)
        if width is not None and not text[width:].strip(" "):
            text = text[:width]  # a line its transport had stripped of trailing blanks
        self._line(text, line)

    def _line(self, text: str, n: int) -> None:
        self.out(self.end + text)
        self.end = "\r\n" if self.every or self.crlf.get(n) else "\n"
        self.last = n

    def _empty(self, last: int) -> None:
        """Empty lines up to line `last`, those of one ending written together."""
        while self.last < last:
            n = self.last + 1
            if self.every:
                run, end = last - n + 1, "\r\n"
            else:
                crlf = self.crlf.upcoming(n)
                run = (min(crlf, last + 1) if crlf is not None else last + 1) - n
                end = "\n"
                if not run:
                    self._line("", n)
                    continue
            for start in range(0, run, _CHUNK):
                k = min(_CHUNK, run - start)
                self.out(self.end + end * (k - 1))
                self.end = end
            self.last = n + run - 1

    def close(self, stream: TextIO) -> None:
        self._empty(self.spec.count())
        if self.spec.final:
            self.out(self.end)
        self.out.flush()
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, stream)


class _Counted:
    """The line numbers of the records, in any order, for _Placed to place them sorted."""

    def __init__(self) -> None:
        self.numbers = array("q")

    def put(self, text: str, line: int | None) -> None:
        self.numbers.append(_numbered(line))

    def sorted(self) -> Iterator[int]:
        numbers = sorted(self.numbers)
        if any(a == b for a, b in itertools.pairwise(numbers)):
            raise DocumentError('"physical" needs every record to have its own "line"')
        return iter(numbers)


class _Writer:
    """Writes a document's records in order, strays put back where their line numbers place them."""

    def __init__(self, out: EnvelopeWriter, records: _Records | None,
                 strays: Iterator[tuple[Any, str]]) -> None:
        self.out = out
        self.records = records
        self.strays = strays
        self.next_stray = next(self.strays, None)

    def _line(self, obj: Any) -> None:
        if self.records is not None:
            self.records.line = _own_line(obj)

    def flush_strays(self, before: float | None) -> None:
        """The strays placed before line `before`; all that are left when it is None (those
        without a line too, which no line number places)."""
        while self.next_stray is not None and (before is None
                                               or _line_of(self.next_stray[0]) < before):
            obj, where = self.next_stray
            text = record_text(obj, where)
            self._line(obj)
            self.out.write_line(text)
            self.next_stray = next(self.strays, None)

    def record(self, obj: Any, where: str, expected: tuple[str, ...] | None = None) -> None:
        text = record_text(obj, where, expected)
        self.flush_strays(_line_of(obj))
        self._line(obj)
        self.out.write_line(text)

    def trailer(self, holder: Mapping, rid: str, where: str) -> None:
        """A trailer as given; null when the file has none; computed when the key is left out."""
        if "trailer" not in holder:
            if rid == "Y":
                self.out.end_batch()
            else:
                self.out.end()
        elif holder["trailer"] is not None:
            self.record(holder["trailer"], f"{where}.trailer", (rid,))


class _Spool:
    """Transactions met before their batch's header, kept on disk until it is written."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115
        self.count = 0

    def add(self, txn: Any) -> None:
        pickle.dump(txn, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __iter__(self) -> Iterator[Any]:
        self.file.seek(0)
        for _ in range(self.count):
            yield pickle.load(self.file)  # our own spool, written just before
        self.file.close()


def _records(opener: Opener, survey: _Survey, direction: str, stream, sink) -> None:
    """Write every record of the document once: to `stream`, or to `sink` under "physical"."""
    records = _Records(sink) if sink is not None else None
    out = EnvelopeWriter(records if records is not None else stream, strict=False)
    w = _Writer(out, records, _stray_items(opener, survey))
    headers, details = _ids("header", direction), _ids("detail", direction)
    if survey.values.get("header") is not None:
        w.record(survey.values["header"], "header", ("A",))
    events = opener()
    _at(events, ("batches",))
    for b, (event, _) in enumerate(events):
        if event == "end_array":
            break
        _batch(events, event, f"batches[{b}]", w, headers, details)
    w.trailer(survey.values, "Z", "document")
    w.flush_strays(None)


def _stray_items(opener: Opener, survey: _Survey) -> Iterator[tuple[Any, str]]:
    count, ascending = survey.stray or (0, True)
    if not count:
        return iter(())

    def items() -> Iterator[tuple[Any, str]]:
        events = opener()
        _at(events, ("stray",))
        yield from _array(events, "stray")

    return items() if ascending else iter(sorted(items(), key=lambda item: _line_of(item[0])))


def _batch(events: Events, first: str, where: str, w: _Writer, headers, details) -> None:
    """One batch object, read key by key: its header first, then its transactions one at a time
    (those the object lists before its header wait in a spool), then its trailer."""
    if first != "start_map":
        _skip(events, first)
        raise DocumentError(f"{where}: expected a batch object")
    seen: set = set()
    holder: dict[str, Any] = {}
    spool: _Spool | None = None
    written = listed = False
    t = 0
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)
        if key in ("header", "transactions", "trailer"):
            if key in seen:
                raise DocumentError(f'{where}: "{key}" is given twice')
            seen.add(key)
        if key == "header":
            w.record(_build(events, event, value, f"{where}.header"), f"{where}.header", ("B",))
            written = True
            for i, txn in enumerate(spool or ()):
                _transaction(txn, f"{where}.transactions[{i}]", w, headers, details)
        elif key == "transactions":
            if event != "start_array":
                _skip(events, event)
                continue
            listed = True
            for event, value in events:
                if event == "end_array":
                    break
                twhere = f"{where}.transactions[{t}]"
                txn = _build(events, event, value, twhere) if event in _OPEN else value
                if written:
                    _transaction(txn, twhere, w, headers, details)
                else:
                    spool = spool or _Spool()
                    spool.add(txn)
                t += 1
        elif key == "trailer":
            holder["trailer"] = _build(events, event, value, f"{where}.trailer") \
                if event in _OPEN else value
        else:
            _skip(events, event)
    if not written:
        w.record(None, f"{where}.header", ("B",))
    if not listed:
        raise DocumentError(f'{where}: "transactions" must be a list')
    w.trailer(holder, "Y", where)


def _transaction(txn: Any, where: str, w: _Writer, headers, details) -> None:
    if not isinstance(txn, Mapping):
        raise DocumentError(f"{where}: expected a transaction object")
    w.record(txn.get("header"), f"{where}.header", headers)
    for d, detail in enumerate(_list(txn, "details", where, required=False)):
        w.record(detail, f"{where}.details[{d}]", details)


def _translate(opener: Opener, stream: TextIO, survey: _Survey | None = None) -> None:
    """The ABI text of the document whose passes `opener` starts, written to `stream`."""
    if survey is None:
        survey = _Survey.of(opener(first=True))
    direction = survey.check()
    spec = survey.physical
    if spec is None:
        _records(opener, survey, direction, stream, None)
        return
    try:
        placed = _Placed(spec, opener)
        _records(opener, survey, direction, stream, placed)
    except _Unordered:
        counted = _Counted()
        _records(opener, survey, direction, stream, counted)
        placed = _Placed(spec, opener, counted.sorted())
        _records(opener, survey, direction, stream, placed)
    placed.close(stream)


def write_abi(doc: Any, stream: TextIO) -> None:
    """Write the ABI text of a JSON document in memory to a stream, as to_abi gives it, or raise
    DocumentError.

    The document is read as write_abi_from reads JSON text, so the two agree.  Records are written
    as they are checked, so on an error the stream may hold the records before the fault; to_abi
    builds the whole text first.
    """
    _translate(lambda first=False: _events_of(doc), stream)


def to_abi(doc: Any) -> str:
    """The ABI text of a JSON document, or DocumentError: LF lines of 80 columns with a final LF,
    or as its "physical" object says the file was written."""
    out = io.StringIO()
    write_abi(doc, out)
    return out.getvalue()


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


class _JsonText:
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


def write_abi_from(source: str | os.PathLike | bytes | BinaryIO, stream: TextIO) -> None:
    """Write the ABI text of a JSON document read incrementally from a path, "-" (standard
    input), bytes or a binary stream, in bounded memory; JSONTextError when it is not JSON text,
    DocumentError when it is not the JSON form.

    The text is read in a few passes: a survey of everything outside the batches (the document
    lists strays and "physical" after them), then the batches one transaction at a time, and the
    strays and the physical lists as they are needed.  On an error the stream may hold the
    records before the fault: give it a temporary file to write nothing on error.
    """
    text = _JsonText(source)
    try:
        _translate(text.events, stream, _survey_of(text))
    except ijson.JSONError as exc:
        raise JSONTextError(f"not valid JSON: {_first_line(exc)}") from None
    finally:
        text.close()


def _survey_of(text: _JsonText) -> _Survey:
    """The survey, by ijson's C parser unless the text needs its Python one: a number too large
    for the C parser (JSON sets no limit), or an escaped surrogate (the C parser makes a lone one
    "?", which a raw record would then hold instead of being refused)."""
    try:
        survey = _Survey.of(text.events(first=True))
    except ijson.JSONError as exc:
        if "overflow" not in str(exc) or text.slow:
            raise
        text.slow = True
        return _Survey.of(text.events(first=True))
    except DocumentError:
        if not text.checked.surrogates or text.slow:
            raise
        text.slow = True
        return _Survey.of(text.events(first=True))
    if text.checked.surrogates and not text.slow:
        text.slow = True
        return _Survey.of(text.events(first=True))
    return survey


def _first_line(exc: Exception) -> str:
    message = exc.args[0] if exc.args else exc
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return str(message).strip().splitlines()[0] if str(message).strip() else type(exc).__name__
