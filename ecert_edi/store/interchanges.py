"""What is kept of an X12 interchange: its digest, reserved key and control numbers (x12 5.3, 7)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_CONTROL = 999_999_999  # ISA13 has nine digits; after the last comes 1 again (5.3)

SCHEMA = """
CREATE TABLE interchanges (
    digest TEXT PRIMARY KEY,
    usage TEXT NOT NULL,
    clock TEXT NOT NULL,
    reused INTEGER NOT NULL CHECK (reused IN (0, 1)),
    ta1 INTEGER CHECK (ta1 BETWEEN 1 AND 999999999),
    ack INTEGER CHECK (ack BETWEEN 1 AND 999999999),
    resp INTEGER CHECK (resp BETWEEN 1 AND 999999999),
    status TEXT NOT NULL CHECK (status IN ('in-progress', 'complete'))
);
CREATE TABLE interchange_keys (
    sender_qualifier TEXT NOT NULL,
    sender TEXT NOT NULL,
    usage TEXT NOT NULL,
    control_number TEXT NOT NULL,
    digest TEXT NOT NULL REFERENCES interchanges (digest),
    PRIMARY KEY (sender_qualifier, sender, usage, control_number)
);
CREATE TABLE control_counters (
    usage TEXT PRIMARY KEY,
    last INTEGER NOT NULL CHECK (last BETWEEN 0 AND 999999999)
);
"""

KINDS = ("ta1", "ack", "resp")  # the files of an inbound interchange, in the order written (6)


@dataclass(frozen=True)
class InterchangeRecord:
    """An interchange as recorded: the control number of each file it gets, the clock it was
    first processed with, whether its key was reserved by other content (TA1 R 025 only), and
    whether it was completed before (the same content again)."""

    numbers: dict[str, int] = field(default_factory=dict)
    clock: dt.datetime = dt.datetime(2000, 1, 1)
    reused: bool = False
    repeated: bool = False


def record_interchange(conn: sqlite3.Connection, digest: str,
                       reservation: tuple[str, str, str, str] | None, usage: str,
                       clock: dt.datetime, wanted: Sequence[str]) -> InterchangeRecord:
    """Find the interchange by digest, or record it: reserve its key, take the next control
    number of `usage` for each file wanted.  Inside the caller's write transaction."""
    found = conn.execute("SELECT ta1, ack, resp, clock, reused, status FROM interchanges"
                         " WHERE digest = ?", (digest,)).fetchone()
    if found is not None:
        numbers = {k: n for k, n in zip(KINDS, found[:3], strict=True) if n is not None}
        return InterchangeRecord(numbers, dt.datetime.fromisoformat(found[3]), bool(found[4]),
                                 found[5] == "complete")
    reused = False
    if reservation is not None:
        holder = conn.execute("SELECT digest FROM interchange_keys WHERE sender_qualifier = ?"
                              " AND sender = ? AND usage = ? AND control_number = ?",
                              reservation).fetchone()
        reused = holder is not None and holder[0] != digest
    kinds = ["ta1"] if reused else [k for k in KINDS if k in wanted]
    numbers = dict(zip(kinds, _take(conn, usage, len(kinds)), strict=True))
    conn.execute("INSERT INTO interchanges (digest, usage, clock, reused, ta1, ack, resp, status)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, 'in-progress')",
                 (digest, usage, clock.isoformat(), int(reused), numbers.get("ta1"),
                  numbers.get("ack"), numbers.get("resp")))
    if reservation is not None and not reused:
        conn.execute("INSERT INTO interchange_keys VALUES (?, ?, ?, ?, ?)", (*reservation, digest))
    return InterchangeRecord(numbers, clock, reused, False)


def complete_interchange(conn: sqlite3.Connection, digest: str) -> None:
    conn.execute("UPDATE interchanges SET status = 'complete' WHERE digest = ?", (digest,))


def _take(conn: sqlite3.Connection, usage: str, count: int) -> list[int]:
    """The next `count` control numbers of one ISA15 value's counter."""
    row = conn.execute("SELECT last FROM control_counters WHERE usage = ?", (usage,)).fetchone()
    last = row[0] if row is not None else 0
    numbers = []
    for _ in range(count):
        last = last % MAX_CONTROL + 1
        numbers.append(last)
    conn.execute("INSERT INTO control_counters (usage, last) VALUES (?, ?)"
                 " ON CONFLICT (usage) DO UPDATE SET last = excluded.last", (usage, last))
    return numbers
