"""One X12 interchange in, its TA1, 999/997 and 996 response files out (x12-binding.md 5-7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ecert_edi.bindings.abi.environment import environment_of
from ecert_edi.bindings.abi.reader import Source
from ecert_edi.processing.files import remove_abandoned, write_atomically
from ecert_edi.processing.transmission import respond
from ecert_edi.store.environments import PRODUCTION, TEST, Ledgers

# What is written for an inbound file, in this order (6), each under its own control number (5.3)
TA1, ACK, RESPONSE = "ta1", "ack", "resp"


class X12Missing(RuntimeError):
    """An X12 interchange came and pyx12 (the `x12` extra) is not installed."""


@dataclass
class InterchangeOutcome:
    """What answering one interchange did, for the log line and the caller."""

    name: str
    files: list[Path] = field(default_factory=list)
    sets: int = 0               # 996 sets processed (their ABI transmissions)
    repeated: bool = False      # the same content again: the files first written, again
    rejected: bool = False      # refused at the interchange level (a TA1 R)


def is_interchange(source: Source) -> bool:
    """Whether an open file is an X12 interchange (2.1), from its first 106 bytes."""
    from ecert_edi.bindings.x12.envelope import is_x12

    with source.open() as fh:
        return is_x12(fh.read(106))


def suffixes(version: str) -> dict[str, str]:
    """The file name endings of each answer (6): `.ta1`, `.999` (00501) or `.997`, `.resp`."""
    return {TA1: ".ta1", ACK: ".999" if version == "00501" else ".997", RESPONSE: ".resp"}


def process_interchange(source: Source, ledgers: Ledgers, base: Path, clock: dt.datetime
                        ) -> InterchangeOutcome:
    """Answer the interchange of an open file (read from the same open file that was looked
    at, whatever is renamed over its path): `base` + `.ta1`, `.999`/`.997`, `.resp` as 5 and 6 say.

    The interchange is recorded by its content digest in the ledger its ISA15 names, with the
    control numbers of the files it gets, taken in one write with the reservation of its key
    (7): run again after an interruption, or sent again, it gets the same files, byte for byte.
    Each processable 996 set is one ABI transmission, answered on the ledger of its own A
    record by `respond` (whose ABI idempotency makes a repeat change nothing).
    """
    from ecert_edi.bindings import x12
    from ecert_edi.bindings.x12.segments import pyx12_missing

    missing = pyx12_missing()
    if missing is not None:
        raise X12Missing(missing)
    outcome = InterchangeOutcome(name=source.name)
    with source.open() as stream, x12.read_interchange(stream) as ix:
        if ix.acknowledges_only:
            return outcome  # partners' acknowledgments: nothing is answered (3.4)
        register = ledgers.store(TEST if ix.isa.usage == "T" else PRODUCTION)
        wanted = ([TA1] if ix.wants_ta1() else []) + ([ACK] if ix.wants_ack() else []) + (
            [RESPONSE] if ix.processable() else [])
        record = register.interchange(
            ix.digest, None if ix.ta1_faults else ix.reservation, ix.isa.usage, clock, wanted)
        outcome.repeated = record.repeated
        clock = record.clock  # the first run's: a restart writes the same files
        ends = suffixes(ix.version)
        if record.reused:  # its key reserved by other content: only a TA1 R 025 (7)
            outcome.rejected = True
            outcome.files.append(_write(base, ends[TA1], iter([x12.ta1(
                ix, clock, record.numbers[TA1], reused=True)])))
        else:
            outcome.rejected = bool(ix.ta1_faults)
            if TA1 in record.numbers:
                outcome.files.append(_write(base, ends[TA1], iter([
                    x12.ta1(ix, clock, record.numbers[TA1])])))
            if ACK in record.numbers:
                outcome.files.append(_write(base, ends[ACK], iter([
                    x12.functional_ack(ix, clock, record.numbers[ACK])])))
            if RESPONSE in record.numbers:
                sets = ix.processable()
                outcome.sets = len(sets)
                answers = ((s, _answer(s, ledgers, clock)) for s in sets)
                outcome.files.append(_write(base, ends[RESPONSE], x12.write_response(
                    ix, answers, clock, record.numbers[RESPONSE])))
        register.complete_interchange(ix.digest)
    return outcome


def _answer(tset, ledgers: Ledgers, clock: dt.datetime) -> Iterator[str]:
    """The ABI response of one set's transmission, on the ledger of its environment."""
    source = Source(tset.abi())
    store = ledgers.store(environment_of(source) or PRODUCTION)
    yield from respond(source, store, clock)


def _write(base: Path, suffix: str, parts: Iterator[str]) -> Path:
    target = base.with_name(base.name + suffix)
    remove_abandoned(target)
    write_atomically(target, parts)
    return target
