"""Reading a transmission: the envelope pass, the event stream, and every condition of a file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ecert_edi.bindings.abi.structure import Walker
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.events import BatchEnd, BatchStart, Header, Stray, Trailer
from ecert_edi.domain.transactions import Envelope, Transaction

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
    "read_whole",
]


if TYPE_CHECKING:
    from ecert_edi.bindings.abi.parsed import ParsedFile, parse_file


def __getattr__(name: str):
    # a whole file in memory is for translation and tests: its module is loaded when asked for
    if name in ("ParsedFile", "parse_file"):
        from ecert_edi.bindings.abi import parsed

        return getattr(parsed, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_envelope(source, direction: str = "inbound", content_hash: bool = True) -> Envelope:
    """The first pass: envelope and batch structure, counts and the content hash; no transaction
    is decoded.  Its result says which batches (and whether the transmission) are rejected."""
    walker = Walker(source, direction, transactions=False, content_hash=content_hash)
    for _ in walker.events():
        pass
    return walker.envelope


def read_whole(source, direction: str = "inbound") -> tuple[Envelope, list]:
    """Both passes in one, for a transmission small enough to hold: its envelope (content hash
    included) and every event `parse_events` gives, in order, as they stand at the end (a
    BatchStart's info already holds what its batch's end adds: the envelope's batches say
    the same)."""
    walker = Walker(source, direction, content_hash=True)
    events = list(walker.events())
    return walker.envelope, events


def parse_events(source, direction: str = "inbound") -> Iterator:
    """Every event of a file in order: Header, BatchStart, transactions, Stray, BatchEnd, Trailer.

    Memory stays bounded: only the current transaction is held.
    """
    return Walker(source, direction).events()


def iter_conditions(source, direction: str = "inbound", extra=None) -> Iterator[Condition]:
    """Every condition of a file in line, column, code order, those of no place (0/0) last.

    One pass, in bounded memory: a batch's conditions wait for its end (its missing Y or emptiness
    is found there but placed at its B line); the transmission's are found in line order, except
    those of no place, which are known only at the end of the file.  `extra(transaction, sender)`
    adds conditions of its own to each transaction (the static rules).
    """
    walker = Walker(source, direction)
    envelope = walker.envelope
    told = 0  # transmission conditions already merged into the output
    batch: list[Condition] = []
    for ev in walker.events():
        if isinstance(ev, Transaction):
            if ev.conditions:
                batch.extend(ev.conditions)
            if extra is not None:
                found = extra(ev, envelope.sender)
                if found:
                    batch.extend(found)
        elif isinstance(ev, BatchEnd):
            batch.extend(ev.info.conditions)
            placed, told = _placed_since(envelope.conditions, told)
            yield from sorted(set(batch + placed))
            batch = []
    placed, told = _placed_since(envelope.conditions, told)
    yield from sorted(set(placed))
    yield from sorted({c for c in envelope.conditions if c.line == 0})


def _placed_since(conditions: list[Condition], told: int) -> tuple[list[Condition], int]:
    """The transmission conditions with a place found since the last call, and the new count."""
    return [c for c in conditions[told:] if c.line], len(conditions)
