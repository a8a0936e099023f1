"""Trusting a database: what is opened, SQLite's check, the balance identity, runs left open."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest
from abi import batch, to_bytes, transmission
from abi import certificate as cr_transaction
from click.testing import CliRunner
from sqlite_utils import Database
from ledger_audit import t_ledger
from txn_builders import (
    CERT,
    CLOCK,
    ENTRY,
    FILER,
    GOV_AU,
    IOR,
    certificate,
    codes,
    e1,
    entry,
    entry_number,
    ledger_of,
)

from ecert_edi.domain.decision import Activity, Decision
from ecert_edi.processing import respond
from ecert_edi.processing import transmission as transmission_module

from ecert_edi.store import Change, SQLiteStore, StoreError, open_store
from ecert_edi.store.schema import LATEST, migrate
from ecert_edi.surfaces.cli import main

KEY = ("AU", CERT)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder and its bytes: what 'changing nothing' compares."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def ecert_database(path: Path, *, allowance: int = 2_500_000) -> Path:
    with SQLiteStore(path) as store:
        assert ledger_of(store).apply_certificate(
            certificate("A", allowance=allowance), GOV_AU, CLOCK
        ).accepted
    return path


def every_command(db: Path, tmp_path: Path) -> dict[str, list]:
    inbound = tmp_path / "inbound.txt"
    inbound.write_bytes(to_bytes(transmission(batch("CR", cr_transaction()))))
    return {
        "process": ["process", "--db", db, "--out", tmp_path / "out", inbound],
        "watch": ["watch", tmp_path / "drop", "--db", db, "--once"],
        "query": ["query", "--db", db, "--all"],
        "check": ["check", "--db", db],
    }


# -- 1. what is opened ------------------------------------------------------------------------
def test_query_and_check_refuse_a_missing_database_and_create_nothing(tmp_path):
    folder = tmp_path / "dbs"
    folder.mkdir()
    typo = folder / "typo.db"
    for command in (["check", "--db", typo], ["query", "--db", typo, "--all"]):
        result = run(*command)
        assert result.exit_code == 1, result.output
        assert f"ecert {command[0]}: database {typo} does not exist" in result.stderr
        assert "OK" not in result.stdout
        assert list(folder.iterdir()) == []
    with pytest.raises(StoreError, match="does not exist"):
        open_store(typo, create=False)
    assert list(folder.iterdir()) == []


def test_process_creates_a_missing_database(tmp_path):
    db = tmp_path / "new.db"
    result = run(*every_command(db, tmp_path)["process"])
    assert result.exit_code == 0, result.output
    assert run("check", "--db", db).exit_code == 0
    # built aside and linked into place: no temporary file is left beside it
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("kind", ["empty", "text", "another program's", "newer schema"])
def test_every_command_refuses_a_file_that_is_not_an_ecert_database_changing_nothing(
        tmp_path, kind):
    folder = tmp_path / "dbs"
    folder.mkdir()
    db = folder / "ecert.db"
    if kind == "empty":
        db.write_bytes(b"")
        said = "empty file (0 bytes)"
    elif kind == "text":
        db.write_text("country,number\nAU,1\n" * 10)
        said = "not a SQLite database"
    elif kind == "another program's":
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)")
        conn.execute("INSERT INTO invoices (total) VALUES (42)")
        conn.commit()
        conn.close()
        said = "not an ecert database"
    else:
        ecert_database(db)
        conn = sqlite3.connect(db)
        conn.execute("INSERT INTO schema_version (version, applied) VALUES (?, 'x')",
                     (LATEST + 1,))
        conn.commit()
        conn.close()
        said = f"schema version {LATEST + 1}"
    before = snapshot(folder)
    for name, command in every_command(db, tmp_path).items():
        result = run(*command)
        assert result.exit_code == 1, (name, result.output)
        assert str(db) in result.stderr and said in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.output
        # the same bytes, and no -wal, -shm or journal left beside it
        assert snapshot(folder) == before, name
    assert not (tmp_path / "out").exists()


def test_a_database_of_another_program_that_has_a_schema_version_table_is_refused(tmp_path):
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT)")
    conn.execute("INSERT INTO schema_version VALUES (1, 'x')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not an ecert database of schema version 1: it has no"):
        SQLiteStore(db)
    assert db.read_bytes() == before


def test_creating_one_database_from_many_processes_at_once_gives_one_database(tmp_path):
    db = tmp_path / "ecert.db"
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            with open_store(db, create=True) as store:
                ledger_of(store).apply_certificate(
                    certificate("A", number=f"AU-{threading.get_ident()}"), GOV_AU, CLOCK)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with SQLiteStore(db, create=False) as store:
        assert store.counts()["certificates"] == 8  # every one wrote to the same database
    assert [p.name for p in tmp_path.iterdir()] == ["ecert.db"]


# -- 2. SQLite's own check --------------------------------------------------------------------
def test_check_reports_an_index_that_disagrees_with_its_table_and_exits_1(tmp_path):
    db = ecert_database(tmp_path / "ecert.db")
    assert run("check", "--db", db).exit_code == 0
    # damage on purpose: the IOR index now claims to index another column, so its entries are
    # missing for every row; every page still reads, and quick_check sees nothing
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, '(\"ior\")', '(\"unit\")')"
                 " WHERE name = 'idx_certificates_ior'")
    conn.commit()
    conn.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    conn.close()
    result = run("check", "--db", db)
    assert result.exit_code == 1, result.output
    assert "database: row 1 missing from index idx_certificates_ior" in result.stdout.splitlines()
    assert "OK" not in result.stdout
    assert "1 database problem found" in result.stderr


def test_check_reports_a_row_written_behind_the_balance_constraint(tmp_path):
    db = ecert_database(tmp_path / "ecert.db")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("UPDATE certificates SET balance = 100")
    conn.commit()
    conn.close()
    result = run("check", "--db", db)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("database: CHECK constraint failed") for line in lines), lines
    assert any(line.startswith(f"AU {CERT}: balance 1.00 but allowance") for line in lines)


# -- 3. the balance identity in the row -------------------------------------------------------
def test_a_balance_edited_alone_is_refused_by_the_database(tmp_path):
    db = ecert_database(tmp_path / "ecert.db")
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="balance_identity"):
        conn.execute("UPDATE certificates SET balance = balance - 1")
    with pytest.raises(sqlite3.IntegrityError, match="balance_identity"):
        conn.execute("UPDATE certificates SET deducted = deducted + 1")
    conn.close()


def test_a_balance_out_of_step_with_its_history_cannot_admit_more_than_the_allowance(tmp_path):
    # the reproduction: allowance 100, all of it used, then the balance set back to 50
    db = tmp_path / "ecert.db"
    with SQLiteStore(db) as store:
        assert ledger_of(store).apply_certificate(certificate("A", allowance=10_000), GOV_AU,
                                                  CLOCK).accepted
        assert ledger_of(store).apply_entry(entry("A", [e1(1, 10_000)]), FILER, CLOCK).accepted
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute("UPDATE certificates SET balance = 5000")
        second = entry("A", [e1(1, 5_000)], number=entry_number("B2X", 2))
        assert codes(ledger_of(store).apply_entry(second, FILER, CLOCK)) == ["202"]
        deducted = sum(r.quantity for r in store.ledger(*KEY) if r.activity == "D")
        assert deducted == 10_000
        assert store.certificate(*KEY).balance == 0
        assert store.check_ledger() == []


def test_the_store_refuses_a_balance_that_does_not_follow_its_activities(tmp_path):
    with SQLiteStore(tmp_path / "ecert.db") as store:
        ledger_of(store).apply_certificate(certificate("A", allowance=10_000), GOV_AU, CLOCK)
        stored = store.certificate(*KEY)
        # 40.00 deducted, but the balance said to fall by 50.00
        wrong = Decision(accepted=True, conditions=[], activities=[Activity(
            "AU", CERT, ENTRY, 1, None, "D", 4_000, 5_000, "KG", CLOCK.date(), IOR,
            CLOCK.date())])
        with pytest.raises(StoreError, match="balance_identity"):
            store.apply([Change(wrong, CLOCK, {KEY: stored})])
        assert store.certificate(*KEY).balance == 10_000
        assert list(store.ledger(*KEY)) == []


def test_a_replace_and_a_void_keep_the_totals(tmp_path):
    with SQLiteStore(tmp_path / "ecert.db") as store:
        ledger_of(store).apply_certificate(certificate("A"), GOV_AU, CLOCK)
        ledger_of(store).apply_entry(entry("A"), FILER, CLOCK)
        assert ledger_of(store).apply_certificate(certificate("R", allowance=3_000_000),
                                                  GOV_AU, CLOCK).accepted
        assert totals(store) == (3_000_000, 1_000_000, 0, 2_000_000)
        ledger_of(store).apply_entry(entry("C"), FILER, CLOCK)
        assert ledger_of(store).apply_certificate(certificate("D"), GOV_AU, CLOCK).accepted
        assert totals(store) == (3_000_000, 1_000_000, 1_000_000, 3_000_000)
        assert store.check_ledger() == []


def totals(store) -> tuple[int, int, int, int]:
    return store.conn.execute(
        "SELECT allowance, deducted, restored, balance FROM certificates"
        " WHERE country = ? AND number = ?", KEY).fetchone()


def test_check_compares_the_totals_with_the_ledger(tmp_path):
    db = ecert_database(tmp_path / "ecert.db")
    conn = sqlite3.connect(db)
    # the row's identity kept, the ledger's not: 5.00 said deducted that no ledger row shows
    conn.execute("UPDATE certificates SET deducted = 500, balance = balance - 500")
    conn.commit()
    conn.close()
    result = run("check", "--db", db)
    assert result.exit_code == 1
    assert f"AU {CERT}: deducted total 5.00 but the ledger's deductions are 0.00" in (
        result.stdout.splitlines())


def version_2_database(path: Path, balance: int) -> None:
    """A database as the previous release left it: schema version 2, a certificate of 25,000.00
    with 10,000.00 deducted and 4,000.00 restored, its balance as given."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    migrate(Database(conn), "2026-01-01T00:00:00+00:00", through=2)
    conn.execute(
        "INSERT INTO certificates (country, number, ior, issue_date, expiry_date, program,"
        " allowance, unit, status, balance, created, updated) VALUES"
        " ('AU', ?, ?, '2026-01-02', NULL, 'TRQ', 2500000, 'KG', 'active', ?, 'c', 'u')",
        (CERT, IOR, balance))
    for activity, quantity, after in (("D", 1_000_000, 1_500_000), ("I", 400_000, 1_900_000)):
        conn.execute(
            "INSERT INTO activities (country, certificate, entry_number, line_number, activity,"
            " quantity, balance_after, allowance, unit, activity_date, entry_date, ior)"
            " VALUES ('AU', ?, ?, 1, ?, ?, ?, 2500000, 'KG', '2026-01-15', '2026-01-14', ?)",
            (CERT, ENTRY, activity, quantity, after, IOR))
    conn.execute("COMMIT")
    conn.close()


