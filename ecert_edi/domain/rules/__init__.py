"""Processing rules of spec 6: pure functions from a transaction and stored state to a decision."""

from ecert_edi.domain.rules.certificates import decide_certificate
from ecert_edi.domain.clock import as_date
from ecert_edi.domain.decision import Activity, Decision
from ecert_edi.domain.rules.entries import decide_entry
from ecert_edi.domain.rules.queries import Selection, decide_query, query_selection
from ecert_edi.domain.state import CertificateState, EntryLine, EntryState, Key
from ecert_edi.domain.rules.static import static_conditions
from ecert_edi.domain.rules.status import certificate_status

__all__ = [
    "Activity",
    "CertificateState",
    "Decision",
    "EntryLine",
    "EntryState",
    "Key",
    "Selection",
    "as_date",
    "certificate_status",
    "decide_certificate",
    "decide_entry",
    "decide_query",
    "query_selection",
    "static_conditions",
]
