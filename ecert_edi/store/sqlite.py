"""The SQLite store: certificates, entries, the append-only ledger and transmissions in one file."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Self

from sqlite_utils import Database

from ecert_edi.domain.state import CertificateState, EntryState
from ecert_edi.store import rows
from ecert_edi.store.apply import post_activities, write_certificate, write_entry
from ecert_edi.store.connection import DEFAULT_TIMEOUT, Transactions, connect
from ecert_edi.store.interface import (
    Change,
    Discrepancy,
    LedgerRow,
    StoreError,
    TransmissionConflict,
    TransmissionRecord,
)
from ecert_edi.store.audit import check_ledger
from ecert_edi.store.schema import LATEST, migrate, schema_version


def _guarded(method):
    """Turn a database failure into StoreError (a generator's too, as it is consumed)."""
    if _is_generator(method):

        @functools.wraps(method)
        def gen_wrapper(self, *args, **kwargs):
            try:
                yield from method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise self.tx.failure(exc) from exc

        return gen_wrapper

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self.tx.failure(exc) from exc

    return wrapper


def _is_generator(func) -> bool:
    return bool(func.__code__.co_flags & 0x20)  # CO_GENERATOR


class SQLiteStore:
    """One SQLite database of certificates, entries, the activity ledger and transmissions: the
    LedgerStore of store/interface.py.

    Writes happen inside `write()` (BEGIN IMMEDIATE … COMMIT); each inbound transaction is applied
    inside its own `unit()` (a savepoint).  Every apply / begin_* / save_* call joins the caller's
    open transaction, or opens one of its own when there is none.
    """

    def __init__(self, path: str | os.PathLike = "ecert.db", *, timeout: float = DEFAULT_TIMEOUT):
        self.path = os.fspath(path)
        self.conn = connect(self.path, timeout)
        self.tx = Transactions(self.conn, self.path)
        try:
            self._migrate()
        except BaseException:
            self.conn.close()
            raise

    # -- connection ---------------------------------------------------------------------------
    def _migrate(self) -> None:
        try:
            current = schema_version(self.conn)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot use database {self.path}: {exc}") from exc
        if current > LATEST:
            raise StoreError(
                f"database {self.path} has schema version {current}; this program knows"
                f" versions up to {LATEST}"
            )
        if current < LATEST:
            db = Database(self.conn, recursive_triggers=False, execute_plugins=False)
            with self.tx.write():
                migrate(db, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

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
        """Write a group of accepted decisions: certificates, entries, ledger rows and balances."""
        with self.write():
            for change in changes:
                decision, stamp = change.decision, rows.stamp(change.clock)
                if decision.certificate is not None:
                    write_certificate(self.conn, decision.certificate, stamp,
                                      with_tariffs=change.details)
                if decision.entry is not None:
                    write_entry(self.conn, decision.entry, stamp, with_lines=change.details,
                                new=change.new_entry)
                if decision.activities:
                    post_activities(self.conn, decision, change.certificates, stamp,
                                    change.transmission)

    # -- transmissions ------------------------------------------------------------------------
    @_guarded
    def find_transmission(
        self, sender_type: str | None, sender_id: str | None, control_number: str | None
    ) -> TransmissionRecord | None:
        """The transmission recorded under a (sender type, sender ID, control number), if any."""
        row = self.conn.execute(
            "SELECT id, sender_type, sender_id, control_number, content_hash, clock, status,"
            " created FROM transmissions"
            " WHERE sender_type = ? AND sender_id = ? AND control_number = ?",
            (sender_type or "", sender_id or "", control_number or ""),
        ).fetchone()
        if row is None:
            return None
        tid, stype, sid, number, content_hash, clock, status, created = row
        return TransmissionRecord(
            tid, stype, sid, number, content_hash, dt.datetime.fromisoformat(clock), status, created
        )

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
            found = self.find_transmission(sender_type, sender_id, control_number)
            if found is not None:
                if found.content_hash != content_hash:
                    raise TransmissionConflict(
                        f"control number {control_number} of {sender_type} {sender_id}"
                        " was used before with other content"
                    )
                return found.id
            cur = self.conn.execute(
                "INSERT INTO transmissions (sender_type, sender_id, control_number, content_hash,"
                " clock, status, created) VALUES (?, ?, ?, ?, ?, 'in-progress', ?)",
                (
                    sender_type or "",
                    sender_id or "",
                    control_number or "",
                    content_hash,
                    rows.stamp(clock),
                    rows.stamp(clock),
                ),
            )
            return cur.lastrowid

    @_guarded
    def chunk(self, transmission: int, seq: int) -> tuple[str, bool] | None:
        """The response text saved for one unit of a transmission and whether the unit was
        accepted, None when not yet saved."""
        row = self.conn.execute(
            "SELECT text, accepted FROM response_chunks WHERE transmission_id = ? AND seq = ?",
            (transmission, seq),
        ).fetchone()
        return (row[0], bool(row[1])) if row is not None else None

    @_guarded
    def applied_through(self, transmission: int) -> int:
        """The last unit of a transmission whose response is saved (units are applied in order,
        so every unit up to it is applied); 0 when none is."""
        (last,) = self.conn.execute(
            "SELECT coalesce(max(seq), 0) FROM response_chunks WHERE transmission_id = ?",
            (transmission,),
        ).fetchone()
        return last

    @_guarded
    def save_chunk(self, transmission: int, seq: int, text: str, accepted: bool) -> None:
        """Save the response text of one unit (in the write transaction that applied the unit)."""
        with self.write():
            self.conn.execute(
                "INSERT INTO response_chunks (transmission_id, seq, text, accepted)"
                " VALUES (?, ?, ?, ?)",
                (transmission, seq, text, int(accepted)),
            )

    @_guarded
    def chunks(self, transmission: int) -> Iterator[str]:
        """Every saved response text of a transmission, in unit order."""
        for (text,) in self.conn.execute(
            "SELECT text FROM response_chunks WHERE transmission_id = ? ORDER BY seq",
            (transmission,),
        ):
            yield text

    @_guarded
    def finish_transmission(self, transmission: int) -> None:
        """Mark a transmission complete: every unit is applied and its response saved."""
        with self.write():
            self.conn.execute(
                "UPDATE transmissions SET status = 'complete' WHERE id = ?", (transmission,)
            )

    @_guarded
    def transmission_complete(self, transmission: int) -> bool:
        """Whether a transmission is complete (another process may have finished it)."""
        row = self.conn.execute(
            "SELECT status FROM transmissions WHERE id = ?", (transmission,)
        ).fetchone()
        return row is not None and row[0] == "complete"

    @_guarded
    def complete_transmission(self, transmission: int, parts: Iterable[str]) -> bool:
        """Keep a transmission's whole response file, in parts, drop its per-unit responses and
        mark it complete; False, and nothing changed, when it was complete already (the response
        first produced is never replaced)."""
        with self.write():
            if self.transmission_complete(transmission):
                return False
            self.conn.executemany(
                "INSERT INTO responses (transmission_id, part, text) VALUES (?, ?, ?)",
                ((transmission, part, text) for part, text in enumerate(parts, start=1)),
            )
            self.conn.execute(
                "DELETE FROM response_chunks WHERE transmission_id = ?", (transmission,)
            )
            self.finish_transmission(transmission)
            return True

    @_guarded
    def response(self, transmission: int) -> Iterator[str]:
        """The response file of a complete transmission, in parts, as first written."""
        for (text,) in self.conn.execute(
            "SELECT text FROM responses WHERE transmission_id = ? ORDER BY part",
            (transmission,),
        ):
            yield text

    # -- operators -----------------------------------------------------------------------------
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

