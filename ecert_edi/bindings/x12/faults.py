"""Faults as data: one value per X12 fault, with its place, code and narrative (spec 8.2)."""

from __future__ import annotations

from dataclasses import dataclass

# TA1 notes (X12 I18), in capitals as `ecert validate` prints them (8.2).
TA1_NARRATIVES = {
    "000": "NO ERROR",
    "001": "THE INTERCHANGE CONTROL NUMBER IN THE HEADER AND TRAILER DO NOT MATCH. THE VALUE FROM "
           "THE HEADER IS USED IN THE ACKNOWLEDGMENT.",
    "004": "THE SEGMENT TERMINATOR IS INVALID",
    "005": "INVALID INTERCHANGE ID QUALIFIER FOR SENDER",
    "006": "INVALID INTERCHANGE SENDER ID",
    "007": "INVALID INTERCHANGE ID QUALIFIER FOR RECEIVER",
    "009": "UNKNOWN INTERCHANGE RECEIVER ID",
    "010": "INVALID AUTHORIZATION INFORMATION QUALIFIER VALUE",
    "011": "INVALID AUTHORIZATION INFORMATION VALUE",
    "012": "INVALID SECURITY INFORMATION QUALIFIER VALUE",
    "013": "INVALID SECURITY INFORMATION VALUE",
    "014": "INVALID INTERCHANGE DATE VALUE",
    "015": "INVALID INTERCHANGE TIME VALUE",
    "016": "INVALID INTERCHANGE STANDARDS IDENTIFIER VALUE",
    "017": "INVALID INTERCHANGE VERSION ID VALUE",
    "018": "INVALID INTERCHANGE CONTROL NUMBER VALUE",
    "019": "INVALID ACKNOWLEDGMENT REQUESTED VALUE",
    "020": "INVALID TEST INDICATOR VALUE",
    "021": "INVALID NUMBER OF INCLUDED GROUPS VALUE",
    "022": "INVALID CONTROL STRUCTURE",
    "023": "IMPROPER (PREMATURE) END-OF-FILE (TRANSMISSION)",
    "024": "INVALID INTERCHANGE CONTENT (E.G., INVALID GS SEGMENT)",
    "025": "DUPLICATE INTERCHANGE CONTROL NUMBER",
    "026": "INVALID DATA ELEMENT SEPARATOR",
    "027": "INVALID COMPONENT ELEMENT SEPARATOR",
}

# The spec's narratives (8.2), letter for letter; the 999 names serve under 00401 too.
NARRATIVES = {
    "AK9": {
        "1": "FUNCTIONAL GROUP NOT SUPPORTED",
        "2": "FUNCTIONAL GROUP VERSION NOT SUPPORTED",
        "3": "FUNCTIONAL GROUP TRAILER MISSING",
        "4": "GROUP CONTROL NUMBER IN THE FUNCTIONAL GROUP HEADER AND TRAILER DO NOT AGREE",
        "5": "NUMBER OF INCLUDED TRANSACTION SETS DOES NOT MATCH ACTUAL COUNT",
        "6": "GROUP CONTROL NUMBER VIOLATES SYNTAX",
        "19": "FUNCTIONAL GROUP CONTROL NUMBER NOT UNIQUE WITHIN INTERCHANGE",
    },
    "IK5": {
        "1": "TRANSACTION SET NOT SUPPORTED",
        "2": "TRANSACTION SET TRAILER MISSING",
        "3": "TRANSACTION SET CONTROL NUMBER IN HEADER AND TRAILER DO NOT MATCH",
        "4": "NUMBER OF INCLUDED SEGMENTS DOES NOT MATCH ACTUAL COUNT",
        "23": "TRANSACTION SET CONTROL NUMBER NOT UNIQUE WITHIN THE FUNCTIONAL GROUP",
        "I6": "IMPLEMENTATION CONVENTION NOT SUPPORTED",
    },
    "IK3": {
        "1": "UNRECOGNIZED SEGMENT ID",
        "3": "REQUIRED SEGMENT MISSING",
        "5": "SEGMENT EXCEEDS MAXIMUM USE",
        "8": "SEGMENT HAS DATA ELEMENT ERRORS",
    },
    "IK4": {
        "1": "REQUIRED DATA ELEMENT MISSING",
        "5": "DATA ELEMENT TOO LONG",
        "6": "INVALID CHARACTER IN DATA ELEMENT",
        "7": "INVALID CODE VALUE",
    },
    "TA1": TA1_NARRATIVES,
}

# The order in which a TA1 takes its note, the first fault (5.1): delimiters, ISA elements (in
# element order), content, data after the IEA, no IEA, IEA01, IEA02, a reused control number.
_TA1_RANK = {"026": 0, "004": 0, "027": 0, "016": 0,
             "024": 2, "022": 3, "023": 4, "021": 5, "001": 6, "025": 7}
_DELIMITER_ORDER = {"026": 0, "004": 1, "027": 2, "016": 3}


@dataclass(frozen=True)
class Fault:
    """One X12 fault.

    `level` is the acknowledgment segment that carries it (TA1, AK9, IK5, IK3, IK4, with the 999
    names under 00401 too); `line` is the file ordinal of the segment (ISA = 1, 0 for the file),
    `column` the element position (0 for the segment).  `segment` and `position` are the IK3's
    segment ID and position in its set, `element`/`data_element`/`data` the IK4's.
    """

    level: str
    code: str
    line: int
    column: int = 0
    segment: str = ""
    position: int = 0
    element: int = 0
    data_element: int = 0
    data: str | None = None

    @property
    def narrative(self) -> str:
        return NARRATIVES[self.level].get(self.code, "")

    @property
    def name(self) -> str:
        """The CODE of `ecert validate` (8.2): `TA1.024`, `IK4.6`."""
        return f"{self.level}.{self.code}"


def ta1_order(fault: Fault) -> tuple:
    """Sort key giving a TA1's note first (5.1)."""
    rank = _TA1_RANK.get(fault.code, 1)
    if rank == 0:
        return (0, _DELIMITER_ORDER[fault.code], 0, 0)
    if rank == 1:  # an ISA element, in element order
        return (1, fault.column, 0, 0)
    return (rank, 0, fault.line, fault.column)
