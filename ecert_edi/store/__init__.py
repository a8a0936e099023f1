"""SQLite persistence: certificates, entries, the append-only activity ledger, transmissions."""

from .connection import DEFAULT_TIMEOUT, StoreError
from .database import Store, TransmissionConflict
from .views import (
    USAGE_FIELDS,
    CertificateView,
    Discrepancy,
    LedgerRow,
    QueryAnswer,
    TransmissionRecord,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "USAGE_FIELDS",
    "CertificateView",
    "Discrepancy",
    "LedgerRow",
    "QueryAnswer",
    "Store",
    "StoreError",
    "TransmissionConflict",
    "TransmissionRecord",
]
