"""Decoded transactions for rule and store tests: 80-column lines formatted and decoded per field."""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any

from ecert_edi.domain.codes import check_digit
from ecert_edi.domain.conditions import Condition, condition
from ecert_edi.bindings.abi.fields import decode, encode
from ecert_edi.bindings.abi.layouts import LAYOUTS
from ecert_edi.bindings.abi.records import DECODERS
from ecert_edi.domain.transactions import Certificate, Entry, Query, Record, Sender
from ecert_edi.domain.rules import CertificateState, EntryLine, EntryState
from ecert_edi.ledger import Ledger

CLOCK = dt.datetime(2026, 1, 15, 10, 0, 0)
GOV_AU = Sender("CG", "AU", "AU0000000001", "T")
GOV_NZ = Sender("CG", "NZ", "NZ0000000001", "T")
FILER = Sender("FL", "B2X", "B2X000000001", "T")
IOR = "12-3456789AB"
OTHER_IOR = "98-7654321CD"
CERT = "AU2026-000123"
HTS = 201300200


def entry_number(filer: str = "B2X", serial: int = 1) -> str:
    """An entry number with its check digit (spec 3.5)."""
    first10 = f"{filer}{serial:07d}"
    return f"{first10}{check_digit(first10)}"


ENTRY = entry_number()


def record(
    rid: str, line: int, values: dict[str, Any], raw: dict[str, str] | None = None
) -> tuple[Record, list[Condition]]:
    """A record formatted from values (or raw field text) and decoded with its field conditions.

    Mandatory fields left blank get their `missing` condition, as the parser reports them; fields
    an action does not read are not decoded.
    """
    raw = raw or {}
    layout = LAYOUTS[rid]
    text = "".join(
        raw[f.name].ljust(f.length)[: f.length]
        if f.name in raw
        else encode(f, values.get(f.name), rid)
        for f in layout.fields
    )
    action = values.get("action")
    conds: list[Condition] = []
    decoded: dict[str, Any] = {}
    for f in layout.data_fields:
        if f.actions is not None and action is not None and action not in f.actions:
            decoded[f.name] = None
            continue
        piece = text[f.slice]
        value = decode(f, piece, line, conds)
        minimum = getattr(f, "min", None)
        if value is not None and minimum is not None and value < minimum:
            conds.append(condition("006", line, f.pos))
            value = None
        decoded[f.name] = value
        mandatory = f.use == "M" or (f.use == "M*" and action is not None)
        if value is None and mandatory and not piece.strip(" "):
            conds.append(condition(f.missing, line, f.pos))
    return DECODERS["inbound"][rid].record(line, decoded, text, conds), conds


def plain(rid: str, line: int, values: dict[str, Any]) -> Record:
    """A detail record the parser keeps undecoded (C1 of a void, E1 of a cancel)."""
    rec, _ = record(rid, line, values)
    return Record(rid, line, {}, rec.raw, rec.columns)


def certificate(
    action: str = "A",
    *,
    number: str = CERT,
    country: str = "AU",
    ior: str | None = IOR,
    issue: dt.date | None = dt.date(2026, 1, 2),
    expiry: dt.date | None = dt.date(2026, 12, 31),
    program: str = "TRQ",
    allowance: int | None = 2_500_000,
    unit: str = "KG",
    hts: tuple[int, ...] = (HTS,),
    line: int = 3,
    raw: dict[str, str] | None = None,
) -> Certificate:
    """A CR transaction: C0 at `line`, then one C1 per HTS number."""
    header, conds = record(
        "C0",
        line,
        {
            "action": action,
            "certificate_number": number,
            "issuing_country": country,
            "ior_number": ior,
            "issue_date": issue,
            "expiry_date": expiry,
            "quota_program": program,
            "allowance_quantity": allowance,
            "unit_of_measure": unit,
        },
        raw,
    )
    txn = Certificate(header=header, conditions=conds)
    for i, h in enumerate(hts, start=1):
        if action == "D":
            txn.details.append(plain("C1", line + i, {"hts_number": h}))
        else:
            c1, c1_conds = record("C1", line + i, {"hts_number": h})
            txn.details.append(c1)
            txn.conditions.extend(c1_conds)
    return txn


