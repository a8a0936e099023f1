"""Rules name fields, not columns: a condition carries the field at fault and comes out at the
column the binding gives that field; a field name a record lacks is an error, never a silent None."""

from __future__ import annotations

import pytest
from txn_builders import FILER, cert_state, certificate, e1, entry

from ecert_edi.bindings.abi.layouts import LAYOUTS
from ecert_edi.domain.rules import decide_entry, static_conditions
from ecert_edi.domain.transactions import UnknownField


def test_a_misspelt_field_name_is_an_error_not_a_blank():
    txn = entry("A")
    with pytest.raises(UnknownField):
        txn.header.get("entry_nmber")
    with pytest.raises(UnknownField):
        txn.header.fault("211", "entry_nmber")


def test_a_condition_names_its_field_and_stands_at_that_fields_column():
    txn = entry("A", [e1(1, 3_000_000)])
    cert = cert_state()
    decision = decide_entry(txn, FILER, None, {cert.key: cert}, None)
    [over] = [c for c in decision.conditions if c.code == "202"]
    assert over.field == "quantity"
    assert over.column == LAYOUTS["E1"].field("quantity").pos
    assert over.line == txn.details[0].line


def test_a_condition_about_the_whole_record_has_no_field_and_column_zero():
    txn = entry("A", [])
    [missing] = [c for c in static_conditions(txn, FILER) if c.code == "214"]
    assert (missing.field, missing.column, missing.line) == (None, 0, txn.header.line)


def test_the_field_a_condition_names_does_not_change_its_identity():
    first = certificate("A").header.fault("101", "certificate_number")
    second = certificate("A").header.fault("101", "certificate_number")
    assert first == second and hash(first) == hash(second)
    assert first.field == "certificate_number" and first.column == 4
