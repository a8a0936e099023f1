"""The JSON form of a transmission (docs/json.md): ABI text to a JSON document and back."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.quantities import quantity_text
from ecert_edi.bindings.abi.emitter import EnvelopeWriter, format_record
from ecert_edi.bindings.abi.fields import FieldOverflow, decode
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH, Field
from ecert_edi.domain.transactions import Record, Transaction
from ecert_edi.bindings.abi.reading import BatchEnd, BatchStart, Header, Stray, Trailer, parse_file
from ecert_edi.bindings.abi.reader import as_source
from ecert_edi.bindings.abi.responses import RESPONDER_TYPE

FORMAT_VERSION = 1
DIRECTIONS = ("inbound", "response")

_QUANTITY = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}")


class DocumentError(ValueError):
    """A JSON document that is not the JSON form of a transmission; the message says where."""


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


def to_json(source, direction: str | None = None) -> dict[str, Any]:
    """The JSON document of a transmission read from a path, "-" (standard input) or bytes.

    Without a direction, a file whose A record comes from this system (`CB`) is read as a
    response file, any other as an inbound one.  An invalid file still gives a document: its
    conditions are listed and its faulty records carry their raw text.
    """
    src = as_source(source)
    if direction is None:
        with src.open() as fh:
            direction = sniff_direction(fh.readline(RECORD_LENGTH))
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
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
    with src.open() as fh:
        data = fh.read()
    lines = data.split(b"\n")
    final = lines[-1] == b""
    if final:
        lines.pop()
    crlf = [n for n, line in enumerate(lines, 1) if line.endswith(b"\r")]
    widths = {}
    for n, line in enumerate(lines, 1):
        width = len(line) - line.endswith(b"\r")
        if 0 < width < RECORD_LENGTH:
            widths[str(n)] = width
    empty = sum(1 for line in lines if line in (b"", b"\r"))
    out: dict[str, Any] = {}
    if crlf and len(crlf) == len(lines):
        out["line_ending"] = "CRLF"
    elif crlf:
        out["crlf_lines"] = crlf
    if widths:
        out["short_lines"] = widths
    if empty:
        out["lines"] = len(lines)
    if not final and lines:
        out["final_line_ending"] = False
    return out


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
        # Quantities travel as decimal strings so that no float ever rounds them.
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


def _list(doc: Mapping, key: str, where: str, required: bool = True) -> list:
    value = doc.get(key, None if required else [])
    if not isinstance(value, list):
        raise DocumentError(f'{where}: "{key}" must be a list')
    return value


class _Writer:
    """Writes a document's records in order, strays put back where their line numbers place them."""

    def __init__(self, stream: TextIO, strays: list) -> None:
        self.out = EnvelopeWriter(stream, strict=False)
        indexed = [(obj, f"stray[{i}]") for i, obj in enumerate(strays)]
        self.strays: Iterator = iter(sorted(indexed, key=lambda item: _line_of(item[0])))
        self.next_stray = next(self.strays, None)

    def flush_strays(self, before: float) -> None:
        while self.next_stray is not None and _line_of(self.next_stray[0]) < before:
            obj, where = self.next_stray
            self.out.write_line(record_text(obj, where))
            self.next_stray = next(self.strays, None)

    def record(self, obj: Any, where: str, expected: tuple[str, ...] | None = None) -> None:
        text = record_text(obj, where, expected)
        self.flush_strays(_line_of(obj))
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


def write_abi(doc: Any, stream: TextIO) -> None:
    """Write the ABI text of a JSON document to a stream, or raise DocumentError.

    Records are written as they are checked, so on an error the stream holds the records before
    the fault; to_abi builds the whole text first.
    """
    if not isinstance(doc, Mapping):
        raise DocumentError("the document must be a JSON object")
    if doc.get("ecert") != FORMAT_VERSION:
        raise DocumentError(f'the document must say "ecert": {FORMAT_VERSION}')
    direction = doc.get("direction", "inbound")
    if direction not in DIRECTIONS:
        raise DocumentError(f'"direction" must be one of {", ".join(DIRECTIONS)}')
    headers, details = _ids("header", direction), _ids("detail", direction)
    batches = _list(doc, "batches", "document")
    w = _Writer(stream, _list(doc, "stray", "document", required=False))
    if doc.get("header") is not None:
        w.record(doc["header"], "header", ("A",))
    for b, batch in enumerate(batches):
        where = f"batches[{b}]"
        if not isinstance(batch, Mapping):
            raise DocumentError(f"{where}: expected a batch object")
        w.record(batch.get("header"), f"{where}.header", ("B",))
        for t, txn in enumerate(_list(batch, "transactions", where)):
            twhere = f"{where}.transactions[{t}]"
            if not isinstance(txn, Mapping):
                raise DocumentError(f"{twhere}: expected a transaction object")
            w.record(txn.get("header"), f"{twhere}.header", headers)
            for d, detail in enumerate(_list(txn, "details", twhere, required=False)):
                w.record(detail, f"{twhere}.details[{d}]", details)
        w.trailer(batch, "Y", where)
    w.trailer(doc, "Z", "document")
    w.flush_strays(float("inf"))


def to_abi(doc: Any) -> str:
    """The ABI text of a JSON document, or DocumentError: LF lines of 80 columns with a final LF,
    or as its "physical" object says the file was written."""
    out = io.StringIO()
    write_abi(doc, out)
    text = out.getvalue()
    physical = doc.get("physical") if isinstance(doc, Mapping) else None
    if not physical:
        return text
    if not isinstance(physical, Mapping):
        raise DocumentError('"physical" must be an object')
    return _as_written(text.split("\n")[:-1], _record_lines(doc), physical)


def _record_lines(doc: Mapping) -> list[int]:
    """The line numbers of the document's records, in the order to_abi writes them."""
    found = []

    def add(obj):
        if isinstance(obj, Mapping) and isinstance(obj.get("line"), int):
            found.append(obj["line"])

    add(doc.get("header"))
    for batch in doc.get("batches") or []:
        add(batch.get("header"))
        for txn in batch.get("transactions") or []:
            add(txn.get("header"))
            for detail in txn.get("details") or []:
                add(detail)
        add(batch.get("trailer"))
    add(doc.get("trailer"))
    for stray in doc.get("stray") or []:
        add(stray)
    return sorted(found)


def _as_written(records: list[str], numbers: list[int], physical: Mapping) -> str:
    try:
        if len(numbers) != len(records) or len(set(numbers)) != len(numbers):
            raise DocumentError('"physical" needs every record to have its own "line"')
        count = int(physical.get("lines", max(numbers, default=0)))
        short = {int(n): int(w) for n, w in (physical.get("short_lines") or {}).items()}
        crlf = set(map(int, physical.get("crlf_lines") or []))
    except (TypeError, ValueError, AttributeError) as exc:
        raise DocumentError(f'"physical" is not as docs/json.md describes: {exc}') from None
    lines = [""] * max(count, max(numbers, default=0))
    for number, text in zip(numbers, records, strict=True):
        width = short.get(number)
        if width is not None and not text[width:].strip(" "):
            text = text[:width]  # a line its transport had stripped of trailing blanks
        lines[number - 1] = text
    every = physical.get("line_ending") == "CRLF"
    ends = ["\r\n" if every or n in crlf else "\n" for n in range(1, len(lines) + 1)]
    text = "".join(line + end for line, end in zip(lines, ends, strict=True))
    if physical.get("final_line_ending") is False and lines:
        text = text[: -len(ends[-1])]
    return text
