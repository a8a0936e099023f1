"""Condition codes of spec section 7 and the Condition value that carries one."""

from __future__ import annotations

from dataclasses import dataclass, field

# code: (severity, level, narrative).  Narratives are the spec's, letter for letter.
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "001": ("E", "record", "INVALID CHARACTER"),
    "002": ("E", "record", "RECORD LONGER THAN 80 CHARACTERS"),
    "003": ("E", "batch", "UNKNOWN RECORD IDENTIFIER"),
    "004": ("E", "batch/transmission", "RECORD OUT OF SEQUENCE"),
    "005": ("E", "field", "REQUIRED FIELD MISSING"),
    "006": ("E", "field", "INVALID NUMERIC FIELD"),
    "007": ("E", "field", "INVALID DATE"),
    "008": ("E", "field", "INVALID CODE"),
    "009": ("E", "field", "INVALID TIME"),
    "010": ("E", "transmission", "MISSING OR INVALID TRANSMISSION HEADER"),
    "011": ("E", "transmission", "MISSING TRANSMISSION TRAILER"),
    "012": ("E", "transmission", "CONTROL NUMBER DOES NOT MATCH HEADER"),
    "013": ("E", "transmission", "BATCH COUNT DOES NOT MATCH"),
    "014": ("E", "transmission", "TRANSMISSION RECORD COUNT DOES NOT MATCH"),
    "015": ("E", "batch", "MISSING BATCH TRAILER"),
    "016": ("E", "batch", "BATCH NUMBER OUT OF SEQUENCE OR MISMATCHED"),
    "017": ("E", "batch", "BATCH TRANSACTION COUNT DOES NOT MATCH"),
    "018": ("E", "batch", "BATCH RECORD COUNT DOES NOT MATCH"),
    "019": ("E", "batch", "APPLICATION NOT ALLOWED FOR SENDER"),
    "020": ("E", "batch", "UNKNOWN APPLICATION IDENTIFIER"),
    "021": ("E", "transmission", "CONTROL NUMBER ALREADY USED"),
    "022": ("E", "batch", "EMPTY BATCH"),
    "023": ("E", "transmission", "FILE HOLDS NO RECORD"),
    "024": ("E", "transmission", "NO BATCH IN TRANSMISSION"),
    "100": ("E", "certificate", "IOR NUMBER REQUIRED FOR ECERT 2.0"),
    "101": ("E", "certificate", "CERTIFICATE ALREADY ON FILE"),
    "102": ("E", "certificate", "CERTIFICATE NOT ON FILE"),
    "103": ("E", "any", "INVALID IOR NUMBER FORMAT"),
    "104": ("E", "certificate", "ALLOWANCE LESS THAN QUANTITY USED"),
    "105": ("E", "certificate", "EXPIRY DATE BEFORE ISSUE DATE"),
    "106": ("E", "certificate", "ISSUING COUNTRY DOES NOT MATCH SENDER"),
    "107": ("E", "certificate", "IOR CANNOT CHANGE AFTER USE"),
    "108": ("E", "certificate", "CERTIFICATE IN USE - CANNOT VOID"),
    "109": ("E", "certificate", "CERTIFICATE VOIDED"),
    "110": ("E", "certificate", "UNIT OF MEASURE CANNOT CHANGE AFTER USE"),
    "111": ("E", "certificate", "DUPLICATE HTS NUMBER"),
    "112": ("E", "certificate", "ALLOWANCE MUST BE GREATER THAN ZERO"),
    "200": ("E", "entry", "CERTIFICATE NOT ON FILE"),
    "201": ("E", "entry", "IOR DOES NOT MATCH CERTIFICATE"),
    "202": ("E", "entry", "QUANTITY EXCEEDS CERTIFICATE BALANCE"),
    "203": ("E", "entry", "UNIT OF MEASURE DOES NOT MATCH CERTIFICATE"),
    "204": ("E", "entry", "HTS NUMBER NOT COVERED BY CERTIFICATE"),
    "205": ("E", "entry", "ENTRY DATE OUTSIDE CERTIFICATE VALIDITY"),
    "206": ("E", "entry", "CERTIFICATE VOIDED"),
    "207": ("E", "entry", "ENTRY ALREADY ON FILE"),
    "208": ("E", "entry", "ENTRY NOT ON FILE"),
    "209": ("E", "entry", "ENTRY ALREADY CANCELLED"),
    "210": ("E", "entry", "IOR DOES NOT MATCH ENTRY"),
    "211": ("E", "entry", "INVALID ENTRY NUMBER OR CHECK DIGIT"),
    "212": ("E", "entry", "ENTRY FILER CODE DOES NOT MATCH SENDER"),
    "213": ("E", "entry", "DUPLICATE LINE NUMBER"),
    "214": ("E", "entry", "NO CERTIFICATE LINES"),
    "215": ("E", "entry", "LINES NOT ALLOWED ON CANCEL"),
    "216": ("E", "entry", "QUANTITY MUST BE GREATER THAN ZERO"),
    "300": ("E", "query", "NO CERTIFICATE FOUND FOR REQUESTER"),
    "301": ("E", "query", "IOR NUMBER REQUIRED"),
    "302": ("E", "query", "CERTIFICATE NUMBER AND COUNTRY REQUIRED"),
    "304": ("E", "query", "QUERY TYPE NOT ALLOWED FOR SENDER"),
    "900": ("I", "info", "TRANSACTION ALREADY PROCESSED - NO CHANGE"),
    "901": ("I", "info", "CERTIFICATE BALANCE EXHAUSTED"),
}

NARRATIVE_WIDTH = 65  # R1 columns 16-80
MAX_CONDITIONS = 999  # R0 condition count is three digits


@dataclass(frozen=True, slots=True, order=True)
class Condition:
    """A finding about the input: code, severity, inbound line and column, narrative, and the
    field at fault when there is one.

    Ordered by line, then column, then code, the order R1 records are written in.  The field name
    is what a rule says; the line and column are where the binding placed that field.
    """

    line: int
    column: int
    code: str
    severity: str
    text: str
    field: str | None = field(default=None, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "E"


def condition(
    code: str, line: int = 0, column: int = 0, detail: str = "", field: str | None = None
) -> Condition:
    """The catalogue's condition `code` at a place, its narrative followed by optional detail."""
    severity, _level, narrative = CATALOGUE[code]
    text = narrative
    if detail:
        text = f"{narrative} - {detail}"[:NARRATIVE_WIDTH].rstrip()
    return Condition(line, column, code, severity, text, field)


def has_error(conditions) -> bool:
    return any(c.severity == "E" for c in conditions)


def ordered(conditions) -> list[Condition]:
    """Conditions in R1 order, duplicates dropped, at most 999 (the R0 count's capacity)."""
    return sorted(set(conditions))[:MAX_CONDITIONS]
