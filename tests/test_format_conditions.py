"""Record, field, batch and transmission conditions (spec 3.1, 3.2, 4.1, 4.2, 5 and 7).

Each test builds a file from the worked example of spec section 9 with one thing changed, and
asserts the code, severity, line and column the "At" column of section 7 gives, and the level the
condition is reported at (spec 4.2): the transmission (`envelope.conditions`), a batch
(`envelope.batches[ordinal].conditions`) or a transaction (its `.conditions`).

In the default files the lines are: 1 A, 2 B, 3 C0/E0/Q0, 4 C1/E1, 5 Y, 6 Z.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from abi import (
    FILER,
    GOVERNMENT,
    Raw,
    at,
    batch,
    certificate,
    column_of,
    entry,
    file_with,
    levels,
    parse,
    record,
    spec_file,
    splice,
    to_bytes,
    transactions,
    transmission,
)

from ecert_edi.domain.conditions import CATALOGUE
from ecert_edi.bindings.abi.reading import iter_conditions

CLEAN: dict = {"transmission": [], "batches": {}, "transactions": [[]]}


def cr(*records, **z):
    """A government's file with one CR batch of `records`."""
    return transmission(batch("CR", *records), **z)


def en(*records, **z):
    """A filer's file with one EN batch of `records`."""
    return transmission(batch("EN", *records), **z)


def with_a(lines: list[str], a: str) -> list[str]:
    """`lines` with its first record (the A) replaced."""
    return [a, *lines[1:]]


def only(code: str, found: list[tuple]) -> list[tuple]:
    return [c for c in found if c[2] == code]


def E(line: int, column: int, code: str) -> tuple[int, int, str, str]:
    """An error condition as `at` gives it: every code of spec 7 tested here has severity E."""
    return (line, column, code, "E")


# -- the builder and the worked example -------------------------------------------------------


@pytest.mark.parametrize(
    "name, lines",
    [
        ("certificate.txt", transmission(batch("CR", certificate()))),
        ("entry.txt", transmission(batch("EN", entry()))),
        (
            "query.txt",
            transmission(
                batch("EC", record("Q0")),
                header={"transmission_time": dt.time(11, 0), "control_number": "B2X00000000002"},
            ),
        ),
    ],
)
def test_builder_writes_the_worked_example_byte_for_byte(name, lines):
    assert to_bytes(lines) == spec_file(name)


@pytest.mark.parametrize("name", ["certificate.txt", "entry.txt", "query.txt"])
def test_worked_example_has_no_condition(name):
    data = spec_file(name)
    assert levels(data) == CLEAN
    assert list(iter_conditions(data)) == []


# -- 001 INVALID CHARACTER ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "rid, field, offset",
    [
        ("C0", "certificate_number", 1),  # AU2026-000123 -> Ax2026-000123
        ("E0", "entry_number", 2),
        ("E1", "certificate_number", 0),
        ("Q0", "query_reference", 4),
    ],
)
def test_lowercase_letter_in_an_field_is_001_at_its_own_column(rid, field, offset):
    column = column_of(rid, field) + offset
    lines = file_with(splice(record(rid), column, "x"))
    line = 3 if rid != "E1" else 4
    assert levels(lines) == {
        "transmission": [],
        "batches": {},
        "transactions": [[E(line, column, "001")]],
    }


def test_lowercase_code_is_001_per_character_not_008():
    # C: "a character outside AN is 001, a well-formed value not in the list is 008"
    lines = cr(record("C0", unit_of_measure=Raw("kg")), record("C1"))
    assert levels(lines)["transactions"] == [[E(3, 65, "001"), E(3, 66, "001")]]


def test_lowercase_in_filler_is_ignored():
    # F: "ignored on input"; only bytes outside printable ASCII are faults anywhere on the line
    lines = cr(splice(record("C0"), 70, "lower"), splice(record("C1"), 40, "x"))
    assert levels(lines) == CLEAN


