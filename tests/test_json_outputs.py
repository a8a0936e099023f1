"""`--json` on validate, process, check and replay: the same facts as the text, one object a line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from ecert_edi.surfaces.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "fixtures" / "spec"
SCENARIOS = ROOT / "fixtures" / "scenarios"
FAULTY = next((SCENARIOS / "14-record-and-field-errors").glob("02-*.txt"))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def lines_of(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def test_validate_json_gives_each_condition_the_text_gives():
    text = run("validate", FAULTY)
    as_json = run("validate", "--json", FAULTY)
    assert text.exit_code == as_json.exit_code == 1
    objects = lines_of(as_json.stdout)
    assert [f"{o['file']}:{o['line']}:{o['column']}: {o['code']} {o['severity']} {o['text']}"
            for o in objects] == text.stdout.splitlines()


def test_validate_responses_checks_a_response_as_a_response(tmp_path):
    responses = sorted(p for p in SCENARIOS.glob("*/expected/*.resp")
                       if not p.read_bytes().startswith(b"ISA"))  # ABI responses, not a 996
    clean = run("validate", "--responses", *responses)
    assert (clean.exit_code, clean.stdout) == (0, "")
    # the same responses read as inbound files break the inbound rules (CB is no sender)
    assert run("validate", responses[0]).exit_code == 1
    broken = tmp_path / "broken.resp"
    lines = responses[0].read_text().splitlines(keepends=True)
    broken.write_text("".join(lines[:-1]))  # without its Z
    found = lines_of(run("validate", "--responses", "--json", broken).stdout)
    assert "011" in {o["code"] for o in found}


def test_process_json_says_what_each_file_did(tmp_path):
    result = run("process", "--json", "--db", tmp_path / "e.db", "--out", tmp_path / "out",
                 "--clock", "2026-01-15T12:00:00", SPEC / "certificate.txt",
                 tmp_path / "missing.txt", SPEC / "certificate.txt")
    assert result.exit_code == 1
    first, missing, again = lines_of(result.stdout)
    assert (first["transactions"], first["accepted"], first["rejected"]) == (1, 1, 0)
    assert first["response"] == str(tmp_path / "out" / "certificate.txt.resp")
    assert first["repeated"] is False and first["transmission_rejected"] is False
    assert missing["file"] == str(tmp_path / "missing.txt") and "cannot read" in missing["error"]
    assert again["repeated"] is True


def test_check_json_reports_soundness_and_discrepancies(tmp_path):
    db = tmp_path / "e.db"
    run("process", "--db", db, "--out", tmp_path, "--clock", "2026-01-15T12:00:00",
        SPEC / "certificate.txt", SPEC / "entry.txt")
    sound = run("check", "--db", db, "--json", "--environment", "test")  # T transmissions
    assert sound.exit_code == 0
    (report,) = lines_of(sound.stdout)
    assert report["ok"] is True and report["counts"]["certificates"] == 1
    assert report["discrepancies"] == [] and report["in_progress"] == []
    conn = sqlite3.connect(tmp_path / "e-test.db")
    conn.execute("UPDATE certificates SET balance = balance + 100, restored = restored + 100")
    conn.commit()
    conn.close()
    broken = run("check", "--db", db, "--json", "--environment", "test")
    assert broken.exit_code == 1
    (report,) = lines_of(broken.stdout)
    assert report["ok"] is False and report["discrepancies"]
    assert all(d.startswith("AU AU2026-000123: ") for d in report["discrepancies"])
    assert report["discrepancies"] == [line for line in run("check", "--db", db, "--environment",
                                                            "test").stdout
                                       .splitlines() if line]


def test_replay_json_gives_one_object_a_scenario():
    folders = sorted(p for p in SCENARIOS.iterdir() if (p / "scenario.toml").exists())[:2]
    result = run("replay", "--json", *folders)
    assert result.exit_code == 0
    objects = lines_of(result.stdout)
    assert [o["scenario"] for o in objects] == [str(p) for p in folders]
    assert all(o["clean"] and o["problems"] == [] and o["files"] > 0 for o in objects)
