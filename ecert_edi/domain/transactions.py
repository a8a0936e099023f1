"""Typed model of a transmission: records, transactions, batches, the envelope, responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecert_edi.domain.conditions import Condition


@dataclass(slots=True)
class Record:
    """One decoded record: its identifier, inbound line, typed field values and raw 80 columns."""

    rid: str
    line: int
    values: dict[str, Any]
    raw: str = ""

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


@dataclass(slots=True)
class Transaction:
    """A header record, its detail records, and every condition found in them before any rule."""

    header: Record
    details: list[Record] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    seq: int = 0  # ordinal of the transaction in its transmission, from 1

    kind = "transaction"
    subject = "  "

    @property
    def line(self) -> int:
        return self.header.line

    @property
    def action(self) -> str | None:
        return None

    @property
    def rejected(self) -> bool:
        return any(c.severity == "E" for c in self.conditions)


@dataclass(slots=True)
class Certificate(Transaction):
    """A CR transaction: C0 and its C1 covered tariff numbers."""

    kind = "certificate"
    subject = "C0"

    @property
    def action(self) -> str | None:
        return self.header.get("action")

    @property
    def key(self) -> tuple[str | None, str | None]:
        return (self.header.get("issuing_country"), self.header.get("certificate_number"))

    @property
    def tariffs(self) -> list[Record]:
        return self.details


@dataclass(slots=True)
class Entry(Transaction):
    """An EN transaction: E0 and its E1 certificate lines."""

    kind = "entry"
    subject = "E0"

    @property
    def action(self) -> str | None:
        return self.header.get("action")

    @property
    def entry_number(self) -> str | None:
        return self.header.get("entry_number")

    @property
    def lines(self) -> list[Record]:
        return self.details


@dataclass(slots=True)
class Query(Transaction):
    """An EC transaction: one Q0."""

    kind = "query"
    subject = "Q0"

    @property
    def action(self) -> str | None:
        return self.header.get("query_type")


@dataclass(slots=True)
class Response(Transaction):
    """A response transaction: R0 and its R1, R2, S0 and S1 records."""

    kind = "response"
    subject = "R0"


TRANSACTION_CLASSES: dict[str, type[Transaction]] = {
    "C0": Certificate,
    "E0": Entry,
    "Q0": Query,
    "R0": Response,
}


@dataclass(slots=True)
class Sender:
    """Who sent a transmission, as its A record says; the context of every static check."""

    sender_type: str | None
    sender_id: str | None
    control_number: str | None = None
    environment: str | None = None


@dataclass(slots=True)
class BatchInfo:
    """A batch as the envelope pass saw it: number, application, place, and its batch-level conditions."""

    ordinal: int  # 1 for the first B record in the file
    line: int  # the B record's line
    application: str | None  # as read from B, None when unreadable
    number: int | None  # batch number as read from B
    conditions: list[Condition] = field(default_factory=list)
    transaction_count: int = 0
    record_count: int = 0

    @property
    def rejected(self) -> bool:
        return any(c.severity == "E" for c in self.conditions)


@dataclass(slots=True)
class Envelope:
    """The outcome of the envelope pass over a whole transmission (spec 4.2, 4.3)."""

    sender: Sender
    header: Record | None  # the A record, when the first record is one
    # batches with batch-level conditions, by ordinal; a clean batch needs no memory
    batches: dict[int, BatchInfo] = field(default_factory=dict)
    batch_count: int = 0
    conditions: list[Condition] = field(default_factory=list)  # transmission level
    content_hash: str = ""
    record_count: int = 0  # non-empty lines

    @property
    def rejected(self) -> bool:
        return any(c.severity == "E" for c in self.conditions)

    @property
    def control_number(self) -> str | None:
        return self.sender.control_number