@pytest.mark.parametrize("byte", ["\x00", "\x07", "\t", "\r", "\x7f", "\x80", "\xe9", "\xff"])
def test_non_printable_byte_is_001_at_its_own_column(byte):
    lines = cr(splice(record("C0"), 72, byte), record("C1"))
    assert levels(lines)["transactions"] == [[E(3, 72, "001")]]


@pytest.mark.parametrize("byte", ["\x00", "\x7f", "\xe9"])
def test_non_printable_byte_in_a_field_is_reported_once(byte):
    # one faulty byte is one condition, even where the field's own character check also fails
    lines = cr(splice(record("C0"), 10, byte), record("C1"))
    assert levels(lines)["transactions"] == [[E(3, 10, "001")]]


@pytest.mark.parametrize(
    "rid, line, level",
    [
        ("A", 1, "transmission"),
        ("B", 2, "batch"),
        ("C0", 3, "transaction"),
        ("C1", 4, "transaction"),
        ("Y", 5, "batch"),
        ("Z", 6, "transmission"),
    ],
)
@pytest.mark.parametrize(
    "fault, code, column",
    [("nul", "001", 79), ("long", "002", 81)],
)
def test_record_fault_is_reported_at_the_unit_holding_the_record(rid, line, level, fault, code,
                                                                  column):
    # spec 4.2: "the transaction for a C0/C1/E0/E1/Q0, the batch for B or Y, the transmission
    # for A or Z"
    lines = cr(certificate())
    assert lines[line - 1].startswith(rid)
    text = lines[line - 1]
    lines[line - 1] = splice(text, 79, "\x00") if fault == "nul" else text + "EXTRA"
    expected = {
        "transmission": [],
        "batches": {},
        "transactions": [[]],
    }
    if level == "transmission":
        expected["transmission"] = [E(line, column, code)]
    elif level == "batch":
        expected["batches"] = {1: [E(line, column, code)]}
    else:
        expected["transactions"] = [[E(line, column, code)]]
    assert levels(lines) == expected


# -- 002 RECORD LONGER THAN 80 CHARACTERS ------------------------------------------------------


@pytest.mark.parametrize("extra", [" ", "X", "X" * 10, "Y" * 5000],
                         ids=["space", "one", "ten", "5000"])
def test_line_longer_than_80_is_002_at_column_81_and_the_record_is_still_checked(extra):
    e0 = record("E0", entry_date=Raw("023026"))
    lines = en(e0 + extra, record("E1"))
    assert levels(lines) == {
        "transmission": [],
        "batches": {},
        "transactions": [[E(3, 27, "007"), E(3, 81, "002")]],
    }


def test_line_of_exactly_80_characters_is_no_fault():
    assert len(record("E0")) == 80
    assert levels(en(entry())) == CLEAN


# -- 003 UNKNOWN RECORD IDENTIFIER ---------------------------------------------------------------


@pytest.mark.parametrize("ident", ["X9", "C9", "c0", "E ", "99"])
def test_unknown_record_identifier_in_a_batch_is_003_at_column_1_of_the_batch(ident):
    stray = ident + "0" * 10 + " " * 68
    lines = cr(certificate(), stray)
    assert levels(lines) == {
        "transmission": [],
        "batches": {1: [E(5, 1, "003")]},
        "transactions": [[]],
    }


# -- 004 RECORD OUT OF SEQUENCE ----------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, line",
    [
        # a detail record before any header of its batch
        (cr(record("C1"), certificate()), 3),
        # a record of another application inside a CR batch
        (cr(certificate(), record("E0")), 5),
        (cr(certificate(), record("E1")), 5),
        (en(entry(), record("C1")), 5),
        (transmission(batch("EC", record("Q0"), record("E1"))), 4),
        # an envelope record where it has no place
        (cr(certificate(), record("A")), 5),
    ],
    ids=["C1-before-C0", "E0-in-CR", "E1-in-CR", "C1-in-EN", "E1-in-EC", "A-in-batch"],
)
def test_record_out_of_place_in_a_batch_is_004_of_the_batch(lines, line):
    assert lines[line - 1][:1] in "ACEQ"
    found = levels(lines)
    assert found["transmission"] == []
    assert found["batches"] == {1: [E(line, 1, "004")]}


