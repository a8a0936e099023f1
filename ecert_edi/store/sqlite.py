"""The SQLite store: certificates, entries, the append-only ledger and transmissions in one file."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Iterator

from sqlite_utils import Database

from ecert_edi.domain.state import CertificateState
from ecert_edi.store import connection, ledger_index, rows
from ecert_edi.store.audit import CHECKED, check_database
from ecert_edi.store.connection import DEFAULT_TIMEOUT, MEMORY, Transactions
from ecert_edi.store.guard import guarded
from ecert_edi.store.interface import Change, LedgerRow, StoreError, StoreMissing
from ecert_edi.store.schema import LATEST, migrate, recognise
from ecert_edi.store.shared import SharedStore


def _now() -> str:
    """When a migration was applied (wall time: it is no part of the processing state)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class SQLiteStore(SharedStore):
    """One SQLite database of certificates, entries, the activity ledger and transmissions: the
    LedgerStore of store/interface.py.

    Writes happen inside `write()` (BEGIN IMMEDIATE … COMMIT); each inbound transaction is applied
    inside its own `unit()` (a savepoint).  What SQLite does as PostgreSQL does is
    store/shared.py's; here is what is SQLite's own.
    """

    def __init__(self, path: str | os.PathLike = "ecert.db", *, timeout: float = DEFAULT_TIMEOUT,
                 create: bool = True):
        """Open the ecert database at path; when it does not exist, create it if `create`, else
        StoreError. An existing file that is not an ecert database (empty, another program's, a
        newer schema: `schema.recognise`) is StoreError, and nothing is written to it."""
        self.path = os.fspath(path)
        if self.path != MEMORY:
            if not os.path.lexists(self.path):
                if not create:
                    raise StoreMissing(
                        f"database {self.path} does not exist (only `ecert process` and"
                        " `ecert watch` create one)"
                    )
                connection.create(self.path, self._build, timeout)
            # what is at the path now (this process's new database, or another's made meanwhile)
            problem = connection.file_problem(self.path)
            if problem is not None:
                raise StoreError(f"database {self.path} {problem}")
        self.conn = connection.connect(self.path, timeout)
        self.sql = self.conn
        self.tx = Transactions(self.conn, self.path)
        try:
            current = 0 if self.path == MEMORY else recognise(self.conn, self.path)
            connection.configure(self.conn, self.path)
            if current < LATEST:
                self._migrate()
        except BaseException:
            self.conn.close()
            raise

    def _build(self, conn: sqlite3.Connection) -> None:
        """Every migration on a new, empty database (before it has its name)."""
        with Transactions(conn, self.path).write():
            migrate(Database(conn, recursive_triggers=False, execute_plugins=False), _now())
        # the tables later migrations rebuild leave free pages behind: an empty file, compacted
        conn.execute("VACUUM")

    def _inserted(self, sql: str, params: tuple) -> int:
        return self.conn.execute(sql, params).lastrowid

    def _migrate(self) -> None:
        # SQLite's procedure for rebuilding a table (schema v3) wants foreign keys off, which a
        # transaction cannot change; migrate() checks them before its commit.
        db = Database(self.conn, recursive_triggers=False, execute_plugins=False)
        self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with self.tx.write():
                migrate(db, _now())
        except StoreError as exc:
            if self.path in str(exc):  # already names the database (StoreBusy keeps its type)
                raise
            raise StoreError(f"database {self.path}: {exc}") from exc
        finally:
            self.conn.execute("PRAGMA foreign_keys = ON")

    # -- the ledger's index by certificate (store/ledger_index.py) -------------------------------
    @guarded
    def apply(self, changes: Iterable[Change]) -> None:
        """SharedStore.apply, then the ledger's tail indexed once it is TAIL_ROWS long."""
        with self.write():
            super().apply(changes)
            ledger_index.index_tail(self.conn, ledger_index.TAIL_ROWS)

    def _completing(self) -> None:
        """The ledger's tail indexed in the write that completes a transmission, as it commits
        (once for a batch of small files): a database at rest has its whole ledger indexed."""
        self.tx.before_commit(self._index_tail)

    def _index_tail(self) -> None:
        ledger_index.index_tail(self.conn)

    def _ledger_in_certificate_order(self) -> Iterator[tuple]:
        return ledger_index.in_certificate_order(self.conn, CHECKED)

    @guarded
    def certificate(self, country: str, number: str, *, tariffs: bool = True
                    ) -> CertificateState | None:
        """One certificate by key, its tariff list included unless told not to."""
        return rows.certificate(self.conn, (country, number), tariffs)

    @guarded
    def all_certificates(self) -> Iterator[CertificateState]:
        """Every certificate, by issuing country then number."""
        yield from rows.certificates_where(self.conn)

    @guarded
    def certificates(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str],
                                                                   CertificateState]:
        """The certificates on file among `keys` (issuing country, number), their tariff lists
        included."""
        return rows.certificates(self.conn, keys)

    @guarded
    def usage(self, country: str, number: str) -> Iterator[tuple]:
        """A certificate's ledger rows, oldest first, in USAGE_FIELDS order."""
        yield from rows.usage_values(self.conn, (country, number))

    @guarded
    def ledger(self, country: str, number: str) -> Iterator[LedgerRow]:
        """A certificate's ledger rows, oldest first."""
        yield from rows.ledger(self.conn, (country, number))

    @guarded
    def copy_to(self, path: str | os.PathLike) -> None:
        """A consistent copy of the whole database at `path` (SQLite's online backup): what a
        dry run works on, so that nothing it does reaches this database."""
        target = sqlite3.connect(os.fspath(path))
        try:
            self.conn.backup(target)
        finally:
            target.close()

    @guarded
    def check_database(self) -> list[str]:
        """What SQLite's own checks find wrong with the file: `PRAGMA integrity_check` (pages,
        indexes against their tables, NOT NULL and CHECK constraints) and
        `PRAGMA foreign_key_check`, and the ledger's index by certificate held to the ledger
        (store/ledger_index.py); empty when the database is sound."""
        with self.read():
            return check_database(self.conn) + ledger_index.problems(self.conn)
