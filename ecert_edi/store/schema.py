"""The database schema as a list of migrations, applied in order when a store opens."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable

from sqlite_utils import Database

from ecert_edi.domain.quantities import quantity_text
from ecert_edi.store import ledger_index
from ecert_edi.store.interface import StoreError


def _v1(db: Database) -> None:
    db["certificates"].create(
        {
            "country": str,
            "number": str,
            "ior": str,
            "issue_date": str,
            "expiry_date": str,
            "program": str,
            "allowance": int,  # hundredths
            "unit": str,
            "status": str,  # active or voided; the query status (A/E/X/V) is derived
            "balance": int,  # hundredths
            "created": str,
            "updated": str,
        },
        pk=("country", "number"),
        not_null={
            "country",
            "number",
            "ior",
            "issue_date",
            "program",
            "allowance",
            "unit",
            "status",
            "balance",
            "created",
            "updated",
        },
    )
    db["certificates"].create_index(["ior"])
    db["certificate_tariffs"].create(
        {"country": str, "number": str, "hts": int},
        pk=("country", "number", "hts"),
        foreign_keys=[(("country", "number"), "certificates", ("country", "number"))],
    )
    db["entries"].create(
        {
            "entry_number": str,
            "filer": str,
            "ior": str,
            "entry_date": str,
            "port": int,
            "entry_type": int,
            "status": str,  # active or cancelled
            "created": str,
            "updated": str,
        },
        pk="entry_number",
        not_null={"entry_number", "filer", "ior", "status", "created", "updated"},
    )
    db["entry_lines"].create(
        {
            "entry_number": str,
            "line_number": int,
            "country": str,
            "certificate": str,
            "hts": int,
            "quantity": int,  # hundredths
            "unit": str,
        },
        pk=("entry_number", "line_number"),
        not_null={"country", "certificate", "quantity", "unit"},
        foreign_keys=[
            ("entry_number", "entries", "entry_number"),
            (("country", "certificate"), "certificates", ("country", "number")),
        ],
    )
    db["entry_lines"].create_index(["country", "certificate"])
    # sqlite-utils cannot declare AUTOINCREMENT or CHECK constraints: these two are written out.
    db.execute(
        """
        CREATE TABLE transmissions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sender_type TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            control_number TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            clock TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('in-progress', 'complete')),
            created TEXT NOT NULL,
            UNIQUE (sender_type, sender_id, control_number)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE activities (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            country TEXT NOT NULL,
            certificate TEXT NOT NULL,
            entry_number TEXT NOT NULL,
            line_number INTEGER NOT NULL,
            activity TEXT NOT NULL CHECK (activity IN ('D', 'I')),
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
            allowance INTEGER NOT NULL,
            unit TEXT NOT NULL,
            activity_date TEXT NOT NULL,
            entry_date TEXT,
            ior TEXT NOT NULL,
            transmission_id INTEGER REFERENCES transmissions(id),
            FOREIGN KEY (country, certificate) REFERENCES certificates(country, number)
        )
        """
    )
    db["activities"].create_index(["country", "certificate", "id"])
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"""
            CREATE TRIGGER activities_no_{event.lower()} BEFORE {event} ON activities
            BEGIN SELECT RAISE(ABORT, 'the activity ledger is append-only'); END
            """
        )
    for event in ("INSERT", "UPDATE OF balance"):
        db.execute(
            f"""
            CREATE TRIGGER certificates_balance_{event.split()[0].lower()}
            BEFORE {event} ON certificates WHEN NEW.balance < 0
            BEGIN SELECT RAISE(ABORT, 'a certificate balance cannot go below zero'); END
            """
        )
    # the response records of each unit applied so far, while a transmission is in progress
    db["response_chunks"].create(
        {"transmission_id": int, "seq": int, "text": str},
        pk=("transmission_id", "seq"),
        not_null={"text"},
        foreign_keys=[("transmission_id", "transmissions", "id")],
    )
    # the whole response file of a complete transmission, in parts, as first written
    db["responses"].create(
        {"transmission_id": int, "part": int, "text": str},
        pk=("transmission_id", "part"),
        not_null={"text"},
        foreign_keys=[("transmission_id", "transmissions", "id")],
    )


def _v2(db: Database) -> None:
    """Each unit's disposition beside its saved response, so a resumed run need not read text."""
    db.execute("ALTER TABLE response_chunks ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0")
    # units saved before: the disposition is the R0 record's third column
    db.execute("UPDATE response_chunks SET accepted = (substr(text, 3, 1) = 'A')")


