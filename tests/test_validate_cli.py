"""`ecert validate FILE...` (spec 8): one line per condition, exit 1 on any error."""

from __future__ import annotations

import pytest
from abi import batch, certificate, spec_file, to_bytes, transmission
from click.testing import CliRunner

from ecert_edi.surfaces.cli import main

SPEC_FILES = ["certificate.txt", "entry.txt", "query.txt"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def entry_dated(date: str) -> bytes:
    """The worked example's entry with its entry date (E0 columns 27-32, line 3) replaced."""
    data = spec_file("entry.txt")
    assert data.count(b"011426") == 1
    return data.replace(b"011426", date.encode())


@pytest.mark.parametrize("name", SPEC_FILES)
def test_worked_example_is_clean(runner, tmp_path, name):
    path = write(tmp_path, name, spec_file(name))
    result = runner.invoke(main, ["validate", path])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 0
    assert result.output == ""


def test_worked_examples_together_are_clean(runner, tmp_path):
    paths = [write(tmp_path, name, spec_file(name)) for name in SPEC_FILES]
    result = runner.invoke(main, ["validate", *paths])
    assert (result.exit_code, result.output) == (0, "")


def test_impossible_entry_date_prints_one_line_and_exits_1(runner, tmp_path):
    path = write(tmp_path, "entry.txt", entry_dated("023026"))
    result = runner.invoke(main, ["validate", path])
    assert result.stdout == f"{path}:3:27: 007 E INVALID DATE\n"
    assert result.exit_code == 1


def test_each_file_is_reported_under_its_own_name(runner, tmp_path):
    good = write(tmp_path, "good.txt", spec_file("certificate.txt"))
    bad = write(tmp_path, "bad.txt", entry_dated("133126"))
    result = runner.invoke(main, ["validate", good, bad, good])
    assert result.stdout == f"{bad}:3:27: 007 E INVALID DATE\n"
    assert result.exit_code == 1


def test_conditions_print_in_line_column_code_order(runner, tmp_path):
    lines = transmission(batch("CR", certificate(issue_date=None), record_count=9),
                         control_number="OTHER")
    path = write(tmp_path, "cr.txt", to_bytes(lines))
    result = runner.invoke(main, ["validate", path])
    assert result.stdout.splitlines() == [
        f"{path}:3:38: 005 E REQUIRED FIELD MISSING",
        f"{path}:5:18: 018 E BATCH RECORD COUNT DOES NOT MATCH",
        f"{path}:6:2: 012 E CONTROL NUMBER DOES NOT MATCH HEADER",
    ]
    assert result.exit_code == 1


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_path_is_a_message_on_stderr_and_exit_1(runner, tmp_path, kind):
    path = tmp_path / "nowhere.txt"
    if kind == "directory":
        path.mkdir()
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert str(path) in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unreadable_path_does_not_stop_the_other_files(runner, tmp_path):
    bad = write(tmp_path, "bad.txt", entry_dated("023026"))
    result = runner.invoke(main, ["validate", str(tmp_path / "nowhere.txt"), bad])
    assert result.stdout == f"{bad}:3:27: 007 E INVALID DATE\n"
    assert "nowhere.txt" in result.stderr
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "data, output, code",
    [
        (spec_file("entry.txt"), "", 0),
        (entry_dated("023026"), "-:3:27: 007 E INVALID DATE\n", 1),
    ],
    ids=["clean", "bad-date"],
)
def test_standard_input(runner, data, output, code):
    result = runner.invoke(main, ["validate", "-"], input=data)
    assert (result.stdout, result.exit_code) == (output, code)


@pytest.mark.parametrize("data", [b"", b"\n\r\n"], ids=["empty", "empty-lines"])
def test_file_without_a_record_is_023(runner, tmp_path, data):
    path = write(tmp_path, "empty.txt", data)
    result = runner.invoke(main, ["validate", path])
    assert result.stdout == f"{path}:0:0: 023 E FILE HOLDS NO RECORD\n"
    assert result.exit_code == 1


def test_no_file_is_a_usage_error(runner):
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 2
