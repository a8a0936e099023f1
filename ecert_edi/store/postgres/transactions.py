"""Write transactions serialised by an advisory lock, read snapshots and savepoints on one connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors

from ecert_edi.store.interface import StoreBusy, StoreError
from ecert_edi.store.nesting import Nesting

# what another session holding what this one waits for, or a conflict the server resolved by
# cancelling this one, says: trying again later may succeed
_BUSY = (errors.LockNotAvailable, errors.DeadlockDetected, errors.SerializationFailure,
         errors.QueryCanceled)
WRITE = "BEGIN ISOLATION LEVEL READ COMMITTED"
READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
# One transaction-level advisory lock a ledger (its schema), taken at the start of every write
# transaction: writers of one ledger take turns, as SQLite's BEGIN IMMEDIATE makes them, so a
# commit group decides against balances no other writer can move before it commits, and the
# re-check of a transmission at each group sees every group another process committed.
# Readers never wait for it (REPEATABLE READ snapshots).
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
        # every rollback.  Inside one write transaction no other writer commits (the lock).

    def failure(self, exc: psycopg.Error) -> StoreError:
        if isinstance(exc, _BUSY):
            return StoreBusy(f"database {self.shown}: {exc}")
        return StoreError(f"database {self.shown}: {exc}")

    def in_transaction(self) -> bool:
        return self._mode is not None

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
            if begin == WRITE:
                self.conn.execute(LOCK, (self.lock_name,))
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
