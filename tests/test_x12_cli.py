"""`ecert translate` and `ecert validate` on X12 (x12-binding 8.1, 8.2), through the command line."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_x12_build import EXAMPLE, INBOUND, RECORDS, group, interchange, set_segments

from ecert_edi.surfaces.cli import main

SPEC = EXAMPLE.parent.parent / "spec"
CERTIFICATE = SPEC / "certificate.txt"
CLOCK = "2026-01-15T09:30:00"
RESPONSE_RECORDS = [line[3:-1] for line in (EXAMPLE / "AU260115000001.x12.resp").read_text()
                    .splitlines() if line.startswith("K3*")]


def run(*args: str, input: bytes | None = None):
    result = CliRunner().invoke(main, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def to_x12(path, *options: str, input: bytes | None = None):
    return run("translate", str(path), "--to", "x12", *options, input=input)


def segments(text: str) -> list[list[str]]:
    return [s.split("*") for s in text.split("~\n") if s]


def abi(records: list[str], eol: str = "\n") -> bytes:
    return "".join(r.ljust(80) + eol for r in records).encode("latin-1")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def in_dir(path: Path):
    """Run in `path`'s folder and name the file relatively, as the spec's examples do."""
    old = Path.cwd()
    os.chdir(path.parent)
    return old


# --- 8.1: ABI → X12 ---------------------------------------------------------------------------


def test_section_9_inbound_is_the_translation_of_the_certificate_with_ta1_and_clock():
    result = to_x12(CERTIFICATE, "--ta1", "--clock", CLOCK)
    assert result.exit_code == 0
    assert result.stdout_bytes == INBOUND.read_bytes()
    assert result.stderr == ""


def test_standard_input_is_read_with_a_dash():
    result = to_x12("-", "--ta1", "--clock", CLOCK, input=CERTIFICATE.read_bytes())
    assert result.exit_code == 0 and result.stdout_bytes == INBOUND.read_bytes()


def test_the_interchange_has_the_envelope_of_8_1():
    out = segments(to_x12(CERTIFICATE, "--clock", CLOCK).stdout)
    ids = [s[0] for s in out]
    assert ids == ["ISA", "GS", "ST", "BGF", *["K3"] * 6, "SE", "GE", "IEA"]
    isa = out[0]
    assert isa[5] == "ZZ" and isa[7] == "ZZ"
    assert out[1] == ["GS", "FT", "CGAU", "USCBPECERT", "20260115", "0930", "1", "X",
                      "005010ECERT"]
    assert out[2] == ["ST", "996", "0001", "005010ECERT"]
    assert out[-3:] == [["SE", "9", "0001"], ["GE", "1", "1"], ["IEA", "1", "000000001"]]


def test_defaults_version_005010_number_1_no_ta1_test_usage():
    isa = segments(to_x12(CERTIFICATE, "--clock", CLOCK).stdout)[0]
    # ISA11 ^, ISA12 00501, ISA13 N=1 in nine digits, ISA14 0 without --ta1, ISA15 from column 42
    assert isa[11:17] == ["^", "00501", "000000001", "0", "T", ":"]


def test_default_clock_is_the_system_utc_time():
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
    isa, gs = segments(to_x12(CERTIFICATE).stdout)[:2]
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    written = dt.datetime.strptime(gs[4] + gs[5], "%Y%m%d%H%M")
    assert before <= written <= after
    assert isa[9:11] == [written.strftime("%y%m%d"), written.strftime("%H%M")]


@pytest.mark.parametrize(("column_42", "usage"), [("P", "P"), ("T", "T"), (" ", "T"),
                                                  ("X", "T")])
def test_default_usage_is_a_record_column_42_when_p_or_t_else_t(tmp_path, column_42, usage):
    records = [RECORDS[0][:41] + column_42, *RECORDS[1:]]
    path = write(tmp_path, "c.txt", abi(records))
    assert segments(to_x12(path, "--clock", CLOCK).stdout)[0][15] == usage


def test_default_usage_without_an_a_record_is_t(tmp_path):
    path = write(tmp_path, "c.txt", abi(RECORDS[1:]))
    assert segments(to_x12(path, "--clock", CLOCK).stdout)[0][15] == "T"


def test_usage_option_overrides_column_42():
    assert segments(to_x12(CERTIFICATE, "--usage", "P").stdout)[0][15] == "P"


@pytest.mark.parametrize(("first", "sender", "receiver"), [
    (RECORDS[0], "CGAU", "USCBPECERT"),                              # CG/AU: `CGAU`
    ("AFLB2X         011526093000FL260115000001T", "FLB2X", "USCBPECERT"),  # FL/B2X: `FLB2X`
    ("Acgau          011526093000AU260115000001T", "UNKNOWN", "USCBPECERT"),  # not AN
    ("AC" + " " * 13 + "011526093000AU260115000001T", "UNKNOWN", "USCBPECERT"),  # too short
])
def test_sender_is_columns_2_to_15_without_spaces(tmp_path, first, sender, receiver):
    path = write(tmp_path, "c.txt", abi([first, *RECORDS[1:]]))
    isa, gs = segments(to_x12(path, "--clock", CLOCK).stdout)[:2]
    assert (isa[6], isa[8]) == (sender.ljust(15), receiver.ljust(15))
    assert gs[2:4] == [sender, receiver]


def test_a_first_record_that_is_no_a_record_also_gives_columns_2_to_15(tmp_path):
    path = write(tmp_path, "c.txt", abi(RECORDS[1:]))  # B record first: `CR0000001`
    gs = segments(to_x12(path, "--clock", CLOCK).stdout)[1]
    assert gs[2:4] == ["CR0000001", "USCBPECERT"]


def test_a_cb_response_is_from_us_to_columns_43_to_56(tmp_path):
    path = write(tmp_path, "r.txt", abi(RESPONSE_RECORDS))
    isa, gs = segments(to_x12(path, "--clock", CLOCK).stdout)[:2]
    assert isa[6] == "USCBPECERT".ljust(15) and isa[8] == "CGAU".ljust(15)
    assert gs[2:4] == ["USCBPECERT", "CGAU"]


def test_a_cb_response_with_blank_columns_43_to_56_goes_to_unknown(tmp_path):
    records = [RESPONSE_RECORDS[0][:42], *RESPONSE_RECORDS[1:]]
    path = write(tmp_path, "r.txt", abi(records))
    gs = segments(to_x12(path, "--clock", CLOCK).stdout)[1]
    assert gs[2:4] == ["USCBPECERT", "UNKNOWN"]


def test_sender_and_receiver_options_override_the_a_record():
    isa, gs = segments(to_x12(CERTIFICATE, "--sender", "NSP-1", "--receiver", "OTHER ID")
                       .stdout)[:2]
    assert isa[6] == "NSP-1".ljust(15) and isa[8] == "OTHER ID".ljust(15)
    assert gs[2:4] == ["NSP-1", "OTHER ID"]


def test_control_number_option_sets_isa13_gs06_ge02_iea02():
    out = to_x12(CERTIFICATE, "--control-number", "42").stdout
    parsed = segments(out)
    assert parsed[0][13] == "000000042" and parsed[1][6] == "42"
    assert out.endswith("GE*1*42~\nIEA*1*000000042~\n")


def test_ta1_option_sets_isa14():
    assert segments(to_x12(CERTIFICATE, "--ta1").stdout)[0][14] == "1"


def test_clock_option_sets_isa09_isa10_gs04_gs05():
    isa, gs = segments(to_x12(CERTIFICATE, "--clock", "2031-12-30T23:59:58").stdout)[:2]
    assert isa[9:11] == ["311230", "2359"] and gs[4:6] == ["20311230", "2359"]


def test_version_004010_is_the_00401_envelope():
    out = segments(to_x12(CERTIFICATE, "--x12-version", "004010").stdout)
    assert out[0][11:13] == ["U", "00401"]
    assert out[1][8] == "004010ECERT"
    assert out[2] == ["ST", "996", "0001"]


@pytest.mark.parametrize("options", [
    ["--x12-version", "006010"], ["--x12-version", "5010"], ["--usage", "X"],
    ["--control-number", "-1"], ["--control-number", "1000000000"],
    ["--control-number", "abc"], ["--sender", "lower"], ["--sender", "A"],
    ["--receiver", "X" * 16], ["--receiver", "BAD*ID"], ["--sender", " "],
    ["--clock", "2026-13-01T00:00:00"], ["--clock", "1999-01-01T00:00:00"],
])
def test_option_values_breaking_the_envelope_exit_2(options):
    result = to_x12(CERTIFICATE, *options)
    assert result.exit_code == 2 and result.stdout == ""


@pytest.mark.parametrize("option", [["--ta1"], ["--sender", "NSP"], ["--usage", "P"],
                                    ["--x12-version", "004010"], ["--control-number", "3"],
                                    ["--receiver", "R1"], ["--clock", CLOCK]])
@pytest.mark.parametrize("target", ["json", "abi"])
def test_x12_options_without_to_x12_are_a_usage_error(option, target):
    result = run("translate", str(CERTIFICATE), "--to", target, *option)
    assert result.exit_code == 2 and "applies to --to x12 only" in result.stderr


def test_direction_with_to_x12_is_a_usage_error():
    result = to_x12(CERTIFICATE, "--direction", "inbound")
    assert result.exit_code == 2 and "--direction applies to --to json only" in result.stderr


def test_zero_length_lines_are_dropped(tmp_path):
    data = b"\n" + abi(RECORDS[:3]) + b"\n\r\n" + abi(RECORDS[3:])
    out = segments(to_x12(write(tmp_path, "c.txt", data), "--clock", CLOCK).stdout)
    assert [s[1] for s in out if s[0] == "K3"] == RECORDS
    assert ["SE", "9", "0001"] in out


def test_a_line_of_spaces_is_carried_as_one_space(tmp_path):
    data = abi([*RECORDS[:2], "", *RECORDS[2:]])  # a blank record: 80 spaces, not zero-length
    out = segments(to_x12(write(tmp_path, "c.txt", data), "--clock", CLOCK).stdout)
    assert ["K3", " "] in out


def test_uncarriable_lines_write_nothing_and_list_every_problem(tmp_path):
    data = abi([RECORDS[0], "BCR*000:001", "C0" + "X" * 79, "C1~é", *RECORDS[4:]])
    path = write(tmp_path, "bad.txt", data)
    old = in_dir(path)
    try:
        result = to_x12("bad.txt")
    finally:
        os.chdir(old)
    assert result.exit_code == 1 and result.stdout_bytes == b""
    assert result.stderr.splitlines() == [
        "bad.txt:2:4: 001 E INVALID CHARACTER",
        "bad.txt:2:8: 001 E INVALID CHARACTER",
        "bad.txt:3:81: 002 E RECORD LONGER THAN 80 CHARACTERS",
        "bad.txt:4:3: 001 E INVALID CHARACTER",
        "bad.txt:4:4: 001 E INVALID CHARACTER",
    ]


@pytest.mark.parametrize("character", ["^", "`", "\t", "\x00", "\x7f"])
def test_each_character_8_1_names_is_invalid(tmp_path, character):
    path = write(tmp_path, "c.txt", abi([RECORDS[0], "B" + character, *RECORDS[2:]]))
    result = to_x12(path)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"{path}:2:2: 001 E INVALID CHARACTER\n"


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\r\n"])
def test_no_line_left_is_023_at_0_0(tmp_path, data):
    path = write(tmp_path, "empty.txt", data)
    result = to_x12(path)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"{path}:0:0: 023 E FILE HOLDS NO RECORD\n"


def test_to_x12_of_x12_input_exits_2():
    result = to_x12(INBOUND)
    assert result.exit_code == 2 and result.stdout == ""
    assert "X12 interchange already" in result.stderr


def test_to_x12_of_a_missing_file_exits_1():
    result = to_x12("/nonexistent/c.txt")
    assert result.exit_code == 1 and "No such file" in result.stderr


# --- 8.1: X12 → ABI / JSON --------------------------------------------------------------------


def test_to_abi_gives_the_records_padded_to_80_with_lf():
    result = run("translate", str(INBOUND), "--to", "abi")
    assert result.exit_code == 0
    assert result.stdout_bytes == abi(RECORDS) == CERTIFICATE.read_bytes()


def test_to_abi_from_standard_input():
    result = run("translate", "-", "--to", "abi", input=INBOUND.read_bytes())
    assert result.exit_code == 0 and result.stdout_bytes == CERTIFICATE.read_bytes()


def test_to_abi_gives_every_996_set_in_file_order(tmp_path):
    second = ["ACGAU          011526093000AU260115000002T", *RECORDS[1:]]
    data = interchange([group([set_segments("0001"), set_segments("0002", second)]),
                        group([set_segments("0001", RECORDS[:2])], number="2")])
    path = write(tmp_path, "two.x12", data)
    result = run("translate", str(path), "--to", "abi")
    assert result.exit_code == 0
    assert result.stdout_bytes == abi(RECORDS) + abi(second) + abi(RECORDS[:2])


def test_to_abi_of_an_interchange_with_an_x12_fault_writes_only_the_faults(tmp_path):
    long_k3 = RECORDS[1] + "X" * 71  # 81 characters
    path = write(tmp_path, "AU.x12", interchange([group([set_segments(
        records=[RECORDS[0], long_k3, *RECORDS[2:]])])]))
    old = in_dir(path)
    try:
        for target in ("abi", "json"):
            result = run("translate", "AU.x12", "--to", target)
            assert result.exit_code == 1 and result.stdout_bytes == b""
            assert result.stderr == "AU.x12:6:1: IK4.5 E DATA ELEMENT TOO LONG\n"
    finally:
        os.chdir(old)


def test_abi_conditions_do_not_stop_to_abi(tmp_path):
    # a bad date is an ABI condition, not an X12 fault: the records are still given
    records = [r.replace("AB010226", "AB023026") for r in RECORDS]
    path = write(tmp_path, "AU.x12", interchange([group([set_segments(records=records)])]))
    result = run("translate", str(path), "--to", "abi")
    assert result.exit_code == 0 and result.stdout_bytes == abi(records)


def test_to_json_of_x12_is_the_json_of_the_abi_output():
    from_x12 = run("translate", str(INBOUND), "--to", "json")
    from_abi = run("translate", str(CERTIFICATE), "--to", "json")
    assert from_x12.exit_code == 0 and from_x12.stdout == from_abi.stdout
    assert json.loads(from_x12.stdout)["direction"] == "inbound"


def test_to_json_of_carried_response_records_sniffs_the_direction(tmp_path):
    # a CB response carried in an interchange addressed to us (no X12 fault): a response
    x = to_x12("-", "--receiver", "USCBPECERT", input=abi(RESPONSE_RECORDS)).stdout_bytes
    doc = json.loads(run("translate", str(write(tmp_path, "r.x12", x)), "--to", "json").stdout)
    assert doc["direction"] == "response"


def test_a_response_file_we_wrote_has_an_x12_fault_as_inbound():
    # NAME.resp is addressed to the partner (ISA08 not USCBPECERT): validate finds TA1 009, so
    # 8.1 gives its faults, not its records
    path = EXAMPLE / "AU260115000001.x12.resp"
    result = run("translate", str(path), "--to", "abi")
    assert result.exit_code == 1 and result.stdout_bytes == b""
    assert result.stderr == f"{path}:1:8: TA1.009 E UNKNOWN INTERCHANGE RECEIVER ID\n"


def test_json_input_keeps_its_path():
    as_json = run("translate", str(CERTIFICATE), "--to", "json").stdout
    back = run("translate", "-", "--to", "abi", input=as_json.encode())
    assert back.exit_code == 0 and back.stdout_bytes == CERTIFICATE.read_bytes()


def test_an_interchange_of_only_acknowledgments_gives_no_record(tmp_path):
    # a partner's 999 (an FA group, 3.4): control values checked, content skipped, no 996 set
    ack = ["ST*999*0001*005010ECERT", "AK1*FT*1*005010ECERT", "AK9*A*1*1*1", "SE*4*0001"]
    path = write(tmp_path, "a.x12", interchange([group([ack], gs01="FA")]))
    assert run("validate", str(path)).output == ""
    result = run("translate", str(path), "--to", "abi")
    assert result.exit_code == 0 and result.stdout_bytes == b""


# --- 8.1: round trips -------------------------------------------------------------------------


def test_abi_to_x12_to_abi_is_the_file_normalised(tmp_path):
    # CR LF endings, short records, no final line end: normalised to LF, 80 columns, final LF
    text = "\r\n".join(RECORDS).encode()
    x12 = to_x12(write(tmp_path, "c.txt", text), "--clock", CLOCK).stdout_bytes
    back = run("translate", str(write(tmp_path, "c.x12", x12)), "--to", "abi")
    assert back.exit_code == 0 and back.stdout_bytes == abi(RECORDS)


def test_x12_to_abi_to_x12_keeps_the_k3_values_in_order(tmp_path):
    # X written by another party (own delimiters, no line breaks): its K3 values come back
    x = interchange(sep="|", term="\x1c", comp=">", rep="!", eol="")
    path = write(tmp_path, "x.x12", x)
    records = run("translate", str(path), "--to", "abi").stdout_bytes
    again = to_x12("-", input=records).stdout
    assert [s[1] for s in segments(again) if s[0] == "K3"] == RECORDS


@pytest.mark.parametrize("options", [
    ["--ta1", "--clock", CLOCK],
    # X must have no X12 fault: the receiver stays USCBPECERT, the one ISA08 accepted (3.1)
    ["--x12-version", "004010", "--sender", "NSP", "--receiver", "USCBPECERT",
     "--control-number", "77", "--usage", "P", "--clock", "2027-02-03T04:05:06"],
])
def test_x12_to_abi_to_x12_with_the_same_options_is_byte_for_byte(tmp_path, options):
    x = to_x12(CERTIFICATE, *options).stdout_bytes
    records = run("translate", str(write(tmp_path, "x.x12", x)), "--to", "abi").stdout_bytes
    assert to_x12("-", *options, input=records).stdout_bytes == x


# --- 8.2: validate ----------------------------------------------------------------------------


def validate_copy(tmp_path: Path, data: bytes, *options: str, name: str = "AU.x12"):
    path = write(tmp_path, name, data)
    old = in_dir(path)
    try:
        return run("validate", *options, name)
    finally:
        os.chdir(old)


def test_section_9_inbound_validates_clean():
    result = run("validate", str(INBOUND))
    assert result.exit_code == 0 and result.output == ""


def test_spec_example_c0_issue_date_is_007_at_the_k3_ordinal(tmp_path):
    data = INBOUND.read_bytes().replace(b"AB010226", b"AB023026")
    result = validate_copy(tmp_path, data)
    assert result.exit_code == 1 and result.stdout == "AU.x12:7:38: 007 E INVALID DATE\n"


def test_spec_example_second_k3_of_81_characters_is_ik4_5(tmp_path):
    data = INBOUND.read_bytes().replace(b"K3*BCR0000001~", b"K3*BCR0000001" + b"X" * 71 + b"~")
    result = validate_copy(tmp_path, data)
    # IK5 R: the set's ABI conditions (its B record is now wrong too) are not given
    assert result.exit_code == 1 and result.stdout == "AU.x12:6:1: IK4.5 E DATA ELEMENT TOO LONG\n"


def test_line_is_the_segment_ordinal_not_the_physical_line(tmp_path):
    records = [r.replace("AB010226", "AB023026") for r in RECORDS]
    data = interchange([group([set_segments(records=records)])], eol="")
    assert b"\n" not in data
    assert validate_copy(tmp_path, data).stdout == "AU.x12:7:38: 007 E INVALID DATE\n"


def test_abi_line_0_is_the_st_column_0(tmp_path):
    data = interchange([group([set_segments(records=RECORDS[:5])])])  # no Z record
    out = validate_copy(tmp_path, data).stdout.splitlines()
    assert "AU.x12:3:0: 011 E MISSING TRANSMISSION TRAILER" in out


def test_abi_conditions_of_each_accepted_set_at_their_own_ordinals(tmp_path):
    bad = [r.replace("AB010226", "AB023026") for r in RECORDS]
    # set 1 (ordinals 3-11) clean, set 2 (ST at 12) with the bad date: its C0, ABI line 3, is
    # at 12 + 3 + 1
    data = interchange([group([set_segments("0001"), set_segments("0002", bad)])])
    assert validate_copy(tmp_path, data).stdout == "AU.x12:16:38: 007 E INVALID DATE\n"


def test_a_ta1_fault_hides_nothing_and_line_0_comes_last(tmp_path):
    bad = [r.replace("AB010226", "AB023026") for r in RECORDS]
    # receiver not us (TA1 009), the ABI date, and no IEA (023, at 0:0)
    data = interchange([group([set_segments(records=bad)])], receiver="SOMEONE", iea="")
    data = data.rstrip(b"\n").removesuffix(b"~")  # no IEA segment at all
    result = validate_copy(tmp_path, data)
    lines = result.stdout.splitlines()
    assert lines[0] == "AU.x12:1:8: TA1.009 E UNKNOWN INTERCHANGE RECEIVER ID"
    assert "AU.x12:7:38: 007 E INVALID DATE" in lines
    assert lines[-1] == "AU.x12:0:0: TA1.023 E IMPROPER (PREMATURE) END-OF-FILE (TRANSMISSION)"
    assert result.exit_code == 1


def test_group_and_set_faults_with_their_codes_and_places(tmp_path):
    st = set_segments()
    st[-1] = "SE*8*0001"  # SE01 wrong: IK5.4 at SE column 1
    data = interchange([[*group([st])[:-1], "GE*2*1"]])  # GE01 wrong: AK9.5 at GE column 1
    result = validate_copy(tmp_path, data)
    assert result.stdout.splitlines() == [
        "AU.x12:11:1: IK5.4 E NUMBER OF INCLUDED SEGMENTS DOES NOT MATCH ACTUAL COUNT",
        "AU.x12:12:1: AK9.5 E NUMBER OF INCLUDED TRANSACTION SETS DOES NOT MATCH ACTUAL COUNT",
    ]


def test_same_place_is_ordered_by_code(tmp_path):
    records = [RECORDS[0], RECORDS[1] + "X" * 70 + " ", *RECORDS[2:]]  # 81 long, trailing space
    data = interchange([group([set_segments(records=records)])])
    assert validate_copy(tmp_path, data).stdout.splitlines() == [
        "AU.x12:6:1: IK4.5 E DATA ELEMENT TOO LONG",
        "AU.x12:6:1: IK4.6 E INVALID CHARACTER IN DATA ELEMENT",
    ]


def test_00401_faults_use_the_999_names(tmp_path):
    records = [RECORDS[0], "BCR0000001 ", *RECORDS[2:]]  # trailing space: IK4 6
    data = interchange([group([set_segments(records=records, version="00401")],
                              version="00401")], version="00401")
    assert validate_copy(tmp_path, data).stdout == \
        "AU.x12:6:1: IK4.6 E INVALID CHARACTER IN DATA ELEMENT\n"


def test_validate_touches_no_database(tmp_path, monkeypatch):
    db = tmp_path / "ecert.db"
    monkeypatch.setenv("ECERT_DB", str(db))
    result = validate_copy(tmp_path, INBOUND.read_bytes())
    assert result.exit_code == 0
    assert not db.exists() and not (tmp_path / "ecert.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["AU.x12"]


def test_validate_reads_x12_from_standard_input():
    data = INBOUND.read_bytes().replace(b"AB010226", b"AB023026")
    result = run("validate", "-", input=data)
    assert result.exit_code == 1 and result.stdout == "-:7:38: 007 E INVALID DATE\n"


def test_abi_and_x12_files_together(tmp_path):
    bad = INBOUND.read_bytes().replace(b"AB010226", b"AB023026")
    write(tmp_path, "AU.x12", bad)
    write(tmp_path, "AU.txt", CERTIFICATE.read_bytes().replace(b"AB010226", b"AB023026"))
    old = in_dir(tmp_path / "AU.x12")
    try:
        result = run("validate", "AU.txt", "AU.x12", str(INBOUND))
    finally:
        os.chdir(old)
    assert result.stdout.splitlines() == ["AU.txt:3:38: 007 E INVALID DATE",
                                          "AU.x12:7:38: 007 E INVALID DATE"]
    assert result.exit_code == 1


def test_validate_json_on_x12_gives_one_object_a_line(tmp_path):
    data = INBOUND.read_bytes().replace(b"AB010226", b"AB023026").replace(
        b"K3*C10201300200~", b"K3*C10201300200 ~")
    objects = [json.loads(line) for line in
               validate_copy(tmp_path, data, "--json").stdout.splitlines()]
    assert objects == [
        {"file": "AU.x12", "line": 8, "column": 1, "code": "IK4.6", "severity": "E",
         "text": "INVALID CHARACTER IN DATA ELEMENT", "field": None},
    ]
    date_only = INBOUND.read_bytes().replace(b"AB010226", b"AB023026")
    [obj] = [json.loads(line) for line in
             validate_copy(tmp_path, date_only, "--json").stdout.splitlines()]
    assert obj == {"file": "AU.x12", "line": 7, "column": 38, "code": "007", "severity": "E",
                   "text": "INVALID DATE", "field": None}


def test_validate_detail_names_the_record_of_carried_conditions_only(tmp_path):
    data = interchange([group([set_segments(records=[r.replace("AB010226", "AB023026")
                                                     for r in RECORDS])])], receiver="SOMEONE")
    lines = validate_copy(tmp_path, data, "--detail").stdout.splitlines()
    assert lines == ["AU.x12:1:8: TA1.009 E UNKNOWN INTERCHANGE RECEIVER ID",
                     'AU.x12:7:38: 007 E INVALID DATE (C0 issue_date "023026")']
    [_, obj] = [json.loads(x) for x in
                validate_copy(tmp_path, data, "--detail", "--json").stdout.splitlines()]
    assert obj["detail"] == 'C0 issue_date "023026"'


def test_validate_responses_on_x12_is_a_usage_error(tmp_path):
    result = validate_copy(tmp_path, INBOUND.read_bytes(), "--responses")
    assert result.exit_code == 2 and "--responses" in result.stderr and result.stdout == ""


def test_validate_responses_on_abi_is_unchanged():
    result = run("validate", "--responses", "-", input=abi(RESPONSE_RECORDS))
    assert result.exit_code == 0 and result.output == ""


@pytest.mark.parametrize("data", [
    b"ISA" + b"*" * 103,                                   # ISA-like, not X12 (2.1): ABI
    INBOUND.read_bytes()[:106],                             # an ISA alone
    INBOUND.read_bytes()[:300],                             # cut in the middle
    INBOUND.read_bytes().replace(b"~", b"\x00"),            # NUL terminator (004)
    INBOUND.read_bytes() + b"junk",                         # data after the IEA (022)
    bytes(range(256)) * 3,
])
def test_no_traceback_on_any_input(tmp_path, data):
    path = write(tmp_path, "x.x12", data)
    for args in (["validate", str(path)], ["validate", "--json", str(path)],
                 ["translate", str(path), "--to", "abi"], ["translate", str(path), "--to", "json"],
                 ["translate", str(path), "--to", "x12"]):
        result = run(*args)
        assert result.exit_code in (0, 1, 2), (args, result.output)


# --- pyx12 is an optional extra ---------------------------------------------------------------


@pytest.fixture
def without_pyx12(monkeypatch):
    # None in sys.modules makes `import pyx12...` raise ImportError, as when it is not installed
    for name in [m for m in sys.modules if m == "pyx12" or m.startswith("pyx12.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "pyx12", None)
    monkeypatch.setitem(sys.modules, "pyx12.x12file", None)


@pytest.mark.usefixtures("without_pyx12")
@pytest.mark.parametrize("args", [["validate"], ["validate", "--json"],
                                  ["translate", "--to", "abi"], ["translate", "--to", "json"]])
def test_x12_input_without_pyx12_is_a_message_and_exit_1(args):
    result = run(*args[:1], str(INBOUND), *args[1:])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (f"ecert {args[0]}: {INBOUND}: X12 input needs pyx12, the x12 extra: "
                             "pip install 'ecert-edi[x12]'\n")


@pytest.mark.usefixtures("without_pyx12")
def test_abi_to_x12_and_abi_validate_need_no_pyx12():
    assert to_x12(CERTIFICATE, "--ta1", "--clock", CLOCK).stdout_bytes == INBOUND.read_bytes()
    assert run("validate", str(CERTIFICATE)).exit_code == 0


def _python(code: str, *args: str, **kwargs):
    return subprocess.run([sys.executable, *args, "-c", code], capture_output=True, timeout=120, check=False,
                          **kwargs)


def test_without_pyx12_in_a_fresh_process():
    code = ("import sys; sys.modules['pyx12'] = None\n"
            "from ecert_edi.surfaces.cli import main\n"
            f"main(['validate', {str(INBOUND)!r}])")
    done = _python(code)
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert b"X12 input needs pyx12" in done.stderr


# --- subprocess: the installed command, and what it imports -----------------------------------


def test_subprocess_translate_and_validate(tmp_path):
    env = {**os.environ, "ECERT_DB": str(tmp_path / "none.db")}
    code = "import sys; from ecert_edi.surfaces.cli import main; sys.argv[0] = 'ecert'; main()"
    done = subprocess.run([sys.executable, "-c", code, "translate", str(CERTIFICATE), "--to",
                           "x12", "--ta1", "--clock", CLOCK], capture_output=True, timeout=120, check=False,
                          env=env)
    assert done.returncode == 0 and done.stdout == INBOUND.read_bytes()
    done = subprocess.run([sys.executable, "-c", code, "translate", "-", "--to", "abi"],
                          input=done.stdout, capture_output=True, timeout=120, check=False, env=env)
    assert done.returncode == 0 and done.stdout == CERTIFICATE.read_bytes()
    write(tmp_path, "AU.x12", INBOUND.read_bytes().replace(b"AB010226", b"AB023026"))
    done = subprocess.run([sys.executable, "-c", code, "validate", "AU.x12"], cwd=tmp_path,
                          capture_output=True, timeout=120, check=False, env=env)
    assert done.returncode == 1 and done.stdout == b"AU.x12:7:38: 007 E INVALID DATE\n"
    done = subprocess.run([sys.executable, "-c", code, "translate", "AU.x12", "--to", "x12"],
                          cwd=tmp_path, capture_output=True, timeout=120, check=False, env=env)
    assert done.returncode == 2 and done.stdout == b""
    assert not (tmp_path / "none.db").exists()


def imported(tmp_path: Path, data: bytes) -> set[str]:
    path = write(tmp_path, "in.txt", data)
    code = ("from ecert_edi.surfaces.cli import main\n"
            f"main(['validate', {str(path)!r}])")
    done = _python(code, "-X", "importtime")
    assert b"Traceback" not in done.stderr
    return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.decode().splitlines()
            if line.startswith("import time:")}


def test_validate_of_a_three_line_abi_file_imports_nothing_of_x12(tmp_path):
    modules = imported(tmp_path, abi(RECORDS[:3]))
    assert not {m for m in modules if "pyx12" in m or "bindings.x12" in m}


def test_an_isa_that_is_no_interchange_imports_only_what_is_x12_needs(tmp_path):
    modules = imported(tmp_path, b"ISA" + b"*" * 103 + b"\n")
    x12 = {m for m in modules if "pyx12" in m or "bindings.x12" in m}
    assert x12 == {"ecert_edi.bindings.x12", "ecert_edi.bindings.x12.envelope",
                   "ecert_edi.bindings.x12.chars", "ecert_edi.bindings.x12.faults"}


def test_the_lazy_package_gives_every_name_it_exports():
    from ecert_edi.bindings import x12

    assert sorted(x12.__all__) == sorted(x12._EXPORTS)
    for name in x12.__all__:
        assert getattr(x12, name).__name__ == name
    with pytest.raises(AttributeError):
        x12.no_such_name  # noqa: B018
