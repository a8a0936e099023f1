"""The acknowledgments this system writes: TA1 (5.1) and 999 / 997 (5.2)."""

from __future__ import annotations

import datetime as dt

from ecert_edi.bindings.x12.chars import echo
from ecert_edi.bindings.x12.interchange import Group, Interchange, TransactionSet
from ecert_edi.bindings.x12.writing import (
    GS08_OF,
    control_number,
    ge,
    gs,
    iea,
    reply_isa,
    segment,
    set_number,
)

REUSED = "025"  # control number already used with other content (7); the caller knows it


def ta1(ix: Interchange, clock: dt.datetime, number: int, *, reused: bool = False) -> str:
    """The TA1 file (5.1): ISA, `TA1*<ISA13>*<ISA09>*<ISA10>*<A or R>*<note>`, `IEA*0`.

    `number` is this file's ISA13, taken from the caller's counter (5.3).  `reused`: the store
    found the reservation key (`Interchange.reservation`) used with other content, so the answer
    is `R` 025 whatever ISA14 (7).  The caller writes it when `ix.wants_ta1()` or `reused`."""
    isa = ix.isa
    note = ix.ta1_note
    if note is not None:
        status, code = "R", note.code
    elif reused:
        status, code = "R", REUSED
    else:
        status, code = "A", "000"
    return (reply_isa(isa, clock, number)
            + segment("TA1", isa.control_number, isa.date or clock.strftime("%y%m%d"),
                      isa.time or clock.strftime("%H%M"), status, code)
            + segment("IEA", "0", control_number(number)))


def functional_ack(ix: Interchange, clock: dt.datetime, number: int) -> str:
    """The 999 (00501) or 997 (00401) file (5.2): one FA group, one set per inbound non-FA
    group, in order.  The caller writes it when `ix.wants_ack()` (and no TA1 `R` 025)."""
    version = ix.version
    sender, receiver = ix.reply_group_ids
    parts = [reply_isa(ix.isa, clock, number),
             gs("FA", echo(sender), echo(receiver), clock, number, version)]
    groups = ix.answered_groups
    for n, group in enumerate(groups, 1):
        parts.append(_ack_set(group, set_number(n), version))
    parts.append(ge(len(groups), number))
    parts.append(iea(1, number))
    return "".join(parts)


def _ack_set(group: Group, st02: str, version: str) -> str:
    is999 = version == "00501"
    seg3, seg4, seg5 = ("IK3", "IK4", "IK5") if is999 else ("AK3", "AK4", "AK5")
    body: list[str] = []
    if is999:
        body.append(segment("AK1", echo(group.gs01), echo(group.gs06), echo(group.gs08)))
    else:
        body.append(segment("AK1", echo(group.gs01), echo(group.gs06)))
    if "1" not in group.codes and "2" not in group.codes:
        for tset in group.sets:
            body.extend(_set_response(tset, is999, seg3, seg4, seg5))
    accepted = group.accepted_sets
    body.append(segment("AK9", group.ak901, str(group.ge01 or 0), str(len(group.sets)),
                        str(accepted), *group.ak9_codes))
    header = (segment("ST", "999", st02, GS08_OF[version]) if is999
              else segment("ST", "997", st02))
    return header + "".join(body) + segment("SE", str(len(body) + 2), st02)


def _set_response(tset: TransactionSet, is999: bool, seg3: str, seg4: str,
                  seg5: str) -> list[str]:
    ids = [echo(tset.st01), echo(tset.st02)]
    if is999 and tset.st03 is not None:
        ids.append(echo(tset.st03))
    out = [segment("AK2", *ids)]
    for sf in tset.segment_faults:
        out.append(segment(seg3, sf.segment, str(sf.position), "", sf.code))
        for ef in sorted(sf.elements, key=lambda f: (f.element, f.code)):
            elements = [str(ef.element), str(ef.data_element), ef.code]
            if ef.data is not None and ef.code != "1":
                elements.append(ef.data)
            out.append(segment(seg4, *elements))
    if tset.accepted:
        out.append(segment(seg5, "A"))
    else:
        out.append(segment(seg5, "R", *tset.ik5_codes))
    return out
