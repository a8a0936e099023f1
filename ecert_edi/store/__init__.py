"""Persistence behind the `LedgerStore` interface (store/interface.py); SQLite is its first store.

May import: `ecert_edi.domain` (state and decisions, never the rules). Never a binding, the ledger
service, processing or a surface.
"""

from ecert_edi.store.connection import DEFAULT_TIMEOUT
from ecert_edi.store.interface import (
    USAGE_FIELDS,
    Change,
    Discrepancy,
    LedgerRow,
    LedgerStore,
    StoreBusy,
    StoreError,
    TransmissionConflict,
    TransmissionRecord,
)
from ecert_edi.store.sqlite import SQLiteStore


def open_store(target: str, **options) -> LedgerStore:
    """The store a `--db` value names: today a SQLite file path."""
    return SQLiteStore(target, **options)


__all__ = [
    "DEFAULT_TIMEOUT",
    "USAGE_FIELDS",
    "Change",
    "Discrepancy",
    "LedgerRow",
    "LedgerStore",
    "SQLiteStore",
    "StoreBusy",
    "StoreError",
    "TransmissionConflict",
    "TransmissionRecord",
    "open_store",
]