# The balance identity of spec 6.4, kept by the row itself: the totals beside the balance move in
# the same statement as it (store/apply.py), and nothing restored was not deducted first.
BALANCE_IDENTITY = (
    "deducted >= 0 AND restored >= 0 AND restored <= deducted"
    " AND allowance - deducted + restored = balance AND balance >= 0"
)
_CERTIFICATE_COLUMNS = (
    "country, number, ior, issue_date, expiry_date, program, allowance, unit, status, balance,"
    " created, updated"
)
# each certificate with the totals of its ledger rows, Σ D and Σ I
_LEDGER_TOTALS = f"""
SELECT {", ".join("c." + c.strip() for c in _CERTIFICATE_COLUMNS.split(","))},
       COALESCE(SUM(CASE a.activity WHEN 'D' THEN a.quantity END), 0) AS deducted,
       COALESCE(SUM(CASE a.activity WHEN 'I' THEN a.quantity END), 0) AS restored
FROM certificates c
LEFT JOIN activities a ON a.country = c.country AND a.certificate = c.number
GROUP BY c.country, c.number
ORDER BY c.country, c.number
"""
_SHOWN = 10  # certificates named in a refusal; the rest are counted


def _v3(db: Database) -> None:
    """The totals deducted and restored beside each balance, under a CHECK constraint.

    SQLite adds no constraint to a table in place, so the table is rebuilt (the caller has
    turned foreign keys off, as SQLite's procedure for this asks, and checks them afterwards).
    A database whose balances already disagree with their ledger is refused, changing nothing:
    which of balance and ledger is right is for a person to decide, not for a migration.
    """
    conn = db.conn
    wrong = [
        (country, number, allowance, balance, deducted, restored)
        for country, number, _, _, _, _, allowance, _, _, balance, _, _, deducted, restored
        in conn.execute(_LEDGER_TOTALS)
        if allowance - deducted + restored != balance or balance < 0 or restored > deducted
    ]
    if wrong:
        q = quantity_text
        named = "; ".join(
            f"{country} {number}: balance {q(balance)}, allowance {q(allowance)} - deductions"
            f" {q(deducted)} + restorations {q(restored)} = {q(allowance - deducted + restored)}"
            for country, number, allowance, balance, deducted, restored in wrong[:_SHOWN]
        )
        more = f"; and {len(wrong) - _SHOWN} more" if len(wrong) > _SHOWN else ""
        raise StoreError(
            f"cannot upgrade to schema version 3: {len(wrong)} certificate balance(s) disagree"
            f" with the ledger ({named}{more}); nothing was changed. Correct each balance (or"
            " restore a backup) with the previous version of ecert, whose `ecert check` lists"
            " them, then open the database again"
        )
    conn.execute(
        f"""
        CREATE TABLE certificates_v3 (
            country TEXT NOT NULL,
            number TEXT NOT NULL,
            ior TEXT NOT NULL,
            issue_date TEXT NOT NULL,
            expiry_date TEXT,
            program TEXT NOT NULL,
            allowance INTEGER NOT NULL,  -- hundredths
            unit TEXT NOT NULL,
            status TEXT NOT NULL,  -- active or voided; the query status (A/E/X/V) is derived
            balance INTEGER NOT NULL,  -- hundredths
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            deducted INTEGER NOT NULL DEFAULT 0,  -- hundredths: Σ of the ledger's D rows
            restored INTEGER NOT NULL DEFAULT 0,  -- hundredths: Σ of the ledger's I rows
            PRIMARY KEY (country, number),
            CONSTRAINT balance_identity CHECK ({BALANCE_IDENTITY})
        )
        """
    )
    conn.execute(
        f"INSERT INTO certificates_v3 ({_CERTIFICATE_COLUMNS}, deducted, restored) {_LEDGER_TOTALS}"
    )
    # the old table goes with its index and its two below-zero triggers (the CHECK says it now)
    conn.execute("DROP TABLE certificates")
    conn.execute("ALTER TABLE certificates_v3 RENAME TO certificates")
    db["certificates"].create_index(["ior"])


