"""Hypothesis strategies drawn from the layouts: field values, records, whole valid transmissions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from ecert_edi.domain.codes import check_digit
from ecert_edi.bindings.abi.emitter import emit_text
from ecert_edi.bindings.abi.fields import AN_CHARS, codes_of
from ecert_edi.bindings.abi.layouts import LAYOUTS, Field

AN_ALPHABET = "".join(sorted(AN_CHARS))
FILER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
DIGITS = "0123456789"

# The applications each sender type may send (spec 1, condition 019).
APPLICATIONS = {"CG": ("CR", "EC"), "FL": ("EN", "EC")}

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
times = st.builds(
    dt.time,
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
)


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=n, max_size=n)


def an_text(width: int) -> st.SearchStrategy[str]:
    """A non-blank AN value as decoded: at most `width` characters, no trailing space."""
    return st.text(AN_ALPHABET, min_size=1, max_size=width).map(str.rstrip).filter(bool)


# The three canonical IOR forms of spec 3.3.
ior_numbers = st.one_of(
    st.builds(
        lambda a, b, c: f"{a}-{b}{c}",
        digits(2),
        digits(7),
        st.text(FILER_ALPHABET, min_size=2, max_size=2),
    ),
    st.builds(lambda a, b: f"{a}-{b}", digits(6), digits(5)),
    st.builds(lambda a, b, c: f"{a}-{b}-{c}", digits(3), digits(2), digits(4)),
)

filer_codes = st.text(FILER_ALPHABET, min_size=3, max_size=3)
countries = st.sampled_from(sorted(codes_of(LAYOUTS["C0"].field("issuing_country"))))


def entry_numbers(filer_code: str | None = None) -> st.SearchStrategy[str]:
    """Entry numbers of spec 3.5 with a correct check digit, of one filer when given."""
    filers = st.just(filer_code) if filer_code else filer_codes

    def build(filer: str, serial: str) -> str:
        return f"{filer}{serial}{check_digit(filer + serial)}"

    return st.builds(build, filers, digits(7))


def field_values(field: Field) -> st.SearchStrategy[Any]:
    """A valid, present value of a field as the parser decodes it, from its format and codes."""
    fmt, width = field.fmt, field.length
    if fmt == "C":
        return st.sampled_from(sorted(codes_of(field)))
    if fmt == "AN":
        if field.name == "ior_number":
            return ior_numbers
        if field.name == "entry_number":
            return entry_numbers()
        return an_text(width)
    if fmt == "N":
        smallest = field.min if field.min is not None else 0
        return st.integers(smallest, 10**width - 1)
    if fmt == "Q":
        return st.integers(0, 10**width - 1)
    if fmt == "D":
        return dates
    if fmt == "T":
        return times
    raise ValueError(f"{field.name} has no value ({fmt})")


@st.composite
def records(draw, rid: str) -> dict[str, Any]:
    """The data-field values of a record that formats: mandatory fields present, others maybe."""
    values: dict[str, Any] = {}
    for f in LAYOUTS[rid].data_fields:
        if f.use in ("M", "M*") or draw(st.booleans()):
            values[f.name] = draw(field_values(f))
    return values


def quantities(width: int = 12) -> st.SearchStrategy[int]:
    """A quantity in hundredths, greater than zero (conditions 112, 216)."""
    return st.integers(1, 10**width - 1)


def _field(rid: str, name: str) -> st.SearchStrategy[Any]:
    return field_values(LAYOUTS[rid].field(name))


@st.composite
def certificates(draw, country: str) -> list[tuple[str, dict[str, Any]]]:
    """A CR transaction of the issuing government `country`: C0 and its C1 tariff numbers."""
    action = draw(_field("C0", "action"))
    c0: dict[str, Any] = {
        "action": action,
        "certificate_number": draw(_field("C0", "certificate_number")),
        "issuing_country": country,
    }
    if action in LAYOUTS["C0"].field("ior_number").actions:
        issue = draw(dates)
        expiry = draw(st.none() | dates.filter(lambda d: d >= issue))
        c0.update(
            ior_number=draw(ior_numbers),
            issue_date=issue,
            expiry_date=expiry,
            quota_program=draw(_field("C0", "quota_program")),
            allowance_quantity=draw(quantities()),
            unit_of_measure=draw(_field("C0", "unit_of_measure")),
        )
    hts = draw(st.lists(_field("C1", "hts_number"), max_size=4, unique=True))
    return [("C0", c0)] + [("C1", {"hts_number": h}) for h in hts]


@st.composite
def entries(draw, filer: str) -> list[tuple[str, dict[str, Any]]]:
    """An EN transaction of the filer `filer`: E0 and, unless it cancels, its E1 lines."""
    action = draw(_field("E0", "action"))
    e0: dict[str, Any] = {
        "action": action,
        "entry_number": draw(entry_numbers(filer)),
        "ior_number": draw(ior_numbers),
    }
    if action not in LAYOUTS["E0"].field("entry_date").actions:
        return [("E0", e0)]  # a cancel carries no lines (215)
    e0.update(
        entry_date=draw(dates),
        port_of_entry=draw(_field("E0", "port_of_entry")),
        entry_type=draw(_field("E0", "entry_type")),
    )
    numbers = draw(st.lists(_field("E1", "line_number"), min_size=1, max_size=4, unique=True))
    lines = []
    for number in numbers:
        lines.append(
            (
                "E1",
                {
                    "line_number": number,
                    "certificate_number": draw(_field("E1", "certificate_number")),
                    "issuing_country": draw(countries),
                    "hts_number": draw(_field("E1", "hts_number")),
                    "quantity": draw(quantities()),
                    "unit_of_measure": draw(_field("E1", "unit_of_measure")),
                },
            )
        )
    return [("E0", e0)] + lines


@st.composite
def queries(draw, sender_type: str, sender_id: str) -> list[tuple[str, dict[str, Any]]]:
    """An EC transaction meeting the requirements of spec 6.3 for its sender (no 301, 302, 304)."""
    # FL may not ask for a whole country (304).
    query_type = draw(st.sampled_from(("C", "I", "A") if sender_type == "CG" else ("C", "I")))
    q0: dict[str, Any] = {
        "query_type": query_type,
        "query_reference": draw(_field("Q0", "query_reference")),
        "usage_detail": draw(_field("Q0", "usage_detail")),
    }
    if query_type == "I":
        q0["ior_number"] = draw(ior_numbers)
    elif query_type == "C":
        q0["certificate_number"] = draw(_field("Q0", "certificate_number"))
        if sender_type == "FL":
            q0["ior_number"] = draw(ior_numbers)
            q0["issuing_country"] = draw(countries)
        else:  # a government: IOR optional, country blank or its own
            q0["ior_number"] = draw(st.none() | ior_numbers)
            q0["issuing_country"] = draw(st.sampled_from((None, sender_id)))
    return [("Q0", q0)]


@st.composite
def transmission_parts(draw) -> tuple[dict[str, Any], list[tuple[str, list]]]:
    """(A values, [(application, [(rid, values), ...]), ...]) of a valid inbound transmission."""
    sender_type = draw(st.sampled_from(sorted(APPLICATIONS)))
    sender_id = draw(countries if sender_type == "CG" else filer_codes)
    header = {
        "sender_type": sender_type,
        "sender_id": sender_id,
        "transmission_date": draw(dates),
        "transmission_time": draw(times),
        "control_number": draw(_field("A", "control_number")),
        "environment": draw(_field("A", "environment")),
    }
    transactions = {
        "CR": lambda: certificates(sender_id),
        "EN": lambda: entries(sender_id),
        "EC": lambda: queries(sender_type, sender_id),
    }
    batches = []
    for application in draw(
        st.lists(st.sampled_from(APPLICATIONS[sender_type]), min_size=1, max_size=3)
    ):
        records: list[tuple[str, dict[str, Any]]] = []
        for transaction in draw(st.lists(transactions[application](), min_size=1, max_size=3)):
            records.extend(transaction)
        batches.append((application, records))
    return header, batches


def valid_transmissions() -> st.SearchStrategy[str]:
    """The text of a valid inbound transmission: LF lines of 80 columns, counts right."""
    return transmission_parts().map(lambda parts: emit_text(*parts))