@pytest.mark.parametrize(
    "lines, line",
    [
        (transmission(record("C0"), batch("CR", certificate())), 2),
        (transmission(batch("CR", certificate()), record("C1"), batch("CR", certificate())), 6),
        (transmission(batch("CR", certificate()), after=[record("C0")]), 7),
        (transmission(batch("CR", certificate()), after=[record("Z", control_number="X")]), 7),
        (transmission(batch("CR", certificate()), record("A"), batch("CR", certificate())), 6),
        (transmission(batch("CR", certificate()), record("Y", application="CR", batch_number=1,
                                                          transaction_count=1, record_count=4)),
         6),
    ],
    ids=["before-first-B", "between-Y-and-B", "after-Z", "second-Z", "second-A", "second-Y"],
)
def test_record_outside_any_batch_is_004_of_the_transmission(lines, line):
    found = levels(lines)
    assert found["transmission"] == [E(line, 1, "004")]
    assert found["batches"] == {}
    assert all(conds == [] for conds in found["transactions"])


# -- 005 REQUIRED FIELD MISSING ----------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, place",
    [
        (cr(certificate(certificate_number=None)), (3, 4)),
        (cr(certificate(issue_date=None)), (3, 38)),
        (cr(certificate(quota_program=None)), (3, 50)),
        (cr(record("C0"), record("C1", hts_number=None)), (4, 3)),
        (en(entry(entry_date=None)), (3, 27)),
        (en(record("E0"), record("E1", quantity=None)), (4, 38)),
        (transmission(batch("EC", record("Q0", usage_detail=None))), (3, 48)),
        (transmission(batch("EC", record("Q0", query_type=None))), (3, 3)),
    ],
    ids=["C0-certificate", "C0-issue-date", "C0-program", "C1-hts", "E0-date", "E1-quantity",
         "Q0-usage", "Q0-type"],
)
def test_blank_mandatory_field_is_005_at_the_field(lines, place):
    assert levels(lines) == {
        "transmission": [],
        "batches": {},
        "transactions": [[E(*place, "005")]],
    }


def test_fields_not_read_on_a_void_or_a_cancel_are_not_required():
    # C0 M* fields are "not read on D"; E0 M* fields are "not read on C"
    void = record("C0", action="D", ior_number=None, issue_date=None, expiry_date=None,
                  quota_program=None, allowance_quantity=None, unit_of_measure=None)
    assert levels(cr(void)) == CLEAN
    cancel = record("E0", action="C", entry_date=None, port_of_entry=None, entry_type=None)
    assert levels(en(cancel)) == CLEAN


# -- 006 INVALID NUMERIC FIELD -----------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, place",
    [
        (cr(record("C0"), record("C1", hts_number=Raw("02013002O0"))), (4, 3)),
        (cr(record("C0"), record("C1", hts_number=Raw("201300200"))), (4, 3)),  # not zero-filled
        (cr(certificate(allowance_quantity=Raw("2500000.00"))), (3, 53)),
        (en(record("E0"), record("E1", line_number=0)), (4, 3)),  # spec 6.2: line 000 is 006
        (en(record("E0"), record("E1", line_number=Raw("-01"))), (4, 3)),
        (en(entry(port_of_entry=Raw("10 1"))), (3, 33)),
    ],
    ids=["letter", "space-filled", "decimal-point", "line-000", "sign", "inner-space"],
)
def test_invalid_numeric_field_is_006_at_the_field(lines, place):
    assert levels(lines) == {
        "transmission": [],
        "batches": {},
        "transactions": [[E(*place, "006")]],
    }


# -- 007 INVALID DATE --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["023026", "022926", "130126", "000126", "01102X", "01-226"])
def test_impossible_date_is_007_at_the_field(text):
    lines = en(entry(entry_date=Raw(text[:6])))
    assert levels(lines) == {
        "transmission": [],
        "batches": {},
        "transactions": [[E(3, 27, "007")]],
    }


