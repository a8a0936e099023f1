"""The JSON form to ABI text: a document read as a stream, in a few passes, in bounded memory
(write_abi_from), or from memory (write_abi, to_abi), checked against the form's JSON Schema
record object by record object as it is read (schema.py)."""

from __future__ import annotations

import datetime as dt
import io
import os
import pickle
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, TextIO

import ijson

from ecert_edi.bindings.abi.emitter import EnvelopeWriter, format_record
from ecert_edi.bindings.abi.fields import FieldOverflow
from ecert_edi.bindings.abi.jsonform.common import (
    FORMAT_VERSION,
    DocumentError,
    JSONTextError,
)
from ecert_edi.bindings.abi.jsonform.events import (
    OPEN,
    Events,
    JsonText,
    Opener,
    advance,
    build,
    events_of,
    first_line,
    items_of,
    skip,
)
from ecert_edi.bindings.abi.jsonform.physical import (
    Counted,
    Physical,
    Placed,
    Records,
    Unordered,
    shape_of,
    survey_physical,
)
from ecert_edi.bindings.abi.jsonform.schema import (
    check_condition,
    check_record,
    checks,
    first_error,
)
from ecert_edi.bindings.abi.layouts import LAYOUTS, Field

# Per record identifier: its data fields by name.
_FIELDS: dict[str, dict[str, Field]] = {
    rid: {f.name: f for f in layout.data_fields} for rid, layout in LAYOUTS.items()
}


def _python_value(field: Field, value: Any) -> Any:
    """A JSON field value the schema admitted, as the emitter takes it (no check is left to make:
    the schema's patterns admit ASCII digits only, real dates, quantities that fit)."""
    if value is None:
        return None
    fmt = field.fmt
    if fmt == "N":
        return value if field.count else int(value)  # a code: its digits, zero-filled again
    if fmt == "Q":
        # Quantities travel as decimal strings so that no float ever rounds them.
        whole, _, cents = value.partition(".")
        return int(whole) * 100 + int(cents.ljust(2, "0"))
    if fmt == "D":
        return dt.date.fromisoformat(value)
    if fmt == "T":
        return dt.time.fromisoformat(value)
    return value


def record_text(obj: Any, where: str, expected: tuple[str, ...] | None = None) -> str:
    """The 80 columns of a record object: its raw text when it has one, else its values
    formatted; DocumentError, naming the place, for an object its record's schema refuses or
    a record the place does not take (`expected`)."""
    if obj is None:
        raise DocumentError(f"{where}: a record object is missing")
    check_record(obj, where)
    if "raw" in obj:
        return obj["raw"]
    rid = obj["record"]
    if expected is not None and rid not in expected:
        raise DocumentError(f"{where}: expected a {' or '.join(expected)} record, got {rid!r}")
    fields = _FIELDS[rid]
    values = {name: _python_value(fields[name], value) for name, value in obj.items()
              if name != "record" and name != "line"}
    try:
        return format_record(rid, values)
    except FieldOverflow as exc:  # pragma: no cover - the schema admits only values that fit
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
    return line if type(line) is int else float("inf")


def _own_line(obj: Any) -> int | None:
    line = obj.get("line") if isinstance(obj, Mapping) else None
    return line if type(line) is int else None


def _list(doc: Mapping, key: str, where: str, required: bool = True) -> list:
    value = doc.get(key, None if required else [])
    if not isinstance(value, list):
        raise DocumentError(f'{where}: "{key}" must be a list')
    return value


_READ = ("ecert", "direction", "header", "batches", "trailer", "stray", "conditions", "physical")


def _version_problem(version: Any) -> DocumentError:
    if type(version) is int and 1 <= version < FORMAT_VERSION:
        return DocumentError(
            f'the document is of version {version} of the JSON form ("ecert": {version}), which '
            "wrote codes and identifiers (HTS numbers, ports, entry types, condition codes) as "
            f"numbers and lost their leading zeros; this ecert reads version {FORMAT_VERSION} "
            "only: translate the ABI file again with --to json"
        )
    return DocumentError(f'the document must say "ecert": {FORMAT_VERSION}, the version of the '
                         f"JSON form it is written in (docs/json.md), not {version!r}")


