"""Processing rules of spec 6: pure functions from a transaction and stored state to a decision.

The names below are loaded from their modules when first asked for (PEP 562), so that
`ecert validate`, which needs only the static rules, does not load the rules of the store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# name -> the module that defines it
_HOMES = {
    "Activity": "ecert_edi.domain.decision",
    "CertificateState": "ecert_edi.domain.state",
    "Decision": "ecert_edi.domain.decision",
    "EntryLine": "ecert_edi.domain.state",
    "EntryState": "ecert_edi.domain.state",
    "Key": "ecert_edi.domain.state",
    "Selection": "ecert_edi.domain.rules.queries",
    "as_date": "ecert_edi.domain.clock",
    "certificate_status": "ecert_edi.domain.rules.status",
    "decide_certificate": "ecert_edi.domain.rules.certificates",
    "decide_entry": "ecert_edi.domain.rules.entries",
    "decide_query": "ecert_edi.domain.rules.queries",
    "query_selection": "ecert_edi.domain.rules.queries",
    "static_conditions": "ecert_edi.domain.rules.static",
}

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

if TYPE_CHECKING:  # what a reader (and a type checker) sees: the same names, imported plainly
    from ecert_edi.domain.clock import as_date
    from ecert_edi.domain.decision import Activity, Decision
    from ecert_edi.domain.rules.certificates import decide_certificate
    from ecert_edi.domain.rules.entries import decide_entry
    from ecert_edi.domain.rules.queries import Selection, decide_query, query_selection
    from ecert_edi.domain.rules.static import static_conditions
    from ecert_edi.domain.rules.status import certificate_status
    from ecert_edi.domain.state import CertificateState, EntryLine, EntryState, Key


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
