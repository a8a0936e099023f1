"""A small builder of inbound ABI files for tests: valid records from field values, whole files.

Every record starts from the values of the spec's worked example (section 9), so a test names only
what it changes::

    lines = transmission(batch("EN", record("E0", entry_date=None), record("E1")))

`record` encodes through the layouts (`ecert_edi.bindings.abi.fields.encode`), so what it writes is well formed;
a `Raw("...")` value is written as it stands (a bad code, an impossible date), and `splice` writes
raw characters at any column.  `transmission` computes the batch numbers, the Y and Z counts and the
Z control number from what it was given (empty lines are not records), unless a keyword says
otherwise.  `levels` parses a file and sorts its conditions by the unit that reports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecert_edi.domain.conditions import Condition
from ecert_edi.bindings.abi.fields import encode
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH, Field
from ecert_edi.domain.transactions import Transaction
from ecert_edi.bindings.abi.reading import ParsedFile, check_envelope, parse_file

SPEC_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spec"

# Field values of the worked example of spec section 9.
GOVERNMENT = {
    "sender_type": "CG",
    "sender_id": "AU",
    "transmission_date": dt.date(2026, 1, 15),
    "transmission_time": dt.time(9, 30, 0),
    "control_number": "AU260115000001",
    "environment": "T",
}
FILER = {
    "sender_type": "FL",
    "sender_id": "B2X",
    "transmission_date": dt.date(2026, 1, 15),
    "transmission_time": dt.time(10, 15, 0),
    "control_number": "B2X00000000001",
    "environment": "T",
}
DEFAULTS: dict[str, dict[str, Any]] = {
    "A": GOVERNMENT,
    "C0": {
        "action": "A",
        "certificate_number": "AU2026-000123",
        "issuing_country": "AU",
        "ior_number": "12-3456789AB",
        "issue_date": dt.date(2026, 1, 2),
        "expiry_date": dt.date(2026, 12, 31),
        "quota_program": "TRQ",
        "allowance_quantity": 2_500_000,
        "unit_of_measure": "KG",
    },
    "C1": {"hts_number": 201300200},
    "E0": {
        "action": "A",
        "entry_number": "B2X00000015",
        "ior_number": "12-3456789AB",
        "entry_date": dt.date(2026, 1, 14),
        "port_of_entry": 1001,
        "entry_type": 1,
    },
    "E1": {
        "line_number": 1,
        "certificate_number": "AU2026-000123",
        "issuing_country": "AU",
        "hts_number": 201300200,
        "quantity": 1_000_000,
        "unit_of_measure": "KG",
    },
    "Q0": {
        "query_type": "C",
        "query_reference": "REF0000001",
        "ior_number": "12-3456789AB",
        "certificate_number": "AU2026-000123",
        "issuing_country": "AU",
        "usage_detail": "Y",
    },
}
# The application a sender type may send first, for the default A record of a file.
SENDER_OF = {"CR": GOVERNMENT, "EN": FILER, "EC": FILER}


class Raw(str):
    """A field value written verbatim, left-justified, for what the encoder refuses (bad codes,
    impossible dates, letters in numbers, lowercase)."""


def _field_text(f: Field, value: Any, rid: str) -> str:
    if isinstance(value, Raw):
        if len(value) > f.length:
            raise ValueError(f"{rid}.{f.name}: {value!r} is longer than {f.length}")
        return value.ljust(f.length)
    return encode(f, value, rid)


def record(rid: str, **values: Any) -> str:
    """An 80-column record: the defaults of `rid` with `values` over them (None = blank field,
    `Raw(text)` = text written as it is)."""
    layout = LAYOUTS[rid]
    merged = {**DEFAULTS.get(rid, {}), **values}
    names = {f.name for f in layout.data_fields}
    unknown = sorted(set(merged) - names)
    if unknown:
        raise KeyError(f"{rid} has no field {unknown}")
    text = "".join(_field_text(f, merged.get(f.name), rid) for f in layout.fields)
    assert len(text) == RECORD_LENGTH
    return text


def splice(text: str, column: int, chars: str) -> str:
    """`text` with `chars` written over it from 1-based `column` (the record keeps its length)."""
    start = column - 1
    padded = text.ljust(start + len(chars))
    return padded[:start] + chars + padded[start + len(chars):]


def column_of(rid: str, name: str) -> int:
    """The first column of a field, as the layouts (spec section 5) give it."""
    return LAYOUTS[rid].field(name).pos


def _is_header(text: str, application: str | None) -> bool:
    layout = LAYOUTS.get(text[:2])
    if layout is None or layout.role != "header":
        return False
    return application not in ("CR", "EN", "EC") or application in layout.applications


@dataclass
class Batch:
    """A B record, its records, and a Y record whose fields default to the right values."""

    application: str
    records: list[str]
    number: int | None = None  # the B batch number; None = the batch's ordinal
    trailer: bool = True  # False: the Y record is left out
    y: dict[str, Any] = field(default_factory=dict)  # Y values replacing the computed ones

    def lines(self, ordinal: int) -> list[str]:
        number = ordinal if self.number is None else self.number
        application = Raw(self.application)
        out = [record("B", application=application, batch_number=number)]
        out.extend(self.records)
        if self.trailer:
            values = {
                "application": application,
                "batch_number": number,
                "transaction_count": sum(_is_header(r, self.application) for r in self.records),
                "record_count": sum(1 for r in self.records if r) + 2,
            }
            values.update(self.y)
            out.append(record("Y", **values))
        return out


def _flat(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, (list, tuple)):
            out.extend(_flat(item))
        else:
            out.append(item)
    return out


def batch(application: str, /, *records: str | list[str], number: int | None = None,
          trailer: bool = True, **y: Any) -> Batch:
    """A batch of `application` holding `records` (lists are flattened); `y` overrides Y fields."""
    return Batch(application, _flat(records), number, trailer, y)


def transmission(*parts: Batch | str | list, header: dict[str, Any] | None = None,
                 trailer: bool = True, after: Iterable[str] = (), **z: Any) -> list[str]:
    """The records of a whole file: A, then `parts` (batches, or raw records standing outside any
    batch), then Z with the right control number and counts (`z` overrides them), then `after`.

    The A record is the worked example's government or filer header, chosen by the first batch's
    application, with `header` values over it.
    """
    items = _flat(parts)
    apps = [p.application for p in items if isinstance(p, Batch)]
    base = SENDER_OF.get(apps[0], GOVERNMENT) if apps else GOVERNMENT
    a_values = {**base, **(header or {})}
    lines = [record("A", **a_values)]
    ordinal = 0
    for part in items:
        if isinstance(part, Batch):
            ordinal += 1
            lines.extend(part.lines(ordinal))
        else:
            lines.append(part)
    if trailer:
        values = {
            "control_number": a_values.get("control_number"),
            "batch_count": ordinal,
            "record_count": sum(1 for line in lines if line) + 1,
        }
        values.update(z)
        lines.append(record("Z", **values))
    lines.extend(after)
    return lines


def certificate(**c0: Any) -> list[str]:
    """A CR transaction: a C0 with `c0` over the defaults, and one C1."""
    return [record("C0", **c0), record("C1")]


def entry(**e0: Any) -> list[str]:
    """An EN transaction: an E0 with `e0` over the defaults, and one E1."""
    return [record("E0", **e0), record("E1")]


APPLICATION_OF = {"C0": "CR", "C1": "CR", "E0": "EN", "E1": "EN", "Q0": "EC"}
RECORDS_OF = {"CR": ("C0", "C1"), "EN": ("E0", "E1"), "EC": ("Q0",)}


def file_with(text: str, **z: Any) -> list[str]:
    """The worked example's file of the application of `text` (a C0, C1, E0, E1 or Q0 record),
    with `text` in place of the example's record of its kind."""
    rid = text[:2]
    application = APPLICATION_OF[rid]
    records = [text if r == rid else record(r) for r in RECORDS_OF[application]]
    return transmission(batch(application, records), **z)


