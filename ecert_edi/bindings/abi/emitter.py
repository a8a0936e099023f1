"""Writing records and whole A/B…Y/Z transmissions from the layouts, with the envelope counts kept."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from ecert_edi.bindings.abi.fields import AN_CHARS, codes_of, encoder, pattern
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH


class EnvelopeError(ValueError):
    """Records were written in an order the envelope grammar (spec 4.1) does not allow."""


def format_record(rid: str, values: Mapping[str, Any]) -> str:
    """One record of exactly 80 columns: every data field encoded by its layout, the rest blank.

    A name the layout does not hold as a data field is an error; a name left out is blank; a value
    that does not fit its field raises FieldOverflow (nothing is ever truncated).
    """
    plan = _PLANS.get(rid)
    if plan is None:
        raise KeyError(f"unknown record identifier {rid!r}")
    names, encoders = plan
    if not names.issuperset(values):
        unknown = sorted(name for name in values if name not in names)
        raise KeyError(f"{rid} has no data field {', '.join(map(repr, unknown))}")
    get = values.get
    return "".join([enc(get(name)) for name, enc in encoders])


def compile_formatter(rid: str, names: tuple[str, ...], fallback=None):
    """format_record for values given in `names` order, compiled once from the layout.

    For records written by the thousand from stored values (S1 usage rows): one f-string builds
    the record, and the layout's own pattern and code lists check it.  A record with an absent
    value, a value not of the type its field's encoder writes (a bool for a number, a datetime for
    a time), or one that does not check, goes through `fallback(rid, values)` (format_record
    unless given), which writes it or refuses the value that does not fit.
    """
    layout = LAYOUTS[rid]
    env: dict[str, Any] = {"format_record": fallback or format_record, "names": names, "rid": rid,
                           "date": dt.date, "time": dt.time}
    pieces, checks = [], []
    types = []  # each value of the type its encoder writes, before the f-string formats it
    for f in layout.fields:
        if f.fmt == "ID":
            pieces.append(rid)
            continue
        if f.fmt == "F" or f.name not in names:
            pieces.append(" " * f.length)
            continue
        v = f"v{names.index(f.name)}"
        types.append({"N": f"type({v}) is int", "Q": f"type({v}) is int",
                      "D": f"isinstance({v}, date)", "T": f"isinstance({v}, time)"}
                     .get(f.fmt, f"type({v}) is str"))
        if f.fmt in ("AN", "C"):
            pieces.append(f"{{{v}:<{f.length}}}")
            if f.fmt == "C":
                env[f"codes_{v}"] = codes_of(f)
                checks.append(f"{v} in codes_{v}")
        elif f.fmt in ("N", "Q"):
            pieces.append(f"{{{v}:0{f.length}d}}")
        elif f.fmt == "D":
            pieces.append(f"{{{v}.month:02d}}{{{v}.day:02d}}{{{v}.year - 2000:02d}}")
            checks.append(f"2000 <= {v}.year <= 2099")
        else:  # T
            pieces.append(f"{{{v}.hour:02d}}{{{v}.minute:02d}}{{{v}.second:02d}}")
    env["well_formed"] = re.compile("".join(pattern(f, rid) for f in layout.fields)).fullmatch
    args = ", ".join(f"v{i}" for i in range(len(names)))
    check = " and ".join(["well_formed(text) is not None", *checks])
    if len(types) < len(names):  # a name the layout does not hold: any None goes to the fallback
        types.insert(0, f"None not in ({args},)")
    source = (
        f"def formatter({args}):\n"
        f"    if {' and '.join(types) or 'True'}:\n"
        f'        text = f"{"".join(pieces)}"\n'
        f"        if len(text) == {RECORD_LENGTH} and {check}:\n"
        f"            return text\n"
        f"    return format_record(rid, dict(zip(names, ({args},))))\n"
    )
    exec(compile(source, f"<formatter {rid}>", "exec"), env)  # noqa: S102
    return env["formatter"]


# Per record: its data field names, and each field's encoder in column order (built once).
_PLANS = {
    rid: (
        frozenset(f.name for f in layout.data_fields),
        tuple((f.name, encoder(f, rid)) for f in layout.fields),
    )
    for rid, layout in LAYOUTS.items()
}


def record_id(text: str) -> str | None:
    """The identifier of a formatted record, or None when its first columns name no layout."""
    if text[:2] in LAYOUTS:
        return text[:2]
    if text[:1] in LAYOUTS and LAYOUTS[text[:1]].role == "envelope":
        return text[:1]
    return None


def _control_number(a_text: str) -> str | None:
    """The control number of a pre-formatted A record, when it is readable."""
    f = LAYOUTS["A"].field("control_number")
    value = a_text[f.slice].rstrip(" ")
    return value if value and all(ch in AN_CHARS for ch in value) else None


class _Batch:
    __slots__ = ("application", "number", "records", "transactions")

    def __init__(self, application: str | None, number: int | None) -> None:
        self.application = application
        self.number = number
        self.transactions = 0
        self.records = 1  # the B record


class EnvelopeWriter:
    """Writes one transmission to a text stream, record by record, counting as it goes.

    Only counters are kept, never the records, so a transmission of any size streams through.
    `begin`, `begin_batch`, `end_batch` and `end` build the envelope records; `write` and
    `write_line` take any record, envelope records included (as a faithful translation needs).
    """

    def __init__(self, stream: TextIO, strict: bool = True) -> None:
        self.stream = stream
        # strict: refuse records out of the order of spec 4.1.  A translation of an invalid file
        # writes its records where they stood, so it turns this off.
        self.strict = strict
        self.control_number: str | None = None
        self.batch_count = 0
        self.record_count = 0
        self.batch: _Batch | None = None
        self.started = False
        self.ended = False

    # -- envelope records built with their counts -------------------------------------------
    def begin(self, a_values: Mapping[str, Any]) -> None:
        """Write the A record."""
        self.write("A", a_values)

    def begin_batch(self, application: str, number: int | None = None) -> None:
        """Write a B record; the batch number defaults to the next in sequence."""
        if number is None:
            number = self.batch_count + 1
        self.write("B", {"application": application, "batch_number": number})

    def end_batch(self, **given: Any) -> None:
        """Write the Y record of the open batch; `given` values replace the computed ones."""
        if self.batch is None:
            self._fault("Y written outside a batch")
        batch = self.batch or _Batch(None, None)
        values = {
            "application": batch.application,
            "batch_number": batch.number,
            "transaction_count": batch.transactions,
            "record_count": batch.records + 1,  # the Y itself
        }
        values.update(given)
        self.write("Y", values)

    def end(self, **given: Any) -> None:
        """Write the Z record; `given` values replace the computed ones."""
        values = {
            "control_number": self.control_number,
            "batch_count": self.batch_count,
            "record_count": self.record_count + 1,  # the Z itself
        }
        values.update(given)
        self.write("Z", values)

    # -- any record ----------------------------------------------------------------------------
    def write(self, rid: str, values: Mapping[str, Any]) -> None:
        """Format a record from its values and write it."""
        text = format_record(rid, values)
        if rid == "A":
            self.control_number = values.get("control_number")
        self._put(rid, text)

    def write_unit(self, text: str) -> None:
        """Write one response transaction as formatted earlier (R0 first, each record 80 columns
        and LF-ended), counting it as one transaction of the open batch."""
        self.count_unit(text)
        self.stream.write(text)

    def count_unit(self, text: str) -> None:
        """Count one response transaction as `write_unit` does, for a caller that writes its
        text itself (checked the same way)."""
        records = text.count("\n")
        if (self.strict and self.batch is None) or not text.startswith("R0"):
            raise EnvelopeError("a response transaction goes inside a batch and begins with R0")
        if len(text) != records * (RECORD_LENGTH + 1):
            raise ValueError(f"a unit of {records} records is not {records} x 80 columns")
        self.batch.records += records
        self.batch.transactions += 1
        self.record_count += records

    def write_line(self, text: str) -> None:
        """Write a record already formatted: exactly 80 columns, no line ending."""
        if len(text) != RECORD_LENGTH or "\n" in text or "\r" in text:
            raise ValueError(f"a record is {RECORD_LENGTH} columns, not {len(text)}: {text!r}")
        rid = record_id(text)
        if rid == "A":
            self.control_number = _control_number(text)
        self._put(rid, text)

    def _fault(self, message: str) -> None:
        if self.strict:
            raise EnvelopeError(message)

    def _put(self, rid: str | None, text: str) -> None:
        name = rid or repr(text[:2])
        if rid == "A":
            if self.started:
                self._fault("a second A record")
            self.started = True
        elif not self.started:
            self._fault(f"{name} written before the A record")
        if self.ended:
            self._fault(f"{name} written after the Z record")
        if rid == "B":
            if self.batch is not None:
                self._fault("B written while a batch is open")
            f_app, f_num = LAYOUTS["B"].field("application"), LAYOUTS["B"].field("batch_number")
            number = text[f_num.slice]
            digits = number.isascii() and number.isdigit()  # "²" is a digit to isdigit
            self.batch = _Batch(text[f_app.slice].rstrip(" ") or None,
                                int(number) if digits else None)
            self.batch_count += 1
        elif rid == "Y":
            if self.batch is None:
                self._fault("Y written outside a batch")
            self.batch = None
        elif rid == "Z":
            if self.batch is not None:
                self._fault("Z written while a batch is open")
            self.batch = None
            self.ended = True
        elif self.batch is not None:
            self.batch.records += 1
            if rid is not None and LAYOUTS[rid].role == "header":
                self.batch.transactions += 1
        self.record_count += 1
        self.stream.write(text)
        self.stream.write("\n")


Batch = tuple[str, Iterable[tuple[str, Mapping[str, Any]]]]


def emit(stream: TextIO, header: Mapping[str, Any], batches: Iterable[Batch]) -> None:
    """Write a whole transmission: the A values, then per batch its application and records.

    Batches are numbered from 1; every Y and the Z carry the counts of what was written.
    """
    writer = EnvelopeWriter(stream)
    writer.begin(header)
    for application, records in batches:
        writer.begin_batch(application)
        for rid, values in records:
            writer.write(rid, values)
        writer.end_batch()
    writer.end()


def emit_text(header: Mapping[str, Any], batches: Iterable[Batch]) -> str:
    """The text of a whole transmission built by `emit`."""
    out = io.StringIO()
    emit(out, header, batches)
    return out.getvalue()