# (version, migration): each runs once, in order, inside the write transaction that records it.
def _v4(db: Database) -> None:
    """One saved response part per commit group, not per unit: the units it holds (its first
    unit's number, how many, how many accepted), so a resumed run still finds each unit."""
    db.execute("ALTER TABLE response_chunks ADD COLUMN first_seq INTEGER")
    db.execute("ALTER TABLE response_chunks ADD COLUMN units INTEGER NOT NULL DEFAULT 1")
    db.execute("UPDATE response_chunks SET first_seq = seq")


def _v5(db: Database) -> None:
    """Fewer B-tree writes a line: entries and their lines kept in tables clustered on their
    keys (WITHOUT ROWID: one B-tree each, not a table and its key's index), and no index of the
    lines by certificate (no statement of the processing reads lines by certificate; the ledger
    check sums them in one grouped pass).  The caller has turned foreign keys off, as SQLite's
    procedure for rebuilding a table asks, and checks them afterwards."""
    conn = db.conn
    conn.execute(
        """
        CREATE TABLE entries_v5 (
            entry_number TEXT NOT NULL PRIMARY KEY,
            filer TEXT NOT NULL,
            ior TEXT NOT NULL,
            entry_date TEXT,
            port INTEGER,
            entry_type INTEGER,
            status TEXT NOT NULL,  -- active or cancelled
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        ) WITHOUT ROWID
        """
    )
    columns = "entry_number, filer, ior, entry_date, port, entry_type, status, created, updated"
    conn.execute(f"INSERT INTO entries_v5 ({columns}) SELECT {columns} FROM entries")
    conn.execute(
        """
        CREATE TABLE entry_lines_v5 (
            entry_number TEXT NOT NULL REFERENCES entries (entry_number),
            line_number INTEGER NOT NULL,
            country TEXT NOT NULL,
            certificate TEXT NOT NULL,
            hts INTEGER,
            quantity INTEGER NOT NULL,  -- hundredths
            unit TEXT NOT NULL,
            PRIMARY KEY (entry_number, line_number),
            FOREIGN KEY (country, certificate) REFERENCES certificates (country, number)
        ) WITHOUT ROWID
        """
    )
    columns = "entry_number, line_number, country, certificate, hts, quantity, unit"
    conn.execute(f"INSERT INTO entry_lines_v5 ({columns}) SELECT {columns} FROM entry_lines")
    # the old tables go with their indexes (idx_entry_lines_country_certificate among them)
    conn.execute("DROP TABLE entry_lines")
    conn.execute("DROP TABLE entries")
    conn.execute("ALTER TABLE entries_v5 RENAME TO entries")
    conn.execute("ALTER TABLE entry_lines_v5 RENAME TO entry_lines")


def _v6(db: Database) -> None:
    """X12 interchanges (x12-binding.md 5.3, 7): each by its content digest with the control
    numbers of its files and its clock, the reserved keys, one counter per ISA15 value."""
    from ecert_edi.store.interchanges import SCHEMA

    for statement in SCHEMA.split(";"):  # not executescript: it would commit the migration
        if statement.strip():
            db.execute(statement)


def _v7(db: Database) -> None:
    """The ledger's index by certificate kept as a table written in batches, in key order
    (store/ledger_index.py), in place of SQLite's index kept row by row."""
    db.execute("DROP INDEX idx_activities_country_certificate_id")
    ledger_index.create(db.conn)


