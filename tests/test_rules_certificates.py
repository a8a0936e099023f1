"""Certificate registration rules (spec 6.1): conditions 100-112 and 900, add/replace/void."""

from __future__ import annotations

import datetime as dt

from txn_builders import (
    GOV_AU,
    GOV_NZ,
    HTS,
    IOR,
    OTHER_IOR,
    at,
    cert_state,
    certificate,
    codes,
)

from ecert_edi.domain.rules import decide_certificate


def test_100_blank_ior_on_add_rejects_at_column_26():
    d = decide_certificate(certificate("A", ior=None), GOV_AU, None, 0)
    assert not d.accepted
    assert at(d, "100") == [(3, 26)]
    assert d.certificate is None


def test_101_add_of_a_certificate_on_file_with_other_content():
    d = decide_certificate(certificate("A", allowance=100), GOV_AU, cert_state(), 0)
    assert not d.accepted
    assert at(d, "101") == [(3, 4)]


def test_102_replace_and_void_of_a_certificate_not_on_file():
    for action in ("R", "D"):
        d = decide_certificate(certificate(action), GOV_AU, None, 0)
        assert not d.accepted
        assert at(d, "102") == [(3, 4)]


def test_103_malformed_ior_on_c0_at_column_26():
    d = decide_certificate(certificate("A", ior="12-345678"), GOV_AU, None, 0)
    assert not d.accepted
    assert at(d, "103") == [(3, 26)]


def test_104_replace_allowance_below_quantity_used():
    stored = cert_state(allowance=1000, balance=400)  # 600 used
    d = decide_certificate(certificate("R", allowance=599), GOV_AU, stored, stored.used)
    assert not d.accepted
    assert at(d, "104") == [(3, 53)]
    exact = decide_certificate(certificate("R", allowance=600), GOV_AU, stored, stored.used)
    assert exact.accepted and exact.certificate.balance == 0


def test_105_expiry_before_issue_date():
    c = certificate("A", issue=dt.date(2026, 5, 1), expiry=dt.date(2026, 4, 30))
    d = decide_certificate(c, GOV_AU, None, 0)
    assert not d.accepted
    assert at(d, "105") == [(3, 44)]
    same_day = certificate("A", issue=dt.date(2026, 5, 1), expiry=dt.date(2026, 5, 1))
    assert decide_certificate(same_day, GOV_AU, None, 0).accepted


def test_106_issuing_country_other_than_the_sender():
    d = decide_certificate(certificate("A", country="AU"), GOV_NZ, None, 0)
    assert not d.accepted
    assert at(d, "106") == [(3, 24)]


def test_107_ior_cannot_change_after_use():
    stored = cert_state(allowance=1000, balance=900)
    d = decide_certificate(certificate("R", ior=OTHER_IOR, allowance=1000), GOV_AU, stored, 100)
    assert not d.accepted
    assert at(d, "107") == [(3, 26)]
    unused = cert_state(allowance=1000)
    ok = decide_certificate(certificate("R", ior=OTHER_IOR, allowance=1000), GOV_AU, unused, 0)
    assert ok.accepted and ok.certificate.ior == OTHER_IOR


def test_108_void_of_a_certificate_in_use():
    stored = cert_state(allowance=1000, balance=999)
    d = decide_certificate(certificate("D"), GOV_AU, stored, 1)
    assert not d.accepted
    assert at(d, "108") == [(3, 4)]


def test_109_add_and_replace_of_a_voided_certificate():
    voided = cert_state(voided=True)
    for action in ("A", "R"):
        d = decide_certificate(certificate(action), GOV_AU, voided, 0)
        assert not d.accepted
        assert at(d, "109") == [(3, 4)]
        assert "101" not in codes(d)


def test_110_unit_cannot_change_after_use():
    stored = cert_state(allowance=1000, balance=500)
    d = decide_certificate(certificate("R", unit="L", allowance=1000), GOV_AU, stored, 500)
    assert not d.accepted
    assert at(d, "110") == [(3, 65)]


def test_111_repeated_hts_number_at_the_repeated_c1():
    d = decide_certificate(certificate("A", hts=(HTS, 1234567890, HTS, HTS)), GOV_AU, None, 0)
    assert not d.accepted
    assert at(d, "111") == [(6, 3), (7, 3)]


def test_112_allowance_must_be_greater_than_zero():
    d = decide_certificate(certificate("A", allowance=0), GOV_AU, None, 0)
    assert not d.accepted
    assert at(d, "112") == [(3, 53)]


def test_900_identical_add_changes_nothing():
    stored = cert_state(balance=5)  # used since: content, not balance, is compared
    d = decide_certificate(certificate("A"), GOV_AU, stored, stored.used)
    assert d.accepted and d.unchanged and d.certificate is None
    assert at(d, "900") == [(3, 0)]
    assert d.conditions[0].severity == "I"


def test_900_void_of_a_voided_certificate():
    d = decide_certificate(certificate("D"), GOV_AU, cert_state(voided=True), 0)
    assert d.accepted and d.unchanged
    assert at(d, "900") == [(3, 0)]


def test_add_registers_the_certificate_with_its_full_allowance_as_balance():
    d = decide_certificate(certificate("A", hts=(HTS, 1234567890)), GOV_AU, None, 0)
    assert d.accepted and d.conditions == []
    cert = d.certificate
    assert (cert.key, cert.ior, cert.allowance, cert.balance) == (
        ("AU", "AU2026-000123"),
        IOR,
        2_500_000,
        2_500_000,
    )
    assert cert.tariffs == {HTS, 1234567890}


def test_replace_keeps_the_quantity_used_and_replaces_the_tariff_list():
    stored = cert_state(allowance=1000, balance=700)
    d = decide_certificate(certificate("R", allowance=5000, hts=()), GOV_AU, stored, 300)
    assert d.accepted
    assert d.certificate.balance == 4700
    assert d.certificate.tariffs == frozenset()


def test_void_reads_only_the_key_and_flags_the_stored_certificate():
    stored = cert_state()
    # a void's other fields are not read: a malformed IOR there is no 103
    d = decide_certificate(certificate("D", raw={"ior_number": "garbage"}), GOV_AU, stored, 0)
    assert d.accepted and d.conditions == []
    assert d.certificate == stored.with_changes(voided=True)


def test_every_failing_check_is_reported_together():
    stored = cert_state(allowance=1000, balance=500)
    c = certificate("R", ior=OTHER_IOR, unit="L", allowance=100, country="AU")
    d = decide_certificate(c, GOV_NZ, stored, 500)
    assert codes(d) == ["104", "106", "107", "110"]
    assert [c.column for c in d.conditions] == sorted(c.column for c in d.conditions)
