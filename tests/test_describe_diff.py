"""`ecert describe` and `ecert diff`: a transmission read by field name, two compared by field."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ecert_edi.bindings.abi import differ
from ecert_edi.bindings.abi.reader import Source
from ecert_edi.bindings.abi.reading import iter_conditions
from ecert_edi.domain.rules.static import static_conditions
from ecert_edi.surfaces.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "fixtures" / "spec"
FAULTY = ROOT / "fixtures" / "scenarios" / "14-record-and-field-errors"


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_describe_names_every_field_and_reads_quantities_and_dates():
    result = run("describe", str(SPEC / "certificate.txt"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "line 3  C0 certificate header" in lines
    c0 = lines[lines.index("line 3  C0 certificate header") + 1:]
    fields = dict(line.split(None, 1) for line in c0[:9])
    assert fields["certificate_number"] == "AU2026-000123"
    assert fields["allowance_quantity"] == "25,000.00  (written '000002500000')"
    assert fields["expiry_date"] == "2026-12-31  (written '123126')"
    assert not any(line.lstrip().startswith("!") for line in lines)  # a clean file


def test_describe_shows_each_condition_under_its_record():
    path = next(FAULTY.glob("02-*.txt"))
    result = run("describe", str(path))
    assert result.exit_code == 0, result.output
    shown = [line.split("! ", 1)[1] for line in result.output.splitlines() if "! " in line]
    expected = list(iter_conditions(Source(str(path)), extra=static_conditions))
    assert len(shown) == len(expected) and expected
    for c, text in zip(sorted(expected, key=lambda c: (c.line == 0, c.line)), shown):
        assert text.startswith(f"{c.code} {c.severity} {c.text}")


def test_describe_reads_standard_input_and_a_response():
    response = next((ROOT / "fixtures" / "scenarios").glob("*/expected/*.resp"))
    result = run("describe", "-", input=response.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.output.startswith("line 1  A transmission header")
    assert "    sender_type        CB" in result.output.splitlines()


def test_describe_of_a_missing_file_is_exit_1():
    result = run("describe", "/nonexistent/file.txt")
    assert result.exit_code == 1
    assert "cannot read" in result.output


def test_diff_of_identical_files_is_silent_and_exit_0():
    path = str(SPEC / "certificate.txt")
    result = run("diff", path, path)
    assert (result.exit_code, result.output) == (0, "")


def test_diff_names_the_field_its_columns_and_both_values(tmp_path):
    text = (SPEC / "certificate.txt").read_text()
    changed = tmp_path / "changed.txt"
    changed.write_text(text.replace("000002500000KG", "000002600000KG"))
    result = run("diff", str(SPEC / "certificate.txt"), str(changed))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "line 3, C0 (certificate header): allowance_quantity, columns 53-64: "
        "A '000002500000' (25,000.00), B '000002600000' (26,000.00)"
    ]


def test_diff_names_lines_present_on_one_side_only(tmp_path):
    lines = (SPEC / "certificate.txt").read_text().splitlines(keepends=True)
    shorter = tmp_path / "shorter.txt"
    shorter.write_text("".join(lines[:3] + lines[4:]))  # without the C1
    result = run("diff", str(SPEC / "certificate.txt"), str(shorter))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("line 4: only in A: C1 (covered tariff number)")


def test_diff_of_an_unreadable_file_is_exit_2():
    result = run("diff", str(SPEC / "certificate.txt"), "/nonexistent/file.txt")
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_long_files_are_compared_line_for_line(monkeypatch):
    monkeypatch.setattr(differ, "ALIGN_LINES", 3)
    left = (SPEC / "certificate.txt").read_text().splitlines()
    right = left[:2] + [left[2].replace("AU2026-000123", "AU2026-000124")] + left[3:] + ["QQ"]
    notes = list(differ.differences(left, right, differ.Sides(left="A", right="B")))
    assert notes[0].startswith("line 3, C0 (certificate header): certificate_number")
    assert notes[-1] == "line 7 of the response: unexpected the line 'QQ'"