def test_leap_day_is_a_real_date():
    assert levels(en(entry(entry_date=Raw("022928")))) == CLEAN


# -- 008 INVALID CODE --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, place",
    [
        (cr(certificate(action=Raw("X"))), (3, 3)),
        (cr(certificate(issuing_country=Raw("ZZ"))), (3, 24)),  # not an assigned ISO code
        (cr(certificate(quota_program=Raw("TRX"))), (3, 50)),
        (cr(certificate(unit_of_measure=Raw("LB"))), (3, 65)),
        (en(entry(action=Raw("D"))), (3, 3)),  # D is a certificate action, not an entry's
        (en(record("E0"), record("E1", unit_of_measure=Raw("KGS"))), (4, 50)),
        (transmission(batch("EC", record("Q0", usage_detail=Raw("X")))), (3, 48)),
    ],
    ids=["C0-action", "C0-country", "C0-program", "C0-unit", "E0-action", "E1-unit", "Q0-usage"],
)
def test_unknown_code_is_008_at_the_field(lines, place):
    assert levels(lines) == {
        "transmission": [],
        "batches": {},
        "transactions": [[E(*place, "008")]],
    }


# -- 009 INVALID TIME --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["240000", "236000", "235960", "99999X"])
def test_impossible_transmission_time_is_009_at_column_22_of_the_a_record(text):
    # T (spec 3.2): HHMMSS, 00-23/00-59/00-59 (009). The A record's time is the inbound T field;
    # a faulty A field also makes the header invalid (010 at the field's column, spec 4.2).
    lines = with_a(cr(certificate()), record("A", transmission_time=Raw(text)))
    found = levels(lines)
    assert found["transmission"] == [E(1, 22, "009"), E(1, 22, "010")]
    assert found["batches"] == {}
    assert found["transactions"] == [[]]


# -- 010 MISSING OR INVALID TRANSMISSION HEADER -------------------------------------------------


@pytest.mark.parametrize("first", [1, 2, 3])
def test_first_record_not_an_a_record_is_010_at_column_1(first):
    # the file starts at the B (first=1), at the C0 (2) or at the C1 (3)
    lines = cr(certificate())[first:]
    found = levels(lines)
    assert only("010", found["transmission"]) == [E(1, 1, "010")]


@pytest.mark.parametrize(
    "changes, column",
    [
        ({"sender_type": Raw("XX")}, 2),
        ({"sender_type": None}, 2),
        ({"sender_type": "CB"}, 2),  # CB is this system's own type, on responses only
        ({"sender_id": None}, 4),
        ({"sender_id": Raw("ZZ")}, 4),  # CG: an ISO 3166-1 alpha-2 country
        ({"sender_type": "FL", "sender_id": Raw("B2")}, 4),  # FL: a 3-character filer code
        ({"transmission_date": Raw("023026")}, 16),
        ({"transmission_date": None}, 16),
        ({"transmission_time": None}, 22),
        ({"sender_id": Raw("au")}, 4),  # AN: lowercase letters are invalid (001)
        ({"control_number": None}, 28),
        ({"control_number": Raw("AU26011500000a")}, 28),
        ({"environment": Raw("Q")}, 42),
        ({"environment": None}, 42),
    ],
    ids=["type-unknown", "type-blank", "type-CB", "id-blank", "id-not-a-country",
         "id-not-a-filer-code", "date-impossible", "date-blank", "time-blank", "id-lowercase",
         "control-blank", "control-lowercase", "environment-unknown", "environment-blank"],
)
def test_each_faulty_a_field_is_010_at_the_fields_column(changes, column):
    lines = with_a(cr(certificate()), record("A", **changes))
    assert only("010", levels(lines)["transmission"]) == [E(1, column, "010")]


