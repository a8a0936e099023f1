"""A SQLite ledger copied into an empty PostgreSQL ledger in one transaction: `ecert migrate`."""

from __future__ import annotations

from psycopg import sql

from ecert_edi.store.interface import StoreError
from ecert_edi.store.postgres.copy import TABLES
from ecert_edi.store.postgres.store import PostgresStore
from ecert_edi.store.sqlite import SQLiteStore

# tables whose ids are generated: the next id follows the copied ones
_IDENTITIES = ("transmissions", "activities")


def from_sqlite(source: SQLiteStore, target: PostgresStore) -> dict[str, int]:
    """Every row of `source`, read in one snapshot, into `target`, which must hold none, then
    the copy checked as `ecert check` checks a ledger; the rows copied, by table.  All or
    nothing: one transaction of the target, under its write lock, committed only when the copy
    holds every row of the source and the check finds nothing (else StoreError saying what).

    Row ids are kept (the ledger and the stored responses name their transmissions by id), so
    a re-sent transmission gets the response it got before, byte for byte.  The database's own
    constraints check every row as it arrives (balance identity, non-negative balances, the
    references between tables).
    """
    with source.read(), target.write():
        held = {table: n for table, n in _rows(target).items() if n}
        if held:
            shown = ", ".join(f"{n} {table}" for table, n in held.items())
            raise StoreError(f"{target.path} already holds a ledger ({shown}): a ledger is"
                             " moved only into an empty one")
        copied = {}
        for table in TABLES:
            columns = [row[1] for row in source.conn.execute(f"PRAGMA table_info({table})")]
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
            rows = 0
            with target.conn.cursor() as cur, cur.copy(statement) as copy:
                for row in source.conn.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                    copy.write_row(row)
                    rows += 1
            copied[table] = rows
        for table in _IDENTITIES:
            target.conn.execute(sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'id'),"
                " coalesce((SELECT max(id) FROM {}), 0) + 1, false)").format(
                    sql.Literal(table), sql.Identifier(table)))
        _verify(target, copied)
    return copied


def _rows(target: PostgresStore) -> dict[str, int]:
    """The rows of each ledger table of the target."""
    return {table: target.conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
        sql.Identifier(table))).fetchone()[0] for table in TABLES}


def _verify(target: PostgresStore, copied: dict[str, int]) -> None:
    """The copy checked inside its transaction: every row there, nothing the check finds."""
    landed = _rows(target)
    problems = [f"{table}: {landed[table]} rows of the {n} copied"
                for table, n in copied.items() if landed[table] != n]
    problems += [f"database: {text}" for text in target.check_database()]
    problems += [str(found) for found in target.check_ledger()]
    if problems:
        raise StoreError(f"the copy in {target.path} does not check out, nothing is kept: "
                         + "; ".join(problems))
