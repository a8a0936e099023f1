"""Operator look-ups: `ecert transmissions`, `ecert response`, `ecert query --entry`, `--csv`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecert_edi.surfaces.cli import main

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
CLOCK = "2026-01-15T12:00:00"
ENTRY = "B2X00000015"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def db(tmp_path):
    db = tmp_path / "ecert.db"
    done = run("process", "--db", db, "--out", tmp_path / "out", "--clock", CLOCK,
               SPEC / "certificate.txt", SPEC / "entry.txt")
    assert done.exit_code == 0, done.output
    return db


def test_transmissions_lists_what_was_received_with_its_counts(db):
    shown = run("transmissions", "--db", db, "--environment", "test", "--json")
    assert shown.exit_code == 0, shown.output
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    assert [(r["sender"], r["control_number"], r["status"], r["accepted"], r["rejected"])
            for r in rows] == [("CG:AU", "AU260115000001", "complete", 1, 0),
                               ("FL:B2X", "B2X00000000001", "complete", 1, 0)]
    only = run("transmissions", "--db", db, "--environment", "test", "--sender", "fl:b2x", "--csv")
    table = list(csv.reader(io.StringIO(only.stdout)))
    assert table[0] == ["sender", "control_number", "received", "status", "accepted", "rejected"]
    assert [r[0] for r in table[1:]] == ["FL:B2X"]
    assert run("transmissions", "--db", db).stdout.strip() == "No transmission."  # production


def test_response_gives_the_stored_response_byte_for_byte(db, tmp_path):
    given = run("response", "--db", db, "--environment", "test", "--sender", "FL:B2X",
                "--control-number", "B2X00000000001")
    assert given.exit_code == 0
    assert given.stdout_bytes == (tmp_path / "out" / "entry.txt.resp").read_bytes()
    missing = run("response", "--db", db, "--environment", "test", "--sender", "FL:B2X",
                  "--control-number", "B2X00000000099")
    assert missing.exit_code == 1 and "was not received" in missing.stderr
    bad = run("response", "--db", db, "--sender", "B2X", "--control-number", "X")
    assert bad.exit_code == 2


def test_query_entry_shows_its_lines_and_activities(db):
    shown = run("query", "--db", db, "--environment", "test", "--entry", ENTRY, "--json")
    assert shown.exit_code == 0, shown.output
    (entry,) = json.loads(shown.stdout)
    assert entry["entry_number"] == ENTRY and entry["status"] == "active"
    assert [(ln["line_number"], ln["certificate_number"], ln["quantity"])
            for ln in entry["lines"]] == [(1, "AU2026-000123", "10000.00")]
    assert [(a["activity"], a["quantity"], a["balance_after"]) for a in entry["activities"]] \
        == [("D", "10000.00", "15000.00")]
    table = run("query", "--db", db, "--environment", "test", "--entry", ENTRY.lower())
    assert "AU2026-000123" in table.stdout and "deducted" in table.stdout
    none = run("query", "--db", db, "--environment", "test", "--entry", "B2X00000023")
    assert none.exit_code == 0 and none.stdout.strip() == "No entry found."


def test_query_csv_gives_the_table_as_csv(db):
    shown = run("query", "--db", db, "--environment", "test", "--all", "--csv")
    table = list(csv.reader(io.StringIO(shown.stdout)))
    assert table[0][:3] == ["country", "certificate", "status"]
    assert table[1][:2] == ["AU", "AU2026-000123"]
