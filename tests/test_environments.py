"""Spec 4.5: each environment is a ledger of its own; operator commands read production unless told."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ecert_edi import api
from ecert_edi.store.environments import environment_target
from ecert_edi.surfaces.cli import main

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
CLOCK = "2026-01-15T12:00:00"
ENV_COLUMN = 41  # the A record's environment, column 42


def in_environment(name: str, environment: str) -> bytes:
    """A fixture transmission sent in the environment given (its A record's column 42)."""
    data = bytearray((SPEC / name).read_bytes())
    assert data[ENV_COLUMN:ENV_COLUMN + 1] in (b"T", b"P")
    data[ENV_COLUMN] = ord(environment)
    return bytes(data)


def process(tmp_path: Path, label: str, data: bytes):
    path = tmp_path / f"{label}.txt"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["process", "--db", str(tmp_path / "ecert.db"), "--out",
                                       str(tmp_path / "out"), "--clock", CLOCK, str(path)])
    assert result.exit_code == 0, result.output
    return (tmp_path / "out" / f"{label}.txt.resp").read_text().splitlines()


def conditions(response: list[str]) -> list[str]:
    return [line[2:5] for line in response if line.startswith("R1")]


@pytest.mark.parametrize("registered, used", [("T", "P"), ("P", "T")])
def test_an_entry_never_draws_on_another_environments_certificate(tmp_path, registered, used):
    process(tmp_path, "cert", in_environment("certificate.txt", registered))
    assert conditions(process(tmp_path, "entry", in_environment("entry.txt", used))) == ["200"]
    # in its own environment the same entry is accepted (its control number is new there)
    assert conditions(process(tmp_path, "entry-own", in_environment("entry.txt", registered))) \
        == []


def test_control_numbers_are_the_environments_own(tmp_path):
    test = process(tmp_path, "t", in_environment("certificate.txt", "T"))
    production = process(tmp_path, "p", in_environment("certificate.txt", "P"))
    # the same sender and control number in each: each registered, neither a repeat (021, 101)
    assert conditions(test) == [] and conditions(production) == []
    again = process(tmp_path, "t-again", in_environment("certificate.txt", "T"))
    assert again == test  # the test transmission again: its first response


def test_a_query_sees_only_its_environments_certificates(tmp_path):
    process(tmp_path, "cert", in_environment("certificate.txt", "T"))
    assert conditions(process(tmp_path, "q-p", in_environment("query.txt", "P"))) == ["300"]
    answered = process(tmp_path, "q-t", in_environment("query.txt", "T"))
    assert conditions(answered) == [] and any(line.startswith("S0") for line in answered)


def test_operator_commands_read_production_unless_asked_for_test(tmp_path):
    process(tmp_path, "cert", in_environment("certificate.txt", "T"))
    db = str(tmp_path / "ecert.db")
    runner = CliRunner()
    production = runner.invoke(main, ["query", "--db", db, "--all"])
    test = runner.invoke(main, ["query", "--db", db, "--all", "--environment", "test"])
    assert production.exit_code == test.exit_code == 0
    assert production.stdout.strip() == "No certificate found."
    assert "AU2026-000123" in test.stdout
    checked = runner.invoke(main, ["check", "--db", db, "--environment", "test"])
    assert checked.stdout.startswith("OK: 1 certificate")
    assert api.certificates(db) == []
    assert [c.number for c in api.certificates(db, environment="test")] == ["AU2026-000123"]


def test_a_test_ledger_never_written_reads_as_empty_and_is_not_created(tmp_path):
    process(tmp_path, "cert", in_environment("certificate.txt", "P"))
    db = tmp_path / "ecert.db"
    test = CliRunner().invoke(main, ["query", "--db", str(db), "--all", "--environment", "test"])
    assert test.exit_code == 0 and test.stdout.strip() == "No certificate found."
    assert not Path(environment_target(db, "T")).exists()
    missing = CliRunner().invoke(main, ["query", "--db", str(tmp_path / "typo.db"), "--all",
                                        "--environment", "test"])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_the_test_ledger_sits_beside_the_database():
    assert environment_target("/srv/ecert.db", "P") == "/srv/ecert.db"
    assert environment_target("/srv/ecert.db", "T") == "/srv/ecert-test.db"
    assert environment_target("/srv/ledger", "T") == "/srv/ledger-test"
    with pytest.raises(ValueError):
        environment_target("/srv/ecert.db", "X")


def test_an_unreadable_environment_is_answered_and_changes_no_ledger(tmp_path):
    response = process(tmp_path, "bad", in_environment("certificate.txt", "T").replace(
        b"AU260115000001T", b"AU260115000001X", 1))
    assert response[0].startswith("ACBECERT") and "010" in conditions(response)
    db = str(tmp_path / "ecert.db")
    for environment in ("production", "test"):
        shown = CliRunner().invoke(main, ["query", "--db", db, "--all", "--environment",
                                          environment])
        assert shown.stdout.strip() == "No certificate found."


def test_the_drop_folder_answers_each_file_on_its_environments_ledger(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "1-cert.txt").write_bytes(in_environment("certificate.txt", "T"))
    done = CliRunner().invoke(main, ["watch", str(root), "--db", str(db), "--once",
                                     "--clock", CLOCK])
    assert done.exit_code == 0, done.output
    (root / "inbox" / "2-entry.txt").write_bytes(in_environment("entry.txt", "P"))
    done = CliRunner().invoke(main, ["watch", str(root), "--db", str(db), "--once",
                                     "--clock", CLOCK])
    assert done.exit_code == 0, done.output
    entry = (root / "outbox" / "2-entry.txt.resp").read_text().splitlines()
    assert conditions(entry) == ["200"]


def test_the_python_api_keeps_the_environments_apart(tmp_path):
    db = tmp_path / "ecert.db"
    api.process_bytes(in_environment("certificate.txt", "T"), db)
    answer = api.process_bytes(in_environment("entry.txt", "P"), db).decode().splitlines()
    assert conditions(answer) == ["200"]
    assert api.certificate(db, "AU", "AU2026-000123") is None
    assert api.certificate(db, "AU", "AU2026-000123", environment="test") is not None


def test_the_environment_option_names_every_environment():
    from ecert_edi.store.environments import ENVIRONMENTS
    from ecert_edi.surfaces.cli.options import environment_option

    @environment_option
    def command(environment):
        return environment

    (param,) = command.__click_params__
    assert sorted(param.type.choices) == sorted(ENVIRONMENTS)