def test_migration_from_version_2_computes_the_totals_from_the_ledger(tmp_path):
    db = tmp_path / "ecert.db"
    version_2_database(db, balance=1_900_000)
    with SQLiteStore(db, create=False) as store:
        assert store.conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (
            LATEST,)
        assert totals(store) == (2_500_000, 1_000_000, 400_000, 1_900_000)
        assert store.check_database() == []
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute("UPDATE certificates SET balance = 0")
        # the index and the foreign keys came through the rebuild of the table
        assert store.certificates_by_ior(IOR)[0].number == CERT
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute("DELETE FROM certificates")
        assert store.conn.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_migration_refuses_balances_that_disagree_with_their_ledger_changing_nothing(tmp_path):
    folder = tmp_path / "dbs"
    folder.mkdir()
    db = folder / "ecert.db"
    version_2_database(db, balance=2_400_000)  # 5,000.00 more than its history gives
    before = snapshot(folder)
    with pytest.raises(StoreError) as refused:
        SQLiteStore(db)
    message = str(refused.value)
    assert str(db) in message and f"AU {CERT}: balance 24,000.00" in message
    assert "= 19,000.00" in message and "nothing was changed" in message
    assert snapshot(folder) == before
    result = run("check", "--db", db)
    assert result.exit_code == 1 and f"AU {CERT}" in result.stderr


