"""Certificate query rules (spec 6.3): conditions 300-304, visibility, answer order, status."""

from __future__ import annotations

import datetime as dt

from txn_builders import (
    CERT,
    CLOCK,
    FILER,
    GOV_AU,
    GOV_NZ,
    IOR,
    OTHER_IOR,
    at,
    cert_state,
    codes,
    query,
)

from ecert_edi.domain.rules import certificate_status, decide_query, query_selection

AU = cert_state()
AU_B = cert_state(number="AU2026-000002")
AU_OTHER_IOR = cert_state(number="AU2026-000001", ior=OTHER_IOR)
NZ = cert_state(number="NZ2026-000001", country="NZ")
ALL = [AU, AU_B, AU_OTHER_IOR, NZ]


def test_300_nothing_found_and_not_yours_are_the_same_answer():
    absent = decide_query(query("C", number="AU2026-999999"), FILER, [])
    not_yours = decide_query(query("C", ior=OTHER_IOR), FILER, [AU])
    for d in (absent, not_yours):
        assert not d.accepted
        assert at(d, "300") == [(3, 0)]
        assert d.found == []
    assert absent.conditions == not_yours.conditions


def test_300_a_government_never_sees_another_countrys_certificate():
    by_key = decide_query(query("C", country="AU", ior=None), GOV_NZ, [AU])
    blank_country = decide_query(query("C", country=None, ior=None), GOV_NZ, [AU])
    by_ior = decide_query(query("I", number=None, country=None), GOV_NZ, [AU, AU_B])
    for d in (by_key, blank_country, by_ior):
        assert at(d, "300") == [(3, 0)]


def test_300_government_query_with_an_ior_that_does_not_match():
    d = decide_query(query("C", ior=OTHER_IOR), GOV_AU, [AU])
    assert at(d, "300") == [(3, 0)]
    assert decide_query(query("C", ior=IOR), GOV_AU, [AU]).found == [AU.key]
    assert decide_query(query("C", ior=None), GOV_AU, [AU]).found == [AU.key]


def test_301_ior_required_for_i_and_for_a_filers_c():
    for qtype, sender in (("I", FILER), ("I", GOV_AU), ("C", FILER)):
        d = decide_query(query(qtype, ior=None), sender, ALL)
        assert not d.accepted
        assert at(d, "301") == [(3, 14)]
        assert "300" not in codes(d)
    assert "301" not in codes(decide_query(query("C", ior=None), GOV_AU, [AU]))


def test_302_one_per_missing_certificate_number_or_country():
    d = decide_query(query("C", number=None, country=None), FILER, ALL)
    assert not d.accepted
    assert at(d, "302") == [(3, 26), (3, 46)]
    gov = decide_query(query("C", number=None, country=None, ior=None), GOV_AU, ALL)
    assert at(gov, "302") == [(3, 26)]


def test_304_all_certificates_query_from_a_filer():
    d = decide_query(query("A", ior=None, number=None, country=None), FILER, ALL)
    assert not d.accepted
    assert at(d, "304") == [(3, 3)]
    assert codes(d) == ["304"]


def test_103_malformed_ior_in_a_query_at_column_14():
    d = decide_query(query("I", ior="12-34567", number=None, country=None), FILER, ALL)
    assert at(d, "103") == [(3, 14)]
    # fields a query type does not use are ignored
    unused = query("A", raw={"ior_number": "12-34567"}, number=None, country=None)
    assert decide_query(unused, GOV_AU, ALL).accepted


def test_filer_query_by_ior_answers_every_country_ordered_by_country_then_number():
    nz_same_ior = cert_state(number="NZ2026-000001", country="NZ")
    candidates = [nz_same_ior, AU_B, AU]  # the order the store happened to load them in
    d = decide_query(query("I", number=None, country=None), FILER, candidates)
    assert d.accepted
    assert d.found == [("AU", "AU2026-000002"), ("AU", CERT), ("NZ", "NZ2026-000001")]


def test_government_query_of_all_its_certificates_is_ordered_and_own_country_only():
    d = decide_query(query("A", ior=None, number=None, country=None), GOV_AU, list(reversed(ALL)))
    assert d.found == [AU_OTHER_IOR.key, AU_B.key, AU.key]


def test_selection_names_what_the_store_loads():
    assert query_selection(query("C", country=None, ior=None), GOV_AU).country == "AU"
    assert query_selection(query("I"), FILER).by == "ior"
    assert query_selection(query("A", ior=None, number=None, country=None), GOV_AU).by == "country"
    assert query_selection(query("A", ior=None, number=None, country=None), FILER) is None


def test_status_voided_expired_exhausted_active_in_that_precedence():
    today = CLOCK.date()
    expired = dt.date(2026, 1, 14)
    assert certificate_status(cert_state(voided=True, expiry=expired, balance=0), CLOCK) == "V"
    assert certificate_status(cert_state(expiry=expired, balance=0), CLOCK) == "X"
    assert certificate_status(cert_state(expiry=today, balance=0), CLOCK) == "E"
    assert certificate_status(cert_state(expiry=None), CLOCK) == "A"
    assert certificate_status(cert_state(expiry=today), CLOCK) == "A"  # expires after today
