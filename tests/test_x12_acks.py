"""One test per acknowledgment code this binding produces: TA1 notes, AK9/IK5/IK3/IK4 codes (5)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_x12_build import INBOUND, group, interchange, set_segments

from ecert_edi.bindings.abi.reader import Source
from ecert_edi.bindings.abi.reading import iter_conditions
from ecert_edi.bindings.x12 import fault_lines, functional_ack, read_interchange, ta1
from ecert_edi.domain.rules.static import static_conditions

CLOCK = dt.datetime(2026, 1, 15, 9, 31)
TEXT = INBOUND.read_text()


def mutated(old: str, new: str, text: str = TEXT) -> bytes:
    assert old in text, old  # a mutation that does not apply would test nothing
    return text.replace(old, new, 1).encode("latin-1")


def ta1_segment(data: bytes, **kw) -> str:
    ix = read_interchange(data)
    return ta1(ix, CLOCK, 1, **kw).split("~\n")[1]


def ack_body(data: bytes) -> str:
    """The 999/997 segments from AK2 (or AK9) to AK9, the form of the spec's examples (5.2)."""
    ix = read_interchange(data)
    assert ix.ta1_faults == [] and ix.wants_ack()
    segments = functional_ack(ix, CLOCK, 2).split("~\n")
    start = next(i for i, s in enumerate(segments) if s.startswith("AK1")) + 1
    end = next(i for i, s in enumerate(segments) if s.startswith("AK9")) + 1
    return "~".join(segments[start:end]) + "~"


# --- TA1 (5.1): the note, and where `validate` places it
TA1_CASES = {
    "026": (interchange(sep="\x00"), "1:0"),
    "004": (interchange(term="\n", eol=""), "1:0"),
    "027": (interchange(comp="Z"), "1:16"),
    "016": (interchange(rep="A"), "1:11"),
    "010": (interchange(a1="03"), "1:1"),
    "011": (interchange(a2="PASSWORD  "), "1:2"),
    "012": (interchange(a3="01"), "1:3"),
    "013": (interchange(a4="SECRET    "), "1:4"),
    "005": (interchange(q5="XX"), "1:5"),
    "006": (interchange(sender="cgau"), "1:6"),
    "007": (interchange(q7="01"), "1:7"),
    "009": (interchange(receiver="SOMEONE"), "1:8"),
    "014": (interchange(date="260230"), "1:9"),
    "015": (interchange(time="2460"), "1:10"),
    "017": (interchange(version="00600"), "1:12"),
    "018": (interchange(control="00000000A"), "1:13"),
    "019": (interchange(ack="2"), "1:14"),
    "020": (interchange(usage="X"), "1:15"),
    "024": (mutated("X*005010ECERT", "Y*005010ECERT"), "2:7"),
    "022": (TEXT.encode() + b"GS*FT~\n", "14:0"),
    "023": (mutated("IEA*1*000000001~\n", ""), "0:0"),
    "021": (mutated("IEA*1*", "IEA*2*"), "13:1"),
    "001": (mutated("IEA*1*000000001", "IEA*1*000000002"), "13:2"),
}


@pytest.mark.parametrize("code", sorted(TA1_CASES))
def test_ta1_note(code):
    data, place = TA1_CASES[code]
    ix = read_interchange(data)
    assert ix.ta1_note.code == code
    assert f"{ix.ta1_note.line}:{ix.ta1_note.column}" == place
    assert ix.wants_ta1() and not ix.wants_ack() and ix.processable() == []
    assert ta1_segment(data).split("*")[4:] == ["R", code]


def test_ta1_016_under_00401_is_isa11_not_u():
    ix = read_interchange(interchange(version="00401", rep="!"))
    assert [(f.code, f.column) for f in ix.ta1_faults] == [("016", 11)]


def test_ta1_000_accepted_when_requested_only():
    assert ta1_segment(INBOUND.read_bytes()) == "TA1*000000001*260115*0930*A*000"
    assert not read_interchange(interchange(ack="0")).wants_ta1()


def test_ta1_025_reused_control_number():
    # the store knows the reservation (7); the binding writes the answer, whatever ISA14
    assert ta1_segment(interchange(ack="0"), reused=True) == "TA1*000000001*260115*0930*R*025"


def test_ta1_echoes_invalid_values_as_the_spec_says():
    data = interchange(control="00000000A", date="260230", time="2460")
    assert ta1_segment(data) == "TA1*000000000*260115*0931*R*014"


def test_ta1_note_is_the_first_in_the_spec_order_not_in_the_file():
    # IEA02 (001) and GS07 (024) are wrong; ISA15 comes first of all (5.1)
    data = mutated("IEA*1*000000001", "IEA*1*000000009",
                   TEXT.replace("*T*:~", "*X*:~").replace("*X*005010ECERT", "*Y*005010ECERT"))
    codes = [f.code for f in read_interchange(data).ta1_faults]
    assert sorted(codes) == ["001", "020", "024"]
    assert ta1_segment(data).endswith("*R*020")


