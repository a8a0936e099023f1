"""Certificate quota entry rules (spec 6.2): conditions 200-216, 900, 901; add/replace/cancel."""

from __future__ import annotations

import datetime as dt

from txn_builders import (
    CERT,
    CLOCK,
    ENTRY,
    FILER,
    IOR,
    OTHER_IOR,
    at,
    cert_state,
    codes,
    e1,
    entry,
    entry_number,
    entry_state,
)

from ecert_edi.domain.rules import decide_entry

OTHER = "NZ2026-000001"


def on_file(*certs):
    return {c.key: c for c in certs}


def decide(txn, stored=None, certs=None, sender=FILER):
    certs = on_file(cert_state()) if certs is None else certs
    return decide_entry(txn, sender, stored, certs, CLOCK)


def test_200_certificate_not_on_file_stops_the_line_checks():
    txn = entry("A", [e1(1, 10**12 - 1, unit="L")])  # would also be 202 and 203
    d = decide(txn, certs={})
    assert not d.accepted
    assert codes(d) == ["200"]
    assert at(d, "200") == [(4, 6)]


def test_201_entry_ior_other_than_the_certificate_ior():
    d = decide(entry("A", ior=OTHER_IOR))
    assert not d.accepted
    assert at(d, "201") == [(4, 6)]


def test_202_quantity_above_the_balance():
    d = decide(entry("A", [e1(1, 2_500_001)]))
    assert not d.accepted
    assert at(d, "202") == [(4, 38)]
    assert decide(entry("A", [e1(1, 2_500_000)])).accepted


def test_203_unit_other_than_the_certificate_unit():
    d = decide(entry("A", [e1(1, 100, unit="L")]))
    assert not d.accepted
    assert at(d, "203") == [(4, 50)]


def test_204_hts_number_not_covered():
    d = decide(entry("A", [e1(1, 100, hts=9999999999)]))
    assert not d.accepted
    assert at(d, "204") == [(4, 28)]
    open_list = on_file(cert_state(tariffs=frozenset()))  # no C1: any HTS number
    assert decide(entry("A", [e1(1, 100, hts=9999999999)]), certs=open_list).accepted


def test_205_entry_date_outside_the_validity():
    for day in (dt.date(2026, 1, 1), dt.date(2027, 1, 1)):
        d = decide(entry("A", entry_date=day))
        assert not d.accepted
        assert at(d, "205") == [(4, 6)]
    for day in (dt.date(2026, 1, 2), dt.date(2026, 12, 31)):
        assert decide(entry("A", entry_date=day)).accepted
    no_expiry = on_file(cert_state(expiry=None))
    assert decide(entry("A", entry_date=dt.date(2099, 1, 1)), certs=no_expiry).accepted


def test_206_voided_certificate_and_the_other_line_checks_still_run():
    d = decide(entry("A", [e1(1, 100, unit="L")]), certs=on_file(cert_state(voided=True)))
    assert not d.accepted
    assert at(d, "206") == [(4, 6)]
    assert at(d, "203") == [(4, 50)]


def test_207_add_of_an_entry_on_file():
    d = decide(entry("A", [e1(1, 5)]), stored=entry_state())
    assert not d.accepted
    assert at(d, "207") == [(3, 4)]
    d = decide(entry("A"), stored=entry_state(cancelled=True))
    assert at(d, "207") == [(3, 4)]


def test_208_replace_and_cancel_of_an_entry_not_on_file():
    for action in ("R", "C"):
        d = decide(entry(action))
        assert not d.accepted
        assert at(d, "208") == [(3, 4)]


def test_209_cancel_and_replace_of_a_cancelled_entry():
    for action in ("C", "R"):
        d = decide(entry(action), stored=entry_state(cancelled=True))
        assert not d.accepted
        assert at(d, "209") == [(3, 4)]


def test_210_ior_other_than_the_entry_ior():
    stored = entry_state(ior=OTHER_IOR)
    for action in ("C", "R"):
        d = decide(entry(action), stored=stored)
        assert not d.accepted
        assert at(d, "210") == [(3, 15)]


def test_211_wrong_check_digit():
    bad = ENTRY[:10] + str((int(ENTRY[10]) + 1) % 10)
    d = decide(entry("A", number=bad))
    assert not d.accepted
    assert at(d, "211") == [(3, 4)]


def test_212_entry_filer_code_other_than_the_sender():
    d = decide(entry("A", number=entry_number("ZZZ", 1)))
    assert not d.accepted
    assert at(d, "212") == [(3, 4)]
    assert "211" not in codes(d)


def test_213_repeated_line_number_at_the_repeated_line():
    d = decide(entry("A", [e1(1, 5), e1(2, 5), e1(1, 5)]))
    assert not d.accepted
    assert at(d, "213") == [(6, 3)]


def test_214_no_certificate_lines_at_column_0():
    d = decide(entry("A", []))
    assert not d.accepted
    assert at(d, "214") == [(3, 0)]


def test_215_lines_on_a_cancel_at_the_first_line_column_1():
    d = decide(entry("C", [e1(1, 5), e1(2, 5)]), stored=entry_state())
    assert not d.accepted
    assert at(d, "215") == [(4, 1)]
    assert codes(d) == ["215"]  # the lines' fields are not checked


def test_216_quantity_must_be_greater_than_zero():
    d = decide(entry("A", [e1(1, 0)]))
    assert not d.accepted
    assert at(d, "216") == [(4, 38)]


