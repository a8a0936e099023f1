"""What PostgreSQL's catalogue says is not in force in a ledger's schema (`ecert check`)."""

from __future__ import annotations

import psycopg

# the triggers that keep the activity ledger append-only (store/postgres/schema.py)
APPEND_ONLY = ("activities_no_change", "activities_no_truncate")


def catalogue_problems(conn: psycopg.Connection, schema: str) -> list[str]:
    """Constraints not validated (added NOT VALID, so old rows were never checked), indexes
    left invalid (a failed concurrent build), and append-only triggers missing or disabled."""
    found = [
        f"constraint {name} of {table} is not validated: rows before it were never checked"
        for table, name in conn.execute(
            "SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c"
            " JOIN pg_namespace n ON n.oid = c.connamespace"
            " WHERE n.nspname = %s AND NOT c.convalidated ORDER BY 1, 2", (schema,))
    ]
    found.extend(
        f"index {name} is not valid: lookups through it are not used or may be wrong"
        for (name,) in conn.execute(
            "SELECT i.indexrelid::regclass::text FROM pg_index i"
            " JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = %s AND NOT (i.indisvalid AND i.indisready) ORDER BY 1", (schema,))
    )
    enabled = dict(conn.execute(
        "SELECT g.tgname, g.tgenabled FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = %s AND t.relname = 'activities' AND NOT g.tgisinternal", (schema,)
    ).fetchall())
    for name in APPEND_ONLY:
        if name not in enabled:
            found.append(f"trigger {name} is missing: the activity ledger can be changed")
        elif enabled[name] == "D":
            found.append(f"trigger {name} is disabled: the activity ledger can be changed")
    return found
