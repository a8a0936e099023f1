"""The outcome of a rule: acceptance, every condition, ledger activities and the changes to store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ecert_edi.domain.conditions import Condition, ordered
from ecert_edi.domain.state import CertificateState, EntryState, Key
from ecert_edi.domain.transactions import Record


@dataclass(frozen=True, slots=True)
class Activity:
    """One ledger row an accepted entry writes: a deduction `D` or a restoration `I` of one line."""

    country: str
    certificate_number: str
    entry_number: str
    line_number: int  # the E1 line number (001-999)
    source: Record  # the E1 it deducts for; the E0 for a restored old line
    activity: str  # "D" or "I"
    quantity: int
    balance_after: int
    unit: str
    entry_date: dt.date | None  # a restoration carries the date of the entry it restores
    ior: str
    activity_date: dt.date | None = None

    @property
    def key(self) -> Key:
        return (self.country, self.certificate_number)


@dataclass(slots=True)
class Decision:
    """What a rule decided about one transaction; the response is built from it alone.

    `conditions` holds all of them in R1 order: the parser's field conditions, the static checks
    and the stateful ones.  `certificate` / `entry` is the state to write when accepted (a void or
    a cancel writes the stored state with its flag set).  `unchanged` marks a 900 repeat.
    `found` lists the certificate keys a query answers, by issuing country then number.
    """

    accepted: bool
    conditions: list[Condition]
    activities: list[Activity] = field(default_factory=list)
    certificate: CertificateState | None = None
    entry: EntryState | None = None
    unchanged: bool = False
    found: list[Key] = field(default_factory=list)

    @property
    def disposition(self) -> str:
        return "A" if self.accepted else "R"

    @property
    def balances(self) -> dict[Key, int]:
        """Each touched certificate's balance after this decision's activities."""
        return {a.key: a.balance_after for a in self.activities}


def rejected(conditions: list[Condition]) -> Decision:
    """A rejection: the transaction's conditions, nothing to change."""
    return Decision(accepted=False, conditions=_ordered(conditions))


def accepted(conditions: list[Condition], **changes) -> Decision:
    """An acceptance with its (information) conditions and the changes to store."""
    return Decision(accepted=True, conditions=_ordered(conditions), **changes)


def _ordered(conditions: list[Condition]) -> list[Condition]:
    # none or one (most transactions) is in order already
    return list(conditions) if len(conditions) < 2 else ordered(conditions)
