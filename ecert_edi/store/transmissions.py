"""The bookkeeping of transmissions and their responses, in SQL that both stores run (`?` marks).

The caller holds the transaction: each function is one or a few statements on its connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from ecert_edi.store.interface import KeptUnits, TransmissionConflict, TransmissionRecord
from ecert_edi.store.rows import stamp

_COLUMNS = "id, sender_type, sender_id, control_number, content_hash, clock, status, created"


def _record(row: tuple) -> TransmissionRecord:
    tid, stype, sid, number, content_hash, clock, status, created = row
    return TransmissionRecord(
        tid, stype, sid, number, content_hash, dt.datetime.fromisoformat(clock), status, created
    )


def find(conn, sender_type: str | None, sender_id: str | None, control_number: str | None,
         lock: str = "") -> TransmissionRecord | None:
    """The transmission of a triple; `lock` a locking clause (PostgreSQL's writers): a writer
    working on a transmission holds it, so another waits and then sees what it did."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM transmissions"
        f" WHERE sender_type = ? AND sender_id = ? AND control_number = ? {lock}",
        (sender_type or "", sender_id or "", control_number or ""),
    ).fetchone()
    return _record(row) if row is not None else None


def listing(conn, where: str = "") -> Iterator[TransmissionRecord]:
    for row in conn.execute(f"SELECT {_COLUMNS} FROM transmissions {where} ORDER BY id"):
        yield _record(row)


def in_progress(conn) -> list[TransmissionRecord]:
    return list(listing(conn, "WHERE status = 'in-progress'"))


def begin(conn, sender_type: str | None, sender_id: str | None, control_number: str | None,
          content_hash: str, clock: dt.datetime, inserted) -> int:
    """The transmission's id, recorded now unless it is already; `inserted(sql, params)` runs
    the INSERT and gives the new row's id (each database says it its own way)."""
    found = find(conn, sender_type, sender_id, control_number)
    if found is not None:
        if found.content_hash != content_hash:
            raise TransmissionConflict(
                f"control number {control_number} of {sender_type} {sender_id}"
                " was used before with other content"
            )
        return found.id
    return record(conn, sender_type, sender_id, control_number, content_hash, clock, inserted)


def record(conn, sender_type: str | None, sender_id: str | None, control_number: str | None,
           content_hash: str, clock: dt.datetime, inserted) -> int:
    """A new transmission's id: one the caller looked for in its open write and did not find
    (another with its triple breaks the UNIQUE constraint, never goes unnoticed)."""
    return inserted(
        "INSERT INTO transmissions (sender_type, sender_id, control_number, content_hash,"
        " clock, status, created) VALUES (?, ?, ?, ?, ?, 'in-progress', ?)",
        (sender_type or "", sender_id or "", control_number or "", content_hash,
         stamp(clock), stamp(clock)),
    )


def chunk(conn, transmission: int, seq: int) -> KeptUnits | None:
    row = conn.execute(
        "SELECT coalesce(first_seq, seq), seq, text, accepted, units FROM response_chunks"
        " WHERE transmission_id = ? AND seq >= ? ORDER BY seq LIMIT 1",
        (transmission, seq),
    ).fetchone()
    if row is None or row[0] > seq:
        return None
    return KeptUnits(*row)


def applied_through(conn, transmission: int) -> int:
    (last,) = conn.execute(
        "SELECT coalesce(max(seq), 0) FROM response_chunks WHERE transmission_id = ?",
        (transmission,),
    ).fetchone()
    return last


def save_chunk(conn, transmission: int, seq: int, text: str, accepted: int, first: int | None,
               units: int) -> None:
    conn.execute(
        "INSERT INTO response_chunks (transmission_id, seq, text, accepted, first_seq, units)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (transmission, seq, text, int(accepted), seq if first is None else first, units),
    )


def chunks(conn, transmission: int) -> Iterator[str]:
    for (text,) in conn.execute(
        "SELECT text FROM response_chunks WHERE transmission_id = ? ORDER BY seq", (transmission,)
    ):
        yield text


def finish(conn, transmission: int) -> None:
    conn.execute("UPDATE transmissions SET status = 'complete' WHERE id = ?", (transmission,))


def is_complete(conn, transmission: int, lock: str = "") -> bool:
    row = conn.execute(
        f"SELECT status FROM transmissions WHERE id = ? {lock}", (transmission,)
    ).fetchone()
    return row is not None and row[0] == "complete"


def complete(conn, transmission: int, parts: Iterable[str]) -> bool:
    """Keep the whole response in parts, drop the per-unit ones, mark it complete; False and
    nothing changed when it was complete already."""
    if is_complete(conn, transmission):
        return False
    # the saved parts go first: the pages they free are the ones the whole response is
    # written into, so no free pages are left behind for the file to carry
    conn.execute("DELETE FROM response_chunks WHERE transmission_id = ?", (transmission,))
    keep(conn, transmission, parts)
    return True


def keep(conn, transmission: int, parts: Iterable[str]) -> None:
    """Keep the whole response of a transmission recorded in the caller's open write, none of
    its parts saved (nothing to re-check, nothing to drop), and mark it complete."""
    conn.executemany(
        "INSERT INTO responses (transmission_id, part, text) VALUES (?, ?, ?)",
        ((transmission, part, text) for part, text in enumerate(parts, start=1)),
    )
    finish(conn, transmission)


def response(conn, transmission: int) -> Iterator[str]:
    for (text,) in conn.execute(
        "SELECT text FROM responses WHERE transmission_id = ? ORDER BY part", (transmission,)
    ):
        yield text