class _Survey:
    """What a document says outside its batches, from one pass before anything is written: the
    text is checked whole first, as a parser that reads it at once would.

    The document's skeleton (its keys outside the batches, with its lists given empty) is
    checked against the schema; its conditions one by one as they are read, its header and
    trailer records where they are written, the physical object by physical.py."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}  # ecert, direction, header, trailer as given
        self.shapes: dict[str, Any] = {}  # batches, stray, conditions: [] for a list, else as given
        self.stray: tuple[int, bool] = (0, True)  # (count, in line order)
        self.physical: Physical | None = None
        self.twice: str | None = None
        self.root = True
        self.condition_fault: DocumentError | None = None
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
            skip(events, event)
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
            if key in ("batches", "stray", "conditions"):
                if event != "start_array":
                    self.shapes[key] = shape_of(events, event, value)
                    continue
                self.shapes[key] = []
                if key == "batches":
                    skip(events, event)
                elif key == "stray":
                    self.stray = self._strays(events)
                else:
                    self._conditions(events)
            elif key == "physical":  # its faults are told after those of the document's shape
                self.physical = survey_physical(events, event, value, self.physical_faults)
            elif key in _READ:
                self.values[key] = build(events, event, value, key) if event in OPEN else value
            else:
                skip(events, event)

    @staticmethod
    def _strays(events: Events) -> tuple[int, bool]:
        count, ascending, last = 0, True, float("-inf")
        for obj, _ in items_of(events, "stray"):
            line = _line_of(obj)
            if line < last:
                ascending = False
            last = line
            count += 1
        return count, ascending

    def _conditions(self, events: Events) -> None:
        """Each condition checked as it is read (not written back, but of the form)."""
        for obj, where in items_of(events, "conditions"):
            if self.condition_fault is None:
                try:
                    check_condition(obj, where)
                except DocumentError as exc:
                    self.condition_fault = exc

    def check(self) -> str:
        """The document's direction, or DocumentError for the first fault of its shape."""
        if not self.root:
            raise DocumentError("the document must be a JSON object")
        if self.twice is not None:
            raise DocumentError(f'the document gives "{self.twice}" twice')
        # The version first: it says which schema the rest is to be read by.
        if type(self.values.get("ecert")) is not int or self.values["ecert"] != FORMAT_VERSION:
            raise _version_problem(self.values.get("ecert"))
        skeleton = {key: value for key, value in self.values.items()
                    if key not in ("header", "trailer")}
        skeleton.update(self.shapes)
        problem = first_error(checks().skeleton, skeleton, "")
        if problem is not None:
            raise DocumentError(problem)
        if self.condition_fault is not None:
            raise self.condition_fault
        if self.physical_faults:
            raise self.physical_faults[0]
        return self.values.get("direction", "inbound")  # one of DIRECTIONS: the schema's enum


class _Writer:
    """Writes a document's records in order, strays put back where their line numbers place them."""

    def __init__(self, out: EnvelopeWriter, records: Records | None,
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
    records = Records(sink) if sink is not None else None
    out = EnvelopeWriter(records if records is not None else stream, strict=False)
    w = _Writer(out, records, _stray_items(opener, survey))
    headers, details = _ids("header", direction), _ids("detail", direction)
    if survey.values.get("header") is not None:
        w.record(survey.values["header"], "header", ("A",))
    events = opener()
    advance(events, ("batches",))
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
        advance(events, ("stray",))
        yield from items_of(events, "stray")

    return items() if ascending else iter(sorted(items(), key=lambda item: _line_of(item[0])))


def _batch(events: Events, first: str, where: str, w: _Writer, headers, details) -> None:
    """One batch object, read key by key: its header first, then its transactions one at a time
    (those the object lists before its header wait in a spool), then its trailer."""
    if first != "start_map":
        skip(events, first)
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
            w.record(build(events, event, value, f"{where}.header"), f"{where}.header", ("B",))
            written = True
            for i, txn in enumerate(spool or ()):
                _transaction(txn, f"{where}.transactions[{i}]", w, headers, details)
        elif key == "transactions":
            if event != "start_array":
                skip(events, event)
                continue
            listed = True
            for event, value in events:
                if event == "end_array":
                    break
                twhere = f"{where}.transactions[{t}]"
                txn = build(events, event, value, twhere) if event in OPEN else value
                if written:
                    _transaction(txn, twhere, w, headers, details)
                else:
                    spool = spool or _Spool()
                    spool.add(txn)
                t += 1
        elif key == "trailer":
            holder["trailer"] = build(events, event, value, f"{where}.trailer") \
                if event in OPEN else value
        else:
            skip(events, event)
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
        placed = Placed(spec, opener)
        _records(opener, survey, direction, stream, placed)
    except Unordered:
        counted = Counted()
        _records(opener, survey, direction, stream, counted)
        placed = Placed(spec, opener, counted.sorted())
        _records(opener, survey, direction, stream, placed)
    placed.close(stream)


def write_abi(doc: Any, stream: TextIO) -> None:
    """Write the ABI text of a JSON document in memory to a stream, as to_abi gives it, or raise
    DocumentError.

    The document is read as write_abi_from reads JSON text, so the two agree.  Records are written
    as they are checked, so on an error the stream may hold the records before the fault; to_abi
    builds the whole text first.
    """
    _translate(lambda first=False: events_of(doc), stream)


def to_abi(doc: Any) -> str:
    """The ABI text of a JSON document, or DocumentError: LF lines of 80 columns with a final LF,
    or as its "physical" object says the file was written."""
    out = io.StringIO()
    write_abi(doc, out)
    return out.getvalue()


def write_abi_from(source: str | os.PathLike | bytes | BinaryIO, stream: TextIO) -> None:
    """Write the ABI text of a JSON document read incrementally from a path, "-" (standard
    input), bytes or a binary stream, in bounded memory; JSONTextError when it is not JSON text,
    DocumentError when it is not the JSON form.

    The text is read in a few passes: a survey of everything outside the batches (the document
    lists strays and "physical" after them), then the batches one transaction at a time, and the
    strays and the physical lists as they are needed.  On an error the stream may hold the
    records before the fault: give it a temporary file to write nothing on error.
    """
    text = JsonText(source)
    try:
        _translate(text.events, stream, _survey_of(text))
    except ijson.JSONError as exc:
        raise JSONTextError(f"not valid JSON: {first_line(exc)}") from None
    finally:
        text.close()


def _survey_of(text: JsonText) -> _Survey:
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