def test_file_holding_only_a_z_record_has_a_trailer_but_no_header_nor_batch():
    # 010 "column 1 when it is no A record"; 024 at the "Z line, column 1"; 011 is for a file
    # where "there is no Z record", and this file has one
    lines = transmission()[1:]
    assert lines[0].startswith("ZAU260115000001")
    found = levels(lines)["transmission"]
    assert E(1, 1, "010") in found
    assert E(1, 1, "024") in found
    assert only("011", found) == []


def test_several_faulty_a_fields_give_one_010_each():
    a = record("A", sender_type=Raw("XX"), sender_id=None, transmission_date=Raw("023026"),
               control_number=None, environment=Raw("Q"))
    lines = with_a(cr(certificate()), a)
    assert only("010", levels(lines)["transmission"]) == [
        E(1, 2, "010"), E(1, 4, "010"), E(1, 16, "010"), E(1, 28, "010"), E(1, 42, "010"),
    ]


@pytest.mark.parametrize(
    "changes, columns",
    [
        ({"recipient_type": "FL"}, [43]),
        ({"recipient_id": "B2X"}, [45]),
        ({"recipient_type": "CG", "recipient_id": "AU"}, [43, 45]),
    ],
)
def test_recipient_fields_on_input_are_010(changes, columns):
    # A record: recipient type and ID are "responses only ... blank on input"
    lines = with_a(cr(certificate()), record("A", **changes))
    found = levels(lines)
    assert found["transmission"] == [E(1, c, "010") for c in columns]
    assert found["transactions"] == [[]]


def test_header_faults_do_not_stop_the_line_checks():
    # spec 4.2: "line checks run even when the header has errors"
    lines = with_a(cr(certificate(issue_date=Raw("023026"))), record("A", environment=Raw("Q")))
    found = levels(lines)
    # the A field keeps its own code (008) beside the 010 that rejects the transmission
    assert found["transmission"] == [E(1, 42, "008"), E(1, 42, "010")]
    assert found["transactions"] == [[E(3, 38, "007")]]


# -- 011 to 014: the Z record ------------------------------------------------------------------


def test_missing_z_record_is_011_at_0_0():
    assert levels(cr(certificate(), trailer=False)) == {**CLEAN, "transmission": [E(0, 0, "011")]}


def test_z_control_number_unlike_a_is_012_at_z_column_2():
    lines = cr(certificate(), control_number="AU260115000002")
    assert levels(lines) == {**CLEAN, "transmission": [E(6, 2, "012")]}


# A count that is not digits only is also the field's own 006 (spec 3.2), beside the mismatch.
@pytest.mark.parametrize("count, own", [(0, []), (2, []), (Raw("ABCDEFG"), ["006"])])
def test_z_batch_count_wrong_is_013_at_z_column_16(count, own):
    lines = cr(certificate(), batch_count=count)
    expected = sorted([E(6, 16, "013")] + [E(6, 16, code) for code in own])
    assert levels(lines) == {**CLEAN, "transmission": expected}


@pytest.mark.parametrize("count, own", [(5, []), (7, []), (4, []), (Raw("6"), ["006"])])
def test_z_record_count_wrong_is_014_at_z_column_23(count, own):
    # 6 records, A and Z included; "6" left-justified is not the zero-filled number
    lines = cr(certificate(), record_count=count)
    expected = sorted([E(6, 23, "014")] + [E(6, 23, code) for code in own])
    assert levels(lines) == {**CLEAN, "transmission": expected}


def test_blank_z_count_is_005_beside_013():
    lines = cr(certificate(), batch_count=Raw(" " * 7))
    assert levels(lines) == {**CLEAN, "transmission": [E(6, 16, "005"), E(6, 16, "013")]}


def test_z_counts_cover_every_batch_and_record():
    lines = transmission(batch("CR", certificate(), certificate(certificate_number="AU2")),
                         batch("EC", record("Q0")))
    assert lines[-1][15:31] == "0000002" + "000000011"
    assert levels(lines) == {**CLEAN, "transactions": [[], [], []]}


