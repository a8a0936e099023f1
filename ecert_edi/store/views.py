"""Values the store hands out: ledger rows, query answers, transmissions, ledger discrepancies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ecert_edi.bindings.abi.layouts import LAYOUTS
from ecert_edi.domain.rules import CertificateState, Decision

# The S1 field names in layout order: the order Usage.values() gives a ledger row's values in.
USAGE_FIELDS = tuple(f.name for f in LAYOUTS["S1"].data_fields)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One row of the append-only activity ledger (an S1 record)."""

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
    def s1(self) -> dict[str, Any]:
        """The row as S1 field values."""
        return {
            "entry_number": self.entry_number,
            "line_number": self.line_number,
            "activity": self.activity,
            "quantity": self.quantity,
            "balance_after": self.balance_after,
            "activity_date": self.activity_date,
            "entry_date": self.entry_date,
            "ior_number": self.ior,
        }


@dataclass(slots=True)
class CertificateView:
    """A certificate as a query shows it: its S0 values and, on request, its S1 values.

    `usage` yields one dict of S1 field values per ledger row, oldest first; it reads the ledger
    when iterated, so consume it inside the caller's transaction.
    """

    certificate: CertificateState
    status: str
    usage: Iterable[dict[str, Any]] = ()

    @property
    def summary(self) -> dict[str, Any]:
        """The certificate as S0 field values."""
        cert = self.certificate
        return {
            "certificate_number": cert.number,
            "issuing_country": cert.country,
            "status": self.status,
            "allowance_quantity": cert.allowance,
            "quantity_used": cert.used,
            "quantity_remaining": cert.balance,
            "unit_of_measure": cert.unit,
            "issue_date": cert.issue_date,
            "expiry_date": cert.expiry_date,
        }

    @property
    def allowance(self) -> int:
        return self.certificate.allowance

    @property
    def used(self) -> int:
        return self.certificate.used

    @property
    def remaining(self) -> int:
        return self.certificate.balance


@dataclass(slots=True)
class QueryAnswer:
    """The decision on a query and, when accepted, the certificates it shows in answer order."""

    decision: Decision
    certificates: list[CertificateView] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.decision.accepted


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
