"""The binding interface: what processing needs of a wire format, read and written.

A binding turns inbound bytes into the domain's envelope and transactions and writes the response
for the decisions taken on them; it knows its format and no database.  `ecert_edi.bindings.abi`
is the first (`ABI`); an X12 binding is one more module implementing `Binding`.

Conditions come out of a binding already placed: each domain `Record` it yields carries the
column of each of its fields (`Record.columns`), so a rule names a field and the binding's place
for it is used.  A binding reads its source twice (envelope, then transactions) from one `Source`
(a path opened once, bytes, or a spooled stream), so both passes see the same content; it may
keep a small source's events from the first pass for the second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from ecert_edi.domain.answers import QueryAnswer
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.decision import Decision
from ecert_edi.domain.transactions import BatchInfo, Envelope, Record, Transaction


@runtime_checkable
class Responder(Protocol):
    """Writes one accepted transmission's response; each method returns the text it adds."""

    def header(self) -> str: ...

    def open_batch(self, info: BatchInfo, record: Record) -> str:
        """The batch's opening, and the whole answer of a batch the envelope rejected."""

    def close_batch(self) -> str: ...

    def trailer(self) -> str: ...

    def unit(self, txn: Transaction, result: Decision | QueryAnswer) -> str:
        """The answer to one transaction, as kept for a resumed run (not yet counted)."""

    def written(self, text: str) -> str:
        """Count a unit's answer (new or kept) in the open batch; the text as it stands."""

    def units(self, text: str) -> list[str]:
        """The units of a saved text of several units (`unit` texts, joined), in order."""

    def stream(self, txn: Transaction, result: Decision | QueryAnswer) -> Iterator[str]:
        """The answer to one transaction in pieces, counted as they go (a query's answer, which
        may be large and is not kept for a resumed run)."""


@runtime_checkable
class Binding(Protocol):
    """A wire format: reading transmissions, writing responses."""

    name: str

    def source(self, data) -> object:
        """A source both passes read: a path, `-`, bytes or a binary stream."""

    def check_envelope(self, source) -> Envelope:
        """The first pass: envelope, batches, counts and content hash; no transaction decoded."""

    def events(self, source) -> Iterator:
        """The second pass: Header, BatchStart, transactions, Stray, BatchEnd, Trailer events
        (`ecert_edi.domain.events`), one transaction in memory at a time; each call reads the
        source again from its start (a run that clashed with another writer is run again)."""

    def responder(self, envelope: Envelope, clock: dt.datetime) -> Responder: ...

    def rejection(self, envelope: Envelope, conditions: list[Condition],
                  clock: dt.datetime) -> str:
        """The whole response to a transmission rejected before any transaction is applied."""
