"""The emitter formats records by the layouts, refuses what does not fit, and keeps envelope counts."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import records, transmission_parts

from ecert_edi.bindings.abi import responses
from ecert_edi.domain.conditions import condition
from ecert_edi.bindings.abi.emitter import EnvelopeError, EnvelopeWriter, emit_text, format_record, record_id
from ecert_edi.bindings.abi.fields import AN_CHARS, FieldOverflow, decode
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH
from ecert_edi.bindings.abi.records import DECODERS
from ecert_edi.bindings.abi.reading import parse_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
PROCESSING = dt.datetime(2026, 1, 15, 9, 30, 5)


def decoded(rid: str, text: str) -> tuple[dict, list]:
    """Every data field of a formatted record decoded back, with the conditions decoding found."""
    out: list = []
    values = {f.name: decode(f, text[f.slice], 1, out) for f in LAYOUTS[rid].data_fields}
    return values, out


@pytest.mark.parametrize("rid", sorted(LAYOUTS))
@settings(max_examples=40)
@given(data=st.data())
def test_every_record_is_80_columns_and_reads_back(rid, data):
    values = data.draw(records(rid))
    text = format_record(rid, values)
    assert len(text) == RECORD_LENGTH
    assert text.startswith(rid)
    back, conds = decoded(rid, text)
    assert conds == []
    assert back == {f.name: values.get(f.name) for f in LAYOUTS[rid].data_fields}
    for f in LAYOUTS[rid].fields:
        if f.fmt == "F":
            assert text[f.slice] == " " * f.length


def test_missing_fields_are_blank_and_identifier_comes_from_the_rid():
    assert format_record("C1", {}) == "C1" + " " * 78
    assert format_record("Z", {"batch_count": 3})[:31] == "Z" + " " * 14 + "0000003" + " " * 9


def test_unknown_field_or_record_is_an_error():
    with pytest.raises(KeyError, match="hts"):
        format_record("C1", {"hts": 1})
    with pytest.raises(KeyError, match="filler"):
        format_record("C1", {"filler": "x"})
    with pytest.raises(KeyError, match="QQ"):
        format_record("QQ", {})


@pytest.mark.parametrize(
    ("rid", "name", "value"),
    [
        ("C0", "certificate_number", "X" * 21),  # AN longer than 20
        ("C0", "certificate_number", "au-1"),  # AN with lowercase
        ("C0", "unit_of_measure", "LB"),  # C not among the codes
        ("C0", "issuing_country", "XX"),  # C not an assigned country
        ("E1", "line_number", 1000),  # N wider than 3 digits
        ("E1", "line_number", -1),  # N negative
        ("E1", "line_number", "001"),  # N given as text
        ("E1", "quantity", 10**12),  # Q wider than 12 digits
        ("E1", "quantity", 125.5),  # Q as a float
        ("E0", "entry_date", dt.date(2100, 1, 1)),  # D outside 20YY
        ("E0", "entry_date", "2026-01-14"),  # D given as text
        ("A", "transmission_time", "093000"),  # T given as text
    ],
)
def test_a_value_that_does_not_fit_is_refused_naming_record_and_field(rid, name, value):
    with pytest.raises(FieldOverflow) as err:
        format_record(rid, {name: value})
    assert f"{rid}.{name}" in str(err.value)


def test_refusal_covers_every_format_with_a_value():
    tested = {"AN", "C", "N", "Q", "D", "T"}
    formats = {f.fmt for lo in LAYOUTS.values() for f in lo.data_fields}
    assert formats == tested


def test_the_spec_example_is_rebuilt_byte_for_byte():
    text = emit_text(
        {
            "sender_type": "CG",
            "sender_id": "AU",
            "transmission_date": dt.date(2026, 1, 15),
            "transmission_time": dt.time(9, 30),
            "control_number": "AU260115000001",
            "environment": "T",
        },
        [
            (
                "CR",
                [
                    (
                        "C0",
                        {
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
                    ),
                    ("C1", {"hts_number": 201300200}),
                ],
            )
        ],
    )
    assert text == (FIXTURES / "certificate.txt").read_text()


def _count_check(text: str) -> None:
    """Recount every Y and the Z from the lines themselves."""
    lines = text.split("\n")
    assert lines[-1] == ""  # a final LF
    lines = lines[:-1]
    assert all(len(line) == RECORD_LENGTH for line in lines)
    y, z = LAYOUTS["Y"], LAYOUTS["Z"]
    start = None
    batches = 0
    for i, line in enumerate(lines):
        rid = record_id(line)
        if rid == "B":
            start, batches = i, batches + 1
        elif rid == "Y":
            inside = lines[start + 1 : i]
            headers = sum(LAYOUTS[record_id(r)].role == "header" for r in inside)
            assert int(line[y.field("transaction_count").slice]) == headers
            assert int(line[y.field("record_count").slice]) == i - start + 1
            assert line[y.field("batch_number").slice] == lines[start][3:10]
            assert line[1:3] == lines[start][1:3]
    assert record_id(lines[-1]) == "Z"
    assert int(lines[-1][z.field("batch_count").slice]) == batches
    assert int(lines[-1][z.field("record_count").slice]) == len(lines)
    assert lines[-1][z.field("control_number").slice] == lines[0][27:41]


@settings(max_examples=60)
@given(transmission_parts())
def test_envelope_counts(parts):
    text = emit_text(*parts)
    _count_check(text)
    assert parse_file(text.encode()).conditions == []


def test_writer_counts_response_headers_and_preformatted_lines():
    out = io.StringIO()
    w = EnvelopeWriter(out)
    w.begin(responses.header_values("CTL1", "T", "FL", "B2X", PROCESSING))
    w.begin_batch("EA")
    for line in responses.rejection(
        "E0", "A", "B2X00000015", None, [condition("211", 3, 4)], PROCESSING
    ):
        w.write_line(line)
    w.write_line(responses.r0("A", "E0", "A", "B2X00000023", None, PROCESSING, 0))
    w.write(
        "R2",
        {
            "line_number": 1,
            "activity": "D",
            "certificate_number": "X",
            "issuing_country": "AU",
            "quantity": 100,
            "balance_after": 0,
            "unit_of_measure": "KG",
        },
    )
    w.end_batch()
    w.begin_batch("EZ")
    w.write_line(responses.r0("R", "Q0", "C", "REF1", None, PROCESSING, 0))
    w.end_batch()
    w.end()
    text = out.getvalue()
    _count_check(text)
    lines = text.splitlines()
    assert lines[6].startswith("YEA0000001" + "0000002" + "0000006")
    assert lines[-1].startswith("ZCTL1          0000002000000011")
    assert parse_file(text.encode(), "response").conditions == []


def test_writer_refuses_records_out_of_the_envelope_order():
    w = EnvelopeWriter(io.StringIO())
    with pytest.raises(EnvelopeError):
        w.write("C1", {"hts_number": 1})
    w.begin({"sender_type": "CG"})
    with pytest.raises(EnvelopeError):
        w.end_batch()
    w.begin_batch("CR")
    with pytest.raises(EnvelopeError):
        w.end()
    with pytest.raises(ValueError):
        w.write_line("C1" + " " * 77)


def test_writer_streams_to_its_stream():
    out = io.StringIO()
    w = EnvelopeWriter(out)
    w.begin({"sender_type": "FL", "control_number": "X"})
    assert out.getvalue() == format_record("A", {"sender_type": "FL", "control_number": "X"}) + "\n"


# -- response builders -----------------------------------------------------------------------


# A blank echo (an unreadable control number, an empty key) is allowed in a response (spec 5, A),
# so "valid" here means that every character and every present value is well formed.
FORMAT_FAULTS = {"001", "002", "006", "007", "008", "009"}


def assert_valid_response_record(text: str) -> None:
    rid = record_id(text)
    assert len(text) == RECORD_LENGTH
    _record, conds = DECODERS["response"][rid].decode(text, 1, len(text))
    assert [c for c in conds if c.code in FORMAT_FAULTS] == []


@given(st.text(min_size=0, max_size=20), st.text(max_size=2), st.text(max_size=1))
def test_r0_echoes_are_sanitized_into_a_valid_record(key, country, action):
    text = responses.r0("R", "C0", action, key, country, PROCESSING, 1)
    assert_valid_response_record(text)
    lo = LAYOUTS["R0"]
    assert set(text) <= AN_CHARS
    assert (
        text[lo.field("key").slice].rstrip()
        == "".join(ch if ch in AN_CHARS else " " for ch in key).rstrip()
    )
    assert text[lo.field("processing_date").slice] == "011526"
    assert text[lo.field("processing_time").slice] == "093005"


def test_r0_batch_key_is_seven_digits():
    text = responses.r0("R", "B", None, 12, None, PROCESSING, 1)
    assert text[6:26].rstrip() == "0000012"
    assert text[3:5] == "B "


def test_header_values_sanitize_recipient_and_drop_unknown_codes():
    values = responses.header_values("ctl\x001", "Q", "ZZ", "b2x\xff", PROCESSING)
    text = format_record("A", values)
    assert_valid_response_record(text)
    lo = LAYOUTS["A"]
    assert text[lo.field("sender_type").slice] == "CB"
    assert text[lo.field("recipient_id").slice].rstrip() == " 2"  # b, x and \xff are not AN
    assert text[lo.field("recipient_type").slice] == "  "
    assert text[lo.field("environment").slice] == " "
    assert text[lo.field("control_number").slice].rstrip() == "    1"
    kept = responses.header_values("CTL 9", "P", "FL", "B2X", PROCESSING)
    assert format_record("A", kept)[41:56] == "PFLB2X         "


def test_r1_narrative_is_sanitized_and_cut_to_65_columns():
    cond = condition("211", 1234567, 4, detail="ENTRY B2X00000016~é " + "X" * 80)
    text = responses.r1(cond)
    assert_valid_response_record(text)
    assert text[:15] == "R1211E123456704"
    assert text[15:].startswith("INVALID ENTRY NUMBER OR CHECK DIGIT - ENTRY B2X00000016   XX")
    assert len(text) == RECORD_LENGTH


def test_rejection_orders_conditions_and_counts_them():
    conds = [
        condition("005", 4, 38),
        condition("001", 4, 6),
        condition("103", 3, 15),
        condition("001", 4, 6),
    ]
    lines = responses.rejection("E0", "A", "B2X00000015", None, conds, PROCESSING)
    assert lines[0][2] == "R"
    assert int(lines[0][40:43]) == 3  # the duplicate is dropped
    assert [(line[2:5], line[6:13], line[13:15]) for line in lines[1:]] == [
        ("103", "0000003", "15"),
        ("001", "0000004", "06"),
        ("005", "0000004", "38"),
    ]
    for line in lines:
        assert_valid_response_record(line)


def test_detail_builders_need_their_mandatory_fields():
    with pytest.raises(ValueError, match="balance_after"):
        responses.r2(
            line_number=1,
            activity="D",
            certificate_number="C",
            issuing_country="AU",
            quantity=1,
            unit_of_measure="KG",
        )
    s0 = responses.s0(
        certificate_number="AU2026-000123",
        issuing_country="AU",
        status="A",
        allowance_quantity=2_500_000,
        quantity_used=1_000_000,
        quantity_remaining=1_500_000,
        unit_of_measure="KG",
        issue_date=dt.date(2026, 1, 2),
        expiry_date=None,
    )
    assert_valid_response_record(s0)
    assert s0[25:61] == "000002500000000001000000000001500000"
    s1 = responses.s1(
        entry_number="B2X00000015",
        line_number=1,
        activity="D",
        quantity=1_000_000,
        balance_after=1_500_000,
        activity_date=dt.date(2026, 1, 15),
        entry_date=dt.date(2026, 1, 14),
        ior_number="12-3456789AB",
    )
    assert_valid_response_record(s1)
