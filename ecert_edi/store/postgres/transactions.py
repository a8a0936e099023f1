"""Write transactions that lock the rows they decide on, read snapshots and savepoints on one connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors

from ecert_edi.store.interface import StoreBusy, StoreConflict, StoreError
from ecert_edi.store.nesting import Nesting

# a clash with another writer the server resolved by failing this transaction: nothing of it
# is kept, and running it again from the start may succeed (the unique keys of entries, lines,
# transmissions and saved responses make two writers of the same thing clash, never both win)
_CONFLICT = (errors.SerializationFailure, errors.DeadlockDetected, errors.UniqueViolation)
# another session held what this one waited for past the wait allowed
_BUSY = (errors.LockNotAvailable, errors.QueryCanceled)
# Writers go on side by side: each locks the rows it decides on (store/postgres/rows.py) until it
# commits, so a balance it read cannot move under it, and the server serialises writers per
# certificate, not per ledger.  Readers never wait (REPEATABLE READ snapshots).
WRITE = "BEGIN ISOLATION LEVEL READ COMMITTED"
READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
# One transaction-level advisory lock a ledger (its schema), taken only to build or migrate it,
# so two processes opening a new ledger at once do not both build it.
LOCK = "SELECT pg_advisory_xact_lock(hashtext(%s))"


class Transactions(Nesting):
    """Explicit transactions over one connection in autocommit mode."""

    errors = (psycopg.Error,)
    WRITE = WRITE
    READ = READ

    def __init__(self, conn: psycopg.Connection, shown: str, lock_name: str) -> None:
        super().__init__()
        self.conn = conn
        self.shown = shown
        self.lock_name = lock_name
        self._mode: str | None = None  # WRITE or READ while a transaction is open
        # No counter on the server says whether anyone committed since this connection last
        # looked (SQLite's data_version): each new transaction is a new generation, and so is
        # every rollback.  Inside one write transaction what it read is locked until it ends.

    def failure(self, exc: psycopg.Error) -> StoreError:
        if isinstance(exc, _CONFLICT):
            return StoreConflict(f"database {self.shown}: {exc}")
        if isinstance(exc, _BUSY):
            return StoreBusy(f"database {self.shown}: {exc}")
        return StoreError(f"database {self.shown}: {exc}")

    def in_transaction(self) -> bool:
        return self._mode is not None

    def writing(self) -> bool:
        """Whether a write transaction is open: what is read in it is locked for it."""
        return self._mode == WRITE

    def lock_ledger(self) -> None:
        """The ledger's advisory lock, held until the open write transaction ends."""
        self.conn.execute(LOCK, (self.lock_name,))

    def execute(self, statement: str) -> psycopg.Cursor:
        return self.conn.execute(statement)

    def _join(self, begin: str) -> None:
        if begin == WRITE and self._mode == READ:
            raise StoreError(f"database {self.shown}: a write inside a read snapshot")

    def _rollback(self) -> None:
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE \
                and not self.conn.closed:
            self.conn.execute("ROLLBACK")

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[None]:
        self.generation += 1
        try:
            self.conn.execute(begin)
        except psycopg.Error as exc:
            self._safely_rolled_back()
            raise self.failure(exc) from exc
        self._mode = begin
        try:
            yield
        except BaseException as exc:
            self.generation += 1
            self._mode = None
            self._safely_rolled_back()
            if isinstance(exc, psycopg.Error):
                raise self.failure(exc) from exc
            raise
        self._mode = None
        if self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            # a statement failed and its error was caught: PostgreSQL would answer COMMIT with
            # a silent rollback, so the loss is said instead
            self.generation += 1
            self._safely_rolled_back()
            raise StoreError(f"database {self.shown}: a statement of the transaction failed;"
                             " nothing of it was kept")
        try:
            self.conn.execute("COMMIT")
        except psycopg.Error as exc:
            self.generation += 1
            self._safely_rolled_back()
            raise self.failure(exc) from exc

    def _safely_rolled_back(self) -> None:
        """Roll back what is open; a connection that is gone has nothing open to undo."""
        try:
            self._rollback()
        except psycopg.Error:
            pass
