"""Which ledger a transmission works on: its A record's environment (spec 4.5), read first."""

from __future__ import annotations

from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH

_FIELD = LAYOUTS["A"].field("environment")
_PEEK = 64 * 1024  # the first record is within this: leading empty lines are few


def environment_of(source) -> str | None:
    """`P` or `T` from the first record when it is an A record holding one, else None.

    Read from the source the transmission is then processed from, so that both reads see the
    same file.  None means no readable environment: such a transmission is rejected at its
    header (010) and changes no ledger, so any ledger may answer it.
    """
    with source.open() as fh:
        head = fh.read(_PEEK)
    for line in head.split(b"\n"):
        line = line.rstrip(b"\r")
        if not line:
            continue
        text = line[:RECORD_LENGTH].decode("latin-1")
        if text[:1] != "A" or len(text) < _FIELD.end:
            return None
        value = text[_FIELD.slice]
        return value if value in ("P", "T") else None
    return None
