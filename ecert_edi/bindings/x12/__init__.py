"""The X12 binding: eCERT transmissions as the K3 card images of X12 996 sets, with TA1 and 999/997.

Pure functions over bytes and streams; no database.  The entry points, for the processing layer:

- `is_x12(head)` (spec 2.1): whether a file is an X12 interchange, from its first 106 bytes;
- `read_interchange(stream) -> Interchange`: one bounded-memory pass; every fault as data, the ABI
  transmission of each 996 set (spooled), which sets may be processed;
- `ta1(...)`, `functional_ack(...)`: the TA1 and 999/997 files; `wrap_response(...)`: the business
  response, each processed set's ABI response in a 996;
- `translate_to_x12(...)` / `abi_of(...)`: `ecert translate`; `fault_lines(...)`: `ecert validate`.

See docs/x12.md.  May import: `ecert_edi.domain`, the ABI binding's record layer, and pyx12 (the
`x12` extra).  Never a store, the ledger service, processing or a surface.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# The names are loaded on first use (PEP 562): a command that only asks `is_x12` of an ABI file
# imports `envelope` (and its two small helpers), not the readers and writers behind the rest.
_EXPORTS = {
    "Fault": "faults",
    "Group": "interchange",
    "Interchange": "interchange",
    "TransactionSet": "interchange",
    "TranslateError": "translating",
    "abi_of": "translating",
    "fault_lines": "validating",
    "fault_rows": "validating",
    "functional_ack": "acks",
    "is_x12": "envelope",
    "read_interchange": "reading",
    "ta1": "acks",
    "translate_to_x12": "translating",
    "wrap_response": "wrapping",
    "write_response": "wrapping",
}

__all__ = [
    "Fault", "Group", "Interchange", "TransactionSet", "TranslateError", "abi_of", "fault_lines",
    "fault_rows", "functional_ack", "is_x12", "read_interchange", "ta1", "translate_to_x12",
    "wrap_response", "write_response",
]

if TYPE_CHECKING:  # for type checkers and readers: the same names, imported eagerly
    from ecert_edi.bindings.x12.acks import functional_ack, ta1
    from ecert_edi.bindings.x12.envelope import is_x12
    from ecert_edi.bindings.x12.faults import Fault
    from ecert_edi.bindings.x12.interchange import Group, Interchange, TransactionSet
    from ecert_edi.bindings.x12.reading import read_interchange
    from ecert_edi.bindings.x12.translating import TranslateError, abi_of, translate_to_x12
    from ecert_edi.bindings.x12.validating import fault_lines, fault_rows
    from ecert_edi.bindings.x12.wrapping import wrap_response, write_response


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