# -- 4. transmissions left in progress --------------------------------------------------------
def two_certificates() -> bytes:
    return to_bytes(transmission(batch(
        "CR", cr_transaction(certificate_number="AU-1"),
        cr_transaction(certificate_number="AU-2"))))


def test_check_lists_a_transmission_left_in_progress_and_how_to_finish_it(tmp_path, monkeypatch):
    import datetime as dt

    began = dt.datetime(2026, 1, 15, 12, 0, 0)
    inbound = tmp_path / "AU-two.txt"
    inbound.write_bytes(two_certificates())
    db = tmp_path / "ecert.db"
    with SQLiteStore(db):
        pass  # the database the commands are given; the file is a test (T) transmission
    with SQLiteStore(t_ledger(db)) as store:
        monkeypatch.setattr(transmission_module, "COMMIT_EVERY", 1)
        parts = respond(inbound, store, began)
        next(parts)  # the first commit: one certificate applied, then the run stops
        parts.close()
        monkeypatch.undo()
    result = run("check", "--db", db, "--environment", "test")
    assert result.exit_code == 0, result.output  # in progress is not a discrepancy
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK: 1 certificate")
    assert "1 transmission in progress (interrupted, or being processed now):" in lines
    assert ("  CG AU control number AU260115000001: began 2026-01-15T12:00:00,"
            " applied through transaction 1") in lines
    assert f"ecert process --db {db} --out DIR FILE" in result.stdout
    assert "the clock it began with" in result.stdout

    # what it says works: the same file again (another clock) finishes it with its own
    out = tmp_path / "out"
    again = run("process", "--db", db, "--out", out, "--clock", "2026-06-30T23:59:59", inbound)
    assert again.exit_code == 0, again.output
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    uninterrupted = run("process", "--db", fresh / "ecert.db", "--out", fresh,
                        "--clock", "2026-01-15T12:00:00", inbound)
    assert uninterrupted.exit_code == 0
    assert (out / "AU-two.txt.resp").read_bytes() == (fresh / "AU-two.txt.resp").read_bytes()
    done = run("check", "--db", db, "--environment", "test")
    assert done.exit_code == 0 and "in progress" not in done.stdout
    assert done.stdout.startswith("OK: 2 certificates")


def test_a_database_whose_tables_are_still_only_in_its_wal_is_recognised(tmp_path):
    # as a database made by an earlier release looks while the process that made it runs
    db = tmp_path / "ecert.db"
    maker = sqlite3.connect(db, isolation_level=None)
    try:
        maker.execute("PRAGMA journal_mode = WAL")
        maker.execute("BEGIN")
        migrate(Database(maker), "2026-01-01T00:00:00+00:00")
        maker.execute("COMMIT")
        assert os.path.getsize(db) <= 4096 < os.path.getsize(f"{db}-wal")  # header page only
        with SQLiteStore(db, create=False) as store:
            assert store.counts()["certificates"] == 0
    finally:
        maker.close()
