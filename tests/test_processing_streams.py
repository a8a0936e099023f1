"""Processing over streams: `respond` answers bytes or a pipe with no file of the caller's, exactly
as `process_file` writes the response file, gives its parts only after the commit that made them
durable, and answers a re-sent transmission with its first response."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3

import pytest
from abi import SPEC_FIXTURES, spec_file

from ecert_edi.processing import Outcome, process_file, respond
from ecert_edi.store import SQLiteStore

CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)
SPEC = ("certificate.txt", "entry.txt", "query.txt")


class Pipe:
    """A binary stream that can be read once, front to back, like standard input or a socket."""

    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def read(self, n: int = -1) -> bytes:
        return self._inner.read(n)

    def readinto(self, buffer) -> int:
        return self._inner.readinto(buffer)


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "ecert.db")
    yield s
    s.close()


def test_bytes_and_a_pipe_are_answered_as_the_response_file_is(tmp_path, store):
    files_db = SQLiteStore(tmp_path / "files.db")
    try:
        for name in SPEC:
            outcome = process_file(SPEC_FIXTURES / name, files_db, tmp_path / "out", CLOCK)
            written = outcome.response.read_text(encoding="ascii")
            data = spec_file(name)
            given = "".join(respond(data if name != "entry.txt" else Pipe(data), store, CLOCK))
            assert given == written
    finally:
        files_db.close()


def test_respond_writes_no_file_of_its_own(tmp_path, store):
    before = set(tmp_path.rglob("*"))
    text = "".join(respond(spec_file("certificate.txt"), store, CLOCK))
    assert text.startswith("A") and text.endswith("\n")
    created = {p.name for p in set(tmp_path.rglob("*")) - before}
    assert created <= {"ecert.db-wal", "ecert.db-shm"}, created


def test_a_part_is_given_only_after_its_commit(tmp_path, store):
    """While the caller holds a part, no write transaction is open: another writer gets in."""
    other = sqlite3.connect(tmp_path / "ecert.db", timeout=0, isolation_level=None)
    try:
        for name in SPEC:
            for _part in respond(spec_file(name), store, CLOCK):
                other.execute("BEGIN IMMEDIATE")  # would raise 'database is locked'
                other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_resent_transmission_is_answered_with_its_first_response(store):
    "".join(respond(spec_file("certificate.txt"), store, CLOCK))
    first = "".join(respond(spec_file("entry.txt"), store, CLOCK))
    outcome = Outcome(name="again")
    later = CLOCK + dt.timedelta(days=3)
    again = "".join(respond(spec_file("entry.txt"), store, later, outcome=outcome))
    assert again == first
    assert outcome.repeated and outcome.transactions == 0


def test_the_outcome_counts_dispositions_from_decisions(store):
    outcome = Outcome(name="cert")
    "".join(respond(spec_file("certificate.txt"), store, CLOCK, outcome=outcome))
    assert (outcome.transactions, outcome.accepted, outcome.rejected) == (1, 1, 0)
    outcome = Outcome(name="an entry over the balance")
    data = spec_file("entry.txt").replace(b"0000001000000KG", b"0000030000000KG")
    text = "".join(respond(data, store, CLOCK, outcome=outcome))
    assert outcome.transmission_rejected is False
    assert (outcome.transactions, outcome.accepted, outcome.rejected) == (1, 0, 1), text
