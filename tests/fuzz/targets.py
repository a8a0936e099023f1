"""Fuzz targets: one function per entry point, taking bytes and asserting what is promised.

Shared by the atheris harness (`run_atheris.py`, coverage-guided, for long runs) and the
hypothesis fallback in the normal suite (`tests/test_fuzz_targets.py`). Every target promises:
no exception escapes but the documented one, every response record is 80 ASCII characters, and
the ledger invariant holds after processing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
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
X12_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x12"


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


# --- X12 (x12-binding.md) -----------------------------------------------------------------------

# An inbound ISA (ours, USCBPECERT, as receiver; 00501, test usage): put before fuzzed bytes that
# do not begin with an ISA themselves, so arbitrary bytes reach the segment reader.
X12_ISA = (b"ISA*00*          *00*          *ZZ*CGAU           *ZZ*USCBPECERT     *260115*0930*^"
           b"*00501*000000001*1*T*:~")
X12_FAULT = re.compile(r"(TA1|AK9|IK5|IK3|IK4)\.[0-9A-Z]{1,3}")


def x12_seeds() -> list[Path]:
    """The seed inputs of the X12 targets: every interchange under fixtures/x12/."""
    return sorted(X12_FIXTURES.rglob("*.x12"))


def as_interchange(data: bytes) -> bytes:
    """`data` when it begins with an ISA (2.1), else the same bytes after a valid ISA."""
    from ecert_edi.bindings.x12.envelope import is_x12

    return data if is_x12(data[:106]) else X12_ISA + data


def _abi_conditions(abi: bytes):
    from ecert_edi.bindings.abi.reader import Source

    return iter_conditions(Source(abi), extra=static_conditions)


def check_x12_validate(data: bytes) -> None:
    """`validate` of X12: read_interchange never raises on an ISA-headed input; every row is an
    X12 fault (TA1/AK9/IK5/IK3/IK4 code) or a catalogue ABI condition, at an ordinal, printable."""
    from ecert_edi.bindings.x12 import fault_lines, fault_rows, read_interchange

    data = as_interchange(data)
    with read_interchange(data) as ix:
        rows = fault_rows(ix, _abi_conditions)
        lines = fault_lines("f.x12", ix, _abi_conditions)
        for tset in ix.processable():
            abi = tset.abi()
            assert all(len(r) == 80 for r in abi.split(b"\n")[:-1]), abi[:400]
        ix.acknowledges_only, ix.wants_ta1(), ix.wants_ack(), ix.digest, ix.reservation
    assert len(lines) == len(rows)
    for row, line in zip(rows, lines, strict=True):
        assert row.line >= 0 and row.column >= 0, row
        assert row.severity in ("E", "W"), row
        if row.condition is None:
            assert X12_FAULT.fullmatch(row.code), row
        else:
            assert row.code in CATALOGUE, row
        assert line.isascii() and line.isprintable(), repr(line)
    keys = [(r.line == 0, r.line, r.column, r.code) for r in rows]
    assert keys == sorted(keys), keys


class X12Processor:
    """`process` of X12: one database behind `Ledgers` (production and test), seeded with the
    worked example's certificate on both, every input answered into it as `ecert process` does."""

    def __init__(self) -> None:
        from ecert_edi.store import open_store
        from ecert_edi.store.environments import PRODUCTION, TEST, Ledgers

        self.folder = tempfile.TemporaryDirectory(prefix="ecert-fuzz-x12-")
        root = Path(self.folder.name)
        self.ledgers = Ledgers(root / "ecert.db", open_store)
        self.out = root / "out"
        self.out.mkdir()
        certificate = (SPEC / "certificate.txt").read_bytes()
        # the worked example is a test (T) transmission; the same as production (P) for ISA15 P
        "".join(respond(certificate, self.ledgers.store(TEST), CLOCK))
        "".join(respond(certificate.replace(b"000001T", b"000001P", 1),
                        self.ledgers.store(PRODUCTION), CLOCK))
        self.environments = (PRODUCTION, TEST)

    def check(self, data: bytes) -> None:
        """Answered, never raised (only the documented X12Missing, which cannot happen here);
        every file written is ASCII segments, `~` LF-ended; the ledger invariant holds."""
        from ecert_edi.bindings.abi.reader import Source
        from ecert_edi.processing.interchange_file import process_interchange

        source = Source(as_interchange(data))
        try:
            outcome = process_interchange(source, self.ledgers, self.out / "in.x12", CLOCK)
        finally:
            source.close()
        for path in outcome.files:
            text = path.read_bytes()
            assert text.isascii() and text.endswith(b"~\n"), (path, text[-160:])
            path.unlink()
        for environment in self.environments:
            assert self.ledgers.store(environment).check_ledger() == []

    def close(self) -> None:
        self.ledgers.close()
        self.folder.cleanup()


TARGETS = {
    "validate": check_validate,
    "abi-to-json": check_abi_to_json,
    "json-to-abi": check_json_to_abi,
    "x12-validate": check_x12_validate,
}
