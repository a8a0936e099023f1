"""Persistence behind the `LedgerStore` interface (store/interface.py): SQLite, and PostgreSQL.

May import: `ecert_edi.domain` (state and decisions, never the rules). Never a binding, the ledger
service, processing or a surface.
"""

import os

from ecert_edi.store.connection import DEFAULT_TIMEOUT
from ecert_edi.store.interface import (
    USAGE_FIELDS,
    Change,
    Discrepancy,
    KeptUnits,
    LedgerRow,
    LedgerStore,
    StoreBusy,
    StoreConflict,
    StoreError,
    StoreMissing,
    TransmissionConflict,
    TransmissionRecord,
)
from ecert_edi.store.postgres.target import is_url
from ecert_edi.store.sqlite import SQLiteStore


def open_store(target: str | os.PathLike, *, create: bool = True, **options) -> LedgerStore:
    """The store a `--db` value names: a `postgresql://` (or `postgres://`) URL is the
    PostgreSQL store (docs/scaling.md), anything else a SQLite file path.

    `create`: make a new ledger when none is there (`process`, `watch`); False makes a missing
    one StoreMissing (`query`, `check`: a mistyped path is not a new, empty ledger). An existing
    database that is not an ecert ledger is StoreError either way.
    """
    if is_url(target):
        try:
            from ecert_edi.store.postgres.store import PostgresStore
        except ImportError as exc:  # psycopg is the postgres extra's
            raise StoreError(
                f"{target.partition('://')[0]}:// databases need psycopg: pip install"
                f" 'ecert-edi[postgres]' ({exc})"
            ) from exc
        return PostgresStore(target, create=create, **options)
    return SQLiteStore(target, create=create, **options)


__all__ = [
    "DEFAULT_TIMEOUT",
    "USAGE_FIELDS",
    "Change",
    "Discrepancy",
    "KeptUnits",
    "LedgerRow",
    "LedgerStore",
    "SQLiteStore",
    "StoreBusy",
    "StoreConflict",
    "StoreError",
    "StoreMissing",
    "TransmissionConflict",
    "TransmissionRecord",
    "is_url",
    "open_store",
]
