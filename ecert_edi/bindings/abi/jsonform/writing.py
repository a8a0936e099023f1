"""ABI text to the JSON form: the document built in memory (to_json) or written as the file is
read (write_json), in bounded memory."""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from json.encoder import encode_basestring_ascii
from typing import Any, TextIO

from ecert_edi.bindings.abi.emitter import format_record
from ecert_edi.bindings.abi.fields import FieldOverflow, decode
from ecert_edi.bindings.abi.jsonform.common import DIRECTIONS, FORMAT_VERSION, SPOOL, Out
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH, Field
from ecert_edi.bindings.abi.reader import BLOCK, as_source
from ecert_edi.bindings.abi.reading import BatchEnd, BatchStart, Header, Stray, Trailer, parse_file
from ecert_edi.bindings.abi.responses import RESPONDER_TYPE
from ecert_edi.bindings.abi.structure import Walker
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.quantities import quantity_text
from ecert_edi.domain.transactions import Record, Transaction


def json_value(field: Field, value: Any) -> Any:
    """A typed field value in its JSON form: quantities as exact decimal strings, ISO dates, an N
    field that is a code or an identifier as the string of its digits (leading zeros kept: HTS
    0201300200 is not the number 201300200); only a count is a JSON number."""
    if value is None:
        return None
    fmt = field.fmt
    if fmt == "N":
        return value if field.count else f"{value:0{field.length}d}"
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
        self.crlf_lines = tempfile.SpooledTemporaryFile(max_size=SPOOL, mode="w+")  # noqa: SIM115
        self.short = tempfile.SpooledTemporaryFile(max_size=SPOOL, mode="w+")  # noqa: SIM115
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


class _Items:
    """The items of a JSON list written later, at `level`: kept in a spool, in bounded memory."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL, mode="w+")  # noqa: SIM115
        self.count = 0
        self.sep = ",\n" + " " * (level + 2)

    def add(self, text: str) -> None:
        self.spool.write(self.sep if self.count else self.sep[1:])
        self.spool.write(text)
        self.count += 1

    def write(self, out: Out) -> None:
        out("[")
        self.copy(out)
        out(("\n" + " " * self.level + "]") if self.count else "]")

    def copy(self, out: Out) -> None:
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


def write_json(source, stream: TextIO, direction: str | None = None,
               progress: Callable[[int], None] | None = None) -> None:
    """Write the JSON document of a transmission to a text stream as the file is read.

    `progress`, when given, is told the line reached now and then (every 1,000 transactions).

    The text is exactly `json.dumps(to_json(source, direction), indent=2)` and a final LF, but
    only the current transaction is held: batches are written as they end, strays and conditions
    (which the document lists after the batches) wait in spools, and the physical form is found
    by a pass of its own.
    """
    src = as_source(source)
    direction = _direction_of(src, direction)
    walker = Walker(src, direction)
    out = Out(stream)
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
    told = 0
    for event in itertools.chain(pending, events):
        if isinstance(event, Transaction):
            findings.add(event.conditions)
            told += 1
            if progress is not None and told % 1000 == 0:
                progress(event.header.line)
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


def _write_conditions(findings: _Findings, src, direction: str, out: Out) -> None:
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
