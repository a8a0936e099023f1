"""Building X12 interchanges for the X12 tests, and checks that the builder writes the spec's files."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"
EXAMPLE = FIXTURES / "worked-example"
INBOUND = EXAMPLE / "AU260115000001.x12"

# The six card images of the spec's section 9 (the ABI spec's registration), right-trimmed.
RECORDS = [
    "ACGAU          011526093000AU260115000001T",
    "BCR0000001",
    "C0AAU2026-000123       AU12-3456789AB010226123126TRQ000002500000KG",
    "C10201300200",
    "YCR000000100000010000004",
    "ZAU2601150000010000001000000006",
]


def isa(*, version: str = "00501", sep: str = "*", rep: str = "^", comp: str = ":",
        term: str = "~", control: str = "000000001", ack: str = "1", usage: str = "T",
        sender: str = "CGAU", receiver: str = "USCBPECERT", date: str = "260115",
        time: str = "0930", q5: str = "ZZ", q7: str = "ZZ", a1: str = "00", a2: str = " " * 10,
        a3: str = "00", a4: str = " " * 10) -> str:
    """An ISA of 106 characters, terminator included."""
    if version == "00401" and rep == "^":
        rep = "U"
    elements = ["ISA", a1, a2, a3, a4, q5, sender.ljust(15), q7, receiver.ljust(15), date, time,
                rep, version, control, ack, usage, comp]
    return sep.join(elements) + term


def set_segments(st02: str = "0001", records=RECORDS, *, version: str = "00501",
                 reference: str = "AU260115000001", st01: str = "996") -> list[str]:
    """ST, BGF, one K3 a record, SE (written with `*`)."""
    st = f"ST*{st01}*{st02}*005010ECERT" if version == "00501" else f"ST*{st01}*{st02}"
    body = [st, f"BGF**ZZ*{reference}", *[f"K3*{r}" for r in records]]
    return body + [f"SE*{len(body) + 1}*{st02}"]


def group(sets: list[list[str]], *, number: str = "1", version: str = "00501",
          gs01: str = "FT", gs08: str | None = None) -> list[str]:
    gs08 = gs08 or ("005010ECERT" if version == "00501" else "004010ECERT")
    body = [f"GS*{gs01}*CGAU*USCBPECERT*20260115*0930*{number}*X*{gs08}"]
    for s in sets:
        body.extend(s)
    return body + [f"GE*{len(sets)}*{number}"]


def interchange(groups: list[list[str]] | None = None, *, eol: str = "\n", iea: str | None = None,
                **isa_options) -> bytes:
    """An interchange: the ISA, the groups' segments, an IEA (counted unless given)."""
    version = isa_options.get("version", "00501")
    if groups is None:
        groups = [group([set_segments(version=version)], version=version)]
    sep = isa_options.get("sep", "*")
    term = isa_options.get("term", "~")
    control = isa_options.get("control", "000000001")
    segments = [s for g in groups for s in g]
    segments.append(iea if iea is not None else f"IEA*{len(groups)}*{control}")
    text = isa(**isa_options) + eol + "".join(s.replace("*", sep) + term + eol for s in segments)
    return text.encode("latin-1")


def test_the_builder_writes_the_worked_example():
    assert interchange() == INBOUND.read_bytes()


def test_the_builder_honours_delimiters():
    text = interchange(sep="|", term="\x1c", comp=">", rep="!", eol="")
    assert text.startswith(b"ISA|00|") and text[105:106] == b"\x1c"
    assert b"*" not in text and b"\n" not in text
