"""The store interface: what the ledger service and processing need of a database, and its values.

A store persists; it decides nothing.  It knows the domain's state and decisions (`ecert_edi.domain`)
but no rule and no binding.  `SQLiteStore` (store/sqlite.py) is the first implementation; another
database is one more module implementing `LedgerStore`, with the same guarantees:

- `write()` is one atomic, durable transaction whose decisions no other writer can undercut:
  writers take turns (SQLite: `BEGIN IMMEDIATE`; `writers_take_turns` True), or each holds the
  rows it decides against until it commits and a clash with another writer is `StoreConflict`,
  nothing of the transaction kept, to be run again (PostgreSQL: row locks, unique keys);
  `unit()` is an atomic part of it, undone alone on an exception (a savepoint); `read()` is one
  consistent snapshot.
- `generation` changes whenever state read before may no longer be what is stored (another
  connection committed, or anything was rolled back), so the ledger service may keep what it read.
- `apply(changes)` writes a group of accepted decisions inside the caller's transaction: each
  certificate's balance moves only together with its ledger rows, and only from the balance the
  decision was made against (else `StoreError`); the ledger is append-only.
- transmissions: a control number is used once per sender; the response of every applied unit is
  kept in the same transaction as its effects; a complete transmission keeps its whole response.
- opening: a store is created only where nothing exists and only when asked (`create`); anything
  else that is not the store's own database (empty, another program's, a newer schema) is
  `StoreError`, and nothing is written to it.
- the balance identity is the store's to keep, not only the rules': a balance moves only with
  the totals deducted and restored beside it, allowance − deducted + restored = balance ≥ 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ecert_edi.domain.answers import USAGE_FIELDS, Usage
from ecert_edi.domain.decision import Decision
from ecert_edi.domain.state import CertificateState, EntryState, Key
from ecert_edi.store.interchanges import InterchangeRecord

__all__ = [
    "USAGE_FIELDS",
    "Change",
    "Discrepancy",
    "InterchangeRecord",
    "KeptUnits",
    "LedgerRow",
    "LedgerStore",
    "StoreBusy",
    "StoreConflict",
    "StoreError",
    "StoreMissing",
    "TransmissionConflict",
    "TransmissionRecord",
]


class StoreError(Exception):
    """The database cannot be opened or used."""


class StoreMissing(StoreError):
    """No ledger is where the target names, and none was to be created."""


class StoreBusy(StoreError):
    """Another writer held the database past the wait allowed; trying again later may succeed."""


class StoreConflict(StoreBusy):
    """Another writer's transaction clashed with this one (a row both wrote, a deadlock, a
    serialisation failure): nothing of this transaction was kept, and running it again from
    the start, against what is stored then, may succeed."""


class TransmissionConflict(StoreError):
    """A control number already recorded for the sender with other content (condition 021)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One accepted decision to persist, with the stored state it was decided against.

    `certificates` are the certificates the decision read (their balances are the ones the
    stored balances must still have); `details` is False when the transaction's detail records
    are not written (a void keeps its tariff list, a cancel its lines); `new_entry` tells that no
    entry of that number is on file.
    """

    decision: Decision
    clock: dt.datetime
    certificates: Mapping[Key, CertificateState]
    transmission: int | None = None
    details: bool = True
    new_entry: bool = False


@dataclass(frozen=True, slots=True)
class KeptUnits:
    """The saved response of a run of units of a transmission (one commit group's)."""

    first: int  # the first unit's number in the transmission
    last: int
    text: str
    accepted: int
    units: int


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One row of the append-only activity ledger."""

    id: int
    country: str
    certificate_number: str
    entry_number: str
    line_number: int
    activity: str  # "D" deducted, "I" restored
    quantity: int
    balance_after: int
    allowance: int  # the certificate's allowance when the row was written
    unit: str
    activity_date: dt.date
    entry_date: dt.date | None
    ior: str
    transmission_id: int | None

    @property
    def usage(self) -> Usage:
        """The row as a query shows it, in USAGE_FIELDS order."""
        return (self.entry_number, self.line_number, self.activity, self.quantity,
                self.balance_after, self.activity_date, self.entry_date, self.ior)


@dataclass(frozen=True, slots=True)
class TransmissionRecord:
    """A transmission whose control number is used: its content hash, clock and progress."""

    id: int
    sender_type: str
    sender_id: str
    control_number: str
    content_hash: str
    clock: dt.datetime
    status: str  # "in-progress" or "complete"
    created: str

    @property
    def complete(self) -> bool:
        return self.status == "complete"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A certificate whose balance disagrees with its history or with its active entry lines."""

    country: str
    certificate_number: str
    problem: str

    def __str__(self) -> str:
        return f"{self.country} {self.certificate_number}: {self.problem}"


@runtime_checkable
class LedgerStore(Protocol):
    """Persistence of certificates, entries, the activity ledger and transmissions."""

    # -- transactions ---------------------------------------------------------------------------
    def write(self) -> AbstractContextManager[None]:
        """A write transaction; joins one already open."""

    def read(self) -> AbstractContextManager[None]:
        """A read snapshot; joins a transaction already open."""

    def unit(self) -> AbstractContextManager[None]:
        """An atomic part of the write transaction (opened when none is), undone on an error."""

    @property
    def generation(self) -> int:
        """Changes whenever what was read before may no longer be what is stored."""

    writers_take_turns: bool
    """True when a write waits for every other writer to finish (SQLite); False when writers
    go on side by side and a clash is StoreConflict (PostgreSQL): one transaction then covers
    no more than the caller can run again."""

    def in_transaction(self) -> bool:
        """Whether a transaction is open on this store (a conflict inside one the caller
        opened ends it: only the caller can run it again)."""

    def close(self) -> None: ...

    def __enter__(self) -> LedgerStore: ...

    def __exit__(self, *exc) -> None: ...

    # -- state the rules decide against -----------------------------------------------------------
    def certificate(self, country: str, number: str, *, tariffs: bool = True
                    ) -> CertificateState | None:
        """One certificate by key (its covered tariff numbers too, unless told not to)."""

    def certificates_by_ior(self, ior: str) -> Iterable[CertificateState]:
        """Every certificate of an IOR, by issuing country then number (without tariffs)."""

    def certificates_of_country(self, country: str) -> Iterable[CertificateState]:
        """Every certificate of an issuing country, by number (without tariffs)."""

    def all_certificates(self) -> Iterator[CertificateState]:
        """Every certificate, by issuing country then number (without tariffs)."""

    def entry(self, entry_number: str) -> EntryState | None:
        """One entry by number, its lines included."""

    def certificates(self, keys: Iterable[Key]) -> dict[Key, CertificateState]:
        """The certificates on file among `keys`, their tariff lists included (the
        certificates a commit group names, read together)."""

    def entries(self, entry_numbers: Iterable[str]) -> dict[str, EntryState]:
        """The entries on file among `entry_numbers`, by number, their lines included (the
        numbers a commit group names, looked up together)."""

    def usage(self, country: str, number: str) -> Iterator[Usage]:
        """A certificate's ledger rows, oldest first, in USAGE_FIELDS order (consume inside the
        caller's transaction)."""

    def ledger(self, country: str, number: str) -> Iterator[LedgerRow]:
        """A certificate's ledger rows, oldest first."""

    # -- the unit of work ---------------------------------------------------------------------------
    def apply(self, changes: Iterable[Change]) -> None:
        """Write a group of accepted decisions (inside the caller's write transaction)."""

    # -- transmissions --------------------------------------------------------------------------
    def find_transmission(self, sender_type: str | None, sender_id: str | None,
                          control_number: str | None) -> TransmissionRecord | None: ...

    def begin_transmission(self, sender_type: str | None, sender_id: str | None,
                           control_number: str | None, content_hash: str, clock: dt.datetime
                           ) -> int:
        """Record a transmission in progress (its id); the same triple with other content is
        TransmissionConflict."""

    def record_transmission(self, sender_type: str | None, sender_id: str | None,
                            control_number: str | None, content_hash: str, clock: dt.datetime
                            ) -> int:
        """`begin_transmission` of a triple the caller's open write transaction looked for and
        did not find (one statement fewer for a new transmission)."""

    def chunk(self, transmission: int, seq: int) -> KeptUnits | None:
        """The saved response part that holds unit `seq`, None when none does."""

    def applied_through(self, transmission: int) -> int:
        """The last unit of a transmission whose response is saved, 0 when none is."""

    def save_chunk(self, transmission: int, seq: int, text: str, accepted: int, *,
                   first: int | None = None, units: int = 1) -> None:
        """Keep the response of units `first`..`seq` (a commit group's), with their count and how
        many were accepted, in the transaction that applied them."""

    def transmission_complete(self, transmission: int) -> bool: ...

    def complete_transmission(self, transmission: int, parts: Iterable[str]) -> bool:
        """Keep the whole response and mark the transmission complete; False, changing nothing,
        when it was complete already."""

    def keep_response(self, transmission: int, parts: Iterable[str]) -> None:
        """`complete_transmission` of one recorded in the caller's open write transaction,
        none of its response saved in parts: neither re-checked nor any part dropped."""

    def response(self, transmission: int) -> Iterator[str]:
        """The response of a complete transmission, in parts, as first written."""

    def copy_to(self, path: str) -> None:
        """A consistent copy of the whole store at `path`: what a dry run works on."""

    def transmissions(self) -> Iterator[TransmissionRecord]:
        """Every transmission recorded, in the order first received (an operator's listing)."""

    def entry_ledger(self, entry_number: str) -> Iterator[LedgerRow]:
        """An entry's ledger rows, oldest first (an operator's look-up)."""

    def transmissions_in_progress(self) -> list[TransmissionRecord]:
        """Every transmission begun and not completed, oldest first (processing the same file
        again finishes one, with the clock it began with)."""

    # -- X12 interchanges (x12-binding.md 5.3, 7) ----------------------------------------------
    def interchange(self, digest: str, reservation: tuple[str, str, str, str] | None, usage: str,
                    clock: dt.datetime, wanted: Sequence[str]) -> InterchangeRecord:
        """The interchange of this content as recorded, or recorded now in one write: its key
        reserved (unless None: a TA1-rejected one reserves nothing), a control number of the
        ISA15 value's counter for each file wanted (only `ta1` when the key is another
        content's), with the clock given."""

    def complete_interchange(self, digest: str) -> None:
        """Mark the interchange's files written: the same content again is a repeat."""

    # -- operators --------------------------------------------------------------------------------
    def check_database(self) -> list[str]:
        """What the database's own integrity checks find wrong with it; empty when sound."""

    def check_ledger(self) -> list[Discrepancy]: ...

    def counts(self) -> dict[str, int]: ...
