"""`ecert translate` through the binding (8.1): ABI to X12 with its options, X12 back to ABI."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_x12_build import EXAMPLE, INBOUND, RECORDS

from ecert_edi.bindings.x12 import TranslateError, abi_of, read_interchange, translate_to_x12

CLOCK = dt.datetime(2026, 1, 15, 9, 30)
CERTIFICATE = (EXAMPLE.parent.parent / "spec" / "certificate.txt").read_bytes()


def x12(data, **options) -> str:
    options.setdefault("clock", CLOCK)
    return "".join(translate_to_x12(data, **options))


def segments(text: str) -> list[list[str]]:
    return [s.split("*") for s in text.split("~\n") if s]


def test_defaults_derive_sender_usage_and_reference_from_the_a_record():
    isa, gs, _st, bgf = segments(x12(CERTIFICATE))[:4]
    assert isa[6] == "CGAU".ljust(15) and isa[8] == "USCBPECERT".ljust(15)
    assert isa[12:16] == ["00501", "000000001", "0", "T"]
    assert gs[1:4] == ["FT", "CGAU", "USCBPECERT"] and gs[8] == "005010ECERT"
    assert bgf == ["BGF", "", "ZZ", "AU260115000001"]


def test_a_response_file_from_us_is_addressed_to_columns_43_to_56():
    response = (EXAMPLE / "AU260115000001.x12.resp").read_text()
    abi = "".join(line[3:-1].ljust(80) + "\n" for line in response.splitlines()
                  if line.startswith("K3*"))
    isa = segments(x12(abi.encode()))[0]
    assert isa[6].rstrip() == "USCBPECERT" and isa[8].rstrip() == "CGAU"


def test_options_override_and_name_the_envelope():
    out = x12(CERTIFICATE, version="004010", sender="NSP1", receiver="RCV", number=42,
              usage="P", ta1=True)
    isa, gs, st_ = segments(out)[:3]
    assert isa[6] == "NSP1".ljust(15) and isa[8] == "RCV".ljust(15)
    assert isa[11:16] == ["U", "00401", "000000042", "1", "P"]
    assert gs[6] == "42" and gs[8] == "004010ECERT" and st_ == ["ST", "996", "0001"]
    assert out.endswith("GE*1*42~\nIEA*1*000000042~\n")


@pytest.mark.parametrize("options", [{"version": "006010"}, {"number": -1},
                                     {"number": 1_000_000_000}, {"usage": "X"},
                                     {"sender": "a"}, {"receiver": "lower"},
                                     {"sender": "X" * 16}])
def test_option_values_breaking_the_envelope_are_refused(options):
    # exit 2 at the command line
    with pytest.raises(ValueError):
        translate_to_x12(CERTIFICATE, **options)


def test_unknown_ids_and_reference_when_the_first_record_is_not_a_usable_a_record():
    isa, _gs, _st, bgf = segments(x12(b"Zx\n" + CERTIFICATE[81:]))[:4]
    assert isa[6].rstrip() == "UNKNOWN" and bgf[3] == "UNKNOWN" and isa[15] == "T"


def test_lines_that_cannot_be_carried_are_reported_and_nothing_written():
    data = CERTIFICATE.replace(b"BCR0000001", b"BCR*00~001") + b"X" * 81 + b"\n"
    with pytest.raises(TranslateError) as err:
        translate_to_x12(data)
    assert [p.format("c.txt") for p in err.value.problems] == [
        "c.txt:2:4: 001 E INVALID CHARACTER", "c.txt:2:7: 001 E INVALID CHARACTER",
        "c.txt:7:81: 002 E RECORD LONGER THAN 80 CHARACTERS"]


def test_a_file_without_records():
    with pytest.raises(TranslateError) as err:
        translate_to_x12(b"\n\r\n")
    assert [p.format("e") for p in err.value.problems] == ["e:0:0: 023 E FILE HOLDS NO RECORD"]


def test_zero_length_lines_are_dropped_and_spaces_only_is_one_space():
    data = b"\n".join([RECORDS[0].encode(), b"", b" " * 80, *[r.encode() for r in RECORDS[1:]]])
    out = x12(data)
    assert "K3* ~\n" in out and "SE*10*0001~" in out


def test_x12_to_abi_gives_every_set_in_order():
    ix = read_interchange(INBOUND)
    assert ix.faults() == [] and b"".join(abi_of(ix)) == CERTIFICATE


ABI_LINE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E,
                                 blacklist_characters="*:^~`"), min_size=1, max_size=80)


@settings(max_examples=60, deadline=None)
@given(st.lists(ABI_LINE, min_size=1, max_size=8), st.sampled_from(["005010", "004010"]))
def test_abi_to_x12_to_abi_is_the_file_normalised(lines, version):
    data = ("\r\n".join(lines)).encode()
    out = x12(data, version=version)
    ix = read_interchange(out.encode())
    assert ix.faults() == []
    assert b"".join(abi_of(ix)) == "".join(line.ljust(80) + "\n" for line in lines).encode()
    # and back again with the same options: byte for byte (8.1 X12 → ABI → X12)
    assert x12(b"".join(abi_of(ix)), version=version) == out
