"""Persistence behind the `LedgerStore` interface (store/interface.py); SQLite is its first store.

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
    StoreError,
    TransmissionConflict,
    TransmissionRecord,
)
from ecert_edi.store.sqlite import SQLiteStore


def open_store(target: str | os.PathLike, *, create: bool = True, **options) -> LedgerStore:
    """The store a `--db` value names: today a SQLite file path.

    `create`: make a new database when nothing is at the path (`process`, `watch`); False makes
    a missing one StoreError (`query`, `check`: a mistyped path is not a new, empty ledger). An
    existing file that is not an ecert database is StoreError either way.
    """
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
    "StoreError",
    "TransmissionConflict",
    "TransmissionRecord",
    "open_store",
]
