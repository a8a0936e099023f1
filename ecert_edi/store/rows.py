"""Reading stored state: rows of the certificate, entry and ledger tables as rule values."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator

from ecert_edi.domain.state import CertificateState, EntryLine, EntryState, Key
from ecert_edi.store import ledger_index
from ecert_edi.store.interface import LedgerRow

CERTIFICATE_COLUMNS = (
    "country, number, ior, issue_date, expiry_date, program, allowance, unit, balance, status"
)
LEDGER_COLUMNS = (
    "id, country, certificate, entry_number, line_number, activity, quantity, balance_after,"
    " allowance, unit, activity_date, entry_date, ior, transmission_id"
)


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def day(text: str | dt.date | None) -> dt.date | None:
    """A stored date: SQLite's ISO text, or PostgreSQL's date as it comes."""
    if isinstance(text, dt.date):
        return text
    return dt.date.fromisoformat(text) if text else None


def stamp(clock: dt.datetime | dt.date) -> str:
    """The processing clock as written in created/updated columns (so a rerun writes the same)."""
    if isinstance(clock, dt.datetime):
        return clock.isoformat(timespec="seconds")
    return clock.isoformat()


# values bound in one look-up statement: under SQLite's oldest limit of 999
_IN_BATCH = 900


def certificate_state(row: tuple, tariffs: Iterable[int] = ()) -> CertificateState:
    country, number, ior, issue, expiry, program, allowance, unit, balance, status = row
    return CertificateState(
        country=country,
        number=number,
        ior=ior,
        issue_date=day(issue),
        expiry_date=day(expiry),
        program=program,
        allowance=allowance,
        unit=unit,
        balance=balance,
        voided=status == "voided",
        tariffs=frozenset(tariffs),
    )


def certificate(
    conn: sqlite3.Connection, key: Key, with_tariffs: bool = True
) -> CertificateState | None:
    if not with_tariffs:
        row = conn.execute(
            f"SELECT {CERTIFICATE_COLUMNS} FROM certificates WHERE country = ? AND number = ?",
            key,
        ).fetchone()
        return certificate_state(row) if row is not None else None
    # the certificate and its covered tariff numbers in one statement (the entry hot path)
    row = conn.execute(
        f"SELECT {CERTIFICATE_COLUMNS}, (SELECT group_concat(hts) FROM certificate_tariffs t"
        " WHERE t.country = c.country AND t.number = c.number)"
        " FROM certificates c WHERE country = ? AND number = ?",
        key,
    ).fetchone()
    if row is None:
        return None
    return certificate_state(row[:-1], _tariffs(row[-1]))


def _tariffs(listed: str | None) -> Iterable[int]:
    """A certificate's HTS numbers from their `group_concat`."""
    return map(int, listed.split(",")) if listed else ()


# the certificate's columns named by the table they come from, beside the keys' VALUES
_JOINED_COLUMNS = ", ".join(f"c.{name.strip()}" for name in CERTIFICATE_COLUMNS.split(","))


