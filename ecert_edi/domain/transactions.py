"""The domain transactions of a transmission: records, certificate filings, entry filings, queries,
batches and the envelope, as a binding reads them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ecert_edi.domain.conditions import Condition, condition

NO_FAULTS: frozenset[str] = frozenset()
NEVER = "\0"  # no action code is this: details are always read


class UnknownField(KeyError):
    """A rule named a field its record does not have (a defect, never input)."""


@dataclass(slots=True)
class Record:
    """One record of a transaction: its identifier, inbound line and typed field values.

    The binding that read it gives `columns`, the column of each field name, so that a rule names
    a field and the condition comes out at its place; `faulty` names the fields whose text was
    there but invalid (a field condition says so).  `raw` is the record as received, kept for the
    binding's echoes; rules never read it.
    """

    rid: str
    line: int
    values: dict[str, Any]
    raw: str = ""
    columns: Mapping[str, int] | None = None
    faulty: frozenset[str] = NO_FAULTS

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str) -> Any:
        """A field's value, None when blank or unreadable; a field the record lacks is an error."""
        try:
            return self.values[name]
        except KeyError:
            if self.columns is not None and name in self.columns and not self.values:
                return None  # a detail kept unread (a void's C1, a cancel's E1)
            raise UnknownField(f"{self.rid} has no field {name!r}") from None

    def blank(self, name: str) -> bool:
        """Whether a field was left blank (a field present but invalid is not blank)."""
        return self.get(name) is None and name not in self.faulty

    def fault(self, code: str, name: str | None = None, detail: str = "") -> Condition:
        """Condition `code` about one field of this record (about the record when no field)."""
        if name is None:
            return condition(code, self.line, 0, detail)
        try:
            column = self.columns[name]
        except (KeyError, TypeError):
            raise UnknownField(f"{self.rid} has no field {name!r}") from None
        return condition(code, self.line, column, detail, name)


@dataclass(slots=True)
class Transaction:
    """A header record, its detail records, and every condition found in them before any rule."""

    header: Record
    details: list[Record] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    seq: int = 0  # ordinal of the transaction in its transmission, from 1

    kind = "transaction"
    subject = "  "
    # the action whose detail records are not read: a void reads only its key, a cancel's lines
    # are not checked (spec 6.1, 6.2); the one place that says so
    unread_on = NEVER

    @property
    def line(self) -> int:
        return self.header.line

    @property
    def action(self) -> str | None:
        return None

    @property
    def rejected(self) -> bool:
        return any(c.severity == "E" for c in self.conditions)

    @property
    def reads_details(self) -> bool:
        """Whether the detail records are read: not for a void or a cancel."""
        return self.header.values.get("action") != self.unread_on


@dataclass(slots=True)
class Certificate(Transaction):
    """A CR transaction: C0 and its C1 covered tariff numbers."""

    kind = "certificate"
    subject = "C0"
    unread_on = "D"

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
    unread_on = "C"

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

    @property
    def code(self) -> str | None:
        """The sender ID as compared with a country or filer code, None when unreadable."""
        value = (self.sender_id or "").strip(" ")
        return value or None


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
