"""The SQLite store: certificates, entries, the append-only ledger and transmissions in one file."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Self

from sqlite_utils import Database

from ecert_edi.domain.state import CertificateState, EntryState
from ecert_edi.store import connection, interchanges, rows, transmissions
from ecert_edi.store.apply import write_certificate, write_entries
from ecert_edi.store.audit import check_database, check_ledger
from ecert_edi.store.connection import DEFAULT_TIMEOUT, MEMORY, Transactions
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
from ecert_edi.store.schema import LATEST, migrate, recognise

_guarded = guarded(sqlite3.Error)


def _now() -> str:
    """When a migration was applied (wall time: it is no part of the processing state)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class SQLiteStore:
    """One SQLite database of certificates, entries, the activity ledger and transmissions: the
    LedgerStore of store/interface.py.

    Writes happen inside `write()` (BEGIN IMMEDIATE … COMMIT); each inbound transaction is applied
    inside its own `unit()` (a savepoint).  Every apply / begin_* / save_* call joins the caller's
    open transaction, or opens one of its own when there is none.
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
        self.tx = Transactions(self.conn, self.path)
        try:
            current = 0 if self.path == MEMORY else recognise(self.conn, self.path)
            connection.configure(self.conn, self.path)
            if current < LATEST:
                self._migrate()
        except BaseException:
            self.conn.close()
            raise

    # -- connection ---------------------------------------------------------------------------
    def _build(self, conn: sqlite3.Connection) -> None:
        """Every migration on a new, empty database (before it has its name)."""
        with Transactions(conn, self.path).write():
            migrate(Database(conn, recursive_triggers=False, execute_plugins=False), _now())
        # the tables later migrations rebuild leave free pages behind: an empty file, compacted
        conn.execute("VACUUM")

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

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write(self) -> AbstractContextManager[None]:
        """A write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on an exception)."""
        return self.tx.write()

    def read(self) -> AbstractContextManager[None]:
        """A read transaction: one consistent snapshot of the database."""
        return self.tx.read()

    def unit(self) -> AbstractContextManager[None]:
        """A savepoint for one inbound transaction, rolled back on an exception."""
        return self.tx.savepoint()

    @property
    def generation(self) -> int:
        """Changes when another connection has committed or anything was rolled back."""
        return self.tx.generation

    # -- state the rules decide against -------------------------------------------------------
    @_guarded
    def certificate(self, country: str, number: str, *, tariffs: bool = True
                    ) -> CertificateState | None:
        """One certificate by key, its tariff list included unless told not to."""
        return rows.certificate(self.conn, (country, number), tariffs)

    @_guarded
    def certificates_by_ior(self, ior: str) -> list[CertificateState]:
        """Every certificate of an IOR, by issuing country then number."""
        return list(rows.certificates_where(self.conn, "ior = ?", (ior,)))

    @_guarded
    def certificates_of_country(self, country: str) -> list[CertificateState]:
        """Every certificate of an issuing country, by number."""
        return list(rows.certificates_where(self.conn, "country = ?", (country,)))

    @_guarded
    def all_certificates(self) -> Iterator[CertificateState]:
        """Every certificate, by issuing country then number."""
        yield from rows.certificates_where(self.conn)

    @_guarded
    def entry(self, entry_number: str) -> EntryState | None:
        """One entry by number, its lines included, or None."""
        return rows.entry(self.conn, entry_number)

    @_guarded
    def certificates(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str],
                                                                   CertificateState]:
        """The certificates on file among `keys` (issuing country, number), their tariff lists
        included."""
        return rows.certificates(self.conn, keys)

    @_guarded
    def entries(self, entry_numbers: Iterable[str]) -> dict[str, EntryState]:
        """The entries on file among `entry_numbers`, by number, their lines included."""
        return rows.entries(self.conn, entry_numbers)

    @_guarded
    def usage(self, country: str, number: str) -> Iterator[tuple]:
        """A certificate's ledger rows, oldest first, in USAGE_FIELDS order."""
        yield from rows.usage_values(self.conn, (country, number))

    @_guarded
    def ledger(self, country: str, number: str) -> Iterator[LedgerRow]:
        """A certificate's ledger rows, oldest first."""
        yield from rows.ledger(self.conn, (country, number))

    # -- the unit of work -----------------------------------------------------------------------
    @_guarded
    def apply(self, changes: Iterable[Change]) -> None:
        """Write a group of accepted decisions: certificates, entries, ledger rows and balances
        (a run of entry decisions with one statement per table)."""
        with self.write():
            run: list[Change] = []
            for change in changes:
                decision = change.decision
                if decision.entry is not None or decision.activities:
                    run.append(change)
                    continue
                if run:
                    write_entries(self.conn, run)
                    run = []
                if decision.certificate is not None:
                    write_certificate(self.conn, decision.certificate, rows.stamp(change.clock),
                                      with_tariffs=change.details)
            if run:
                write_entries(self.conn, run)

    # -- transmissions (store/transmissions.py) ------------------------------------------------
    @_guarded
    def find_transmission(
        self, sender_type: str | None, sender_id: str | None, control_number: str | None
    ) -> TransmissionRecord | None:
        """The transmission recorded under a (sender type, sender ID, control number), if any."""
        return transmissions.find(self.conn, sender_type, sender_id, control_number)

    @_guarded
    def transmissions(self) -> Iterator[TransmissionRecord]:
        """Every transmission recorded, in the order they were first received."""
        yield from transmissions.listing(self.conn)

    @_guarded
    def entry_ledger(self, entry_number: str) -> Iterator[LedgerRow]:
        """An entry's ledger rows, oldest first."""
        yield from rows.entry_ledger(self.conn, entry_number)

    @_guarded
    def transmissions_in_progress(self) -> list[TransmissionRecord]:
        """Every transmission begun and not completed, oldest first."""
        with self.read():
            return transmissions.in_progress(self.conn)

    @_guarded
    def begin_transmission(
        self,
        sender_type: str | None,
        sender_id: str | None,
        control_number: str | None,
        content_hash: str,
        clock: dt.datetime,
    ) -> int:
        """Record a transmission in progress and use up its control number; its id.

        The same triple with the same content hash is the same transmission (its id again); with
        other content it is TransmissionConflict.
        """
        with self.write():
            return transmissions.begin(
                self.conn, sender_type, sender_id, control_number, content_hash, clock,
                lambda sql, params: self.conn.execute(sql, params).lastrowid)

    @_guarded
    def chunk(self, transmission: int, seq: int) -> KeptUnits | None:
        """The saved response part holding unit `seq` of a transmission, None when none does."""
        return transmissions.chunk(self.conn, transmission, seq)

    @_guarded
    def applied_through(self, transmission: int) -> int:
        """The last unit of a transmission whose response is saved (units are applied in order,
        so every unit up to it is applied); 0 when none is."""
        return transmissions.applied_through(self.conn, transmission)

    @_guarded
    def save_chunk(self, transmission: int, seq: int, text: str, accepted: int, *,
                   first: int | None = None, units: int = 1) -> None:
        """Save the response text of the units `first` (default `seq`) to `seq` of a
        transmission, `units` of them, `accepted` accepted (in the transaction that applied
        them)."""
        with self.write():
            transmissions.save_chunk(self.conn, transmission, seq, text, accepted, first, units)

    @_guarded
    def chunks(self, transmission: int) -> Iterator[str]:
        """Every saved response text of a transmission, in unit order."""
        yield from transmissions.chunks(self.conn, transmission)

    @_guarded
    def finish_transmission(self, transmission: int) -> None:
        """Mark a transmission complete: every unit is applied and its response saved."""
        with self.write():
            transmissions.finish(self.conn, transmission)

    @_guarded
    def transmission_complete(self, transmission: int) -> bool:
        """Whether a transmission is complete (another process may have finished it)."""
        return transmissions.is_complete(self.conn, transmission)

    @_guarded
    def complete_transmission(self, transmission: int, parts: Iterable[str]) -> bool:
        """Keep a transmission's whole response file, in parts, drop its per-unit responses and
        mark it complete; False, and nothing changed, when it was complete already (the response
        first produced is never replaced)."""
        with self.write():
            return transmissions.complete(self.conn, transmission, parts)

    @_guarded
    def response(self, transmission: int) -> Iterator[str]:
        """The response file of a complete transmission, in parts, as first written."""
        yield from transmissions.response(self.conn, transmission)

    @_guarded
    def copy_to(self, path: str | os.PathLike) -> None:
        """A consistent copy of the whole database at `path` (SQLite's online backup): what a
        dry run works on, so that nothing it does reaches this database."""
        target = sqlite3.connect(os.fspath(path))
        try:
            self.conn.backup(target)
        finally:
            target.close()

    # -- X12 interchanges ------------------------------------------------------------------------
    @_guarded
    def interchange(self, digest: str, reservation: tuple[str, str, str, str] | None, usage: str,
                    clock: dt.datetime, wanted: Sequence[str]) -> InterchangeRecord:
        """The interchange as recorded, or recorded now (store/interchanges.py)."""
        with self.write():
            return interchanges.record_interchange(self.conn, digest, reservation, usage, clock,
                                                   wanted)

    @_guarded
    def complete_interchange(self, digest: str) -> None:
        with self.write():
            interchanges.complete_interchange(self.conn, digest)

    # -- operators -----------------------------------------------------------------------------
    @_guarded
    def check_database(self) -> list[str]:
        """What SQLite's own checks find wrong with the file: `PRAGMA integrity_check` (pages,
        indexes against their tables, NOT NULL and CHECK constraints) and
        `PRAGMA foreign_key_check`; empty when the database is sound."""
        with self.read():
            return check_database(self.conn)

    @_guarded
    def check_ledger(self) -> list[Discrepancy]:
        """Every certificate whose balance disagrees with its ledger or its active entry lines."""
        with self.read():
            return check_ledger(self.conn)

    @_guarded
    def counts(self) -> dict[str, int]:
        """Rows in the certificate, entry and ledger tables."""
        with self.read():
            return {
                table: self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("certificates", "entries", "activities", "transmissions")
            }

