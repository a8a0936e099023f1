"""Processing rules of spec 6: pure functions from a transaction and stored state to a decision."""

from .certificates import decide_certificate
from .decision import Activity, Decision, as_date
from .entries import decide_entry
from .queries import Selection, decide_query, query_selection
from .state import CertificateState, EntryLine, EntryState, Key
from .static import static_conditions
from .status import certificate_status

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
