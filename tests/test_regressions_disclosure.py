"""Issue: entries leaked what queries hide.  A filer entering under an IOR that is not the
certificate's got 201 *and* every other failing check, so 202 told the balance by bisection, 203
the unit, 204 the HTS coverage, 205 the validity dates, 206 a void.  Spec 6.2: such a line
reports 201 alone; the line's own field conditions are still given."""

from __future__ import annotations

import datetime as dt

import pytest
from txn_builders import CLOCK, FILER, IOR, OTHER_IOR, cert_state, codes, e1, entry

from ecert_edi.domain.rules import decide_entry

BALANCE = 1_500_000  # 15,000.00 left of 25,000.00


def probe(line: dict, *, ior: str | None = OTHER_IOR, **cert) -> list[str]:
    state = cert_state(balance=BALANCE, **cert)
    return codes(decide_entry(entry("A", [line], ior=ior), FILER, None, {state.key: state},
                              CLOCK))


@pytest.mark.parametrize("quantity", [1, BALANCE, BALANCE + 1, 10**11])
def test_the_balance_cannot_be_found_by_bisection(quantity):
    assert probe(e1(1, quantity)) == ["201"]


def test_the_unit_coverage_validity_and_void_of_another_iors_certificate_stay_hidden():
    assert probe(e1(1, 100, unit="L")) == ["201"]  # would be 203
    assert probe(e1(1, 100, hts=401000000)) == ["201"]  # would be 204
    assert probe(e1(1, 100), expiry=dt.date(2026, 1, 1)) == ["201"]  # would be 205
    assert probe(e1(1, 100), voided=True) == ["201"]  # would be 206


def test_the_lines_own_field_conditions_are_still_given():
    zero = probe(e1(1, 0))
    assert zero == ["201", "216"]


def test_without_a_readable_ior_nothing_of_the_certificate_is_told():
    assert "202" not in probe(e1(1, BALANCE + 1), ior=None)
    assert probe(e1(1, BALANCE + 1), ior=None) == ["005"]


def test_the_certificates_own_filers_still_learn_every_failing_check():
    assert probe(e1(1, BALANCE + 1, unit="L"), ior=IOR) == ["202", "203"]
