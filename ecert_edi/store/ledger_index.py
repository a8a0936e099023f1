"""The SQLite ledger's index by certificate, written in batches in key order, and its readers.

SQLite keeps an index in step with its table row by row: a commit group's ~3,000 ledger rows,
spread over thousands of certificates, dirty about one index page each once the index outgrows
the cache's locality (a million entries: 2,400 pages a group, each written to the WAL and
synced).  So the ledger (`activities`, append-only, ids ascending) has no SQLite index; the
table `activities_by_certificate` is its index, and `activities_indexed.through` says up to
which id it holds the rows.  The rows after that id, the tail, are indexed together, in key
order, once there are TAIL_ROWS of them and when a transmission completes: each index page is
then written once for many groups.

Every reader takes the indexed rows up to `through` and the tail after it from the table
itself, both in one statement each with the same `through`, so what it reads never depends on
when the tail was last indexed: an indexed row stays indexed, a tail row is found by its id.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Iterator

# ledger rows left out of the index before a commit group indexes them: a tail scan of that
# many rows (a reader's extra cost while a long transmission runs) takes about 2 ms
TAIL_ROWS = 25_000

SCHEMA = """
CREATE TABLE activities_by_certificate (
    country TEXT NOT NULL,
    certificate TEXT NOT NULL,
    id INTEGER NOT NULL,  -- the ledger row's (no REFERENCES: the check holds it, problems())
    PRIMARY KEY (country, certificate, id)
) WITHOUT ROWID;
CREATE TABLE activities_indexed (
    through INTEGER NOT NULL  -- the last ledger row id the index holds the rows up to
);
CREATE TRIGGER activities_by_certificate_no_update BEFORE UPDATE ON activities_by_certificate
BEGIN SELECT RAISE(ABORT, 'the ledger index is append-only'); END;
CREATE TRIGGER activities_by_certificate_no_delete BEFORE DELETE ON activities_by_certificate
BEGIN SELECT RAISE(ABORT, 'the ledger index is append-only'); END;
CREATE TRIGGER activities_indexed_forward BEFORE UPDATE ON activities_indexed
WHEN NEW.through < OLD.through
BEGIN SELECT RAISE(ABORT, 'the ledger index cannot lose rows'); END
"""


def create(conn: sqlite3.Connection) -> None:
    """The index and its mark, holding every ledger row on file (in the caller's write)."""
    for statement in SCHEMA.split(";\n"):  # not executescript: it would commit
        conn.execute(statement)
    conn.execute("INSERT INTO activities_indexed (through) VALUES (0)")
    index_tail(conn)


def index_tail(conn: sqlite3.Connection, at_least: int = 1) -> None:
    """Index the ledger rows after the mark, in key order, when there are `at_least` of them
    (in the caller's write, so they are indexed in the transaction that wrote them or later)."""
    through, last = conn.execute(
        "SELECT through, (SELECT MAX(id) FROM activities) FROM activities_indexed").fetchone()
    if last is None or last - through < at_least:
        return
    conn.execute(
        "INSERT INTO activities_by_certificate (country, certificate, id)"
        " SELECT country, certificate, id FROM activities WHERE id > ?"
        " ORDER BY country, certificate, id", (through,))
    conn.execute("UPDATE activities_indexed SET through = ?", (last,))


# the ledger rows through the index, read in its order (SQLite keeps a CROSS JOIN's order)
_INDEXED = "FROM activities_by_certificate x CROSS JOIN activities a ON a.id = x.id"


def _through(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT through FROM activities_indexed").fetchone()[0]


def certificate_rows(conn: sqlite3.Connection, columns: str, key: tuple[str, str]
                     ) -> Iterator[tuple]:
    """`columns` (of `activities`, named without a table) of a certificate's ledger rows,
    oldest first."""
    through = _through(conn)
    picked = _qualified(columns)
    yield from conn.execute(
        f"SELECT {picked} {_INDEXED} WHERE x.country = ? AND x.certificate = ? AND x.id <= ?"
        " ORDER BY x.id",
        (*key, through))
    yield from conn.execute(
        f"SELECT {picked} FROM activities a WHERE a.id > ? AND a.country = ?"
        " AND a.certificate = ? ORDER BY a.id", (through, *key))


def in_certificate_order(conn: sqlite3.Connection, columns: str) -> Iterator[tuple]:
    """Every ledger row as (country, certificate, id, *columns), by certificate then id: the
    index read in its order, the tail (at most a few groups' rows) merged into it."""
    through = _through(conn)
    picked = _qualified(f"country, certificate, id, {columns}")
    tail = conn.execute(
        f"SELECT {picked} FROM activities a WHERE a.id > ? ORDER BY a.country, a.certificate,"
        " a.id", (through,)).fetchall()
    indexed = conn.execute(
        f"SELECT {picked} {_INDEXED} WHERE x.id <= ? ORDER BY x.country, x.certificate, x.id",
        (through,))
    yield from heapq.merge(indexed, tail, key=lambda row: row[:3])


def _qualified(columns: str) -> str:
    return ", ".join(f"a.{name.strip()}" for name in columns.split(","))


def problems(conn: sqlite3.Connection) -> list[str]:
    """How the index disagrees with the ledger (what SQLite's integrity check says of its own
    indexes): an index row naming no ledger row, another certificate's or one past the mark,
    and ledger rows up to the mark it lacks."""
    through = _through(conn)
    found = []
    for country, number, rid, held_country, held_number in conn.execute(
            "SELECT x.country, x.certificate, x.id, a.country, a.certificate"
            " FROM activities_by_certificate x LEFT JOIN activities a ON a.id = x.id"
            " WHERE a.id IS NULL OR x.id > ? OR a.country IS NOT x.country"
            " OR a.certificate IS NOT x.certificate", (through,)):
        if held_country is None:
            why = "the ledger has no such row"
        elif (held_country, held_number) != (country, number):
            why = f"the ledger has it under {held_country} {held_number}"
        else:
            why = f"the index says it holds the rows up to {through}"
        found.append(f"the ledger index holds row {rid} under {country} {number}, but {why}")
    (held,) = conn.execute("SELECT COUNT(*) FROM activities_by_certificate").fetchone()
    (rows,) = conn.execute("SELECT COUNT(*) FROM activities WHERE id <= ?", (through,)).fetchone()
    # every index row not found wrong is a distinct ledger row up to the mark (its id is)
    lacking = rows - (held - len(found))
    if lacking:
        found.append(f"the ledger index lacks {lacking} of the {rows} ledger row(s) up to row"
                     f" {through}")
    return found
