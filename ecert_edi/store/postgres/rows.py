"""Reading stored state from PostgreSQL where its SQL differs from SQLite's; `?` SQL for the rest."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator

import psycopg

from ecert_edi.domain.state import CertificateState, EntryState, Key
from ecert_edi.store import rows
from ecert_edi.store.interface import LedgerRow

FETCH = 2000  # rows a server-side cursor brings over at a time
_names = itertools.count(1)


class Qmark:
    """A psycopg connection that takes the `?` marks of the SQL both stores share."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params=()) -> psycopg.Cursor:
        return self.conn.execute(_marks(sql), params)

    def executemany(self, sql: str, params) -> psycopg.Cursor:
        cur = self.conn.cursor()
        if isinstance(params, list) and not params:
            # nothing to run; psycopg's count of rows would be -1, and callers compare it
            cur.execute("SELECT 1 WHERE false")
            return cur
        cur.executemany(_marks(sql), params)
        return cur


@functools.lru_cache(maxsize=256)
def _marks(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


_WITH_TARIFFS = (
    f"SELECT {', '.join('c.' + c.strip() for c in rows.CERTIFICATE_COLUMNS.split(','))},"
    " ARRAY(SELECT t.hts FROM certificate_tariffs t"
    " WHERE t.country = c.country AND t.number = c.number)"
    " FROM certificates c"
)


# what a writer reads it holds until it commits: a balance it decides against cannot move under
# it; NO KEY: the ledger rows and lines other writers add still check their keys against it
LOCK = "FOR NO KEY UPDATE"


def certificate(conn: psycopg.Connection, key: Key, with_tariffs: bool = True, lock: str = ""
                ) -> CertificateState | None:
    if not with_tariffs:
        row = conn.execute(f"SELECT {rows.CERTIFICATE_COLUMNS} FROM certificates"
                           f" WHERE country = %s AND number = %s {lock}", key).fetchone()
        return rows.certificate_state(row) if row is not None else None
    row = conn.execute(f"{_WITH_TARIFFS} WHERE c.country = %s AND c.number = %s"
                       f" {lock and lock + ' OF c'}", key).fetchone()
    return rows.certificate_state(row[:-1], row[-1]) if row is not None else None


def certificates(conn: psycopg.Connection, keys, lock: str = "") -> dict[Key, CertificateState]:
    """The certificates on file among `keys`, with their tariff lists, in one statement (the
    keys as two arrays, joined to the certificates' key); with `lock`, locked in key order, so
    two writers never wait for each other in turn."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    found = {}
    for row in conn.execute(
        f"{_WITH_TARIFFS} JOIN unnest(%s::text[], %s::text[]) AS k (country, number)"
        " ON c.country = k.country AND c.number = k.number"
        + (f" ORDER BY c.country, c.number {lock} OF c" if lock else ""),
        ([k[0] for k in wanted], [k[1] for k in wanted]),
    ):
        cert = rows.certificate_state(row[:-1], row[-1])
        found[cert.key] = cert
    return found


def entries(conn: psycopg.Connection, numbers, lock: str = "") -> dict[str, EntryState]:
    """The entries on file among `numbers`, with their lines, in two statements (the numbers
    as one array); with `lock`, locked in number order.  Planned at each call, not prepared: a
    plan made while the ledger was new and small would go on scanning every entry once it is
    large, where the server would now choose the index."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    heads = conn.execute(f"{rows.ENTRY_HEADS} WHERE entry_number = ANY(%s::text[])"
                         f" ORDER BY entry_number {lock}", (wanted,), prepare=False).fetchall()
    if not heads:
        return {}
    lines = conn.execute(f"{rows.ENTRY_LINES} WHERE entry_number = ANY(%s::text[])"
                         " ORDER BY entry_number, line_number", ([h[0] for h in heads],),
                         prepare=False)
    return rows.entry_states(heads, lines)


def streamed(conn: psycopg.Connection, sql: str, params) -> Iterator[tuple]:
    """The rows of a query through a server-side cursor, FETCH at a time (inside the caller's
    transaction: a cursor lives in one)."""
    with conn.cursor(name=f"ecert_rows_{next(_names)}") as cur:
        cur.itersize = FETCH
        cur.execute(sql, params)
        yield from cur


def ledger(conn: psycopg.Connection, key: Key) -> Iterator[LedgerRow]:
    for row in streamed(conn, f"SELECT {rows.LEDGER_COLUMNS} FROM activities"
                        " WHERE country = %s AND certificate = %s ORDER BY id", key):
        yield rows.ledger_row(row)


def usage_values(conn: psycopg.Connection, key: Key) -> Iterator[tuple]:
    """A certificate's ledger rows in USAGE_FIELDS order (the dates come as dates)."""
    yield from streamed(
        conn,
        "SELECT entry_number, line_number, activity, quantity, balance_after, activity_date,"
        " entry_date, ior FROM activities WHERE country = %s AND certificate = %s ORDER BY id",
        key,
    )
