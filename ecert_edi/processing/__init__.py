"""One transmission from its bytes to its response: binding, ledger service, resume, idempotency.

May import: `ecert_edi.domain`, `ecert_edi.bindings`, `ecert_edi.ledger`, `ecert_edi.store`.
"""
