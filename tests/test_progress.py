"""Progress, --quiet and --verbose: a bar only for a person at a terminal, never in a pipe or log."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from click.testing import CliRunner

from ecert_edi.surfaces.cli import main
from ecert_edi.surfaces.cli import progress as progress_module

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "fixtures" / "spec"
FAULTY = next((ROOT / "fixtures" / "scenarios" / "14-record-and-field-errors").glob("02-*.txt"))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def spec_files():
    return [SPEC / "certificate.txt", SPEC / "entry.txt", SPEC / "query.txt"]


def test_no_bar_and_one_line_a_file_when_not_a_terminal(tmp_path):
    result = run("process", "--db", tmp_path / "e.db", "--out", tmp_path, *spec_files())
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all(" accepted, " in line for line in lines)
    assert "\x1b" not in result.stderr and "━" not in result.stderr


def test_quiet_process_says_nothing_but_problems(tmp_path):
    result = run("process", "-q", "--db", tmp_path / "e.db", "--out", tmp_path, *spec_files(),
                 tmp_path / "missing.txt")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"ecert process: cannot read {tmp_path / 'missing.txt'}: No such file or directory"]


def test_verbose_process_counts_each_files_conditions(tmp_path):
    result = run("process", "-v", "--db", tmp_path / "e.db", "--out", tmp_path,
                 SPEC / "entry.txt")  # no certificate on file: its line is 200
    assert result.exit_code == 0
    assert "  conditions 200 ×1" in result.stderr.splitlines()


def test_quiet_validate_prints_nothing_and_keeps_its_exit_status():
    result = run("validate", "-q", FAULTY)
    assert (result.exit_code, result.stdout) == (1, "")
    assert run("validate", "-q", SPEC / "certificate.txt").exit_code == 0


def test_verbose_validate_names_the_clean_files():
    result = run("validate", "-v", SPEC / "certificate.txt", FAULTY)
    assert result.exit_code == 1
    assert f"{SPEC / 'certificate.txt'}: no error" in result.stderr.splitlines()
    assert f"{FAULTY}: no error" not in result.stderr


def test_quiet_replay_shows_only_the_tally():
    scenarios = ROOT / "fixtures" / "scenarios"
    result = run("replay", "-q", scenarios / "01-australia-beef-trq")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.strip() == "1 scenario: 1 clean"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_that_counts_the_files(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert progress_module.wanted(quiet=False) and not progress_module.wanted(quiet=True)
    with progress_module.progress("processing", 3, shown=True) as advance:
        for name in ("a.txt", "b.txt", "c.txt"):
            advance(name)
    assert "processing" in terminal.getvalue() and "3/3" in terminal.getvalue()


def test_no_bar_for_one_file_or_when_not_wanted(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_module.progress("processing", 1, shown=True) as advance:
        advance("a.txt")
    with progress_module.progress("processing", 5, shown=False) as advance:
        advance("a.txt")
    assert terminal.getvalue() == ""


def test_generate_tells_of_each_file_as_it_is_written(tmp_path):
    from ecert_edi.surfaces.generate import generate

    told = []
    summary = generate(tmp_path, 10, 40, 2, 1, entries_per_file=10, written=told.append)
    assert told == summary.files and len(told) > 2
    assert all(path.exists() for path in told)


def test_a_bar_without_a_known_end_counts_what_comes(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_module.progress("writing", None, shown=True) as advance:
        for name in ("a.txt", "b.txt"):
            advance(name)
    assert "writing" in terminal.getvalue()


def test_translation_tells_how_far_it_has_read(tmp_path):
    from ecert_edi.bindings.abi.jsonform import write_json
    from ecert_edi.surfaces.generate import generate_parse_file

    path = tmp_path / "big.txt"
    generate_parse_file(path, 20_000, 1, 500)
    told = []
    write_json(path, io.StringIO(), progress=told.append)
    assert told and told == sorted(told) and told[-1] > 10_000


def test_a_bar_of_a_known_total(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_module.progress_of("translating", 100, shown=True) as update:
        update(50)
        update(100)
    assert "translating" in terminal.getvalue()
