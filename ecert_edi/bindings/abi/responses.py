"""Response records (A header, R0, R1, R2, S0, S1) built as 80-column lines from the layouts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from ecert_edi.domain.conditions import NARRATIVE_WIDTH, Condition, ordered
from ecert_edi.bindings.abi.emitter import compile_formatter, format_record
from ecert_edi.bindings.abi.fields import codes_of, sanitize
from ecert_edi.bindings.abi.layouts import LAYOUTS

RESPONDER_TYPE = "CB"
MAX_LINE = 10 ** LAYOUTS["R1"].field("line_number").length - 1  # 9,999,999
RESPONDER_ID = "ECERT"


def echo(rid: str, name: str, text: str | None) -> str | None:
    """An inbound value echoed into a response field: sanitized, so the response stays valid.

    Characters outside AN become spaces (spec 8); a code field keeps only a value it admits; a
    value too wide for its field is left to format_record to refuse (echoes come from fields of
    the same width, so that is a defect, not input).
    """
    if text is None:
        return None
    value = sanitize(text).rstrip(" ")
    if not value:
        return None
    codes = _ECHO_CODES[rid, name]
    if codes is not None and value not in codes:
        return None
    return value


# For each response field: the codes it admits (None for a field that is not a code field).
_ECHO_CODES = {
    (rid, f.name): codes_of(f) if f.fmt == "C" else None
    for rid, layout in LAYOUTS.items()
    for f in layout.data_fields
}


# The mandatory fields of each response record, worked out once from the layouts.
_MANDATORY = {
    rid: tuple(f.name for f in layout.data_fields if f.use == "M")
    for rid, layout in LAYOUTS.items()
}


def _response(rid: str, values: Mapping[str, Any]) -> str:
    """format_record, after checking that every mandatory field of the response has a value."""
    missing = [name for name in _MANDATORY[rid] if values.get(name) is None]
    if missing:
        raise ValueError(f"{rid} needs {', '.join(missing)}")
    return format_record(rid, values)


def header_values(
    control_number: str | None,
    environment: str | None,
    recipient_type: str | None,
    recipient_id: str | None,
    processing: dt.datetime,
) -> dict[str, Any]:
    """The A record values of a response file, for EnvelopeWriter.begin (inbound fields echoed)."""
    return {
        "sender_type": RESPONDER_TYPE,
        "sender_id": RESPONDER_ID,
        "transmission_date": processing.date(),
        "transmission_time": processing.time(),
        "control_number": echo("A", "control_number", control_number),
        "environment": echo("A", "environment", environment),
        "recipient_type": echo("A", "recipient_type", recipient_type),
        "recipient_id": echo("A", "recipient_id", recipient_id),
    }


def r0(
    disposition: str,
    subject: str,
    action: str | None,
    key: str | int | None,
    country: str | None,
    processing: dt.datetime,
    condition_count: int,
) -> str:
    """The response header of a transaction (subject C0/E0/Q0), a batch (B) or a transmission (A).

    A batch's key is its number, written in 7 digits; an int key is written so.
    """
    if isinstance(key, int):
        key = f"{key:07d}"
    action, key = echo("R0", "action", action), echo("R0", "key", key)
    country = echo("R0", "issuing_country", country)
    # compiled formatters, as for R2 (one R0 a transaction); a value left blank or one that
    # does not fit goes through format_record, which writes or refuses it as before
    if country is None:
        return _R0_BLANK_COUNTRY(disposition, subject, action, key, processing.date(),
                                 processing.time(), condition_count)
    return _R0(disposition, subject, action, key, country, processing.date(), processing.time(),
               condition_count)


def r1(cond: Condition) -> str:
    """A condition record.

    A line past what the 7-digit line number holds (physical lines count, empty ones too) is
    written as line 0 with the line at the end of the narrative, so no condition loses its place
    (docs/processing.md).
    """
    # The narrative is text this project writes (catalogue narrative plus detail), not an echo of
    # input, so cutting it to the 65 columns of the field loses nothing the sender sent.
    line, suffix = cond.line, ""
    if line > MAX_LINE:
        line, suffix = 0, f" - LINE {cond.line}"
    width = NARRATIVE_WIDTH - len(suffix)
    narrative = sanitize(cond.text)[:width].rstrip(" ") + suffix
    return _response(
        "R1",
        {
            "condition_code": int(cond.code),
            "severity": cond.severity,
            "line_number": line,
            "column": cond.column,
            "narrative": narrative,
        },
    )


def r2(line_number=None, activity=None, certificate_number=None, issuing_country=None,
       quantity=None, balance_after=None, unit_of_measure=None) -> str:
    """An entry line activity (quantities in hundredths); one a line of every accepted entry."""
    return _R2(line_number, activity, certificate_number, issuing_country, quantity,
               balance_after, unit_of_measure)


def s0(**values: Any) -> str:
    """A certificate usage summary: certificate_number, issuing_country, status,
    allowance_quantity, quantity_used, quantity_remaining (hundredths), unit_of_measure,
    issue_date, expiry_date (None when it has none)."""
    return _response("S0", values)


def s1(**values: Any) -> str:
    """A certificate usage detail: entry_number, line_number, activity, quantity, balance_after
    (hundredths), activity_date, entry_date, ior_number."""
    return s1_values(*(values.get(name) for name in S1_FIELDS))


# R2 and S1 records come by the thousand: formatted by formatters compiled from the layouts,
# which take the values in layout order and refuse, as format_record does, what does not fit.
_R2 = compile_formatter("R2", tuple(f.name for f in LAYOUTS["R2"].data_fields), _response)
_R0_FIELDS = ("disposition", "subject_record", "action", "key", "issuing_country",
              "processing_date", "processing_time", "condition_count")
_R0 = compile_formatter("R0", _R0_FIELDS)
_R0_BLANK_COUNTRY = compile_formatter("R0", tuple(n for n in _R0_FIELDS
                                                  if n != "issuing_country"))
S1_FIELDS = tuple(f.name for f in LAYOUTS["S1"].data_fields)
s1_values = compile_formatter("S1", S1_FIELDS, _response)


def answer(
    disposition: str,
    subject: str,
    action: str | None,
    key: str | int | None,
    country: str | None,
    conditions: Iterable[Condition],
    processing: dt.datetime,
) -> list[str]:
    """R0 and its R1 records, in the order of conditions.ordered (line, column, code)."""
    conds = list(conditions)
    if len(conds) > 1:  # none or one (most transactions) is in order already
        conds = ordered(conds)
    lines = [r0(disposition, subject, action, key, country, processing, len(conds))]
    lines.extend(r1(c) for c in conds)
    return lines


def rejection(
    subject: str,
    action: str | None,
    key: str | int | None,
    country: str | None,
    conditions: Iterable[Condition],
    processing: dt.datetime,
) -> list[str]:
    """The answer to a rejected transaction, batch (subject `B`) or transmission (subject `A`)."""
    return answer("R", subject, action, key, country, conditions, processing)
