"""One transmission from its bytes to its response: binding, ledger service, resume, idempotency.

May import: `ecert_edi.domain`, `ecert_edi.bindings`, `ecert_edi.ledger`, `ecert_edi.store`.
Never a surface.
"""

from ecert_edi.processing.response_file import process_file, response_path
from ecert_edi.processing.transmission import Outcome, respond

__all__ = ["Outcome", "process_file", "respond", "response_path"]