@pytest.mark.parametrize("label, data, place", [
    ("segment id", mutated("K3*BCR0000001", "k3*BCR0000001"), (6, 0)),
    ("ST after ISA", mutated("GS*FT*CGAU*USCBPECERT*20260115*0930*1*X*005010ECERT~\n", ""), (2, 0)),
    ("no content", interchange(groups=[], iea="IEA*0*000000001"), (2, 0)),
    ("duplicated SE (pyx12 IndexError)", mutated("SE*9*0001~\n", "SE*9*0001~\nSE*9*0001~\n"),
     (12, 0)),
    ("duplicated GE (pyx12 IndexError)", mutated("GE*1*1~\n", "GE*1*1~\nGE*1*1~\n"), (13, 0)),
    ("bad form GS06", mutated("*0930*1*X*", "*0930*A*X*"), (2, 6)),
    ("GS count", mutated("*X*005010ECERT~\nST", "*X*005010ECERT*1~\nST"), (2, 0)),
    ("component separator in ST02", mutated("ST*996*0001*", "ST*996*00:1*"), (3, 2)),
    ("leading space", mutated("\nBGF**", "\n BGF**"), (4, 0)),
    ("segment of spaces (pyx12 IndexError)", mutated("\nBGF**", "\n  ~\nBGF**"), (4, 0)),
    ("TA1 after a group", mutated("IEA*1", "TA1*000000001*260115*0930*A*000~\nIEA*1"), (13, 0)),
])
def test_ta1_024(label, data, place):
    ix = read_interchange(data)
    assert ix.ta1_note.code == "024", label
    assert (ix.ta1_note.line, ix.ta1_note.column) == place
    assert ta1_segment(data).endswith("*R*024")


def test_ta1_022_duplicated_iea():
    ix = read_interchange(TEXT.encode() + b"IEA*1*000000001~\n")
    assert [(f.code, f.line) for f in ix.ta1_faults] == [("022", 14)]


def test_ta1_a_file_with_only_line_breaks_after_the_iea_is_clean():
    assert read_interchange(TEXT.encode() + b"\r\n  \n").ta1_faults == []


# --- AK9 (group) codes
def test_ak905_1_group_not_supported():
    data = mutated("GS*FT*", "GS*XX*")
    assert ack_body(data) == "AK9*R*1*1*0*1~"


def test_ak905_2_version_not_supported():
    assert ack_body(mutated("X*005010ECERT", "X*005010X231")) == "AK9*R*1*1*0*2~"


def test_ak905_3_trailer_missing():
    data = mutated("GE*1*1~\n", "")
    assert ack_body(data) == "AK2*996*0001*005010ECERT~IK5*A~AK9*R*0*1*1*3~"
    assert read_interchange(data).processable() == []


def test_ak905_4_group_control_numbers_differ():
    assert ack_body(mutated("GE*1*1", "GE*1*2")) == "AK2*996*0001*005010ECERT~IK5*A~AK9*R*1*1*1*4~"


def test_ak905_5_set_count():
    assert ack_body(mutated("GE*1*1", "GE*2*1")) == "AK2*996*0001*005010ECERT~IK5*A~AK9*R*2*1*1*5~"


@pytest.mark.parametrize("version, code", [("00501", "19"), ("00401", "6")])
def test_ak905_group_number_not_unique(version, code):
    groups = [group([set_segments(version=version)], version=version) for _ in range(2)]
    ix = read_interchange(interchange(groups, version=version))
    assert [g.ak9_codes for g in ix.groups] == [[], [code]]
    ack = functional_ack(ix, CLOCK, 2)
    assert f"AK9*R*1*1*1*{code}~" in ack


def test_ak901_p_two_sets_the_second_with_se01_wrong():
    second = set_segments("0002")
    second[-1] = "SE*8*0002"
    data = interchange([group([set_segments(), second])])
    assert ack_body(data) == ("AK2*996*0001*005010ECERT~IK5*A~AK2*996*0002*005010ECERT~IK5*R*4~"
                              "AK9*P*2*2*1~")
    assert [s.st02 for s in read_interchange(data).processable()] == ["0001"]


def test_ak901_r_when_no_set_accepted_and_a_when_all_are():
    assert ack_body(INBOUND.read_bytes()).endswith("AK9*A*1*1*1~")
    assert ack_body(mutated("SE*9", "SE*8")).endswith("AK9*R*1*1*0~")


