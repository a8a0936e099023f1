"""`ecert validate` says what is wrong: --detail names record, field and text; hints name the cause."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ecert_edi.bindings.abi.hints import encoding_hint
from ecert_edi.surfaces.cli import main

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
CERTIFICATE = (SPEC / "certificate.txt").read_bytes()


def validate(tmp_path, data: bytes, *options: str):
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    return CliRunner().invoke(main, ["validate", *options, str(path)]), str(path)


def test_detail_names_the_record_the_field_and_its_text(tmp_path):
    broken = CERTIFICATE.replace(b"123126TRQ", b"133126TRQ")  # expiry date month 13
    plain, path = validate(tmp_path, broken)
    detailed, _ = validate(tmp_path, broken, "--detail")
    assert plain.exit_code == detailed.exit_code == 1
    assert plain.stdout == f"{path}:3:44: 007 E INVALID DATE\n"  # the spec's line, unchanged
    assert detailed.stdout == f'{path}:3:44: 007 E INVALID DATE (C0 expiry_date "133126")\n'


def test_detail_of_a_condition_about_a_record_names_the_record(tmp_path):
    lines = CERTIFICATE.decode().splitlines(keepends=True)
    extra = lines[:4] + [lines[3]] + lines[4:]  # the C1 twice: 111 at the repeated C1
    result, path = validate(tmp_path, "".join(extra).encode(), "--detail")
    shown = result.stdout.splitlines()
    assert any(line.startswith(f"{path}:5:3: 111 E DUPLICATE HTS NUMBER (C1 hts_number")
               for line in shown), shown


def test_a_clean_file_prints_nothing_with_detail(tmp_path):
    result, _ = validate(tmp_path, CERTIFICATE, "--detail")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize("data, cause", [
    (b"\xef\xbb\xbf" + CERTIFICATE, "byte-order mark"),
    (CERTIFICATE.decode().encode("utf-16"), "UTF-16"),
    (CERTIFICATE.decode().encode("utf-16-le"), "UTF-16"),
    (CERTIFICATE.replace(b"\n", b"\r"), "CR alone"),
])
def test_a_file_saved_in_another_form_gets_one_hint_line(tmp_path, data, cause):
    result, path = validate(tmp_path, data)
    assert result.exit_code == 1
    hints = [line for line in result.stderr.splitlines() if "hint:" in line]
    assert len(hints) == 1 and cause in hints[0] and hints[0].startswith(
        f"ecert validate: {path}: hint: ")
    assert all(line.startswith(f"{path}:") for line in result.stdout.splitlines())


def test_no_hint_for_ordinary_files():
    assert encoding_hint(CERTIFICATE) is None
    assert encoding_hint(CERTIFICATE.replace(b"\n", b"\r\n")) is None
    assert encoding_hint(b"") is None
