"""What the PostgreSQL store adds: URLs and schemas, opening, row locks and clashes, snapshots, copies."""

from __future__ import annotations

import sqlite3
import threading

import postgres
import pytest
from txn_builders import CERT, CLOCK, FILER, GOV_AU, certificate, e1, entry, entry_number, ledger_of

from ecert_edi.store import (
    Change,
    StoreBusy,
    StoreConflict,
    StoreError,
    StoreMissing,
    open_store,
)
from ecert_edi.store.environments import PRODUCTION, TEST, Ledgers, environment_target
from ecert_edi.store.postgres import target

KEY = ("AU", CERT)


@pytest.fixture
def url(postgres_database):
    return postgres.schema_url(postgres_database)


@pytest.fixture
def store(url):
    with open_store(url) as s:
        yield s


def registered(store):
    assert ledger_of(store).apply_certificate(certificate("A"), GOV_AU, CLOCK).accepted


def test_a_url_names_a_database_and_a_schema_and_hides_the_password():
    found = target.parse("postgresql://clerk:secret@db.example:5433/ledgers?schema=north"
                         "&sslmode=require")
    assert found.schema == "north"
    assert found.conninfo == "postgresql://clerk:secret@db.example:5433/ledgers?sslmode=require"
    assert "secret" not in found.shown and "clerk@db.example" in found.shown
    assert target.parse("postgres://h/db").schema == "ecert"
    assert target.is_url("postgres://h/db") and target.is_url("POSTGRESQL://h/db")
    assert not target.is_url("ecert.db") and not target.is_url("/srv/postgresql/ecert.db")
    with pytest.raises(StoreError, match="schema name"):
        target.parse("postgresql://h/db?schema=Robert');DROP")


def test_the_test_environment_is_a_schema_beside_production():
    assert environment_target("postgresql://h/db", PRODUCTION) == "postgresql://h/db"
    assert target.parse(environment_target("postgresql://h/db", TEST)).schema == "ecert_test"
    beside = environment_target("postgresql://h/db?schema=north&sslmode=require", TEST)
    assert target.parse(beside).schema == "north_test"
    assert "sslmode=require" in beside


def test_query_and_check_never_create_a_ledger_and_an_empty_test_ledger_reads_as_empty(url):
    with pytest.raises(StoreMissing, match="only `ecert process`"):
        open_store(url, create=False)
    open_store(url).close()
    with Ledgers(url, open_store, create=False) as ledgers:
        assert ledgers.store(TEST).counts()["certificates"] == 0
    with Ledgers(url, open_store, create=False) as ledgers:  # nor was the test schema made
        assert isinstance(ledgers.store(TEST), type(open_store(":memory:")))


def test_another_programs_tables_and_a_newer_schema_are_refused_untouched(postgres_database,
                                                                         url):
    import psycopg

    schema = target.parse(url).schema
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.invoices (id int)")
    with pytest.raises(StoreError, match="another program"):
        open_store(url)
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        tables = conn.execute("SELECT table_name FROM information_schema.tables"
                              " WHERE table_schema = %s", (schema,)).fetchall()
        assert tables == [("invoices",)]
        conn.execute(f"DROP TABLE {schema}.invoices")
    open_store(url).close()  # an empty schema is where a new ledger may go
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {schema}.schema_version VALUES (99, 'later')")
    with pytest.raises(StoreError, match="schema version 99"):
        open_store(url)


def test_without_a_server_the_error_says_where_it_looked():
    with pytest.raises(StoreError, match="cannot connect to database postgresql://nobody@"):
        open_store("postgresql://nobody:pw@127.0.0.1:1/none?connect_timeout=2")


def test_many_processes_opening_a_new_ledger_at_once_build_it_once(url):
    errors = []

    def opened():
        try:
            open_store(url).close()
        except Exception as exc:  # noqa: BLE001 - any failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=opened) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_store(url) as s:
        assert s.conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1


def test_writers_of_one_certificate_take_turns_and_a_snapshot_waits_for_none(url):
    first, second, reader = open_store(url), open_store(url, timeout=5), open_store(url)
    try:
        registered(first)
        done = []
        with first.write():
            ledger_of(first).apply_entry(entry("A"), FILER, CLOCK)

            def other_writer():
                with second.write():
                    done.append(second.certificate(*KEY).balance)

            waiting = threading.Thread(target=other_writer)
            waiting.start()
            waiting.join(0.3)
            assert done == []  # held at the certificate's row
            with reader.read():  # a reader neither waits nor sees the uncommitted group
                assert reader.certificate(*KEY).balance == 2_500_000
        waiting.join(10)
        assert done == [1_500_000]  # it saw the committed balance once it had its turn
    finally:
        for s in (first, second, reader):
            s.close()


OTHER = ("AU", "AU2026-000456")


@pytest.fixture
def writers(url):
    """Two stores of one ledger that holds two certificates: KEY's and OTHER's."""
    first, second = open_store(url), open_store(url, timeout=5)
    registered(first)
    assert ledger_of(first).apply_certificate(certificate("A", number=OTHER[1]), GOV_AU,
                                              CLOCK).accepted
    yield first, second
    first.close()
    second.close()


