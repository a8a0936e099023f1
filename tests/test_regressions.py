"""One test per deviation from the interface found in review, named after what it guards."""

from __future__ import annotations

import datetime as dt

from abi import Raw, batch, certificate, levels, record, spec_file, splice, to_bytes, transmission

from ecert_edi.bindings.abi.reading import iter_conditions, parse_file
from ecert_edi.processing import process_file
from ecert_edi.store import SQLiteStore

CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)


def codes_at(conditions) -> list[tuple[int, int, str]]:
    return [(c.line, c.column, c.code) for c in conditions]


def filer_query(**q0) -> bytes:
    return to_bytes(transmission(batch("EC", record("Q0", **q0))))


def test_fields_a_query_type_does_not_use_are_ignored():
    # spec 6.3: "Fields a query type does not use are ignored." A type I query reads only the IOR.
    data = filer_query(query_type="I", certificate_number=Raw("abc"), issuing_country=Raw("QQ"))
    assert list(iter_conditions(data)) == []
    # a type C query reads all three: the same faults are reported there
    data = filer_query(query_type="C", certificate_number=Raw("abc"), issuing_country=Raw("QQ"))
    assert {c.code for c in iter_conditions(data)} >= {"001", "008"}


def test_a_government_query_of_all_certificates_ignores_ior_and_certificate_fields():
    lines = transmission(batch("EC", record("Q0", query_type="A", ior_number=Raw("abc"),
                                            certificate_number=Raw("abc"),
                                            issuing_country=Raw("QQ"))))
    assert list(iter_conditions(to_bytes(lines))) == []


def test_control_number_reuse_is_reported_beside_other_transmission_errors(tmp_path):
    # spec 4.2: every check that can still be computed; 021 beside a wrong batch count (013)
    store = SQLiteStore(tmp_path / "ecert.db")
    first = tmp_path / "first.txt"
    first.write_bytes(spec_file("certificate.txt"))
    process_file(first, store, tmp_path / "out", CLOCK)
    lines = spec_file("certificate.txt").decode().splitlines()
    lines[2] = lines[2].replace("AU2026-000123", "AU2026-OTHER ")
    lines[5] = splice(lines[5], 16, "0000003")
    again = tmp_path / "again.txt"
    again.write_bytes(to_bytes(lines))
    outcome = process_file(again, store, tmp_path / "out", CLOCK)
    assert codes_at(sorted(outcome.conditions)) == [(1, 28, "021"), (6, 16, "013")]


def test_a_non_printable_byte_past_column_80_is_001_at_its_column():
    lines = spec_file("certificate.txt").decode().splitlines()
    lines[3] = lines[3] + "  \x01"
    found = codes_at(iter_conditions(to_bytes(lines)))
    assert (4, 81, "002") in found and (4, 83, "001") in found


def test_blank_batch_count_in_y_is_005_beside_018():
    lines = transmission(batch("CR", certificate(), record_count=Raw(" " * 7)))
    assert levels(lines)["batches"] == {1: [(5, 18, "005", "E"), (5, 18, "018", "E")]}


def test_response_to_an_unreadable_control_number_is_a_valid_response(tmp_path):
    data = tmp_path / "binary.txt"
    data.write_bytes(bytes(range(256)) * 3)
    outcome = process_file(data, SQLiteStore(tmp_path / "ecert.db"), tmp_path / "out", CLOCK)
    assert parse_file(outcome.response, direction="response").conditions == []
