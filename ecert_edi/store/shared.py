"""The LedgerStore methods both stores run alike: SQL with `?` marks over `self.sql`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Self

from ecert_edi.domain.state import CertificateState, EntryState
from ecert_edi.store import interchanges, rows, transmissions
from ecert_edi.store.apply import write_certificate, write_entries
from ecert_edi.store.audit import IN_CERTIFICATE_ORDER, check_ledger
from ecert_edi.store.guard import guarded
from ecert_edi.store.interchanges import InterchangeRecord
from ecert_edi.store.interface import (
    Change,
    Discrepancy,
    KeptUnits,
    LedgerRow,
    TransmissionRecord,
)

# what `counts` counts
COUNTED = ("certificates", "entries", "activities", "transmissions")


class SharedStore:
    """What a store built on it provides: `conn` (its driver's connection), `sql` (one taking
    `?` marks: the connection itself, or an adapter), `tx` (its transactions, store/nesting.py)
    and `_inserted(sql, params)`, which runs an INSERT and gives the new row's id.

    Every apply / begin_* / save_* call joins the caller's open transaction, or opens one of its
    own when there is none.
    """

    conn: object
    sql: object
    tx: object
    writers_take_turns = True  # SQLite's BEGIN IMMEDIATE; PostgreSQL says otherwise

    def _inserted(self, sql: str, params: tuple) -> int:
        raise NotImplementedError

    def _write_entries(self, run: list[Change]) -> None:
        """A run of entry decisions of a group (store/apply.py)."""
        write_entries(self.sql, run)

    def _completing(self) -> None:
        """What the store does in the write that completes a transmission, before marking it
        (nothing here; the SQLite store indexes its ledger's tail)."""

    def _ledger_in_certificate_order(self) -> Iterable[tuple]:
        """Every ledger row as (country, certificate, id, *audit.CHECKED), by certificate then
        id: what the ledger check reads."""
        return self.sql.execute(IN_CERTIFICATE_ORDER)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------------
    def write(self) -> AbstractContextManager[None]:
        """A write transaction no other writer can undercut (store/interface.py), rolled back
        on an exception."""
        return self.tx.write()

    def read(self) -> AbstractContextManager[None]:
        """A read transaction: one consistent snapshot of the database."""
        return self.tx.read()

    def in_transaction(self) -> bool:
        return self.tx.in_transaction()

    def unit(self) -> AbstractContextManager[None]:
        """A savepoint for one inbound transaction, rolled back on an exception."""
        return self.tx.savepoint()

    @property
    def generation(self) -> int:
        """Changes when another connection may have committed or anything was rolled back."""
        return self.tx.generation

    # -- state the rules decide against -------------------------------------------------------
    @guarded
    def certificates_by_ior(self, ior: str) -> list[CertificateState]:
        """Every certificate of an IOR, by issuing country then number."""
        return list(rows.certificates_where(self.sql, "ior = ?", (ior,)))

    @guarded
    def certificates_of_country(self, country: str) -> list[CertificateState]:
        """Every certificate of an issuing country, by number."""
        return list(rows.certificates_where(self.sql, "country = ?", (country,)))

    @guarded
    def entry(self, entry_number: str) -> EntryState | None:
        """One entry by number, its lines included, or None."""
        return rows.entry(self.sql, entry_number)

    @guarded
    def entries(self, entry_numbers: Iterable[str]) -> dict[str, EntryState]:
        """The entries on file among `entry_numbers`, by number, their lines included."""
        return rows.entries(self.sql, entry_numbers)

    @guarded
    def entry_ledger(self, entry_number: str) -> Iterator[LedgerRow]:
        """An entry's ledger rows, oldest first."""
        yield from rows.entry_ledger(self.sql, entry_number)

    # -- the unit of work -----------------------------------------------------------------------
    @guarded
    def apply(self, changes: Iterable[Change]) -> None:
        """Write a group of accepted decisions: certificates, entries, ledger rows and balances
        (a run of entry decisions with one statement per table; each certificate's balance by
        one conditional UPDATE from the balance the group was decided against, else
        StoreError)."""
        with self.write():
            run: list[Change] = []
            for change in changes:
                decision = change.decision
                if decision.entry is not None or decision.activities:
                    run.append(change)
                    continue
                if run:
                    self._write_entries(run)
                    run = []
                if decision.certificate is not None:
                    write_certificate(self.sql, decision.certificate, rows.stamp(change.clock),
                                      with_tariffs=change.details)
            if run:
                self._write_entries(run)

    # -- transmissions (store/transmissions.py) ------------------------------------------------
    @guarded
    def find_transmission(
        self, sender_type: str | None, sender_id: str | None, control_number: str | None
    ) -> TransmissionRecord | None:
        """The transmission recorded under a (sender type, sender ID, control number), if any."""
        return transmissions.find(self.sql, sender_type, sender_id, control_number)

    @guarded
    def transmissions(self) -> Iterator[TransmissionRecord]:
        """Every transmission recorded, in the order they were first received."""
        yield from transmissions.listing(self.sql)

    @guarded
    def transmissions_in_progress(self) -> list[TransmissionRecord]:
        """Every transmission begun and not completed, oldest first."""
        with self.read():
            return transmissions.in_progress(self.sql)

    @guarded
    def begin_transmission(self, sender_type: str | None, sender_id: str | None,
                           control_number: str | None, content_hash: str, clock: dt.datetime
                           ) -> int:
        """Record a transmission in progress and use up its control number; its id.

        The same triple with the same content hash is the same transmission (its id again); with
        other content it is TransmissionConflict.
        """
        with self.write():
            return transmissions.begin(self.sql, sender_type, sender_id, control_number,
                                       content_hash, clock, self._inserted)

    @guarded
    def record_transmission(self, sender_type: str | None, sender_id: str | None,
                            control_number: str | None, content_hash: str, clock: dt.datetime
                            ) -> int:
        """`begin_transmission` of a triple the caller's open write looked for and did not
        find: recorded without looking again."""
        with self.write():
            return transmissions.record(self.sql, sender_type, sender_id, control_number,
                                        content_hash, clock, self._inserted)

    @guarded
    def chunk(self, transmission: int, seq: int) -> KeptUnits | None:
        """The saved response part holding unit `seq` of a transmission, None when none does."""
        return transmissions.chunk(self.sql, transmission, seq)

    @guarded
    def applied_through(self, transmission: int) -> int:
        """The last unit of a transmission whose response is saved (units are applied in order,
        so every unit up to it is applied); 0 when none is."""
        return transmissions.applied_through(self.sql, transmission)

    @guarded
    def save_chunk(self, transmission: int, seq: int, text: str, accepted: int, *,
                   first: int | None = None, units: int = 1) -> None:
        """Save the response text of the units `first` (default `seq`) to `seq` of a
        transmission, `units` of them, `accepted` accepted (in the transaction that applied
        them)."""
        with self.write():
            transmissions.save_chunk(self.sql, transmission, seq, text, accepted, first, units)

    @guarded
    def chunks(self, transmission: int) -> Iterator[str]:
        """Every saved response text of a transmission, in unit order."""
        yield from transmissions.chunks(self.sql, transmission)

    @guarded
    def finish_transmission(self, transmission: int) -> None:
        """Mark a transmission complete: every unit is applied and its response saved."""
        with self.write():
            self._completing()
            transmissions.finish(self.sql, transmission)

    @guarded
    def transmission_complete(self, transmission: int) -> bool:
        """Whether a transmission is complete (another process may have finished it)."""
        return transmissions.is_complete(self.sql, transmission)

    @guarded
    def complete_transmission(self, transmission: int, parts: Iterable[str]) -> bool:
        """Keep a transmission's whole response file, in parts, drop its per-unit responses and
        mark it complete; False, and nothing changed, when it was complete already (the response
        first produced is never replaced)."""
        with self.write():
            self._completing()
            return transmissions.complete(self.sql, transmission, parts)

    @guarded
    def keep_response(self, transmission: int, parts: Iterable[str]) -> None:
        """`complete_transmission` of one recorded in the caller's open write that saved no
        part of its response: no one else can have completed it, nothing is to be dropped."""
        with self.write():
            self._completing()
            transmissions.keep(self.sql, transmission, parts)

    @guarded
    def response(self, transmission: int) -> Iterator[str]:
        """The response file of a complete transmission, in parts, as first written."""
        yield from transmissions.response(self.sql, transmission)

    # -- X12 interchanges ------------------------------------------------------------------------
    @guarded
    def interchange(self, digest: str, reservation: tuple[str, str, str, str] | None, usage: str,
                    clock: dt.datetime, wanted: Sequence[str]) -> InterchangeRecord:
        """The interchange as recorded, or recorded now (store/interchanges.py)."""
        with self.write():
            return interchanges.record_interchange(self.sql, digest, reservation, usage, clock,
                                                   wanted)

    @guarded
    def complete_interchange(self, digest: str) -> None:
        with self.write():
            interchanges.complete_interchange(self.sql, digest)

    # -- operators -----------------------------------------------------------------------------
    @guarded
    def check_ledger(self) -> list[Discrepancy]:
        """Every certificate whose balance disagrees with its ledger or its active entry lines."""
        with self.read():
            return check_ledger(self.sql, self._ledger_in_certificate_order())

    @guarded
    def counts(self) -> dict[str, int]:
        """Rows in the certificate, entry, ledger and transmission tables."""
        with self.read():
            return {table: self.sql.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                    for table in COUNTED}