# --- IK5 (set) codes
def test_ik502_1_an_810_set_after_it():
    other = set_segments("0002", st01="810")
    data = interchange([group([set_segments(), other])])
    assert ack_body(data) == ("AK2*996*0001*005010ECERT~IK5*A~AK2*810*0002*005010ECERT~IK5*R*1~"
                              "AK9*P*2*2*1~")


def test_ik502_2_trailer_missing():
    assert ack_body(mutated("SE*9*0001~\n", "")) == "AK2*996*0001*005010ECERT~IK5*R*2~AK9*R*1*1*0~"


def test_ik502_3_control_numbers_differ():
    assert ack_body(mutated("SE*9*0001", "SE*9*0002")) == (
        "AK2*996*0001*005010ECERT~IK5*R*3~AK9*R*1*1*0~")


def test_ik502_4_segment_count():
    assert ack_body(mutated("SE*9", "SE*10")) == "AK2*996*0001*005010ECERT~IK5*R*4~AK9*R*1*1*0~"


def test_ik502_23_set_number_not_unique():
    data = interchange([group([set_segments(), set_segments()])])
    assert ack_body(data) == ("AK2*996*0001*005010ECERT~IK5*A~AK2*996*0001*005010ECERT~"
                              "IK5*R*23~AK9*P*2*2*1~")


@pytest.mark.parametrize("st", ["ST*996*0001", "ST*996*0001*005010X231"])
def test_ik502_i6_implementation_convention(st):
    body = ack_body(mutated("ST*996*0001*005010ECERT", st))
    assert body.endswith("IK5*R*I6~AK9*R*1*1*0~")


def test_ik502_5_with_segment_errors_the_spec_example():
    # 5.2: second K3 sent as `K3*BCR0000001 ` (trailing space)
    data = mutated("K3*BCR0000001~", "K3*BCR0000001 ~")
    assert ack_body(data) == ("AK2*996*0001*005010ECERT~IK3*K3*4**8~IK4*1*449*6*BCR0000001~"
                              "IK5*R*5~AK9*R*1*1*0~")


# --- IK3 (segment) codes
def test_ik304_1_unrecognized_segment():
    body = ack_body(mutated("K3*BCR0000001~", "N1*XX~\nK3*BCR0000001~").replace(b"SE*9", b"SE*10"))
    assert body.startswith("AK2*996*0001*005010ECERT~IK3*N1*4**1~IK5*R*5~")


def test_ik304_1_bgf_after_k3():
    data = mutated("K3*BCR0000001~", "K3*BCR0000001~\nBGF**ZZ*X~").replace(b"SE*9", b"SE*10")
    assert "IK3*BGF*5**1~IK5*R*5~" in ack_body(data)


def test_ik304_3_bgf_missing_and_k3_missing():
    no_bgf = mutated("BGF**ZZ*AU260115000001~\n", "").replace(b"SE*9", b"SE*8")
    assert "IK3*BGF*2**3~IK5*R*5~" in ack_body(no_bgf)
    empty = interchange([group([["ST*996*0001*005010ECERT", "SE*2*0001"]])])
    assert "IK3*BGF*1**3~IK3*K3*1**3~IK5*R*5~" in ack_body(empty)
    no_k3 = interchange([group([["ST*996*0001*005010ECERT", "BGF**ZZ*X", "SE*3*0001"]])])
    assert "AK2*996*0001*005010ECERT~IK3*K3*2**3~IK5*R*5~" in ack_body(no_k3)


def test_ik304_5_bgf_twice():
    data = mutated("BGF**ZZ*AU260115000001~", "BGF**ZZ*AU260115000001~\nBGF**ZZ*X~").replace(
        b"SE*9", b"SE*10")
    assert "IK3*BGF*3**5~IK5*R*5~" in ack_body(data)


def test_ik304_8_too_many_elements_has_no_ik4():
    data = mutated("K3*BCR0000001~", "K3*BCR0000001*~")
    assert "IK3*K3*4**8~IK5*R*5~" in ack_body(data)


