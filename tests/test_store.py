"""Each store: applying decisions, the ledger, queries, transmissions, failures."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from postgres import INTEGRITY_ERRORS
from txn_builders import (
    CERT,
    CLOCK,
    ENTRY,
    FILER,
    GOV_AU,
    IOR,
    OTHER_IOR,
    at,
    certificate,
    codes,
    e1,
    entry,
    entry_number,
    ledger_of,
    query,
)

from ecert_edi.store import (
    USAGE_FIELDS,
    KeptUnits,
    SQLiteStore,
    StoreError,
    TransmissionConflict,
    open_store,
)
from ecert_edi.store.schema import LATEST

KEY = ("AU", CERT)


@pytest.fixture
def store(ledger_target):
    s = open_store(ledger_target)
    yield s
    s.close()


def registered(store, **kw):
    d = ledger_of(store).apply_certificate(certificate("A", **kw), GOV_AU, CLOCK)
    assert d.accepted, d.conditions
    return d


def ledger(store, key=KEY):
    return [
        (r.entry_number, r.line_number, r.activity, r.quantity, r.balance_after)
        for r in store.ledger(*key)
    ]


def test_spec_worked_example_register_enter_and_query(store):
    registered(store)
    d = ledger_of(store).apply_entry(entry("A"), FILER, CLOCK)
    assert d.accepted
    assert [(a.line_number, a.activity, a.quantity, a.balance_after) for a in d.activities] == [
        (1, "D", 1_000_000, 1_500_000)
    ]
    answer = ledger_of(store).answer_query(query("C"), FILER, CLOCK)
    assert answer.accepted
    [view] = answer.certificates
    cert = view.certificate
    assert (cert.number, cert.country, view.status, view.allowance, view.used, view.remaining,
            cert.unit, cert.issue_date, cert.expiry_date) == (
        CERT, "AU", "A", 2_500_000, 1_000_000, 1_500_000, "KG", dt.date(2026, 1, 2),
        dt.date(2026, 12, 31))
    assert [dict(zip(USAGE_FIELDS, row, strict=True)) for row in view.usage] == [
        {
            "entry_number": ENTRY,
            "line_number": 1,
            "activity": "D",
            "quantity": 1_000_000,
            "balance_after": 1_500_000,
            "activity_date": CLOCK.date(),
            "entry_date": dt.date(2026, 1, 14),
            "ior_number": IOR,
        }
    ]
    other = ledger_of(store).answer_query(query("C", ior=OTHER_IOR), FILER, CLOCK)
    assert not other.accepted and codes(other.decision) == ["300"]
    assert store.check_ledger() == []


def test_accepted_entry_decrements_and_cancel_increments(store):
    registered(store)
    ledger_of(store).apply_entry(entry("A", [e1(1, 700_000), e1(2, 300_000)]), FILER, CLOCK)
    assert store.certificate(*KEY).balance == 1_500_000
    d = ledger_of(store).apply_entry(entry("C"), FILER, CLOCK)
    assert d.accepted
    assert store.certificate(*KEY).balance == 2_500_000
    assert ledger(store) == [
        (ENTRY, 1, "D", 700_000, 1_800_000),
        (ENTRY, 2, "D", 300_000, 1_500_000),
        (ENTRY, 1, "I", 700_000, 2_200_000),
        (ENTRY, 2, "I", 300_000, 2_500_000),
    ]
    assert store.entry(ENTRY).cancelled
    again = ledger_of(store).apply_entry(entry("C"), FILER, CLOCK)
    assert at(again, "209") == [(3, 4)]
    assert store.check_ledger() == []


def test_replace_restores_then_deducts_in_one_step(store):
    registered(store)
    ledger_of(store).apply_entry(entry("A", [e1(1, 2_000_000)], entry_date=dt.date(2026, 1, 10)), FILER, CLOCK)
    later = CLOCK + dt.timedelta(days=1)
    d = ledger_of(store).apply_entry(entry("R", [e1(1, 1_000_000), e1(2, 1_400_000)]), FILER, later)
    assert d.accepted
    assert ledger(store)[1:] == [
        (ENTRY, 1, "I", 2_000_000, 2_500_000),
        (ENTRY, 1, "D", 1_000_000, 1_500_000),
        (ENTRY, 2, "D", 1_400_000, 100_000),
    ]
    rows = list(store.ledger(*KEY))
    assert rows[1].entry_date == dt.date(2026, 1, 10)  # a restoration carries the old date
    assert rows[2].entry_date == dt.date(2026, 1, 14)
    assert {r.activity_date for r in rows[1:]} == {later.date()}
    assert [ln.line_number for ln in store.entry(ENTRY).lines] == [1, 2]
    assert store.certificate(*KEY).balance == 100_000
    assert store.check_ledger() == []


def test_rejected_entry_deducts_nothing(store):
    registered(store)
    d = ledger_of(store).apply_entry(entry("A", [e1(1, 1_000_000), e1(2, 1_600_000)]), FILER, CLOCK)
    assert not d.accepted and at(d, "202") == [(5, 38)]
    assert store.certificate(*KEY).balance == 2_500_000
    assert ledger(store) == [] and store.entry(ENTRY) is None


def test_900_repeats_change_nothing(store):
    registered(store)
    ledger_of(store).apply_entry(entry("A"), FILER, CLOCK)
    before = (store.counts(), ledger(store), store.certificate(*KEY))
    cert = ledger_of(store).apply_certificate(certificate("A"), GOV_AU, CLOCK)
    ent = ledger_of(store).apply_entry(entry("A"), FILER, CLOCK)
    assert at(cert, "900") == [(3, 0)] and at(ent, "900") == [(3, 0)]
    assert (store.counts(), ledger(store), store.certificate(*KEY)) == before


def test_901_when_an_entry_exhausts_a_certificate(store):
    registered(store)
    d = ledger_of(store).apply_entry(entry("A", [e1(1, 1_000_000), e1(2, 1_500_000)]), FILER, CLOCK)
    assert at(d, "901") == [(5, 6)]
    assert ledger_of(store).answer_query(query("C"), FILER, CLOCK).certificates[0].status == "E"


def test_certificate_replace_and_void(store):
    registered(store)
    ledger_of(store).apply_entry(entry("A"), FILER, CLOCK)
    d = ledger_of(store).apply_certificate(certificate("R", allowance=3_000_000, hts=()), GOV_AU, CLOCK)
    assert d.accepted
    cert = store.certificate(*KEY)
    assert (cert.allowance, cert.balance, cert.tariffs) == (3_000_000, 2_000_000, frozenset())
    assert store.check_ledger() == []  # the allowance change carries the balance with it
    assert at(ledger_of(store).apply_certificate(certificate("D"), GOV_AU, CLOCK), "108") == [(3, 4)]
    ledger_of(store).apply_entry(entry("C"), FILER, CLOCK)
    assert ledger_of(store).apply_certificate(certificate("D"), GOV_AU, CLOCK).accepted
    assert store.certificate(*KEY).voided
    assert ledger_of(store).answer_query(query("C"), FILER, CLOCK).certificates[0].status == "V"
    refused = ledger_of(store).apply_entry(entry("A", number=entry_number("B2X", 2)), FILER, CLOCK)
    assert codes(refused) == ["206"]
    assert store.check_ledger() == []


def test_query_status_expired_uses_the_processing_clock(store):
    registered(store, expiry=dt.date(2026, 1, 31))
    assert ledger_of(store).answer_query(query("C"), FILER, CLOCK).certificates[0].status == "A"
    after = dt.datetime(2026, 2, 1, 0, 0, 0)
    assert ledger_of(store).answer_query(query("C"), FILER, after).certificates[0].status == "X"


def test_query_answers_are_ordered_by_country_then_number(store):
    for number in ("AU-3", "AU-1", "AU-2"):
        registered(store, number=number)
    answer = ledger_of(store).answer_query(
        query("A", ior=None, number=None, country=None, usage="N"), GOV_AU, CLOCK
    )
    assert [v.certificate.number for v in answer.certificates] == ["AU-1", "AU-2", "AU-3"]
    assert all(list(v.usage) == [] for v in answer.certificates)


def test_an_exception_inside_a_savepoint_undoes_the_transaction(store):
    registered(store)
    with store.write():
        with pytest.raises(RuntimeError), store.unit():
            assert ledger_of(store).apply_entry(entry("A"), FILER, CLOCK).accepted
            raise RuntimeError("killed mid-unit")
        ledger_of(store).apply_certificate(certificate("A", number="AU-2"), GOV_AU, CLOCK)
    assert store.certificate(*KEY).balance == 2_500_000
    assert ledger(store) == [] and store.entry(ENTRY) is None
    assert store.certificate("AU", "AU-2") is not None


def test_an_exception_inside_write_rolls_everything_back(store):
    with pytest.raises(KeyError), store.write():
        registered(store)
        raise KeyError("boom")
    assert store.certificate(*KEY) is None


def test_check_ledger_reports_a_balance_that_disagrees_with_its_history(store):
    registered(store)
    ledger_of(store).apply_entry(entry("A"), FILER, CLOCK)
    # balance and its total edited together (the row's CHECK refuses the balance alone)
    store.conn.execute("UPDATE certificates SET balance = balance - 1, deducted = deducted + 1")
    problems = store.check_ledger()
    assert {(p.country, p.certificate_number) for p in problems} == {KEY}
    # the deducted total, history, active entry lines and the last ledger row all disagree
    assert len(problems) == 4
    assert all(CERT in str(p) for p in problems)


def test_the_ledger_is_append_only_and_balances_never_negative(store):
    registered(store)
    ledger_of(store).apply_entry(entry("A"), FILER, CLOCK)
    with pytest.raises(INTEGRITY_ERRORS):
        store.conn.execute("DELETE FROM activities")
    with pytest.raises(INTEGRITY_ERRORS):
        store.conn.execute("UPDATE certificates SET balance = -1")


def test_transmission_bookkeeping(store):
    assert store.find_transmission("FL", "B2X", "C1") is None
    tid = store.begin_transmission("FL", "B2X", "C1", "hash-1", CLOCK)
    with store.write():
        assert store.chunk(tid, 1) is None
        store.save_chunk(tid, 4, "second\n", 0, first=3, units=2)
        store.save_chunk(tid, 1, "first\n", 1)
    assert store.chunk(tid, 1) == KeptUnits(1, 1, "first\n", 1, 1)
    assert store.chunk(tid, 2) is None  # no part holds unit 2 (a query: never kept)
    assert store.chunk(tid, 3) == store.chunk(tid, 4) == KeptUnits(3, 4, "second\n", 0, 2)
    assert store.chunk(tid, 5) is None
    assert store.applied_through(tid) == 4
    assert list(store.chunks(tid)) == ["first\n", "second\n"]
    found = store.find_transmission("FL", "B2X", "C1")
    assert (found.id, found.content_hash, found.clock, found.complete) == (
        tid,
        "hash-1",
        CLOCK,
        False,
    )
    assert store.begin_transmission("FL", "B2X", "C1", "hash-1", CLOCK) == tid
    with pytest.raises(TransmissionConflict):
        store.begin_transmission("FL", "B2X", "C1", "hash-2", CLOCK)
    store.finish_transmission(tid)
    assert store.find_transmission("FL", "B2X", "C1").complete
    assert store.find_transmission("CG", "B2X", "C1") is None


def test_complete_transmission_keeps_the_whole_response_in_parts(store):
    tid = store.begin_transmission("FL", "B2X", "C2", "hash", CLOCK)
    store.save_chunk(tid, 7, "unit of a run\n", 1)
    assert store.complete_transmission(tid, iter(["A...\n", "B...\n", "Z...\n"]))
    assert "".join(store.response(tid)) == "A...\nB...\nZ...\n"
    assert list(store.chunks(tid)) == []  # the per-unit responses are dropped
    assert store.find_transmission("FL", "B2X", "C2").complete


def test_a_completed_response_is_never_replaced(store):
    tid = store.begin_transmission("FL", "B2X", "C3", "hash", CLOCK)
    assert store.complete_transmission(tid, ["first\n"])
    assert not store.complete_transmission(tid, ["second\n"])
    assert "".join(store.response(tid)) == "first\n"


def test_reopening_keeps_the_schema_version_and_the_data(tmp_path):
    path = tmp_path / "ecert.db"
    with SQLiteStore(path) as s:
        registered(s)
    with SQLiteStore(path) as s:
        assert s.certificate(*KEY) is not None
        assert s.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == LATEST
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unusable_databases_raise_store_error(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match="garbage.db"):
        SQLiteStore(garbage)
    with pytest.raises(StoreError):
        SQLiteStore(tmp_path / "missing-dir" / "ecert.db")
    newer = tmp_path / "newer.db"
    SQLiteStore(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO schema_version (version, applied) VALUES (?, 'x')", (LATEST + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version"):
        SQLiteStore(newer)


def test_a_writer_waits_for_another_process_and_gives_up_with_store_error(ledger_target):
    first = open_store(ledger_target)
    second = open_store(ledger_target, timeout=0.05)
    try:
        with first.write():
            registered(first)
            with pytest.raises(StoreError):
                registered(second)
            # readers are not blocked by the writer (WAL; a snapshot)
            assert second.certificate(*KEY) is None
        assert second.certificate(*KEY) is not None
    finally:
        first.close()
        second.close()
