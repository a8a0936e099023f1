"""Outbound segments: our delimiters, the ISA/GS/GE/IEA envelope, control numbers (2.3, 3.1, 5.3)."""

from __future__ import annotations

import datetime as dt

from ecert_edi.bindings.x12.chars import echo
from ecert_edi.bindings.x12.envelope import OUR_ID_15, Isa

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
TERMINATOR = "~\n"  # `~` then one LF, no CR (2.3)
GS08_OF = {"00501": "005010ECERT", "00401": "004010ECERT"}
MAX_CONTROL = 999_999_999


def segment(*elements: str) -> str:
    """One outbound segment, terminated."""
    return ELEMENT.join(elements) + TERMINATOR


def control_number(n: int) -> str:
    """ISA13: nine digits.  The counter (5.3) is the caller's: `000000001` first, again after
    `999999999` (0 only from `translate --control-number 0`, which 3.1 allows)."""
    if not 0 <= n <= MAX_CONTROL:
        raise ValueError(f"interchange control number out of range: {n}")
    return f"{n:09d}"


def isa(*, sender_qualifier: str, sender: str, receiver_qualifier: str, receiver: str,
        clock: dt.datetime, version: str, number: int, ack_requested: bool = False,
        usage: str = "T") -> str:
    """An ISA with our delimiters: ISA11 `U` (00401) or `^`, ISA16 `:` (2.3, 3.1)."""
    return segment(
        "ISA", "00", " " * 10, "00", " " * 10,
        sender_qualifier, sender.ljust(15)[:15], receiver_qualifier, receiver.ljust(15)[:15],
        clock.strftime("%y%m%d"), clock.strftime("%H%M"),
        "U" if version == "00401" else REPETITION, version, control_number(number),
        "1" if ack_requested else "0", usage, COMPONENT)


def reply_isa(inbound: Isa, clock: dt.datetime, number: int) -> str:
    """The ISA of every file answering `inbound` (3.1 Outbound): from us, to its sender."""
    return isa(sender_qualifier="ZZ", sender=OUR_ID_15,
               receiver_qualifier=echo(inbound.element(5)), receiver=echo(inbound.element(6)),
               clock=clock, version=inbound.version, number=number, usage=inbound.usage)


def gs(kind: str, sender: str, receiver: str, clock: dt.datetime, number: int,
       version: str) -> str:
    """GS with GS06 the interchange's number without leading zeros (5.3)."""
    return segment("GS", kind, sender, receiver, clock.strftime("%Y%m%d"), clock.strftime("%H%M"),
                   str(number), "X", GS08_OF[version])


def ge(sets: int, number: int) -> str:
    return segment("GE", str(sets), str(number))


def iea(groups: int, number: int) -> str:
    return segment("IEA", str(groups), control_number(number))


def set_number(n: int) -> str:
    """Outbound ST02: `0001`, `0002`… per group (5.3)."""
    return f"{n:04d}"
