"""A whole file in memory (for translation and tests): its events, envelope and conditions."""

from __future__ import annotations

from dataclasses import dataclass, field

from ecert_edi.bindings.abi.structure import Walker
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.events import BatchEnd
from ecert_edi.domain.transactions import Envelope, Transaction


@dataclass
class ParsedFile:
    """A whole file in memory (for translation and tests): its events, envelope and conditions."""

    events: list
    envelope: Envelope
    conditions: list[Condition] = field(default_factory=list)


def parse_file(source, direction: str = "inbound") -> ParsedFile:
    walker = Walker(source, direction, content_hash=True)
    events = list(walker.events())
    conditions = list(walker.envelope.conditions)
    for ev in events:
        conditions.extend(_conditions_of(ev))
    return ParsedFile(events, walker.envelope, sorted(set(conditions)))


def _conditions_of(ev) -> list[Condition]:
    # a stray's conditions are already the batch's or the transmission's
    if isinstance(ev, Transaction):
        return ev.conditions
    if isinstance(ev, BatchEnd):
        return ev.info.conditions
    return []
