"""The ISA: detecting an X12 file, its delimiters and version, and the ISA's own faults (2.1–3.1)."""

from __future__ import annotations

from dataclasses import dataclass

from ecert_edi.bindings.x12.chars import ABI_AN, is_digits, valid_hhmm, valid_yymmdd
from ecert_edi.bindings.x12.faults import Fault

ISA_LENGTH = 106
# Where the element separator stands in an ISA (1-based, 2.1): fixed widths make ISA16 char 105.
_SEPARATOR_AT = (4, 7, 18, 21, 32, 35, 51, 54, 70, 77, 82, 84, 90, 100, 102, 104)
_SEPARATOR_SET = frozenset(_SEPARATOR_AT)
OUR_ID = "USCBPECERT"
OUR_ID_15 = OUR_ID.ljust(15)
VERSIONS = ("00401", "00501")


def is_x12(head: bytes | str) -> bool:
    """Spec 2.1: ≥ 106 characters, `ISA` first, and character 4 (the element separator) in
    characters 1–105 exactly at the ISA's 16 element boundaries.  Any other file is ABI."""
    if isinstance(head, bytes):
        head = head[:ISA_LENGTH].decode("latin-1")
    if len(head) < ISA_LENGTH or not head.startswith("ISA"):
        return False
    sep = head[3]
    return all((head[i - 1] == sep) == (i in _SEPARATOR_SET) for i in range(1, 106))


def _bad_delimiter(c: str, earlier: list[str]) -> bool:
    """2.2: a letter, digit, space, NUL or above 0x7E, or equal to an earlier delimiter."""
    return c.isalnum() or c in " \x00" or c > "~" or c in earlier


@dataclass(frozen=True)
class Isa:
    """An inbound ISA, its delimiters and what answers echo of it."""

    text: str                  # the 106 characters
    elements: tuple[str, ...]  # ISA01..ISA16 (index 0 is ISA01)
    element_separator: str
    segment_terminator: str
    component: str | None      # None when invalid (027): it then separates nothing
    repetition: str | None     # 00501 only; None when invalid (016) or under 00401
    version: str               # "00401" or "00501" (an invalid ISA12 is read as 00501)
    faults: tuple[Fault, ...]  # the ISA's TA1 faults, in element order

    def element(self, n: int) -> str:
        return self.elements[n - 1]

    @property
    def tokenisable(self) -> bool:
        """Whether the rest can be split at all: element separator and terminator valid."""
        return not any(f.code in ("026", "004") for f in self.faults)

    @property
    def control_number(self) -> str:
        """ISA13 when valid, else `000000000` (TA101, 5.1)."""
        return "000000000" if self._bad("018") else self.element(13)

    @property
    def date(self) -> str | None:
        return None if self._bad("014") else self.element(9)

    @property
    def time(self) -> str | None:
        return None if self._bad("015") else self.element(10)

    @property
    def usage(self) -> str:
        """Outbound ISA15: the inbound one, `T` when invalid (3.1)."""
        return "T" if self._bad("020") else self.element(15)

    @property
    def ta1_requested(self) -> bool:
        return self.element(14) == "1"

    def _bad(self, code: str) -> bool:
        return any(f.code == code for f in self.faults)


def parse_isa(text: str) -> Isa:
    """The ISA of a file for which `is_x12` holds (106 characters, Latin-1 decoded)."""
    sep = text[3]
    elements = tuple(text[4:105].split(sep))  # ISA01..ISA16; 2.1 guarantees 16 of them
    version = elements[11] if elements[11] in VERSIONS else "00501"
    terminator = text[105]
    faults: list[Fault] = []

    def fault(code: str, column: int) -> None:
        faults.append(Fault("TA1", code, 1, column))

    earlier: list[str] = []
    if _bad_delimiter(sep, earlier):
        fault("026", 0)
    earlier.append(sep)
    if _bad_delimiter(terminator, earlier) or terminator in "\r\n":
        fault("004", 0)
    earlier.append(terminator)
    component: str | None = elements[15]
    if _bad_delimiter(component, earlier):
        fault("027", 16)
        component = None
    else:
        earlier.append(component)
    repetition: str | None = None
    if version == "00501":
        repetition = elements[10]
        if _bad_delimiter(repetition, earlier):
            fault("016", 11)
            repetition = None
    elif elements[10] != "U":
        fault("016", 11)

    checks = (
        (1, "010", elements[0] == "00"),
        (2, "011", elements[1] == " " * 10),
        (3, "012", elements[2] == "00"),
        (4, "013", elements[3] == " " * 10),
        (5, "005", elements[4] in ("01", "14", "ZZ")),
        (6, "006", elements[5].strip(" ") != "" and all(c in ABI_AN for c in elements[5])),
        (7, "007", elements[6] == "ZZ"),
        (8, "009", elements[7] == OUR_ID_15),
        (9, "014", valid_yymmdd(elements[8])),
        (10, "015", valid_hhmm(elements[9])),
        (12, "017", elements[11] in VERSIONS),
        (13, "018", is_digits(elements[12], 9, 9)),
        (14, "019", elements[13] in ("0", "1")),
        (15, "020", elements[14] in ("P", "T")),
    )
    faults.extend(Fault("TA1", code, 1, n) for n, code, ok in checks if not ok)
    return Isa(text, elements, sep, terminator, component, repetition, version, tuple(faults))