def e1(
    line_number: int = 1,
    quantity: int = 1_000_000,
    *,
    cert: str = CERT,
    country: str = "AU",
    hts: int = HTS,
    unit: str = "KG",
    raw: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The values of one E1 line."""
    return {
        "line_number": line_number,
        "certificate_number": cert,
        "issuing_country": country,
        "hts_number": hts,
        "quantity": quantity,
        "unit_of_measure": unit,
        "raw": raw,
    }


def entry(
    action: str = "A",
    lines: list[dict[str, Any]] | None = None,
    *,
    number: str = ENTRY,
    ior: str | None = IOR,
    entry_date: dt.date | None = dt.date(2026, 1, 14),
    port: int | None = 1001,
    entry_type: int | None = 1,
    line: int = 3,
    raw: dict[str, str] | None = None,
) -> Entry:
    """An EN transaction: E0 at `line`, then its E1 lines (one of 10,000.00 KG by default)."""
    if lines is None:
        lines = [] if action == "C" else [e1()]
    header, conds = record(
        "E0",
        line,
        {
            "action": action,
            "entry_number": number,
            "ior_number": ior,
            "entry_date": entry_date,
            "port_of_entry": port,
            "entry_type": entry_type,
        },
        raw,
    )
    txn = Entry(header=header, conditions=conds)
    for i, values in enumerate(lines, start=1):
        values = dict(values)
        line_raw = values.pop("raw", None)
        if action == "C":
            txn.details.append(plain("E1", line + i, values))
        else:
            rec, rec_conds = record("E1", line + i, values, line_raw)
            txn.details.append(rec)
            txn.conditions.extend(rec_conds)
    return txn


def query(
    qtype: str = "C",
    *,
    ior: str | None = IOR,
    number: str | None = CERT,
    country: str | None = "AU",
    usage: str = "Y",
    reference: str = "REF0000001",
    line: int = 3,
    raw: dict[str, str] | None = None,
) -> Query:
    """An EC transaction: one Q0."""
    header, conds = record(
        "Q0",
        line,
        {
            "query_type": qtype,
            "query_reference": reference,
            "ior_number": ior,
            "certificate_number": number,
            "issuing_country": country,
            "usage_detail": usage,
        },
        raw,
    )
    return Query(header=header, conditions=conds)


def cert_state(
    *,
    number: str = CERT,
    country: str = "AU",
    ior: str = IOR,
    issue: dt.date = dt.date(2026, 1, 2),
    expiry: dt.date | None = dt.date(2026, 12, 31),
    allowance: int = 2_500_000,
    balance: int | None = None,
    unit: str = "KG",
    voided: bool = False,
    tariffs: frozenset[int] = frozenset({HTS}),
) -> CertificateState:
    """A certificate on file (full balance unless given)."""
    return CertificateState(
        country=country,
        number=number,
        ior=ior,
        issue_date=issue,
        expiry_date=expiry,
        program="TRQ",
        allowance=allowance,
        unit=unit,
        balance=allowance if balance is None else balance,
        voided=voided,
        tariffs=tariffs,
    )


def entry_state(
    lines: list[tuple[int, int]] | None = None,
    *,
    number: str = ENTRY,
    ior: str = IOR,
    entry_date: dt.date = dt.date(2026, 1, 10),
    cancelled: bool = False,
    cert: str = CERT,
    country: str = "AU",
) -> EntryState:
    """An entry on file with (line number, quantity) lines on one certificate."""
    return EntryState(
        entry_number=number,
        ior=ior,
        entry_date=entry_date,
        port=1001,
        entry_type=1,
        lines=tuple(
            EntryLine(n, country, cert, HTS, q, "KG") for n, q in (lines or [(1, 1_000_000)])
        ),
        cancelled=cancelled,
    )


def at(decision, code: str) -> list[tuple[int, int]]:
    """The (line, column) places a decision reports a condition code at."""
    return [(c.line, c.column) for c in decision.conditions if c.code == code]


def codes(decision) -> list[str]:
    return sorted({c.code for c in decision.conditions})


_LEDGERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ledger_of(store) -> Ledger:
    """The ledger service over a store, one per store (so its certificate cache is exercised)."""
    found = _LEDGERS.get(store)
    if found is None:
        found = _LEDGERS[store] = Ledger(store)
    return found