# --- IK4 (element) codes
@pytest.mark.parametrize("old, new, expected", [
    ("BGF**ZZ*", "BGF*997*ZZ*", "IK3*BGF*2**8~IK4*1*143*7*997~"),
    ("BGF**ZZ*", "BGF***", "IK3*BGF*2**8~IK4*2*128*1~"),
    ("BGF**ZZ*", "BGF**XX*", "IK3*BGF*2**8~IK4*2*128*7*XX~"),
    ("BGF**ZZ*AU260115000001", "BGF**ZZ", "IK3*BGF*2**8~IK4*3*127*1~"),
    ("BGF**ZZ*AU260115000001", "BGF**ZZ*" + "A" * 51, "IK3*BGF*2**8~IK4*3*127*5*" + "A" * 51 + "~"),
    ("BGF**ZZ*AU260115000001", "BGF**ZZ*AU26^1", "IK3*BGF*2**8~IK4*3*127*6*AU26 1~"),
    ("K3*BCR0000001~", "K3*~", "IK3*K3*4**8~IK4*1*449*1~"),
    ("K3*BCR0000001~", "K3*" + "B" * 81 + "~", "IK3*K3*4**8~IK4*1*449*5*" + "B" * 81 + "~"),
    ("K3*BCR0000001~", "K3*BCR\x01000001~", "IK3*K3*4**8~IK4*1*449*6*BCR 000001~"),
    ("K3*BCR0000001~", "K3*BCR:000001~", "IK3*K3*4**8~IK4*1*449*6*BCR 000001~"),
])
def test_ik4_codes(old, new, expected):
    body = ack_body(mutated(old, new))
    assert body == f"AK2*996*0001*005010ECERT~{expected}IK5*R*5~AK9*R*1*1*0~"


def test_ik4_5_and_6_on_one_element_in_code_order():
    body = ack_body(mutated("K3*BCR0000001~", "K3*" + "B" * 80 + "C ~"))
    assert "IK4*1*449*5*" + "B" * 80 + "C~IK4*1*449*6*" + "B" * 80 + "C~" in body


def test_ik404_bad_data_is_cut_to_99_characters():
    body = ack_body(mutated("K3*BCR0000001~", "K3*" + "B" * 150 + "~"))
    assert "IK4*1*449*5*" + "B" * 99 + "~" in body


def test_bgf03_of_31_characters_under_00401():
    data = interchange(version="00401", groups=[group(
        [set_segments(version="00401", reference="R" * 31)], version="00401")])
    assert "AK3*BGF*2**8~AK4*3*127*5*" + "R" * 31 + "~AK5*R*5~" in ack_body(data)


def test_997_names_its_segments_ak3_ak4_ak5():
    data = interchange(version="00401", groups=[group(
        [set_segments(version="00401", records=["A" * 81])], version="00401")])
    assert ack_body(data) == "AK2*996*0001~AK3*K3*3**8~AK4*1*449*5*" + "A" * 81 + \
        "~AK5*R*5~AK9*R*1*1*0~"


# --- 3.4: partners' acknowledgments get no file
def test_an_interchange_of_fa_groups_gets_no_file():
    fa = ["GS*FA*CGAU*USCBPECERT*20260115*0930*7*X*005010X231", "ST*999*0001*005010X231",
          "AK1*FT*1*005010ECERT", "AK9*A*1*1*1", "SE*4*0001", "GE*1*7"]
    ix = read_interchange(interchange([fa]))
    assert ix.acknowledges_only and not ix.wants_ta1() and not ix.wants_ack()
    assert ix.faults() == []
    broken = read_interchange(interchange([fa], iea="IEA*1*000000002"))
    assert not broken.wants_ta1() and [f.code for f in broken.faults()] == ["001"]


def test_ta1_only_interchange_gets_no_file():
    ix = read_interchange(interchange([["TA1*000000001*260115*0930*A*000"]], iea="IEA*0*000000001"))
    assert ix.acknowledges_only and not ix.wants_ta1() and ix.ta1_faults == []


# --- validate (8.2)
def abi_conditions(data: bytes):
    return iter_conditions(Source(data), extra=static_conditions)


def test_validate_places_abi_conditions_at_the_k3():
    data = mutated("AB010226123126", "AB023026123126")
    assert fault_lines("AU.x12", read_interchange(data), abi_conditions) == [
        "AU.x12:7:38: 007 E INVALID DATE"]


def test_validate_places_ik4_at_the_k3():
    data = mutated("K3*BCR0000001~", "K3*" + "B" * 81 + "~")
    assert fault_lines("AU.x12", read_interchange(data), abi_conditions) == [
        "AU.x12:6:1: IK4.5 E DATA ELEMENT TOO LONG"]


def test_validate_shows_every_level():
    # a TA1 fault hides nothing: IEA02, a trailer count and a K3 all print
    data = mutated("SE*9*0001", "SE*10*0001", TEXT.replace("IEA*1*000000001", "IEA*1*000000002")
                   .replace("K3*BCR0000001~", "K3*BCR0000001*~"))
    assert fault_lines("F", read_interchange(data), abi_conditions) == [
        "F:6:2: IK3.8 E SEGMENT HAS DATA ELEMENT ERRORS",
        "F:11:1: IK5.4 E NUMBER OF INCLUDED SEGMENTS DOES NOT MATCH ACTUAL COUNT",
        ("F:13:2: TA1.001 E THE INTERCHANGE CONTROL NUMBER IN THE HEADER AND TRAILER DO NOT MATCH."
         " THE VALUE FROM THE HEADER IS USED IN THE ACKNOWLEDGMENT."),
    ]
