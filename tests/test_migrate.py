"""`ecert migrate`: a SQLite ledger moved into PostgreSQL answers exactly as it did before."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import postgres
import pytest

from ecert_edi.processing.environments import Routed
from ecert_edi.store import open_store
from ecert_edi.store.environments import PRODUCTION, TEST, Ledgers, environment_target

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "fixtures" / "scenarios"
CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)
ECERT = [sys.executable, "-c", "import sys; from ecert_edi.surfaces.cli import main; sys.exit(main())"]
# the story of both environments and both bindings: registrations, entries, cancels, queries,
# a re-sent transmission, an X12 government's and filer's interchanges
MOVED = ("01-australia-beef-trq", "02-new-zealand-replace-cancel", "07-queries-by-filer",
         "11-resent-transmission", "15-x12-government-certificates", "16-x12-filer-entries")


def ecert(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ECERT, *args], capture_output=True, text=True, timeout=300,
                          check=False)


def inbound(scenario: str) -> list[Path]:
    return sorted(p for p in (SCENARIOS / scenario).iterdir()
                  if p.is_file() and p.name[:2].isdigit())


def answer_all(target: str, files: list[Path], out: Path) -> dict[str, bytes]:
    with Ledgers(target, open_store) as ledgers:
        routed = Routed(ledgers)
        for path in files:
            routed.answer(path, out, CLOCK)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def ledger_of(target: str, environment: str) -> dict:
    """Everything a ledger tells: certificates, each one's history, transmissions."""
    with open_store(environment_target(target, environment), create=False) as store:
        certificates = list(store.all_certificates())
        return {
            "certificates": certificates,
            "ledger": {c.key: list(store.ledger(*c.key)) for c in certificates},
            "transmissions": [(t.sender_type, t.sender_id, t.control_number, t.content_hash,
                               t.status) for t in store.transmissions()],
            "counts": store.counts(),
        }


@pytest.fixture(scope="module")
def moved(postgres_database, tmp_path_factory):
    """A SQLite ledger of the story, and its copy moved into a PostgreSQL schema."""
    folder = tmp_path_factory.mktemp("migrate")
    db = str(folder / "ecert.db")
    files = [p for scenario in MOVED for p in inbound(scenario)]
    answer_all(db, files, folder / "out")
    url = postgres.schema_url(postgres_database)
    done = ecert("migrate", "--from", db, "--to", url)
    return {"db": db, "url": url, "files": files, "folder": folder, "done": done}


def test_migrate_moves_both_environments_and_says_what_it_copied(moved):
    assert moved["done"].returncode == 0, moved["done"].stderr
    lines = moved["done"].stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["production", "test"]
    assert all("the copy checks out" in line for line in lines)
    for environment in (PRODUCTION, TEST):
        assert ledger_of(moved["url"], environment) == ledger_of(moved["db"], environment)


def test_the_moved_ledger_checks_out(moved):
    for environment in ("production", "test"):
        result = ecert("check", "--db", moved["url"], "--environment", environment, "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        before = ecert("check", "--db", moved["db"], "--environment", environment, "--json")
        assert json.loads(result.stdout)["counts"] == json.loads(before.stdout)["counts"]


def test_a_re_sent_transmission_gets_its_first_response_from_the_moved_ledger(moved, tmp_path):
    first = answer_all(moved["db"], moved["files"], tmp_path / "sqlite")
    again = answer_all(moved["url"], moved["files"], tmp_path / "postgres")
    assert again == first


def test_new_work_on_the_moved_ledger_answers_as_on_the_sqlite_one(moved, tmp_path):
    """The ids go on after the copied ones, balances are where they were: the same new files
    give the same bytes on both, and leave the same ledgers."""
    db = tmp_path / "copy.db"
    for f in Path(moved["db"]).parent.glob("ecert*.db*"):
        shutil.copyfile(f, tmp_path / f.name.replace("ecert", "copy", 1))
    url = postgres.schema_url(moved["url"].split("?")[0])
    assert ecert("migrate", "--from", str(db), "--to", url).returncode == 0
    later = [p for scenario in ("04-argentina-entry-rules", "08-queries-by-government",
                                "17-x12-query") for p in inbound(scenario)]
    assert answer_all(url, later, tmp_path / "postgres") == \
        answer_all(str(db), later, tmp_path / "sqlite")
    for environment in (PRODUCTION, TEST):
        assert ledger_of(url, environment) == ledger_of(str(db), environment)


def test_a_ledger_is_moved_only_into_an_empty_one(moved):
    again = ecert("migrate", "--from", moved["db"], "--to", moved["url"])
    assert again.returncode == 1
    assert "already holds a ledger" in again.stderr and "Traceback" not in again.stderr
    assert ledger_of(moved["url"], PRODUCTION) == ledger_of(moved["db"], PRODUCTION)


def test_migrate_refuses_a_path_as_its_target(tmp_path):
    result = ecert("migrate", "--from", str(tmp_path / "ecert.db"), "--to",
                   str(tmp_path / "other.db"))
    assert result.returncode == 1 and "--to takes a postgresql:// URL" in result.stderr


def test_a_missing_source_is_exit_status_1_and_nothing_is_made(postgres_database, tmp_path):
    url = postgres.schema_url(postgres_database)
    result = ecert("migrate", "--from", str(tmp_path / "absent.db"), "--to", url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert not postgres.exists(url)