# -- 015 to 022: batches -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, transmission_level",
    [
        (transmission(batch("CR", certificate(), trailer=False)), []),
        (transmission(batch("CR", certificate(), trailer=False), trailer=False), [E(0, 0, "011")]),
    ],
    ids=["then-Z", "then-end-of-file"],
)
def test_missing_y_record_is_015_at_b_column_1(lines, transmission_level):
    found = levels(lines)
    assert found["transmission"] == transmission_level
    assert found["batches"] == {1: [E(2, 1, "015")]}


def test_missing_y_before_the_next_b_is_015_and_the_next_batch_is_sound():
    lines = transmission(batch("CR", certificate(), trailer=False), batch("CR", certificate()))
    assert levels(lines) == {
        "transmission": [],
        "batches": {1: [E(2, 1, "015")]},
        "transactions": [[], []],
    }


@pytest.mark.parametrize(
    "lines, place, ordinal",
    [
        (transmission(batch("CR", certificate(), number=2)), (2, 4), 1),
        (transmission(batch("CR", certificate()), batch("CR", certificate(), number=3)), (6, 4), 2),
        (transmission(batch("CR", certificate()), batch("CR", certificate(), number=1)), (6, 4), 2),
        (transmission(batch("CR", certificate(), batch_number=2)), (5, 4), 1),
        (transmission(batch("CR", certificate(), application="EN")), (5, 4), 1),
    ],
    ids=["first-is-2", "1-then-3", "1-then-1", "Y-number", "Y-application"],
)
def test_batch_number_out_of_sequence_or_b_y_mismatch_is_016_at_column_4(lines, place, ordinal):
    found = levels(lines)
    assert found["transmission"] == []
    assert found["batches"] == {ordinal: [E(*place, "016")]}


@pytest.mark.parametrize("count, own", [(0, []), (2, []), (Raw("1"), ["006"])])
def test_y_transaction_count_wrong_is_017_at_y_column_11(count, own):
    lines = transmission(batch("CR", certificate(), transaction_count=count))
    expected = sorted([E(5, 11, "017")] + [E(5, 11, code) for code in own])
    assert levels(lines) == {**CLEAN, "batches": {1: expected}}


@pytest.mark.parametrize("count", [3, 5, 0])
def test_y_record_count_wrong_is_018_at_y_column_18(count):
    lines = transmission(batch("CR", certificate(), record_count=count))
    assert levels(lines) == {**CLEAN, "batches": {1: [E(5, 18, "018")]}}


@pytest.mark.parametrize(
    "application, header, records",
    [("CR", FILER, certificate()), ("EN", GOVERNMENT, entry())],
    ids=["CR-from-filer", "EN-from-government"],
)
def test_application_not_allowed_for_sender_is_019_at_b_column_2(application, header, records):
    lines = transmission(batch(application, records), header=header)
    assert levels(lines) == {**CLEAN, "batches": {1: [E(2, 2, "019")]}}


@pytest.mark.parametrize("header", [FILER, GOVERNMENT], ids=["filer", "government"])
def test_query_batch_is_allowed_from_either_sender(header):
    lines = transmission(batch("EC", record("Q0")), header=header)
    assert levels(lines) == CLEAN


@pytest.mark.parametrize("application", ["XX", "ZZ", "C0"])
def test_unknown_application_is_020_at_b_column_2(application):
    lines = transmission(batch(application, certificate()))
    found = levels(lines)
    assert found["transmission"] == []
    assert found["batches"] == {1: [E(2, 2, "020")]}


def test_empty_batch_is_022_at_b_column_1():
    lines = transmission(batch("CR"))
    assert lines[2].startswith("YCR00000010000000")  # no transaction, 2 records
    assert levels(lines) == {**CLEAN, "batches": {1: [E(2, 1, "022")]}, "transactions": []}


def test_empty_batch_without_y_is_022_and_015():
    lines = transmission(batch("CR", trailer=False))
    assert levels(lines) == {
        "transmission": [],
        "batches": {1: [E(2, 1, "015"), E(2, 1, "022")]},
        "transactions": [],
    }


