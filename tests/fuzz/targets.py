"""Fuzz targets: one function per entry point, taking bytes and asserting what is promised.

Shared by the atheris harness (`run_atheris.py`, coverage-guided, for long runs) and the
hypothesis fallback in the normal suite (`tests/test_fuzz_targets.py`). Every target promises:
no exception escapes but the documented one, every response record is 80 ASCII characters, and
the ledger invariant holds after processing.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from ecert_edi.bindings.abi.jsonform import DocumentError, to_abi, to_json
from ecert_edi.bindings.abi.reading import iter_conditions
from ecert_edi.domain.conditions import CATALOGUE
from ecert_edi.domain.rules import static_conditions
from ecert_edi.processing import respond
from ecert_edi.store import SQLiteStore

CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)
SPEC = Path(__file__).resolve().parents[2] / "fixtures" / "spec"


def check_validate(data: bytes) -> None:
    """`validate`: every condition is a catalogue code at a place R1 can state."""
    for c in iter_conditions(data, extra=static_conditions):
        assert c.code in CATALOGUE, c
        assert c.line >= 0 and 0 <= c.column <= 99, c


def check_abi_to_json(data: bytes) -> None:
    """ABI -> JSON always translates; the JSON goes back to ABI, or is refused precisely."""
    doc = to_json(data)
    text = json.dumps(doc)
    try:
        to_abi(json.loads(text))
    except DocumentError:
        pass


def check_json_to_abi(data: bytes) -> None:
    """JSON -> ABI: any document is written as 80-column records or refused with DocumentError."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return  # not JSON at all: the command says so before translating
    try:
        text = to_abi(doc)
    except DocumentError:
        return
    assert all(len(line) == 80 and line.isascii() for line in text.splitlines()), text


class Processor:
    """One database, seeded with the worked example's certificate, that every input goes to."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="ecert-fuzz-")
        self.store = SQLiteStore(Path(self.folder.name) / "ecert.db", create=True)
        "".join(respond((SPEC / "certificate.txt").read_bytes(), self.store, CLOCK))

    def check(self, data: bytes) -> None:
        """`process`: answered, never raised; every record 80 ASCII columns, LF-ended; the
        ledger invariant holds."""
        text = "".join(respond(data, self.store, CLOCK))
        assert text.endswith("\n"), text[-160:]
        for line in text[:-1].split("\n"):
            assert len(line) == 80 and line.isascii() and line.isprintable(), repr(line)
        assert self.store.check_ledger() == []

    def close(self) -> None:
        self.store.close()
        self.folder.cleanup()


TARGETS = {
    "validate": check_validate,
    "abi-to-json": check_abi_to_json,
    "json-to-abi": check_json_to_abi,
}