def to_bytes(lines: Iterable[str], eol: str = "\n") -> bytes:
    """The bytes of a file: each line followed by `eol` (latin-1, so any byte can be written)."""
    return "".join(line + eol for line in lines).encode("latin-1")


def parse(lines: Iterable[str], eol: str = "\n") -> ParsedFile:
    return parse_file(to_bytes(lines, eol))


def transactions(parsed: ParsedFile) -> list[Transaction]:
    return [ev for ev in parsed.events if isinstance(ev, Transaction)]


def at(conditions: Iterable[Condition]) -> list[tuple[int, int, str, str]]:
    """Conditions as sorted (line, column, code, severity) tuples, the facts a test asserts."""
    return sorted((c.line, c.column, c.code, c.severity) for c in conditions)


def spec_file(name: str) -> bytes:
    """A worked-example file of spec section 9: certificate.txt, entry.txt or query.txt."""
    return (SPEC_FIXTURES / name).read_bytes()


def levels(file: Iterable[str] | bytes, eol: str = "\n") -> dict[str, Any]:
    """Where each condition of a file is reported (spec 4.2), as `at` tuples:
    ``transmission`` (envelope conditions), ``batches`` (ordinal -> conditions of each rejected
    batch) and ``transactions`` (the conditions of each transaction, in file order).

    The envelope pass alone (`check_envelope`) must find the same transmission and batch
    conditions as the full parse.
    """
    data = file if isinstance(file, bytes) else to_bytes(file, eol)
    parsed = parse_file(data)
    found = {
        "transmission": at(parsed.envelope.conditions),
        "batches": {n: at(b.conditions) for n, b in sorted(parsed.envelope.batches.items())},
        "transactions": [at(t.conditions) for t in transactions(parsed)],
    }
    first = check_envelope(data)
    assert at(first.conditions) == found["transmission"], "envelope pass differs"
    assert {n: at(b.conditions) for n, b in sorted(first.batches.items())} == found["batches"]
    return found
