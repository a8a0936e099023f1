"""The shapes of the JSON answers, for `/openapi.json` (the objects are `ecert query --json`'s)."""

from __future__ import annotations

from pydantic import BaseModel


class Activity(BaseModel):
    entry_number: str
    line_number: int
    activity: str
    quantity: str
    balance_after: str
    activity_date: str
    entry_date: str | None
    ior: str


class Certificate(BaseModel):
    country: str
    certificate_number: str
    status: str
    ior: str
    program: str
    unit: str
    allowance: str
    used: str
    balance: str
    issue_date: str
    expiry_date: str | None
    tariffs: list[str]
    usage: list[Activity] | None = None  # there when asked for (`usage=1`)


class EntryLine(BaseModel):
    line_number: int
    country: str
    certificate_number: str
    hts_number: str
    quantity: str
    unit: str


class Entry(BaseModel):
    entry_number: str
    filer: str
    ior: str
    entry_date: str | None
    port: str
    entry_type: str
    status: str
    lines: list[EntryLine]
    activities: list[Activity]


class Transmission(BaseModel):
    sender: str
    control_number: str
    received: str
    status: str
    accepted: int | None
    rejected: int | None


class ProblemDetails(BaseModel):
    type: str
    title: str
    status: int
    detail: str


def problems(*statuses: int) -> dict:
    """The `responses` of a route: each status given, as a problem."""
    return {s: {"model": ProblemDetails, "content": {"application/problem+json": {}}}
            for s in statuses}
