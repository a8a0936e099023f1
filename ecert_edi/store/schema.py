"""The database schema as a list of migrations, applied in order when a store opens."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlite_utils import Database


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


# (version, migration): each runs once, in order, inside the write transaction that records it.
MIGRATIONS: list[tuple[int, Callable[[Database], None]]] = [(1, _v1), (2, _v2)]
LATEST = MIGRATIONS[-1][0]


def schema_version(conn: sqlite3.Connection) -> int:
    """The version recorded in the database, 0 for a new one."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if exists is None:
        return 0
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def migrate(db: Database, applied: str) -> None:
    """Apply every migration newer than the database (the caller holds the write lock)."""
    if not db["schema_version"].exists():
        db["schema_version"].create({"version": int, "applied": str}, pk="version")
    current = schema_version(db.conn)
    for version, step in MIGRATIONS:
        if version > current:
            step(db)
            db.conn.execute(
                "INSERT INTO schema_version (version, applied) VALUES (?, ?)", (version, applied)
            )
