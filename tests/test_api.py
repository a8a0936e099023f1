"""The Python API (docs/api.md): the command line's work as functions."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from ecert_edi import api
from ecert_edi.store import SQLiteStore

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)


def test_process_bytes_answers_what_ecert_process_writes(tmp_path):
    cli_db, out = tmp_path / "cli.db", tmp_path / "out"
    subprocess.run([sys.executable, "-c", "from ecert_edi.surfaces.cli import main; main()", "process", "--db", str(cli_db), "--out",
                    str(out), "--clock", "2026-01-15T12:00:00", str(SPEC / "certificate.txt"),
                    str(SPEC / "entry.txt")], check=True, capture_output=True)
    db = tmp_path / "api.db"
    for name in ("certificate.txt", "entry.txt"):
        answer = api.process_bytes((SPEC / name).read_bytes(), db, clock=CLOCK)
        assert answer == (out / f"{name}.resp").read_bytes()
    # sent again: the first response, nothing changed
    before = api.certificate(db, "AU", "AU2026-000123", environment="test")
    again = api.process_bytes((SPEC / "entry.txt").read_bytes(), db, clock=CLOCK)
    assert again == (out / "entry.txt.resp").read_bytes()
    assert before is not None
    assert api.certificate(db, "au", "au2026-000123", environment="test") == before


def test_process_file_writes_the_response_and_tells_the_outcome(tmp_path):
    outcome = api.process_file(SPEC / "certificate.txt", tmp_path / "ecert.db", tmp_path,
                               clock=CLOCK)
    assert outcome.response == tmp_path / "certificate.txt.resp"
    assert outcome.response.read_bytes().startswith(b"ACBECERT")
    assert not outcome.transmission_rejected


def test_validate_gives_the_conditions_of_ecert_validate():
    assert api.validate(SPEC / "certificate.txt") == []
    broken = (SPEC / "certificate.txt").read_bytes().replace(b"123126TRQ", b"133126TRQ")
    (found,) = api.validate(broken)
    assert (found.code, found.line, found.column) == ("007", 3, 44)


def test_to_json_and_back_is_the_identity():
    text = (SPEC / "entry.txt").read_text()
    assert api.to_abi(api.to_json(SPEC / "entry.txt")) == text


def test_queries_read_the_ledger_and_never_create_a_database(tmp_path):
    db = tmp_path / "ecert.db"
    api.process_file(SPEC / "certificate.txt", db, tmp_path, clock=CLOCK)
    api.process_file(SPEC / "entry.txt", db, tmp_path, clock=CLOCK)
    test = {"environment": "test"}  # the fixtures are test (T) transmissions
    (cert,) = api.certificates(db, country="AU", **test)
    assert api.certificates(db, ior=cert.ior.lower(), **test) == [cert]
    assert api.certificates(db, **test) == [cert]
    assert api.certificates(db) == []  # production
    rows = list(api.usage(db, "AU", cert.number, **test))
    assert rows and sum(r.quantity for r in rows if r.activity == "D") == cert.used
    with pytest.raises(api.StoreError):
        api.certificates(tmp_path / "typo.db")
    assert not (tmp_path / "typo.db").exists()


def test_an_open_store_is_used_and_left_open(tmp_path):
    with SQLiteStore(tmp_path / "ecert.db") as store:
        api.process_bytes((SPEC / "certificate.txt").read_bytes(), store, clock=CLOCK)
        assert api.certificate(store, "AU", "AU2026-000123") is not None
        assert store.certificate("AU", "AU2026-000123") is not None  # still open
