"""`PostgresStore`: the LedgerStore of store/interface.py on a PostgreSQL server, through psycopg 3."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Self

import psycopg
from psycopg import sql
from psycopg.types.numeric import IntLoader

from ecert_edi.domain.state import CertificateState, EntryState
from ecert_edi.store import interchanges, rows, transmissions
from ecert_edi.store.apply import write_certificate, write_entries
from ecert_edi.store.audit import check_ledger
from ecert_edi.store.connection import DEFAULT_TIMEOUT
from ecert_edi.store.guard import guarded
from ecert_edi.store.interchanges import InterchangeRecord
from ecert_edi.store.interface import (
    Change,
    Discrepancy,
    KeptUnits,
    LedgerRow,
    StoreError,
    StoreMissing,
    TransmissionRecord,
)
from ecert_edi.store.postgres import audit, copy, schema, target
from ecert_edi.store.postgres import rows as prows
from ecert_edi.store.postgres.transactions import Transactions

_guarded = guarded(psycopg.Error)
# what `counts` counts, as the SQLite store does
_COUNTED = ("certificates", "entries", "activities", "transmissions")


class PostgresStore:
    """One ledger in a schema of a PostgreSQL database: the LedgerStore of store/interface.py.

    The guarantees are the SQLite store's.  `write()` is a READ COMMITTED transaction that first
    takes the ledger's advisory lock, so writers take turns as under BEGIN IMMEDIATE; `unit()`
    is a savepoint in it; `read()` is a REPEATABLE READ READ ONLY snapshot that waits for no
    writer.  Every call joins the caller's open transaction, or runs in one of its own.
    """

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

    # -- opening -----------------------------------------------------------------------------
    def _open(self, create: bool) -> None:
        """Recognise the ledger from a snapshot; build or migrate it under the write lock (two
        processes opening a new ledger at once: the second finds it built)."""
        with self.tx.read():
            if self._looked(create) == schema.LATEST:
                return
        with self.tx.write():
            current = self._looked(create)
            if current == schema.LATEST:
                return
            if current == -1:
                self.conn.execute(
                    sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.target.schema)))
                current = 0
            schema.migrate(self.conn.execute, current,
                           dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

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

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------------
    def write(self) -> AbstractContextManager[None]:
        """A write transaction holding the ledger's write lock, rolled back on an exception."""
        return self.tx.write()

    def read(self) -> AbstractContextManager[None]:
        """A read snapshot (REPEATABLE READ READ ONLY)."""
        return self.tx.read()

    def unit(self) -> AbstractContextManager[None]:
        """A savepoint for one inbound transaction, rolled back on an exception."""
        return self.tx.savepoint()

    @property
    def generation(self) -> int:
        """Changes at every new transaction and every rollback (store/postgres/transactions.py)."""
        return self.tx.generation

    # -- state the rules decide against -------------------------------------------------------
    @_guarded
    def certificate(self, country: str, number: str, *, tariffs: bool = True
                    ) -> CertificateState | None:
        return prows.certificate(self.conn, (country, number), tariffs)

    @_guarded
    def certificates_by_ior(self, ior: str) -> list[CertificateState]:
        return list(rows.certificates_where(self.sql, "ior = ?", (ior,)))

    @_guarded
    def certificates_of_country(self, country: str) -> list[CertificateState]:
        return list(rows.certificates_where(self.sql, "country = ?", (country,)))

    @_guarded
    def all_certificates(self) -> Iterator[CertificateState]:
        with self.read():
            for row in prows.streamed(self.conn, f"SELECT {rows.CERTIFICATE_COLUMNS}"
                                      " FROM certificates ORDER BY country, number", ()):
                yield rows.certificate_state(row)

    @_guarded
    def entry(self, entry_number: str) -> EntryState | None:
        return rows.entry(self.sql, entry_number)

    @_guarded
    def certificates(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str],
                                                                   CertificateState]:
        return prows.certificates(self.conn, keys)

    @_guarded
    def entries(self, entry_numbers: Iterable[str]) -> dict[str, EntryState]:
        return rows.entries(self.sql, entry_numbers)

    @_guarded
    def usage(self, country: str, number: str) -> Iterator[tuple]:
        """A certificate's ledger rows in USAGE_FIELDS order, through a server-side cursor."""
        with self.read():
            yield from prows.usage_values(self.conn, (country, number))

    @_guarded
    def ledger(self, country: str, number: str) -> Iterator[LedgerRow]:
        """A certificate's ledger rows, oldest first, through a server-side cursor."""
        with self.read():
            yield from prows.ledger(self.conn, (country, number))

    # -- the unit of work ---------------------------------------------------------------------
    @_guarded
    def apply(self, changes: Iterable[Change]) -> None:
        """Write a group of accepted decisions (store/apply.py, as the SQLite store): each
        certificate's balance moves by one conditional UPDATE from the balance the group was
        decided against, which must still be stored, else StoreError."""
        with self.write():
            run: list[Change] = []
            for change in changes:
                decision = change.decision
                if decision.entry is not None or decision.activities:
                    run.append(change)
                    continue
                if run:
                    write_entries(self.sql, run)
                    run = []
                if decision.certificate is not None:
                    write_certificate(self.sql, decision.certificate, rows.stamp(change.clock),
                                      with_tariffs=change.details)
            if run:
                write_entries(self.sql, run)

    # -- transmissions (store/transmissions.py) ------------------------------------------------
    @_guarded
    def find_transmission(self, sender_type: str | None, sender_id: str | None,
                          control_number: str | None) -> TransmissionRecord | None:
        return transmissions.find(self.sql, sender_type, sender_id, control_number)

    @_guarded
    def transmissions(self) -> Iterator[TransmissionRecord]:
        with self.read():
            yield from transmissions.listing(self.sql)

    @_guarded
    def entry_ledger(self, entry_number: str) -> Iterator[LedgerRow]:
        yield from rows.entry_ledger(self.sql, entry_number)

    @_guarded
    def transmissions_in_progress(self) -> list[TransmissionRecord]:
        with self.read():
            return transmissions.in_progress(self.sql)

    @_guarded
    def begin_transmission(self, sender_type: str | None, sender_id: str | None,
                           control_number: str | None, content_hash: str, clock: dt.datetime
                           ) -> int:
        """Record a transmission in progress (the unique key of sender and control number
        refuses a second row; under the write lock none is attempted); its id."""
        with self.write():
            return transmissions.begin(
                self.sql, sender_type, sender_id, control_number, content_hash, clock,
                lambda text, params: self.sql.execute(text + " RETURNING id", params
                                                      ).fetchone()[0])

    @_guarded
    def chunk(self, transmission: int, seq: int) -> KeptUnits | None:
        return transmissions.chunk(self.sql, transmission, seq)

    @_guarded
    def applied_through(self, transmission: int) -> int:
        return transmissions.applied_through(self.sql, transmission)

    @_guarded
    def save_chunk(self, transmission: int, seq: int, text: str, accepted: int, *,
                   first: int | None = None, units: int = 1) -> None:
        with self.write():
            transmissions.save_chunk(self.sql, transmission, seq, text, accepted, first, units)

    @_guarded
    def chunks(self, transmission: int) -> Iterator[str]:
        yield from transmissions.chunks(self.sql, transmission)

    @_guarded
    def finish_transmission(self, transmission: int) -> None:
        with self.write():
            transmissions.finish(self.sql, transmission)

    @_guarded
    def transmission_complete(self, transmission: int) -> bool:
        return transmissions.is_complete(self.sql, transmission)

    @_guarded
    def complete_transmission(self, transmission: int, parts: Iterable[str]) -> bool:
        with self.write():
            return transmissions.complete(self.sql, transmission, parts)

    @_guarded
    def response(self, transmission: int) -> Iterator[str]:
        with self.read():
            for (text,) in prows.streamed(
                self.conn, "SELECT text FROM responses WHERE transmission_id = %s ORDER BY part",
                (transmission,),
            ):
                yield text

    @_guarded
    def copy_to(self, path: str | os.PathLike) -> None:
        """A consistent copy of the whole ledger as a new SQLite database at `path`
        (store/postgres/copy.py): what a dry run works on, so nothing it does reaches the
        server."""
        with self.read():
            copy.to_sqlite(self.conn, os.fspath(path))

    # -- X12 interchanges ------------------------------------------------------------------------
    @_guarded
    def interchange(self, digest: str, reservation: tuple[str, str, str, str] | None, usage: str,
                    clock: dt.datetime, wanted: Sequence[str]) -> InterchangeRecord:
        with self.write():
            return interchanges.record_interchange(self.sql, digest, reservation, usage, clock,
                                                   wanted)

    @_guarded
    def complete_interchange(self, digest: str) -> None:
        with self.write():
            interchanges.complete_interchange(self.sql, digest)

    # -- operators -----------------------------------------------------------------------------
    @_guarded
    def check_database(self) -> list[str]:
        """What the server's catalogue says is not in force in the ledger's schema: a constraint
        not validated, an index not valid, an append-only trigger missing or disabled."""
        with self.read():
            return audit.catalogue_problems(self.conn, self.target.schema)

    @_guarded
    def check_ledger(self) -> list[Discrepancy]:
        """Every certificate whose balance disagrees with its ledger or its active entry lines."""
        with self.read():
            return check_ledger(self.sql)

    @_guarded
    def counts(self) -> dict[str, int]:
        with self.read():
            return {table: self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                    for table in _COUNTED}