MIGRATIONS: list[tuple[int, Callable[[Database], None]]] = [
    (1, _v1), (2, _v2), (3, _v3), (4, _v4), (5, _v5), (6, _v6), (7, _v7),
]
LATEST = MIGRATIONS[-1][0]


def schema_version(conn: sqlite3.Connection) -> int:
    """The version recorded in the database, 0 for a new one."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if exists is None:
        return 0
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def migrate(db: Database, applied: str, through: int = LATEST) -> None:
    """Apply every migration newer than the database, up to `through` (the caller holds the
    write lock and has turned foreign keys off; they are checked here before the commit)."""
    if not db["schema_version"].exists():
        db["schema_version"].create({"version": int, "applied": str}, pk="version")
    current = schema_version(db.conn)
    for version, step in MIGRATIONS:
        if current < version <= through:
            step(db)
            db.conn.execute(
                "INSERT INTO schema_version (version, applied) VALUES (?, ?)", (version, applied)
            )
    broken = db.conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise StoreError(
            f"cannot upgrade: {len(broken)} row(s) name a row that is not on file, first"
            f" {broken[0][0]} row {broken[0][1]} (a {broken[0][2]} row); nothing was changed"
        )


def recognise(conn: sqlite3.Connection, path: str) -> int:
    """The schema version of an ecert database, read without writing; StoreError saying why
    when the file is not one.

    An ecert database is a SQLite file with a `schema_version` table recording a version from 1
    to LATEST, and every table, with every column, that the migrations up to that version
    create (more tables or columns are tolerated: they are not ours to judge).
    """
    try:
        conn.execute("BEGIN DEFERRED")  # one snapshot, even while another process migrates
        try:
            found = _shape(conn)
            version = None
            if "version" in found.get("schema_version", ()):
                (version,) = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        finally:
            conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot use database {path}: {exc}") from exc
    if not found:
        raise StoreError(f"database {path} has no tables: it is not an ecert database")
    if "schema_version" not in found:
        raise StoreError(
            f"database {path} is not an ecert database (it has no schema_version table):"
            " another program's SQLite file?"
        )
    return recorded(found, version, LATEST, expected_shape, f"database {path}", "database")


def recorded(found: dict[str, frozenset[str]], version, latest: int,
             shape: Callable[[int], dict[str, frozenset[str]]], where: str, kind: str) -> int:
    """The version a ledger records, once it is one this program knows (1 to `latest`) and
    its tables and columns (`found`) are every one `shape(version)` says; else StoreError
    saying why.  `where` and `kind` name it in the message (each store its own way)."""
    if not isinstance(version, int) or version < 1:
        raise StoreError(f"{where} records no schema version: not an ecert {kind}")
    if version > latest:
        raise StoreError(
            f"{where} has schema version {version}; this program knows versions up to"
            f" {latest} (a newer ecert wrote it)"
        )
    wanted = shape(version)
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise StoreError(
            f"{where} is not an ecert {kind} of schema version {version}: it has no"
            f" {', '.join(missing)} table{'s' if len(missing) > 1 else ''}"
        )
    lacking = sorted(f"{t}.{c}" for t in wanted for c in wanted[t] - found[t])
    if lacking:
        raise StoreError(
            f"{where} is not an ecert {kind} of schema version {version}: it lacks"
            f" column{'s' if len(lacking) > 1 else ''} {', '.join(lacking)}"
        )
    return version


@functools.cache
def expected_shape(version: int) -> dict[str, frozenset[str]]:
    """Each table, with its columns, of a database at `version`: the migrations up to it, run
    on an empty database in memory (so the definition of the schema is written once)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(Database(conn), "", through=version)
        return _shape(conn)
    finally:
        conn.close()


def _shape(conn: sqlite3.Connection) -> dict[str, frozenset[str]]:
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        table: frozenset(
            row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", (table,))
        )
        for table in tables
    }
