"""What a query answers: its decision and each certificate shown, with its status and usage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from ecert_edi.domain.decision import Decision
from ecert_edi.domain.state import CertificateState

# One ledger row as a query shows it (spec 6.3 usage detail), in this order.
USAGE_FIELDS = ("entry_number", "line_number", "activity", "quantity", "balance_after",
                "activity_date", "entry_date", "ior_number")
Usage = tuple[str, int, str, int, int, dt.date, dt.date | None, str]


@dataclass(slots=True)
class CertificateView:
    """A certificate as a query shows it: its values, its status and, on request, its usage.

    `usage` yields one row per ledger row, oldest first, in USAGE_FIELDS order; it may read the
    ledger when iterated, so consume it inside the caller's transaction.
    """

    certificate: CertificateState
    status: str
    usage: Iterable[Usage] = ()

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
