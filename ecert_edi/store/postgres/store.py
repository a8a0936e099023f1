"""`PostgresStore`: the LedgerStore of store/interface.py on a PostgreSQL server, through psycopg 3."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator

import psycopg
from psycopg import sql
from psycopg.types.numeric import IntLoader

from ecert_edi.domain.state import CertificateState, EntryState
from ecert_edi.store import rows, transmissions
from ecert_edi.store.connection import DEFAULT_TIMEOUT
from ecert_edi.store.guard import guarded
from ecert_edi.store.interface import (
    Change,
    LedgerRow,
    StoreError,
    StoreMissing,
    TransmissionRecord,
)
from ecert_edi.store.postgres import audit, copy, schema, target
from ecert_edi.store.postgres import rows as prows
from ecert_edi.store.postgres.apply import write_entries
from ecert_edi.store.postgres.transactions import Transactions
from ecert_edi.store.shared import SharedStore


class PostgresStore(SharedStore):
    """One ledger in a schema of a PostgreSQL database: the LedgerStore of store/interface.py.

    The guarantees are the SQLite store's, but writers do not take turns: `write()` is a READ
    COMMITTED transaction in which every certificate, entry and transmission read is locked
    (FOR NO KEY UPDATE) until it commits, so what it decides against cannot move under it, and
    a clash with another writer is StoreConflict (nothing kept, to be run again); `unit()` is a
    savepoint in it; `read()` is a REPEATABLE READ READ ONLY snapshot that waits for no
    writer.  Every call joins the caller's open transaction, or runs in one of its own.  What
    PostgreSQL does as SQLite does is store/shared.py's; here is what is PostgreSQL's own.
    """

    writers_take_turns = False

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT, create: bool = True):
        """Open the ledger a `postgresql://` URL names (`?schema=` picks its schema, default
        `ecert`); a schema that does not exist, or has no tables, is made a new ledger if
        `create`, else StoreMissing.  Tables that are not an ecert ledger are StoreError, and
        nothing is written to them.  The database itself must exist."""
        self.target = target.parse(url)
        self.path = self.target.shown
        try:
            self.conn = psycopg.connect(self.target.conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to database {self.path}: {exc}") from exc
        # sums of bigint columns are numeric in PostgreSQL; a quantity is a whole number
        self.conn.adapters.register_loader("numeric", IntLoader)
        self.tx = Transactions(self.conn, self.path, f"ecert:{self.target.schema}")
        self.sql = prows.Qmark(self.conn)
        try:
            self.conn.execute(
                "SELECT set_config('search_path', %s, false), set_config('lock_timeout', %s,"
                " false)",
                (sql.Identifier(self.target.schema).as_string(self.conn),
                 f"{max(1, int(timeout * 1000))}ms"))
            self._open(create)
        except psycopg.Error as exc:
            self.conn.close()
            raise StoreError(f"cannot use database {self.path}: {exc}") from exc
        except BaseException:
            self.conn.close()
            raise

    def _open(self, create: bool) -> None:
        """Recognise the ledger from a snapshot; build or migrate it under the ledger's
        advisory lock (two processes opening a new ledger at once: the second finds it
        built)."""
        with self.tx.read():
            if self._looked(create) == schema.LATEST:
                return
        with self.tx.write():
            self.tx.lock_ledger()
            current = self._looked(create)
            if current == schema.LATEST:
                return
            if current == -1:
                self.conn.execute(
                    sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.target.schema)))
                current = 0
            schema.migrate(self.conn.execute, current,
                           dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def _inserted(self, text: str, params: tuple) -> int:
        return self.sql.execute(text + " RETURNING id", params).fetchone()[0]

    def _write_entries(self, run: list[Change]) -> None:
        """COPY and one conditional UPDATE (store/postgres/apply.py)."""
        write_entries(self.conn, run)

    def _looked(self, create: bool) -> int:
        """The ledger's schema version; 0 for an empty schema, -1 for none (when `create`)."""
        where = f"schema {self.target.schema} of {self.path}"
        exists = self.conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.target.schema,)).fetchone()
        found: dict[str, set[str]] = {}
        if exists:
            for table, column in self.conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = %s", (self.target.schema,)
            ):
                found.setdefault(table, set()).add(column)
        if not found:
            if not create:
                raise StoreMissing(
                    f"{where} holds no ecert ledger (only `ecert process` and `ecert watch`"
                    " create one)")
            return 0 if exists else -1
        version = None
        if "version" in found.get("schema_version", ()):
            (version,) = self.conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return schema.recognise({t: frozenset(c) for t, c in found.items()}, version, where)

    def _lock(self) -> str:
        """The locking clause of what a write reads (none in a snapshot)."""
        return prows.LOCK if self.tx.writing() else ""

    @guarded
    def certificate(self, country: str, number: str, *, tariffs: bool = True
                    ) -> CertificateState | None:
        return prows.certificate(self.conn, (country, number), tariffs, self._lock())

    @guarded
    def all_certificates(self) -> Iterator[CertificateState]:
        with self.read():
            for row in prows.streamed(self.conn, f"SELECT {rows.CERTIFICATE_COLUMNS}"
                                      " FROM certificates ORDER BY country, number", ()):
                yield rows.certificate_state(row)

    @guarded
    def certificates(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str],
                                                                   CertificateState]:
        return prows.certificates(self.conn, keys, self._lock())

    @guarded
    def entry(self, entry_number: str) -> EntryState | None:
        return prows.entries(self.conn, (entry_number,), self._lock()).get(entry_number)

    @guarded
    def entries(self, entry_numbers: Iterable[str]) -> dict[str, EntryState]:
        return prows.entries(self.conn, entry_numbers, self._lock())

    @guarded
    def find_transmission(self, sender_type: str | None, sender_id: str | None,
                          control_number: str | None) -> TransmissionRecord | None:
        return transmissions.find(self.sql, sender_type, sender_id, control_number,
                                  self._lock())

    @guarded
    def transmission_complete(self, transmission: int) -> bool:
        return transmissions.is_complete(self.sql, transmission, self._lock())

    @guarded
    def usage(self, country: str, number: str) -> Iterator[tuple]:
        """A certificate's ledger rows in USAGE_FIELDS order, through a server-side cursor."""
        with self.read():
            yield from prows.usage_values(self.conn, (country, number))

    @guarded
    def ledger(self, country: str, number: str) -> Iterator[LedgerRow]:
        """A certificate's ledger rows, oldest first, through a server-side cursor."""
        with self.read():
            yield from prows.ledger(self.conn, (country, number))

    @guarded
    def response(self, transmission: int) -> Iterator[str]:
        with self.read():
            for (text,) in prows.streamed(
                self.conn, "SELECT text FROM responses WHERE transmission_id = %s ORDER BY part",
                (transmission,),
            ):
                yield text

    @guarded
    def copy_to(self, path: str | os.PathLike) -> None:
        """A consistent copy of the whole ledger as a new SQLite database at `path`
        (store/postgres/copy.py): what a dry run works on, so nothing it does reaches the
        server."""
        with self.read():
            copy.to_sqlite(self.conn, os.fspath(path))

    @guarded
    def check_database(self) -> list[str]:
        """What the server's catalogue says is not in force in the ledger's schema: a constraint
        not validated, an index not valid, an append-only trigger missing or disabled."""
        with self.read():
            return audit.catalogue_problems(self.conn, self.target.schema)
