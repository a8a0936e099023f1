"""A posted transmission: spooled within the limit, its sender checked, answered as a file is."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from fastapi import Request

from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH
from ecert_edi.bindings.abi.reader import Source
from ecert_edi.domain.clock import processing_clock
from ecert_edi.processing.interchange_file import X12Missing, is_interchange
from ecert_edi.surfaces.http.config import Server
from ecert_edi.surfaces.http.keys import Principal
from ecert_edi.surfaces.http.ledgers import routed
from ecert_edi.surfaces.http.problems import Problem

X12_MEDIA = "application/edi-x12"
NAME = "transmission"  # the spooled file's name: the X12 answers are named after it
_LONGEST = 64 * 1024  # a line read to find the A record: more is no record
_TYPE, _ID = LAYOUTS["A"].field("sender_type"), LAYOUTS["A"].field("sender_id")


class Spool:
    """A request body in a folder of its own, removed when the answer has been sent."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ecert-http-"))
        self.body = self.folder / NAME

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


async def spooled(request: Request, limit: int) -> Spool:
    """The body written to a file as it arrives, never held whole; 413 past `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    spool = Spool()
    try:
        size = 0
        with spool.body.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                out.write(chunk)
    except BaseException:
        spool.remove()
        raise
    return spool


def _too_large(limit: int) -> Problem:
    return Problem(413, f"the body is larger than this server takes ({limit} bytes)")


def answer(srv: Server, who: Principal, spool: Spool) -> tuple[Path, bool]:
    """The file that answers the spooled transmission, and whether it is X12's: the ABI
    response, or for an X12 interchange one JSON object of its answer files (docs/http.md).
    What it is is told by its first bytes, as `ecert process` tells it."""
    source = Source(spool.body)  # opened once: looked at, checked and answered from
    try:
        x12 = is_interchange(source)
        senders = _interchange_senders(spool.body) if x12 else [_sender_of(source.open())]
        for sender in senders:
            if not who.operator and sender is not None and sender != (who.kind, who.code):
                raise Problem(403, f"the A record's sender {sender[0]}:{sender[1]} is not"
                                   f" this key's ({who})")
    except BaseException:
        source.close()
        raise
    clock = srv.clock or processing_clock()
    response = spool.folder / "response"
    try:  # the answer closes the source
        outcome = routed(srv.db).answer(source, spool.folder, clock, response=response,
                                        base=spool.body)
    except X12Missing as exc:
        raise Problem(503, f"X12 needs the x12 extra: {exc}") from exc
    if not x12:
        return response, False
    named = spool.folder / "answer.json"
    with named.open("w", encoding="utf-8") as out:
        out.writelines(_files_json(outcome.files))
    return named, True


def _sender_of(stream: BinaryIO) -> tuple[str, str] | None:
    """The A record's sender type and ID; None when the first record is no A record (then the
    transmission is rejected at its header, 010, and records nothing)."""
    with stream:
        while line := stream.readline(_LONGEST):
            text = line.rstrip(b"\r\n").decode("latin-1")[:RECORD_LENGTH]
            if text:
                if text[:1] != "A":
                    return None
                return text[_TYPE.slice], text[_ID.slice].strip(" ")
    return None


def _interchange_senders(body: Path) -> list[tuple[str, str] | None]:
    """The sender of each set the rules would see: their A records are authoritative
    (x12-binding.md 1)."""
    from ecert_edi.bindings import x12

    ix = x12.read_interchange(body)
    try:
        return [_sender_of(tset.open_abi()) for tset in ix.processable()]
    finally:
        ix.close()


def _files_json(files: list[Path]) -> Iterator[str]:
    """`{"ta1": "...", "999": "...", "resp": "..."}`: each answer file under its suffix, in the
    order written, its text escaped a block at a time."""
    yield "{"
    for i, path in enumerate(files):
        yield f'{", " if i else ""}{json.dumps(path.suffix.lstrip("."))}: "'
        with path.open(encoding="latin-1") as fh:
            while block := fh.read(1 << 16):
                yield json.dumps(block)[1:-1]
        yield '"'
    yield "}\n"
