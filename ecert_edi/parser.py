"""Reading a transmission: the envelope pass, the event stream, and every condition of a file."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field

from .conditions import Condition
from .model import Envelope, Transaction
from .reader import as_source
from .structure import BatchEnd, BatchStart, Header, Stray, Trailer, Walker

__all__ = [
    "BatchEnd",
    "BatchStart",
    "Header",
    "ParsedFile",
    "Stray",
    "Trailer",
    "check_envelope",
    "iter_conditions",
    "parse_events",
    "parse_file",
]


def check_envelope(source, direction: str = "inbound") -> Envelope:
    """The first pass: envelope and batch structure, counts and the content hash; no transaction
    is decoded.  Its result says which batches (and whether the transmission) are rejected."""
    walker = Walker(source, direction, transactions=False, content_hash=True)
    for _ in walker.events():
        pass
    return walker.envelope


def parse_events(source, direction: str = "inbound") -> Iterator:
    """Every event of a file in order: Header, BatchStart, transactions, Stray, BatchEnd, Trailer.

    Memory stays bounded: only the current transaction is held.
    """
    return Walker(source, direction).events()


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


def iter_conditions(source, direction: str = "inbound", extra=None) -> Iterator[Condition]:
    """Every condition of a file in line, column, code order, in bounded memory.

    The envelope pass gives the transmission- and batch-level conditions; the second pass streams
    each transaction's, and the two are merged (units never overlap in lines, so each stream is
    already ordered).  `extra(transaction, sender)` adds conditions of its own to each transaction
    (the static rules).
    """
    source = as_source(source)
    envelope = check_envelope(source, direction)
    yield from heapq.merge(sorted(set(envelope.conditions)),
                           _unit_conditions(source, direction, envelope, extra))


def _unit_conditions(source, direction, envelope: Envelope, extra) -> Iterator[Condition]:
    batch: list[Condition] = []
    for ev in Walker(source, direction).events():
        if isinstance(ev, BatchStart):
            info = envelope.batches.get(ev.info.ordinal)
            batch = sorted(set(info.conditions)) if info else []
        elif isinstance(ev, Transaction):
            conds = list(ev.conditions)
            if extra is not None:
                conds.extend(extra(ev, envelope.sender))
            units = sorted(set(conds))
            yield from heapq.merge(*_split(batch, units))
        elif isinstance(ev, BatchEnd):
            yield from batch
            batch = []


def _split(batch: list[Condition], units: list[Condition]):
    """The batch conditions up to the unit's last line, merged with the unit's; the rest stays."""
    last = units[-1].line if units else 0
    cut = 0
    while cut < len(batch) and batch[cut].line <= last:
        cut += 1
    head = batch[:cut]
    del batch[:cut]
    return head, units
