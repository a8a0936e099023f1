"""A PostgreSQL ledger copied into a new SQLite database: what a dry run of it works on."""

from __future__ import annotations

import datetime as dt
import os

import psycopg

from ecert_edi.store import ledger_index
from ecert_edi.store.interface import StoreError
from ecert_edi.store.sqlite import SQLiteStore

# parents before the rows that name them
TABLES = ("certificates", "certificate_tariffs", "entries", "entry_lines", "transmissions",
          "activities", "response_chunks", "responses", "interchanges", "interchange_keys",
          "control_counters")


def _as_sqlite(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def to_sqlite(conn: psycopg.Connection, path: str) -> None:
    """Every row of the ledger, read inside the caller's snapshot, into a new SQLite ledger at
    `path` (row ids kept, so responses still name their transmissions)."""
    if os.path.lexists(path):
        raise StoreError(f"cannot copy the ledger to {path}: something is there already")
    with SQLiteStore(path, create=True) as copy, copy.write():
        for table in TABLES:
            columns = [row[1] for row in copy.conn.execute(f"PRAGMA table_info({table})")]
            names = ", ".join(columns)
            with conn.cursor(name=f"ecert_copy_{table}") as cur:
                cur.itersize = 5000
                cur.execute(f"SELECT {names} FROM {table}")
                copy.conn.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})",
                    (tuple(map(_as_sqlite, row)) for row in cur))
        ledger_index.index_tail(copy.conn)  # the copied ledger, indexed as SQLite's own is
