"""Opening the SQLite database: WAL, full sync, a busy timeout, and explicit transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ecert_edi.store.interface import StoreBusy, StoreError

DEFAULT_TIMEOUT = 30.0  # seconds a writer waits for another process's write lock
CACHE_KIB = 65536  # SQLite page cache: the certificates and ledger pages a batch touches

# another connection holds the lock past the busy timeout
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def connect(path: str, timeout: float = DEFAULT_TIMEOUT) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly), created when absent."""
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # a savepoint's statement journal in memory, not in a temporary file (one per unit)
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"cannot use database {path}: {exc}") from exc
    return conn


class Transactions:
    """Explicit write transactions and savepoints over one connection."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._savepoints = 0
        # Changes when another connection has committed since this one last looked, and at every
        # rollback: what this connection read (and wrote) under one generation is still what is
        # stored (no other process writes while BEGIN IMMEDIATE holds the lock).
        self.generation = 0
        self._data_version: int | None = None

    def failure(self, exc: sqlite3.Error) -> StoreError:
        if getattr(exc, "sqlite_errorcode", None) in _BUSY or "database is locked" in str(exc):
            return StoreBusy(f"database {self.path}: {exc}")
        return StoreError(f"database {self.path}: {exc}")

    @contextmanager
    def write(self) -> Iterator[None]:
        """`BEGIN IMMEDIATE` … `COMMIT`, rolled back on an exception; joins an open transaction."""
        if self.conn.in_transaction:
            yield
            return
        with self._transaction("BEGIN IMMEDIATE"):
            yield

    @contextmanager
    def read(self) -> Iterator[None]:
        """A read transaction: one consistent snapshot; joins an open transaction."""
        if self.conn.in_transaction:
            yield
            return
        with self._transaction("BEGIN DEFERRED"):
            yield

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint inside the write transaction (begun when none is open), undone on error.

        A savepoint inside a savepoint joins it: the outer one already makes the unit atomic.
        """
        if self._savepoints:
            yield
            return
        with self.write():
            self._savepoints += 1
            name = f"unit_{self._savepoints}"
            try:
                self.conn.execute(f"SAVEPOINT {name}")
                try:
                    yield
                except BaseException:
                    self.generation += 1
                    if self.conn.in_transaction:
                        self.conn.execute(f"ROLLBACK TO {name}")
                        self.conn.execute(f"RELEASE {name}")
                    raise
                self.conn.execute(f"RELEASE {name}")
            except sqlite3.Error as exc:
                raise self.failure(exc) from exc
            finally:
                self._savepoints -= 1

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[None]:
        try:
            self.conn.execute(begin)
            # read inside the transaction, so no commit can slip in between look and use
            (version,) = self.conn.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error as exc:
            self.generation += 1
            raise self.failure(exc) from exc
        if version != self._data_version:
            self._data_version = version
            self.generation += 1
        try:
            yield
        except BaseException as exc:
            self.generation += 1
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self.failure(exc) from exc
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self.generation += 1
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise self.failure(exc) from exc
