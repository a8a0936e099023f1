"""A readable view of a transmission or response: each record's fields by name, conditions inline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ecert_edi.bindings.abi.emitter import record_id
from ecert_edi.bindings.abi.fields import decode_date, decode_time
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH, Field
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.quantities import quantity_text

INDENT = " " * 4


def describe(lines: Iterable[tuple[int, str, int]],
             conditions: Mapping[int, list[Condition]]) -> Iterator[str]:
    """The lines of the view: per record its line, identifier and title, then one line a field
    (name, value, and the text as written when the value reads otherwise), then its conditions.

    `lines` are (line number, text, true length) as `reader.iter_lines` gives them; `conditions`
    are by line, those of line 0 (no place in the file) shown last.
    """
    for number, text, length in lines:
        yield from _record(number, text, length)
        for c in conditions.get(number, ()):
            yield _condition(c)
    unplaced = conditions.get(0, ())
    if unplaced:
        yield "file"
        for c in unplaced:
            yield _condition(c)


def _record(number: int, text: str, length: int) -> Iterator[str]:
    rid = record_id(text)
    if rid is None:
        yield f"line {number}  {text[:2]!r}: no such record  {text.rstrip()!r}"
        return
    layout = LAYOUTS[rid]
    longer = f"  ({length} characters)" if length > RECORD_LENGTH else ""
    yield f"line {number}  {rid} {layout.title.lower()}{longer}"
    padded = text[:RECORD_LENGTH].ljust(RECORD_LENGTH)
    shown = [f for f in layout.fields if f.fmt != "ID"]
    width = max((len(f.name) for f in shown), default=0)
    for f in shown:
        raw = padded[f.slice]
        if f.fmt == "F" and not raw.strip(" "):
            continue  # blank filler, as it should be
        value = _value(f, raw)
        written = f"  (written {raw!r})" if value not in ("-", raw.rstrip(" ")) else ""
        yield f"{INDENT}{f.name.ljust(width)}  {value}{written}"


def _value(f: Field, raw: str) -> str:
    """A field's text as a reader would say it: a quantity with its decimals, ISO dates, times."""
    if not raw.strip(" "):
        return "-"
    if f.fmt == "Q" and raw.isascii() and raw.isdigit():
        return quantity_text(int(raw))
    if f.fmt == "D":
        day = decode_date(raw)
        return day.isoformat() if day is not None else raw.rstrip(" ")
    if f.fmt == "T":
        time = decode_time(raw)
        return time.isoformat() if time is not None else raw.rstrip(" ")
    return raw.rstrip(" ")


def _condition(c: Condition) -> str:
    where = f"column {c.column}" if c.column else "no column"
    field = f", {c.field}" if c.field else ""
    return f"{INDENT}! {c.code} {c.severity} {c.text}  ({where}{field})"


def condition_detail(text: str, c: Condition) -> str:
    """The record, field and value a condition is about, as validate shows them after the
    narrative: `(E0 entry_date "023026")`; `(E0)` without a field; empty for an unknown record."""
    rid = record_id(text)
    if rid is None:
        return ""
    layout = LAYOUTS[rid]
    f = _field_of(layout, c)
    if f is None:
        return f" ({rid})"
    value = text[:RECORD_LENGTH].ljust(RECORD_LENGTH)[f.slice]
    return f' ({rid} {f.name} "{value}")'


def _field_of(layout, c: Condition) -> Field | None:
    if c.field is not None:
        try:
            return layout.field(c.field)
        except KeyError:
            pass
    for f in layout.fields:
        if f.fmt != "ID" and f.pos <= c.column <= f.last:
            return f
    return None
