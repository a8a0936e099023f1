"""Code sets and identifier forms of spec 3.3-3.5: countries, units, programs, IOR and entry numbers."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

# ISO 3166-1 alpha-2, officially assigned codes, from the maintained iso-codes data pycountry ships.
COUNTRIES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)
UNITS: frozenset[str] = frozenset({"KG", "T", "L", "NO", "PCS", "DOZ", "DPR", "SME", "M2"})
PROGRAMS: frozenset[str] = frozenset({"TRQ", "TPL"})

CODE_SETS: dict[str, frozenset[str]] = {
    "country": COUNTRIES,
    "unit": UNITS,
    "program": PROGRAMS,
}

# Canonical IOR forms, left-justified in a 12-character field (spec 3.3).
IOR_PATTERN = re.compile(
    r"[0-9]{2}-[0-9]{7}[A-Z0-9]{2}"  # IRS employer number  NN-NNNNNNNXX
    r"|[0-9]{6}-[0-9]{5}"  # CBP-assigned number  YYDDPP-NNNNN (12 characters)
    r"|[0-9]{3}-[0-9]{2}-[0-9]{4} "  # social security number NNN-NN-NNNN (11 characters + 1 space)
)

FILER_CODE_PATTERN = re.compile(r"[A-Z0-9]{3}")
ENTRY_NUMBER_PATTERN = re.compile(r"[A-Z0-9]{3}[0-9]{8}")


@lru_cache(maxsize=65536)  # importers send many entries: their numbers repeat
def valid_ior(field: str) -> bool:
    """Whether a 12-column IOR field holds one of the three canonical forms."""
    return IOR_PATTERN.fullmatch(field.ljust(12)) is not None


def _letter_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    # A-I -> 1-9, J-R -> 1-9, S-Z -> 2-9
    index = ord(ch) - ord("A")
    if index < 9:
        return index + 1
    if index < 18:
        return index - 8
    return index - 16


_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PLAIN = {ch: _letter_value(ch) for ch in _CHARS}
# doubled, with 9 subtracted from a result above 9
_DOUBLED = {ch: v * 2 - 9 if v * 2 > 9 else v * 2 for ch, v in _PLAIN.items()}


def check_digit(first10: str) -> int:
    """The entry-number check digit of spec 3.5 for the first 10 characters."""
    # from the rightmost going left, every other digit is doubled, starting with the rightmost
    total = sum(map(_DOUBLED.__getitem__, first10[::-2])) + sum(
        map(_PLAIN.__getitem__, first10[-2::-2])
    )
    return (10 - total % 10) % 10


def valid_entry_number(value: str) -> bool:
    """Filer code, 7-digit serial and a correct check digit (condition 211 otherwise)."""
    if ENTRY_NUMBER_PATTERN.fullmatch(value) is None:
        return False
    return check_digit(value[:10]) == int(value[10])


def valid_filer_code(value: str) -> bool:
    return FILER_CODE_PATTERN.fullmatch(value) is not None