# -- 023, 024: nothing in the file -------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\n", b"\r\n\n\r\n"], ids=["empty", "LF", "empty-lines"])
def test_file_without_a_record_is_023_at_0_0(data):
    assert levels(data) == {"transmission": [E(0, 0, "023")], "batches": {}, "transactions": []}


def test_transmission_without_batch_is_024_at_z_column_1():
    assert levels(transmission()) == {
        "transmission": [E(2, 1, "024")], "batches": {}, "transactions": [],
    }


def test_transmission_without_batch_nor_z_is_024_and_011_at_0_0():
    assert levels(transmission(trailer=False)) == {
        "transmission": [E(0, 0, "011"), E(0, 0, "024")], "batches": {}, "transactions": [],
    }


# -- lines and files (spec 3.1) ----------------------------------------------------------------


def test_line_numbers_count_empty_lines():
    lines = cr(record("C0", issue_date=Raw("023026")), record("C1"))
    lines = ["", *lines[:3], "", "", *lines[3:]]  # the C0 on physical line 4, the Y on line 8
    found = levels(lines, eol="\r\n")
    assert found["transactions"] == [[E(4, 38, "007")]]
    lines[-2] = splice(lines[-2], 18, "0000009")  # a wrong Y record count, for its line number
    assert levels(lines)["batches"] == {1: [E(8, 18, "018")]}


@pytest.mark.parametrize("endings", [("\r\n", "\n"), ("\n", "\r\n", "\r\n"), ("\r\n",)])
def test_mixed_crlf_and_lf_endings_give_no_condition(endings):
    lines = transmission(batch("CR", certificate()), batch("EC", record("Q0")))
    data = "".join(line + eol for line, eol in zip(lines, itertools.cycle(endings)))
    assert levels(data.encode()) == {**CLEAN, "transactions": [[], []]}


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_last_line_may_lack_its_ending(eol):
    data = to_bytes(cr(certificate()), eol)
    assert levels(data[: -len(eol)]) == CLEAN


def test_short_lines_are_read_as_padded_with_spaces():
    lines = [line.rstrip(" ") for line in transmission(batch("CR", certificate()),
                                                       batch("EC", record("Q0", usage_detail="N")))]
    assert min(map(len, lines)) < 40
    assert levels(lines) == {**CLEAN, "transactions": [[], []]}


def test_record_cut_short_still_has_its_missing_fields_reported():
    # padded with spaces, a C0 cut after the certificate number lacks its mandatory fields
    lines = cr(record("C0")[:25], record("C1"))
    (found,) = levels(lines)["transactions"]
    assert only("005", found) == [E(3, 38, "005"), E(3, 50, "005"), E(3, 53, "005"),
                                  E(3, 65, "005")]


# -- every error, and only the unit at fault (spec 4.2) ------------------------------------------


def test_every_faulty_field_of_a_record_is_reported():
    c0 = record("C0", action=Raw("X"), issue_date=Raw("023026"), unit_of_measure=Raw("XX"))
    assert levels(cr(c0, record("C1"))) == {
        "transmission": [],
        "batches": {},
        "transactions": [[E(3, 3, "008"), E(3, 38, "007"), E(3, 65, "008")]],
    }


def test_every_faulty_record_of_a_transaction_is_reported():
    lines = en(record("E0", entry_date=Raw("133126")),
               record("E1", line_number=0),
               record("E1", line_number=2, hts_number=Raw("ABC"), unit_of_measure=Raw("LB")))
    assert levels(lines)["transactions"] == [
        [E(3, 27, "007"), E(4, 3, "006"), E(5, 28, "006"), E(5, 50, "008")]
    ]


def test_every_batch_fault_is_reported():
    lines = transmission(batch("CR", certificate(), number=4, batch_number=5,
                               transaction_count=3, record_count=9), header=FILER)
    assert levels(lines)["batches"] == {
        1: [E(2, 2, "019"), E(2, 4, "016"), E(5, 4, "016"), E(5, 11, "017"), E(5, 18, "018")]
    }


