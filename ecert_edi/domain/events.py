"""A transmission read as a stream of events: header, batches, transactions, strays, trailer."""

from __future__ import annotations

from dataclasses import dataclass, field

from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.transactions import BatchInfo, Record


@dataclass(slots=True)
class Header:
    record: Record


@dataclass(slots=True)
class BatchStart:
    info: BatchInfo
    record: Record


@dataclass(slots=True)
class BatchEnd:
    info: BatchInfo
    record: Record | None  # None when the Y record is missing


@dataclass(slots=True)
class Trailer:
    record: Record


@dataclass(slots=True)
class Stray:
    """A record with no place in the structure (or inside a batch of an unknown application)."""

    record: Record
    conditions: list[Condition] = field(default_factory=list)
