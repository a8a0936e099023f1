"""The business response: each processed set's ABI response as one 996 set, in one interchange (6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from ecert_edi.bindings.x12.chars import echo
from ecert_edi.bindings.x12.interchange import Interchange, TransactionSet
from ecert_edi.bindings.x12.writing import GS08_OF, ge, gs, iea, reply_isa, segment, set_number

Parts = bytes | str | Iterable[bytes | str]


def records(parts: Parts) -> Iterator[str]:
    """The lines of an ABI transmission given whole or in parts (as `respond` yields it), each
    without its line ending; zero-length lines are dropped (4: they cannot be carried)."""
    if isinstance(parts, (bytes, str)):
        parts = [parts]
    rest = ""
    for part in parts:
        text = part.decode("latin-1") if isinstance(part, bytes) else part
        lines = (rest + text).split("\n")
        rest = lines.pop()
        for line in lines:
            line = line.removesuffix("\r")
            if line:
                yield line
    rest = rest.removesuffix("\r")
    if rest:
        yield rest


def k301(record: str) -> str:
    """K301 of a record (4 Send): right-trimmed, a record of spaces one space.  Under the echo
    rule, so a character that would break our delimiters can never reach the partner."""
    value = echo(record).rstrip(" ")
    return value or " "


def write_response(ix: Interchange, responses: Iterable[tuple[TransactionSet, Parts]],
                   clock: dt.datetime, number: int) -> Iterator[str]:
    """The response file in pieces, bounded memory: ISA, one FT group (GS08 as inbound), one 996
    set per processed set in inbound order (`ST*996*<nnnn>[*005010ECERT]`, `BGF**ZZ*<inbound
    BGF03>`, one K3 per record, SE), GE, IEA.  `responses` pairs each processed set
    (`ix.processable()`) with its ABI response; `number` is this file's ISA13 (5.3).  Write no
    file when no set was processed (6)."""
    version = ix.version
    sender, receiver = ix.reply_group_ids
    yield reply_isa(ix.isa, clock, number)
    yield gs("FT", echo(sender), echo(receiver), clock, number, version)
    count = 0
    for count, (tset, parts) in enumerate(responses, 1):
        st02 = set_number(count)
        if version == "00501":
            yield segment("ST", "996", st02, GS08_OF[version])
        else:
            yield segment("ST", "996", st02)
        # 6: the inbound BGF03, under the echo rule (a ` is a valid 00501 character, not ours)
        yield segment("BGF", "", "ZZ", echo(tset.bgf03 or ""))
        n = 2
        batch: list[str] = []
        for record in records(parts):
            batch.append(segment("K3", k301(record)))
            n += 1
            if len(batch) >= 512:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)
        yield segment("SE", str(n + 1), st02)
    yield ge(count, number)
    yield iea(1, number)


def wrap_response(ix: Interchange, responses: Iterable[tuple[TransactionSet, Parts]],
                  clock: dt.datetime, number: int) -> bytes:
    """`write_response` joined, as the bytes of the `.resp` file (ASCII)."""
    return "".join(write_response(ix, responses, clock, number)).encode("ascii")
