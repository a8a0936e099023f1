"""Database-independent checks (the ones `ecert validate` reports too)."""

from __future__ import annotations

from txn_builders import FILER, GOV_AU, certificate, e1, entry, query

from ecert_edi.domain.rules import static_conditions


def test_103_on_every_record_that_carries_an_ior():
    found = [
        static_conditions(certificate("A", ior="123-45-678"), GOV_AU),
        static_conditions(entry("A", ior="12-3456789A"), FILER),
        static_conditions(query("I", ior="ABC", number=None, country=None), FILER),
    ]
    assert [[(c.code, c.line, c.column) for c in f] for f in found] == [
        [("103", 3, 26)],
        [("103", 3, 15)],
        [("103", 3, 14)],
    ]


def test_canonical_ior_forms_pass():
    for ior in ("12-3456789AB", "260101-00042", "123-45-6789"):
        assert static_conditions(certificate("A", ior=ior), GOV_AU) == []


def test_static_checks_leave_the_field_conditions_to_the_parser():
    txn = entry("A", [e1(1, 5)], raw={"entry_date": "133126"})
    assert [c.code for c in txn.conditions] == ["007"]
    assert static_conditions(txn, FILER) == []


def test_a_transaction_with_every_static_fault_reports_each():
    txn = entry("A", [e1(1, 0), e1(1, 5)], number="ZZZ00000000")
    conds = static_conditions(txn, FILER)
    assert sorted((c.code, c.line, c.column) for c in conds) == [
        ("211", 3, 4),
        ("212", 3, 4),
        ("213", 5, 3),
        ("216", 4, 38),
    ]


def test_faulty_values_skip_only_the_checks_that_need_them():
    txn = certificate("A", raw={"allowance_quantity": "00000000001X"}, hts=(1, 1))
    assert [c.code for c in txn.conditions] == ["006"]
    d = static_conditions(txn, GOV_AU)
    assert [(c.code, c.line) for c in d] == [("111", 5)]  # no 112 without a readable allowance