def certificates(conn: sqlite3.Connection, keys: Iterable[Key]) -> dict[Key, CertificateState]:
    """The certificates on file among `keys`, with their tariff lists: one statement a few
    hundred keys (a commit group's certificates read together)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[Key, CertificateState] = {}
    for start in range(0, len(wanted), _IN_BATCH // 2):
        part = wanted[start:start + _IN_BATCH // 2]
        pairs = ",".join(["(?, ?)"] * len(part))
        # the keys as a table joined to the certificates' key (a row-value IN would scan)
        for row in conn.execute(
            f"SELECT {_JOINED_COLUMNS}, (SELECT group_concat(hts) FROM certificate_tariffs t"
            " WHERE t.country = c.country AND t.number = c.number)"
            f" FROM (VALUES {pairs}) AS k CROSS JOIN certificates c"
            " ON c.country = k.column1 AND c.number = k.column2",
            [v for key in part for v in key],
        ):
            cert = certificate_state(row[:-1], _tariffs(row[-1]))
            found[cert.key] = cert
    return found


def certificates_where(
    conn: sqlite3.Connection, where: str = "", params: tuple = ()
) -> Iterator[CertificateState]:
    """Certificates (without their tariff lists) by issuing country, then number."""
    sql = f"SELECT {CERTIFICATE_COLUMNS} FROM certificates"
    if where:
        sql += f" WHERE {where}"
    for row in conn.execute(sql + " ORDER BY country, number", params):
        yield certificate_state(row)


def entry(conn: sqlite3.Connection, entry_number: str) -> EntryState | None:
    return entries(conn, (entry_number,)).get(entry_number)


ENTRY_HEADS = "SELECT entry_number, ior, entry_date, port, entry_type, status FROM entries"
ENTRY_LINES = ("SELECT entry_number, line_number, country, certificate, hts, quantity, unit"
               " FROM entry_lines")


def entries(conn: sqlite3.Connection, numbers: Iterable[str]) -> dict[str, EntryState]:
    """The entries on file among `numbers`, with their lines: two statements a few hundred
    numbers (a commit group's look-ups in one go, not two statements an entry)."""
    wanted = list(dict.fromkeys(numbers))
    found: dict[str, EntryState] = {}
    for start in range(0, len(wanted), _IN_BATCH):
        part = wanted[start:start + _IN_BATCH]
        marks = ",".join("?" * len(part))
        heads = conn.execute(f"{ENTRY_HEADS} WHERE entry_number IN ({marks})", part).fetchall()
        if heads:
            lines = conn.execute(
                f"{ENTRY_LINES} WHERE entry_number IN ({','.join('?' * len(heads))})"
                " ORDER BY entry_number, line_number", [h[0] for h in heads])
            found.update(entry_states(heads, lines))
    return found


def entry_states(heads: Iterable[tuple], lines: Iterable[tuple]) -> dict[str, EntryState]:
    """Entries from their ENTRY_HEADS rows and the ENTRY_LINES rows of them (in line order)."""
    of: dict[str, list[EntryLine]] = {}
    for number, *line in lines:
        of.setdefault(number, []).append(EntryLine(*line))
    return {number: EntryState(entry_number=number, ior=ior, entry_date=day(entry_date),
                               port=port, entry_type=entry_type,
                               lines=tuple(of.get(number, ())),
                               cancelled=status == "cancelled")
            for number, ior, entry_date, port, entry_type, status in heads}


def ledger_row(row: tuple) -> LedgerRow:
    (
        rid,
        country,
        cert,
        entry_number,
        line_number,
        activity,
        quantity,
        balance_after,
        allowance,
        unit,
        activity_date,
        entry_date,
        ior,
        transmission_id,
    ) = row
    return LedgerRow(
        id=rid,
        country=country,
        certificate_number=cert,
        entry_number=entry_number,
        line_number=line_number,
        activity=activity,
        quantity=quantity,
        balance_after=balance_after,
        allowance=allowance,
        unit=unit,
        activity_date=day(activity_date),
        entry_date=day(entry_date),
        ior=ior,
        transmission_id=transmission_id,
    )


def ledger(conn: sqlite3.Connection, key: Key) -> Iterator[LedgerRow]:
    """A certificate's ledger rows, oldest first."""
    for row in ledger_index.certificate_rows(conn, LEDGER_COLUMNS, key):
        yield ledger_row(row)


def entry_ledger(conn: sqlite3.Connection, entry_number: str) -> Iterator[LedgerRow]:
    """An entry's ledger rows, oldest first (an operator's look-up: no index is kept for it,
    since processing never reads the ledger by entry, and each index costs every line a write)."""
    for row in conn.execute(
        f"SELECT {LEDGER_COLUMNS} FROM activities WHERE entry_number = ? ORDER BY id",
        (entry_number,),
    ):
        yield ledger_row(row)


_USAGE_COLUMNS = (
    "entry_number, line_number, activity, quantity, balance_after, activity_date, entry_date, ior"
)


def usage_values(conn: sqlite3.Connection, key: Key) -> Iterator[tuple]:
    """A certificate's ledger rows, oldest first, in USAGE_FIELDS order (the EZ hot path: no row
    objects)."""
    fromiso = dt.date.fromisoformat
    for entry_number, line, activity, quantity, balance, on, entry_date, ior in \
            ledger_index.certificate_rows(conn, _USAGE_COLUMNS, key):
        yield (entry_number, line, activity, quantity, balance, fromiso(on),
               fromiso(entry_date) if entry_date else None, ior)