def test_writers_of_other_certificates_go_on_side_by_side(writers):
    first, second = writers
    with first.write():
        assert ledger_of(first).apply_entry(entry("A"), FILER, CLOCK).accepted
        # while the first holds its certificate, the second draws on another one and commits:
        # nothing of the ledger as a whole is locked
        with second.write():
            assert ledger_of(second).apply_entry(
                entry("A", number=entry_number(serial=2), lines=[e1(cert=OTHER[1])]),
                FILER, CLOCK).accepted
    assert first.certificate(*KEY).balance == 1_500_000
    assert first.certificate(*OTHER).balance == 1_500_000
    assert first.check_ledger() == []


def test_a_row_held_past_the_wait_is_busy(url):
    first, second = open_store(url), open_store(url, timeout=0.05)
    try:
        registered(first)
        with first.write():
            ledger_of(first).apply_entry(entry("A"), FILER, CLOCK)
            with pytest.raises(StoreBusy) as raised, second.write():
                second.certificate(*KEY)
            assert not isinstance(raised.value, StoreConflict)
    finally:
        first.close()
        second.close()


def test_two_writers_of_one_new_entry_clash_and_the_second_keeps_nothing(writers):
    first, second = writers
    clashed = []
    with first.write():
        assert ledger_of(first).apply_entry(entry("A"), FILER, CLOCK).accepted

        def same_entry_on_another_certificate():
            try:
                with second.write():
                    ledger_of(second).apply_entry(entry("A", lines=[e1(cert=OTHER[1])]),
                                                  FILER, CLOCK)
            except StoreConflict as exc:
                clashed.append(exc)

        waiting = threading.Thread(target=same_entry_on_another_certificate)
        waiting.start()
        waiting.join(0.3)  # it waits at the entry's key until the first ends
    waiting.join(10)
    assert len(clashed) == 1
    assert first.certificate(*KEY).balance == 1_500_000
    assert first.certificate(*OTHER).balance == 2_500_000  # nothing of the second kept
    assert first.check_ledger() == []


def test_a_balance_that_moved_since_the_decision_is_refused(store):
    registered(store)
    stale = store.certificate(*KEY)
    decision = ledger_of(store).apply_entry(entry("A"), FILER, CLOCK)
    assert decision.accepted and store.certificate(*KEY).balance == 1_500_000
    # the same decision once more, as if made against the balance before it
    with pytest.raises(StoreConflict, match="changed"):
        store.apply([Change(decision, CLOCK, {KEY: stale})])
    assert store.certificate(*KEY).balance == 1_500_000
    assert len(list(store.ledger(*KEY))) == 1


def test_a_write_inside_a_read_snapshot_is_refused_and_a_failed_statement_is_not_committed(
        store):
    with pytest.raises(StoreError, match="read snapshot"), store.read(), store.write():
        pass
    with pytest.raises(StoreError, match="nothing of it was kept"), store.write():
        registered(store)
        with pytest.raises(postgres.INTEGRITY_ERRORS):
            store.conn.execute("UPDATE certificates SET balance = -1")
    assert store.certificate(*KEY) is None


def test_the_generation_moves_at_each_transaction_and_stands_within_one(store):
    before = store.generation
    with store.write():
        inside = store.generation
        registered(store)
        assert store.generation == inside
    assert inside != before
    with store.read():
        assert store.generation != inside


def test_check_database_finds_an_append_only_trigger_disabled(store):
    assert store.check_database() == []
    store.conn.execute("ALTER TABLE activities DISABLE TRIGGER activities_no_change")
    assert store.check_database() == [
        "trigger activities_no_change is disabled: the activity ledger can be changed"]


def test_a_copy_is_a_sqlite_ledger_with_the_same_rows(store, tmp_path):
    registered(store)
    ledger_of(store).apply_entry(entry("A"), FILER, CLOCK)
    tid = store.begin_transmission("FL", "B2X", "C1", "hash", CLOCK)
    store.complete_transmission(tid, ["whole\n"])
    store.copy_to(tmp_path / "copy.db")
    with open_store(str(tmp_path / "copy.db"), create=False) as copy:
        assert copy.counts() == store.counts()
        assert copy.certificate(*KEY) == store.certificate(*KEY)
        assert list(copy.ledger(*KEY)) == list(store.ledger(*KEY))
        assert list(copy.transmissions()) == list(store.transmissions())
        assert "".join(copy.response(tid)) == "whole\n"
        assert copy.check_ledger() == [] and copy.check_database() == []
    with pytest.raises(StoreError, match="already"):
        store.copy_to(tmp_path / "copy.db")
    sqlite3.connect(tmp_path / "copy.db").close()


def test_without_psycopg_a_url_says_which_extra_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_psycopg(name, *args, **kwargs):
        if name.startswith("psycopg") or name == "ecert_edi.store.postgres.store":
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    with pytest.raises(StoreError, match=r"pip install 'ecert-edi\[postgres\]'"):
        open_store("postgresql://h/db")
