"""Schema version 6: what is kept of X12 interchanges; a version 5 database carries on."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from ecert_edi.store import SQLiteStore
from ecert_edi.store.interchanges import MAX_CONTROL, SCHEMA, record_interchange
from ecert_edi.store.schema import LATEST, migrate

CLOCK = dt.datetime(2026, 1, 15, 9, 31)
KEY = ("ZZ", "CGAU", "T", "000000001")


def test_a_version_5_database_gains_the_interchange_tables(tmp_path: Path):
    path = tmp_path / "v5.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    migrate(Database(conn), "2026-01-01T00:00:00+00:00", through=5)
    conn.execute("COMMIT")
    conn.close()
    with SQLiteStore(path, create=False) as store:
        record = store.interchange("d1", KEY, "T", CLOCK, ["ta1", "ack", "resp"])
        assert record.numbers == {"ta1": 1, "ack": 2, "resp": 3}
    assert LATEST >= 6


def memory() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    return conn


def test_the_same_digest_gets_its_first_numbers_and_clock():
    conn = memory()
    first = record_interchange(conn, "d1", KEY, "T", CLOCK, ["ta1", "resp"])
    again = record_interchange(conn, "d1", KEY, "T", CLOCK + dt.timedelta(days=1), ["ta1"])
    assert first.numbers == again.numbers == {"ta1": 1, "resp": 2}
    assert again.clock == CLOCK and not again.repeated  # not completed: a resumed run
    conn.execute("UPDATE interchanges SET status = 'complete'")
    assert record_interchange(conn, "d1", KEY, "T", CLOCK, ["ta1"]).repeated


def test_other_content_under_a_reserved_key_is_reused_and_gets_a_ta1_only():
    conn = memory()
    record_interchange(conn, "d1", KEY, "T", CLOCK, ["ack", "resp"])
    other = record_interchange(conn, "d2", KEY, "T", CLOCK, ["ack", "resp"])
    assert other.reused and other.numbers == {"ta1": 3}


def test_a_ta1_rejected_interchange_reserves_nothing():
    conn = memory()
    record_interchange(conn, "bad", None, "T", CLOCK, ["ta1"])
    corrected = record_interchange(conn, "good", KEY, "T", CLOCK, ["ack"])
    assert not corrected.reused and corrected.numbers == {"ack": 2}


def test_each_usage_indicator_counts_on_its_own_and_wraps_to_1():
    conn = memory()
    conn.execute("INSERT INTO control_counters VALUES ('P', ?)", (MAX_CONTROL - 1,))
    production = record_interchange(conn, "p", ("ZZ", "CGAU", "P", "1"), "P", CLOCK,
                                    ["ta1", "ack", "resp"])
    assert production.numbers == {"ta1": MAX_CONTROL, "ack": 1, "resp": 2}
    assert record_interchange(conn, "t", KEY, "T", CLOCK, ["ack"]).numbers == {"ack": 1}
