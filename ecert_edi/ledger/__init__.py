"""The ledger service: the eCERT workflow (load state, decide by the rules, persist the decision).

May import: `ecert_edi.domain` and the store interface (`ecert_edi.store.interface`). Never a
binding, processing or a surface.
"""

from ecert_edi.ledger.service import Ledger

__all__ = ["Ledger"]
