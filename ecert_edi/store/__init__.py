"""SQLite persistence: certificates, entries, the append-only activity ledger, transmissions."""

from ecert_edi.store.connection import DEFAULT_TIMEOUT, StoreError
from ecert_edi.store.database import Store, TransmissionConflict
from ecert_edi.store.views import (
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