def test_900_identical_add_of_an_active_entry_lines_in_any_order():
    stored = entry_state([(1, 300), (2, 200)])
    certs = on_file(cert_state(balance=2_500_000 - 500))
    d = decide(
        entry("A", [e1(2, 200), e1(1, 300)], entry_date=dt.date(2026, 1, 10)),
        stored=stored,
        certs=certs,
    )
    assert d.accepted and d.unchanged
    assert at(d, "900") == [(3, 0)]
    assert d.activities == [] and d.entry is None


def test_901_balance_exhausted_at_the_last_deducting_line():
    other = cert_state(number=OTHER, country="NZ")
    txn = entry("A", [e1(1, 2_000_000), e1(2, 5, cert=OTHER, country="NZ"), e1(3, 500_000)])
    d = decide(txn, certs=on_file(cert_state(), other))
    assert d.accepted
    assert at(d, "901") == [(6, 6)]
    assert d.conditions[0].severity == "I"


def test_accepted_add_deducts_each_line_in_file_order():
    txn = entry("A", [e1(2, 1_000_000), e1(1, 400_000)])
    d = decide(txn)
    assert d.accepted
    assert [
        (a.line_number, a.activity, a.quantity, a.balance_after, a.source.line)
        for a in d.activities
    ] == [(2, "D", 1_000_000, 1_500_000, 4), (1, "D", 400_000, 1_100_000, 5)]
    a = d.activities[0]
    assert (a.entry_number, a.ior, a.entry_date, a.unit, a.activity_date) == (
        ENTRY,
        IOR,
        dt.date(2026, 1, 14),
        "KG",
        CLOCK.date(),
    )
    assert d.balances == {("AU", CERT): 1_100_000}


def test_202_counts_only_the_earlier_lines_that_passed():
    # line 1 fails (203) and reserves nothing; line 2 fits; line 3 exceeds what line 2 left
    txn = entry("A", [e1(1, 2_000_000, unit="L"), e1(2, 2_000_000), e1(3, 600_000)])
    d = decide(txn)
    assert not d.accepted
    assert at(d, "203") == [(4, 50)]
    assert at(d, "202") == [(6, 38)]
    assert d.activities == []


def test_a_line_with_a_field_error_reserves_nothing():
    bad_hts = e1(1, 2_000_000, raw={"hts_number": "02013X0200"})
    d = decide(entry("A", [bad_hts, e1(2, 2_000_000)]))
    assert at(d, "006") == [(4, 28)]
    assert "202" not in codes(d)


def test_one_failing_line_rejects_the_whole_entry():
    d = decide(entry("A", [e1(1, 100), e1(2, 100, cert="UNKNOWN")]))
    assert not d.accepted
    assert d.activities == [] and d.entry is None


def test_a_header_field_error_rejects_and_line_checks_still_run():
    d = decide(entry("A", [e1(1, 3_000_000)], raw={"port_of_entry": "10A1"}))
    assert not d.accepted
    assert at(d, "006") == [(3, 33)]
    assert at(d, "202") == [(4, 38)]


def test_replace_restores_the_old_lines_then_deducts_the_new():
    stored = entry_state([(2, 300_000), (1, 1_000_000)], entry_date=dt.date(2026, 1, 10))
    certs = on_file(cert_state(balance=2_500_000 - 1_300_000))
    # 2,400,000 fits only because the old 1,300,000 is restored first
    d = decide(entry("R", [e1(1, 2_400_000)]), stored=stored, certs=certs)
    assert d.accepted
    rows = [
        (a.activity, a.line_number, a.quantity, a.balance_after, a.entry_date) for a in d.activities
    ]
    assert rows == [
        ("I", 1, 1_000_000, 2_200_000, dt.date(2026, 1, 10)),
        ("I", 2, 300_000, 2_500_000, dt.date(2026, 1, 10)),
        ("D", 1, 2_400_000, 100_000, dt.date(2026, 1, 14)),
    ]
    assert d.entry.lines[0].quantity == 2_400_000


def test_replace_that_fails_changes_nothing():
    stored = entry_state([(1, 1_000_000)])
    certs = on_file(cert_state(balance=1_500_000))
    d = decide(entry("R", [e1(1, 2_500_001)]), stored=stored, certs=certs)
    assert not d.accepted
    assert at(d, "202") == [(4, 38)]
    assert d.activities == [] and d.entry is None


def test_identical_replace_is_applied_as_any_replace():
    stored = entry_state([(1, 1_000_000)], entry_date=dt.date(2026, 1, 14))
    certs = on_file(cert_state(balance=1_500_000))
    d = decide(entry("R", [e1(1, 1_000_000)]), stored=stored, certs=certs)
    assert d.accepted and not d.unchanged
    assert [a.activity for a in d.activities] == ["I", "D"]
    assert "900" not in codes(d)


def test_cancel_restores_every_line_by_ascending_line_number():
    stored = entry_state([(3, 30), (1, 10), (2, 20)], entry_date=dt.date(2026, 1, 10))
    certs = on_file(cert_state(allowance=1000, balance=940))
    d = decide(entry("C"), stored=stored, certs=certs)
    assert d.accepted
    assert [(a.activity, a.line_number, a.balance_after) for a in d.activities] == [
        ("I", 1, 950),
        ("I", 2, 970),
        ("I", 3, 1000),
    ]
    assert all(a.entry_date == dt.date(2026, 1, 10) for a in d.activities)
    assert d.entry.cancelled and d.entry.lines == stored.lines
