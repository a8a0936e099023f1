"""A commit group's entry decisions written the server's way: COPY for the rows, one UPDATE."""

from __future__ import annotations

import psycopg

from ecert_edi.store.apply import MOVED, UPSERT_ENTRY, plan_entries
from ecert_edi.store.interface import StoreConflict
from ecert_edi.store.postgres.rows import Qmark

_LINES = ("COPY entry_lines (entry_number, line_number, country, certificate, hts, quantity,"
          " unit) FROM STDIN")
_ACTIVITIES = ("COPY activities (country, certificate, entry_number, line_number, activity,"
               " quantity, balance_after, allowance, unit, activity_date, entry_date, ior,"
               " transmission_id) FROM STDIN")
# every certificate the group moved, in one statement: each only from the balance the group
# was decided against; the rows it returns are the certificates that still had it
_MOVE = """
UPDATE certificates c
SET balance = m.after, deducted = c.deducted + m.deducted, restored = c.restored + m.restored,
    updated = m.updated
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[],
            %s::bigint[]) AS m (after, deducted, restored, updated, country, number, before)
WHERE c.country = m.country AND c.number = m.number AND c.balance = m.before
RETURNING c.country
"""


def write_entries(conn: psycopg.Connection, changes: list) -> None:
    """The rows of `plan_entries`: the entries by upsert (psycopg's pipeline), the lines and
    ledger rows by COPY, the balances by one conditional UPDATE; StoreConflict when a balance
    is no longer the one the group was decided against."""
    plan = plan_entries(changes)
    Qmark(conn).executemany(UPSERT_ENTRY, plan.entries)
    with conn.cursor() as cur:
        if plan.cleared:
            # planned at each call (as prows.entries): not by the plan of a new, small ledger
            cur.execute("DELETE FROM entry_lines WHERE entry_number = ANY(%s)",
                        ([n for (n,) in plan.cleared],), prepare=False)
        for statement, rows in ((_LINES, plan.lines), (_ACTIVITIES, plan.activities)):
            if rows:
                with cur.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
        if plan.moves:
            cur.execute(_MOVE, [list(column) for column in zip(*plan.moves, strict=True)])
            if len(cur.fetchall()) != len(plan.moves):
                raise StoreConflict(MOVED)
