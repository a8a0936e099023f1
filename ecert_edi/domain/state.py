"""Stored state the rules decide against: a certificate, an entry and its lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

Key = tuple[str, str]  # (issuing country, certificate number)


@dataclass(frozen=True, slots=True)
class CertificateState:
    """A certificate on file: its registered values, whether voided, and its balance (hundredths)."""

    country: str
    number: str
    ior: str
    issue_date: dt.date
    expiry_date: dt.date | None
    program: str
    allowance: int
    unit: str
    balance: int
    voided: bool = False
    tariffs: frozenset[int] = field(default_factory=frozenset)  # empty: covers any HTS number

    @property
    def key(self) -> Key:
        return (self.country, self.number)

    @property
    def used(self) -> int:
        return self.allowance - self.balance

    def with_changes(self, **changes) -> CertificateState:
        return replace(self, **changes)

    def with_balance(self, balance: int) -> CertificateState:
        """The same certificate with another balance (the per-line hot path: no introspection)."""
        return CertificateState(self.country, self.number, self.ior, self.issue_date,
                                self.expiry_date, self.program, self.allowance, self.unit,
                                balance, self.voided, self.tariffs)


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One E1 line of an entry on file."""

    line_number: int
    country: str
    certificate_number: str
    hts_number: int
    quantity: int
    unit: str

    @property
    def key(self) -> Key:
        return (self.country, self.certificate_number)


@dataclass(frozen=True, slots=True)
class EntryState:
    """An entry on file: header values, lines, and whether it is cancelled."""

    entry_number: str
    ior: str
    entry_date: dt.date | None
    port: int | None
    entry_type: int | None
    lines: tuple[EntryLine, ...] = ()
    cancelled: bool = False

    @property
    def filer(self) -> str:
        return self.entry_number[:3]

    def with_changes(self, **changes) -> EntryState:
        return replace(self, **changes)
