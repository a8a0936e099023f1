"""Arguments an operator gets wrong, and what the commands say (issue: the operator's command line)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecert_edi.surfaces.cli import main

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
CLI = [sys.executable, "-c", "from ecert_edi.surfaces.cli import main; main(prog_name='ecert')"]


def run(*args, input=None, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, env=env)


@pytest.mark.parametrize("clock", ["1999-12-31T23:59:59", "2100-01-01T00:00:00",
                                   "0001-01-01T00:00:00", "2026-13-01T00:00:00", "yesterday"])
def test_a_clock_outside_2000_2099_or_malformed_is_a_usage_error(tmp_path, clock):
    result = run("process", "--db", tmp_path / "e.db", "--out", tmp_path, "--clock", clock,
                 SPEC / "certificate.txt")
    assert result.exit_code == 2, result.output
    assert "--clock" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "e.db").exists()


def test_a_trailing_z_says_utc_and_answers_the_same(tmp_path):
    plain = run("process", "--db", tmp_path / "a.db", "--out", tmp_path / "a", "--clock",
                "2026-01-15T12:00:00", SPEC / "certificate.txt")
    zulu = run("process", "--db", tmp_path / "b.db", "--out", tmp_path / "b", "--clock",
               "2026-01-15T12:00:00Z", SPEC / "certificate.txt")
    assert plain.exit_code == zulu.exit_code == 0, zulu.output
    assert (tmp_path / "a" / "certificate.txt.resp").read_bytes() == \
        (tmp_path / "b" / "certificate.txt.resp").read_bytes()


def test_the_demo_help_example_works(tmp_path):
    help_text = run("demo", "--help").output
    example = re.search(r"Example: (.+)", help_text).group(1)
    for command in example.split(" && "):
        words = shlex.split(command)
        assert words[0] == "ecert"
        done = subprocess.run(CLI + words[1:], cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
    assert "AU2026-000123" in done.stdout


def test_help_shows_the_database_ecert_db_names(tmp_path):
    env = {**os.environ, "ECERT_DB": "/srv/ecert/ledger.db"}
    shown = subprocess.run(CLI + ["query", "--help"], env=env, capture_output=True, text=True)
    assert "[default: (/srv/ecert/ledger.db, from $ECERT_DB)]" in " ".join(shown.stdout.split())
    env.pop("ECERT_DB")
    plain = subprocess.run(CLI + ["query", "--help"], env=env, capture_output=True, text=True)
    assert "[default: ecert.db]" in " ".join(plain.stdout.split())


def test_watch_on_a_folder_whose_parent_is_missing_is_an_error(tmp_path):
    result = run("watch", tmp_path / "typo" / "drop", "--db", tmp_path / "e.db", "--once")
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.output
    assert not (tmp_path / "typo").exists() and not (tmp_path / "e.db").exists()


def test_standard_input_is_answered_in_stdin_resp(tmp_path):
    data = (SPEC / "certificate.txt").read_bytes()
    result = run("process", "--db", tmp_path / "e.db", "--out", tmp_path / "out", "-",
                 input=data)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["stdin.resp"]


def test_response_names_the_file_of_one_input(tmp_path):
    target = tmp_path / "answers" / "au.resp"
    target.parent.mkdir()
    data = (SPEC / "certificate.txt").read_bytes()
    result = run("process", "--db", tmp_path / "e.db", "--response", target, "-", input=data)
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"ACBECERT")
    two = run("process", "--db", tmp_path / "e.db", "--response", target,
              SPEC / "certificate.txt", SPEC / "entry.txt")
    assert two.exit_code == 2 and "one FILE" in two.output


def test_generate_refuses_a_folder_that_holds_files_unless_forced(tmp_path):
    (tmp_path / "old.txt").write_text("an earlier set")
    refused = run("generate", "--out", tmp_path, "-n", "5", "-m", "5", "-q", "0")
    assert refused.exit_code == 2 and "not empty" in refused.output
    assert [p.name for p in tmp_path.iterdir()] == ["old.txt"]
    forced = run("generate", "--out", tmp_path, "-n", "5", "-m", "5", "-q", "0", "--force")
    assert forced.exit_code == 0, forced.output
    assert len(list(tmp_path.iterdir())) > 1
    fresh = run("generate", "--out", tmp_path / "new", "-n", "5", "-m", "5", "-q", "0")
    assert fresh.exit_code == 0, fresh.output


def test_errors_begin_with_the_command_name(tmp_path):
    for args in (["query", "--all"], ["check"]):
        result = run(*args, "--db", tmp_path / "typo.db")
        assert result.exit_code == 1
        assert result.stderr.startswith(f"ecert {args[0]}: database "), result.stderr


def test_one_transaction_is_not_one_transactions(tmp_path):
    result = run("process", "--db", tmp_path / "e.db", "--out", tmp_path,
                 SPEC / "certificate.txt")
    assert result.exit_code == 0
    assert ": 1 transaction, 1 accepted, 0 rejected" in result.stderr


@pytest.mark.parametrize("umask, mode", [("077", 0o600), ("027", 0o640)])
def test_responses_get_the_umask_given_never_a_forced_mode(tmp_path, umask, mode):
    import stat

    done = subprocess.run(CLI + ["process", "--umask", umask, "--db", str(tmp_path / "e.db"),
                                 "--out", str(tmp_path / "out"), str(SPEC / "certificate.txt")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    response = tmp_path / "out" / "certificate.txt.resp"
    assert stat.S_IMODE(response.stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "e.db").stat().st_mode) & 0o007 == 0  # no world access


def test_a_umask_that_is_not_octal_is_a_usage_error(tmp_path):
    result = run("process", "--umask", "999", "--db", tmp_path / "e.db", "--out", tmp_path,
                 SPEC / "certificate.txt")
    assert result.exit_code == 2 and "umask" in result.output


def test_ctrl_c_in_any_command_is_status_130_with_how_to_go_on(tmp_path, monkeypatch):
    from ecert_edi.surfaces.cli import validate as validate_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(validate_module, "_validate_all", interrupted)
    result = run("validate", SPEC / "certificate.txt")
    assert result.exit_code == 130
    assert "ecert validate: interrupted (Ctrl-C)" in result.stderr
    assert "run the same command again" in result.stderr