def test_every_transmission_fault_is_reported():
    lines = transmission(batch("CR", certificate()), control_number="OTHER", batch_count=3,
                         record_count=1, after=[record("C1")])
    assert levels(lines)["transmission"] == [
        E(6, 2, "012"), E(6, 16, "013"), E(6, 23, "014"), E(7, 1, "004"),
    ]


def test_errors_in_one_batch_do_not_affect_another():
    lines = transmission(
        batch("CR", certificate(), "X9".ljust(80), record_count=8),
        batch("CR", certificate(certificate_number="AU2")),
        batch("EC", record("Q0")),
    )
    assert levels(lines) == {
        "transmission": [],
        "batches": {1: [E(5, 1, "003"), E(6, 18, "018")]},
        "transactions": [[], [], []],
    }


def test_transaction_error_does_not_reject_its_batch():
    lines = cr(certificate(issue_date=None), certificate(certificate_number="AU2"))
    parsed = parse(lines)
    assert parsed.envelope.batches == {}
    assert not parsed.envelope.rejected
    first, second = transactions(parsed)
    assert first.rejected and at(first.conditions) == [E(3, 38, "005")]
    assert not second.rejected and second.conditions == []


def test_faults_of_a_misplaced_record_are_still_reported():
    # spec 3.1: a byte outside printable ASCII "is an error (001) at its own column", a longer
    # line "is an error (002, column 81)"; spec 4.2: "each line reports every failing check"
    inside = cr(certificate(), splice(record("E1"), 60, "\x00"))
    assert levels(inside)["batches"] == {1: [E(5, 1, "004"), E(5, 60, "001")]}
    after = transmission(batch("CR", certificate()), after=[record("C1") + "TOO LONG"])
    assert levels(after)["transmission"] == [E(7, 1, "004"), E(7, 81, "002")]


@pytest.mark.parametrize(
    "lines",
    [
        cr(record("C0", action="D"), record("C1")),
        en(record("E0", action="C"), record("E1")),
    ],
    ids=["C1-of-a-void", "E1-of-a-cancel"],
)
@pytest.mark.parametrize("fault, code, column", [("nul", "001", 70), ("long", "002", 81)])
def test_record_faults_of_unread_detail_records_are_still_reported(lines, fault, code, column):
    # the fields of a void's C1 and a cancel's E1 are not read (spec 6.1, 6.2), but 001 and 002
    # are faults of the line itself (spec 3.1), reported at the transaction that holds it (4.2)
    lines = list(lines)
    lines[3] = splice(lines[3], 70, "\x00") if fault == "nul" else lines[3] + "EXTRA"
    assert levels(lines) == {**CLEAN, "transactions": [[E(4, column, code)]]}


def test_iter_conditions_gives_every_level_in_line_column_code_order():
    lines = transmission(
        batch("CR", certificate(issue_date=Raw("023026")), record_count=9),
        batch("CR", certificate(), "C9".ljust(80)),
        record_count=3,
    )
    data = to_bytes(lines)
    expected = [E(3, 38, "007"), E(5, 18, "018"), E(9, 1, "003"), E(11, 23, "014")]
    found = list(iter_conditions(data))
    assert at(found) == expected
    assert [(c.line, c.column, c.code) for c in found] == [e[:3] for e in expected]
    assert all(c.text == CATALOGUE[c.code][2] for c in found)


def test_iter_conditions_puts_the_conditions_of_no_place_last():
    # a missing Y and Z: 015 at the B line is found at the end of the file, 011 has no place
    lines = transmission(batch("CR", certificate(issue_date=Raw("023026")), trailer=False),
                         trailer=False)
    found = [(c.line, c.column, c.code) for c in iter_conditions(to_bytes(lines))]
    assert found == [(2, 1, "015"), (3, 38, "007"), (0, 0, "011")]
