"""The API of docs/http.md: transmissions posted and listed, certificates and entries read."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ecert_edi.domain.clock import processing_clock
from ecert_edi.domain.rules import Key, certificate_status
from ecert_edi.surfaces.cli.query import activity_json, certificate_json, entry_json
from ecert_edi.surfaces.cli.transmissions import transmission_row
from ecert_edi.surfaces.http import models
from ecert_edi.surfaces.http.auth import caller, server
from ecert_edi.surfaces.http.intake import X12_MEDIA, answer, spooled
from ecert_edi.surfaces.http.keys import Principal
from ecert_edi.surfaces.http.ledgers import Environment, reading
from ecert_edi.surfaces.http.problems import Problem, not_found
from ecert_edi.surfaces.http.visibility import as_query, one, shown

router = APIRouter(prefix="/v1")
Who = Annotated[Principal, Depends(caller)]
Env = Annotated[Environment, Query(description="The ledger read (spec 4.5).")]
Usage = Annotated[bool, Query(description="Include each certificate's activities.")]
READS = models.problems(400, 401, 404, 503)
COMPACT = (",", ":")  # as JSONResponse writes the other answers
TRANSMISSION_BODY = {"requestBody": {"required": True, "content": {
    "text/plain": {"schema": {"type": "string"}},
    X12_MEDIA: {"schema": {"type": "string"}}}}}


@router.post(
    "/transmissions", openapi_extra=TRANSMISSION_BODY,
    responses={200: {"description": "The response transmission (ABI), or for an X12"
                                    " interchange its answer files by suffix (JSON)",
                     "content": {"text/plain": {"schema": {"type": "string"}},
                                 "application/json": {"schema": {
                                     "type": "object",
                                     "additionalProperties": {"type": "string"}}}}},
               **models.problems(400, 401, 403, 413, 415, 503)},
    response_class=FileResponse)
async def post_transmission(request: Request, who: Who, background: BackgroundTasks):
    """Process a transmission exactly as `ecert process` does (an X12 interchange told by its
    first bytes); the same one again is answered with its first response and changes nothing."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("text/plain", X12_MEDIA):
        raise Problem(415, f"post text/plain (ABI) or {X12_MEDIA} (X12), not {media or 'nothing'}")
    srv = server(request)
    spool = await spooled(request, srv.max_body)
    background.add_task(spool.remove)
    try:
        path, x12 = await run_in_threadpool(answer, srv, who, spool)
    except BaseException:
        spool.remove()
        raise
    kind = "application/json" if x12 else "text/plain; charset=us-ascii"  # as files are written
    return FileResponse(path, media_type=kind, background=background)


@router.get("/transmissions", response_model=list[models.Transmission],
            responses=models.problems(400, 401, 503))
def list_transmissions(request: Request, who: Who, environment: Env = Environment.production):
    """The transmissions received from the key's sender (an operator's: all), oldest first."""
    with reading(server(request).db, environment) as store, store.read():
        rows = [transmission_row(store, t) for t in store.transmissions()
                if who.operator or (t.sender_type, t.sender_id) == (who.kind, who.code)]
    names = tuple(models.Transmission.model_fields)
    return JSONResponse([dict(zip(names, row, strict=True)) for row in rows])


@router.get("/certificates", response_model=list[models.Certificate], responses=READS)
def list_certificates(request: Request, who: Who, environment: Env = Environment.production,
                      ior: str | None = None, country: str | None = None, usage: Usage = False):
    """A sender's certificates as an EC query finds them: by IOR (`I`), or without one a
    government's whole country (`A`); an operator's may name either, or neither for all. With
    `usage=1` each with its activities (streamed)."""
    srv, clock = server(request), processing_clock()
    if who.operator:
        query = as_query("I" if ior else "A", ior=_upper(ior), country=_upper(country))
    else:
        query = as_query("I" if ior else "A", ior=_upper(ior))
    with reading(srv.db, environment) as store:
        found = shown(store, who, query, clock)
    if usage:
        return StreamingResponse(_with_usage(srv.db, environment, [c.key for c, _ in found],
                                             clock, many=True), media_type="application/json")
    return JSONResponse([certificate_json(cert, status) for cert, status in found])


@router.get("/certificates/{country}/{number}", response_model=models.Certificate,
            responses=READS)
def get_certificate(request: Request, who: Who, country: str, number: str,
                    environment: Env = Environment.production, ior: str | None = None,
                    usage: Usage = False):
    """One certificate: allowance, used, balance, status and, with `usage=1`, its activities,
    oldest first (streamed). A filer names the IOR (`ior=`), as its EC query does."""
    srv, clock = server(request), processing_clock()
    query = as_query("C", ior=_upper(ior), number=number.upper(), country=country.upper())
    with reading(srv.db, environment) as store:
        cert, status = one(store, who, query, clock)
    if usage:
        return StreamingResponse(_with_usage(srv.db, environment, [cert.key], clock),
                                 media_type="application/json")
    return JSONResponse(certificate_json(cert, status))


async def _with_usage(db: str, environment: Environment, keys: list[Key], clock: dt.datetime,
                      *, many: bool = False) -> AsyncIterator[bytes]:
    """Certificates with their activities as JSON, written as the store gives them: figures
    and activities from one snapshot (certificates are never deleted: each is there still)."""
    from ecert_edi.surfaces.http.streaming import in_one_thread

    def produce() -> Iterator[str]:
        yield "[" if many else ""
        with reading(db, environment) as store, store.read():
            for n, key in enumerate(keys):
                cert = store.certificate(*key)
                head = json.dumps(certificate_json(cert, certificate_status(cert, clock)),
                                  separators=COMPACT)
                yield ("," if n else "") + head[:-1] + ',"usage":['
                for i, row in enumerate(store.ledger(*key)):
                    yield ("," if i else "") + json.dumps(activity_json(row), separators=COMPACT)
                yield "]}"
        yield "]\n" if many else "\n"

    async for part in in_one_thread(produce):
        yield part


@router.get("/entries/{number}", response_model=models.Entry, responses=READS)
def get_entry(request: Request, who: Who, number: str,
              environment: Env = Environment.production):
    """An entry, its lines and their activities, for the filer whose code begins its number."""
    number = number.upper()
    with reading(server(request).db, environment) as store, store.read():
        found = store.entry(number)
        if found is None or not (who.operator or (who.kind, who.code) == ("FL", found.filer)):
            raise not_found()
        return JSONResponse(entry_json(found, store.entry_ledger(number)))


def _upper(value: str | None) -> str | None:
    """Stored values are upper case (AN fields admit no lower-case letter): match any case."""
    return value.upper() if value else None
