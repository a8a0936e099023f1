"""The keys file: API keys in a SQLite file of their own beside the ledger (docs/http.md)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator

from ecert_edi.surfaces.http.keys import KeyRecord, Principal

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
  key_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('CG', 'FL', 'operator')),
  code TEXT,
  created TEXT NOT NULL,
  revoked TEXT,
  salt BLOB NOT NULL,
  digest BLOB NOT NULL
)
"""


def keys_path(db: str, keys: str | None = None) -> str:
    """The keys file: `keys` when given, else `ecert-keys.db` beside a SQLite `--db`."""
    if keys:
        return keys
    if "://" in db:
        raise ValueError("a PostgreSQL ledger keeps no keys file beside it: give --keys PATH")
    return os.path.join(os.path.dirname(os.path.abspath(db)), "ecert-keys.db")


class SQLiteKeyStore:
    """A `KeyStore` in a SQLite file."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                     timeout=30)
        self._conn.execute(SCHEMA)
        self._lock = threading.Lock()  # one connection, the server's threads taking turns
        try:
            os.chmod(path, 0o600)  # hashes only, but nobody else's business
        except OSError:
            pass

    def add(self, record: KeyRecord) -> None:
        p = record.principal
        with self._lock:
            self._conn.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (record.key_id, p.kind, p.code, record.created, record.revoked,
                                record.salt, record.digest))

    def get(self, key_id: str) -> KeyRecord | None:
        with self._lock:
            row = self._conn.execute("SELECT * FROM api_keys WHERE key_id = ?",
                                     (key_id,)).fetchone()
        return None if row is None else _record(row)

    def all(self) -> Iterator[KeyRecord]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM api_keys ORDER BY created, key_id").fetchall()
        yield from map(_record, rows)

    def revoke(self, key_id: str, when: str) -> bool:
        with self._lock:
            done = self._conn.execute(
                "UPDATE api_keys SET revoked = ? WHERE key_id = ? AND revoked IS NULL",
                (when, key_id))
        return done.rowcount == 1

    def close(self) -> None:
        self._conn.close()


def _record(row) -> KeyRecord:
    key_id, kind, code, created, revoked, salt, digest = row
    return KeyRecord(key_id, Principal(kind, code), created, revoked, bytes(salt), bytes(digest))
