"""`ecert process --dry-run`: a file answered exactly as it would be now, and nothing kept."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from postgres import schema_url

from ecert_edi.surfaces.cli import main

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
CLOCK = "2026-01-15T12:00:00"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def ledger(db: Path | str) -> str:
    return run("query", "--db", db, "--environment", "test", "--all", "--usage", "--json").stdout


def test_a_dry_run_answers_as_processing_would_and_keeps_nothing(tmp_path):
    db = tmp_path / "ecert.db"
    assert run("process", "--db", db, "--out", tmp_path / "setup", "--clock", CLOCK,
               SPEC / "certificate.txt").exit_code == 0
    before = ledger(db)
    real = tmp_path / "real"
    real.mkdir()
    for f in db.parent.glob("ecert*.db*"):
        shutil.copy(f, real / f.name)

    dry = run("process", "--dry-run", "--db", db, "--out", tmp_path / "dry", "--clock", CLOCK,
              SPEC / "entry.txt")
    assert dry.exit_code == 0, dry.output
    assert "(dry run: nothing kept)" in dry.stderr
    assert ledger(db) == before  # nothing deducted, nothing recorded
    listed = run("transmissions", "--db", db, "--environment", "test", "--json").stdout
    assert "B2X00000000001" not in listed

    done = run("process", "--db", real / "ecert.db", "--out", tmp_path / "done", "--clock",
               CLOCK, SPEC / "entry.txt")
    assert done.exit_code == 0
    assert (tmp_path / "dry" / "entry.txt.resp").read_bytes() == \
        (tmp_path / "done" / "entry.txt.resp").read_bytes()
    # and the file really processed afterwards is new: accepted, not a repeat
    again = run("process", "--db", db, "--out", tmp_path / "after", "--clock", CLOCK,
                SPEC / "entry.txt")
    assert "repeated" not in again.stderr and ", 1 accepted" in again.stderr


def test_a_dry_run_on_a_missing_database_answers_from_an_empty_ledger(tmp_path):
    result = run("process", "--dry-run", "--db", tmp_path / "none.db", "--out", tmp_path,
                 "--clock", CLOCK, SPEC / "entry.txt")
    assert result.exit_code == 0, result.output
    assert "R1200" in (tmp_path / "entry.txt.resp").read_text()  # certificate not on file
    assert not (tmp_path / "none.db").exists()


def test_a_dry_run_on_postgres_answers_from_a_copy_and_keeps_nothing(tmp_path,
                                                                    postgres_database):
    """On a server the copy is a SQLite ledger (store/postgres/copy.py): the same answer as the
    same file really processed on a twin of the ledger, and the server's ledger unchanged."""
    db, twin = schema_url(postgres_database), schema_url(postgres_database)
    for target in (db, twin):
        assert run("process", "--db", target, "--out", tmp_path / "setup", "--clock", CLOCK,
                   SPEC / "certificate.txt").exit_code == 0
    before = ledger(db)
    dry = run("process", "--dry-run", "--db", db, "--out", tmp_path / "dry", "--clock", CLOCK,
              SPEC / "entry.txt")
    assert dry.exit_code == 0, dry.output
    assert ledger(db) == before
    assert run("process", "--db", twin, "--out", tmp_path / "done", "--clock", CLOCK,
               SPEC / "entry.txt").exit_code == 0
    assert (tmp_path / "dry" / "entry.txt.resp").read_bytes() == \
        (tmp_path / "done" / "entry.txt.resp").read_bytes()
    assert ledger(twin) != before
