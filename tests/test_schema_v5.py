"""Schema version 5: entries and their lines clustered on their keys, no index of lines by
certificate.  A version 4 database is carried over whole, and processing goes on from it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database
from txn_builders import CERT, CLOCK, ENTRY, FILER, GOV_AU, IOR, certificate, e1, entry, ledger_of

from ecert_edi.store import SQLiteStore
from ecert_edi.store.schema import LATEST, migrate

KEY = ("AU", CERT)


def version_4_database(path: Path) -> None:
    """A database as the previous release left it: schema version 4, one certificate of
    25,000.00 with one active entry of two lines (6,000.00 deducted) and one cancelled entry."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    migrate(Database(conn), "2026-01-01T00:00:00+00:00", through=4)
    conn.execute(
        "INSERT INTO certificates (country, number, ior, issue_date, expiry_date, program,"
        " allowance, unit, status, balance, created, updated, deducted, restored) VALUES"
        " ('AU', ?, ?, '2026-01-02', NULL, 'TRQ', 2500000, 'KG', 'active', 1900000, 'c', 'u',"
        " 700000, 100000)", (CERT, IOR))
    cancelled = ENTRY[:-1] + ("0" if ENTRY[-1] != "0" else "1")
    for number, status in ((ENTRY, "active"), (cancelled, "cancelled")):
        conn.execute(
            "INSERT INTO entries (entry_number, filer, ior, entry_date, port, entry_type, status,"
            " created, updated) VALUES (?, ?, ?, '2026-01-14', 2704, 1, ?, 'c', 'u')",
            (number, number[:3], IOR, status))
    lines = [(ENTRY, 1, 400_000), (ENTRY, 2, 200_000), (cancelled, 1, 100_000)]
    for number, line, quantity in lines:
        conn.execute(
            "INSERT INTO entry_lines (entry_number, line_number, country, certificate, hts,"
            " quantity, unit) VALUES (?, ?, 'AU', ?, 201300, ?, 'KG')",
            (number, line, CERT, quantity))
    after = 2_500_000
    for number, line, activity, quantity in ((ENTRY, 1, "D", 400_000), (ENTRY, 2, "D", 200_000),
                                             (cancelled, 1, "D", 100_000),
                                             (cancelled, 1, "I", 100_000)):
        after += -quantity if activity == "D" else quantity
        conn.execute(
            "INSERT INTO activities (country, certificate, entry_number, line_number, activity,"
            " quantity, balance_after, allowance, unit, activity_date, entry_date, ior)"
            " VALUES ('AU', ?, ?, ?, ?, ?, ?, 2500000, 'KG', '2026-01-15', '2026-01-14', ?)",
            (CERT, number, line, activity, quantity, after, IOR))
    conn.execute("COMMIT")
    conn.close()


def _rows(conn, table: str, order: str) -> list[tuple]:
    return conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


def test_version_4_is_carried_over_whole_and_processing_goes_on(tmp_path):
    db = tmp_path / "ecert.db"
    version_4_database(db)
    with sqlite3.connect(db) as conn:
        before = {t: _rows(conn, t, o) for t, o in (
            ("entries", "entry_number"), ("entry_lines", "entry_number, line_number"),
            ("activities", "id"), ("certificates", "country, number"))}
    with SQLiteStore(db, create=False) as store:
        conn = store.conn
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (LATEST,)
        after = {t: _rows(conn, t, o) for t, o in (
            ("entries", "entry_number"), ("entry_lines", "entry_number, line_number"),
            ("activities", "id"), ("certificates", "country, number"))}
        assert after == before
        assert store.check_database() == []
        assert store.check_ledger() == []
        # clustered on their keys, and the lines have no index by certificate
        for table in ("entries", "entry_lines"):
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                               (table,)).fetchone()[0]
            assert "WITHOUT ROWID" in sql
        indexes = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entry_lines'"
            " AND sql IS NOT NULL")}
        assert indexes == set()
        # the foreign keys came through the rebuild
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO entry_lines (entry_number, line_number, country,"
                         " certificate, hts, quantity, unit)"
                         " VALUES ('NOSUCHENTRY', 1, 'AU', ?, 1, 1, 'KG')", (CERT,))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO entry_lines (entry_number, line_number, country,"
                         " certificate, hts, quantity, unit)"
                         " VALUES (?, 9, 'AU', 'NOSUCHCERT', 1, 1, 'KG')", (ENTRY,))
        # the migrated entry is found and cancelled: its two lines restored
        stored = store.entry(ENTRY)
        assert [ln.quantity for ln in stored.lines] == [400_000, 200_000]
        assert store.entries([ENTRY, "B2X99999999"]) == {ENTRY: stored}
        decision = ledger_of(store).apply_entry(entry("C"), FILER, CLOCK)
        assert decision.accepted
        balance = conn.execute("SELECT balance FROM certificates WHERE country = ? AND"
                               " number = ?", KEY).fetchone()[0]
        assert balance == 2_500_000
        assert store.check_ledger() == []


def test_a_new_database_is_built_at_version_5(tmp_path):
    with SQLiteStore(tmp_path / "ecert.db") as store:
        ledger = ledger_of(store)
        assert ledger.apply_certificate(certificate("A"), GOV_AU, CLOCK).accepted
        assert ledger.apply_entry(entry("A", lines=[e1(quantity=1_000)]), FILER, CLOCK).accepted
        assert store.check_database() == []
        assert store.check_ledger() == []
        assert store.entry(ENTRY).lines[0].quantity == 1_000
