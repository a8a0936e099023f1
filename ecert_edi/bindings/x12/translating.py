"""`ecert translate`: an ABI file into one X12 996 interchange, and X12 back to ABI records (8.1)."""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from ecert_edi.bindings.x12.chars import ABI_AN
from ecert_edi.bindings.x12.envelope import OUR_ID
from ecert_edi.bindings.x12.interchange import Interchange
from ecert_edi.bindings.x12.wrapping import k301
from ecert_edi.bindings.x12.writing import MAX_CONTROL, control_number, isa, segment

VERSIONS = {"005010": "00501", "004010": "00401"}
_CANNOT_CARRY = frozenset("*:^~`")  # our outbound delimiters, and ` (invalid under 00401)


@dataclass(frozen=True)
class Problem:
    """A line that cannot be carried, as `ecert validate` prints a condition (8.1)."""

    line: int
    column: int
    code: str
    text: str

    def format(self, name: str) -> str:
        return f"{name}:{self.line}:{self.column}: {self.code} E {self.text}"


class TranslateError(Exception):
    """The file cannot be carried: nothing is written; the problems go to standard error (exit 1)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _derived(value: str) -> str:
    """A derived ID: 2–15 ABI AN characters, else UNKNOWN (8.1)."""
    ok = 2 <= len(value) <= 15 and all(c in ABI_AN for c in value)
    return value if ok else "UNKNOWN"


def check_option(name: str, value: str) -> None:
    """An option value that would break 3.1/3.2 (exit 2): IDs of 2–15 ABI AN characters."""
    if not (2 <= len(value) <= 15 and value.strip(" ") and all(c in ABI_AN for c in value)
            and not value.endswith(" ")):
        raise ValueError(f"--{name} must be 2-15 characters A-Z 0-9 space - / . , & ' ( ) #")


def translate_to_x12(data, *, version: str = "005010", sender: str | None = None,
                     receiver: str | None = None, number: int = 1, usage: str | None = None,
                     ta1: bool = False, clock: dt.datetime | None = None) -> Iterator[str]:
    """Check every line first (raising `TranslateError` before anything is written), then give
    the interchange in pieces.  Raises `ValueError` for an option breaking 3.1/3.2 (exit 2)."""
    if version not in VERSIONS:
        raise ValueError("--x12-version must be 005010 or 004010")
    if not 0 <= number <= MAX_CONTROL:
        raise ValueError("--control-number must be 0 to 999999999 (ISA13: nine digits)")
    if usage is not None and usage not in ("P", "T"):
        raise ValueError("--usage must be P or T")
    for name, value in (("sender", sender), ("receiver", receiver)):
        if value is not None:
            check_option(name, value)
    clock = clock or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # the records wait here between the check and the writing; _write closes it
    spool = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+",  # noqa: SIM115
                                          encoding="latin-1", newline="\n")
    problems: list[Problem] = []
    first: str | None = None
    kept = 0
    for n, line in _lines(data):
        if not line:
            continue  # zero-length lines are dropped (8.1)
        bad = [i for i, c in enumerate(line, 1) if not " " <= c <= "~" or c in _CANNOT_CARRY]
        problems.extend(Problem(n, i, "001", "INVALID CHARACTER") for i in bad)
        if len(line) > 80:
            problems.append(Problem(n, 81, "002", "RECORD LONGER THAN 80 CHARACTERS"))
        if first is None:
            first = line
        spool.write(line + "\n")
        kept += 1
    if not kept:
        problems.append(Problem(0, 0, "023", "FILE HOLDS NO RECORD"))
    if problems:
        spool.close()
        raise TranslateError(sorted(problems, key=lambda p: (p.line == 0, p.line, p.column,
                                                              p.code)))
    a = first.ljust(80) if first.startswith("A") else None
    if a is not None and a[1:3] == "CB":
        own, other = OUR_ID, _derived(a[42:56].replace(" ", ""))
        derived_sender, derived_receiver = own, other
    else:
        derived_sender = _derived(first.ljust(80)[1:15].replace(" ", ""))
        derived_receiver = OUR_ID
    sender = sender or derived_sender
    receiver = receiver or derived_receiver
    if usage is None:
        usage = a[41] if a is not None and a[41] in ("P", "T") else "T"
    reference = "UNKNOWN"
    if a is not None:
        field = a[27:41].rstrip(" ")
        if field and all(c in ABI_AN for c in field):
            reference = field
    return _write(spool, kept, VERSIONS[version], version, sender, receiver, number, usage, ta1,
                  clock, reference)


def _write(spool, kept: int, isa12: str, version: str, sender: str, receiver: str, number: int,
           usage: str, ta1: bool, clock: dt.datetime, reference: str) -> Iterator[str]:
    try:
        yield isa(sender_qualifier="ZZ", sender=sender, receiver_qualifier="ZZ",
                  receiver=receiver, clock=clock, version=isa12, number=number,
                  ack_requested=ta1, usage=usage)
        yield segment("GS", "FT", sender, receiver, clock.strftime("%Y%m%d"),
                      clock.strftime("%H%M"), str(number), "X", f"{version}ECERT")
        yield (segment("ST", "996", "0001", "005010ECERT") if isa12 == "00501"
               else segment("ST", "996", "0001"))
        yield segment("BGF", "", "ZZ", reference)
        spool.seek(0)
        batch = []
        for line in spool:
            batch.append(segment("K3", k301(line.rstrip("\n"))))
            if len(batch) >= 512:
                yield "".join(batch)
                batch = []
        yield "".join(batch)
        yield segment("SE", str(kept + 3), "0001")
        yield segment("GE", "1", str(number))
        yield segment("IEA", "1", control_number(number))
    finally:
        spool.close()


def _lines(data) -> Iterator[tuple[int, str]]:
    """Physical lines (LF or CR LF endings), numbered from 1, Latin-1 decoded."""
    if isinstance(data, (bytes, bytearray)):
        stream = io.BytesIO(bytes(data))
    elif isinstance(data, (str, os.PathLike)):
        stream = open(data, "rb")  # noqa: SIM115 - closed in the finally below
    else:
        stream = data
    try:
        n = 0
        rest = b""
        while block := stream.read(1 << 16):
            pieces = (rest + block).split(b"\n")
            rest = pieces.pop()
            for piece in pieces:
                n += 1
                yield n, piece.removesuffix(b"\r").decode("latin-1")
        if rest:
            yield n + 1, rest.removesuffix(b"\r").decode("latin-1")
    finally:
        if stream is not data:
            stream.close()


def abi_of(ix: Interchange) -> Iterator[bytes]:
    """`translate --to abi` of an interchange without X12 fault (the caller checks
    `ix.faults()` is empty): the records of every 996 set, padded to 80, LF endings, in order."""
    for group in ix.groups:
        for tset in group.sets:
            if tset.accepted:
                yield from tset.abi_stream()
