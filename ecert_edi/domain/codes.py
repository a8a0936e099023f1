"""Code sets and identifier forms of spec 3.3-3.5: countries, units, programs, IOR and entry numbers."""

from __future__ import annotations

import re
from functools import lru_cache


def _countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2, officially assigned codes, from the maintained iso-codes data pycountry
    ships.  Its database file is read directly when it is where pycountry keeps it: importing
    pycountry (which asks importlib.metadata for its own version) costs more than a small file's
    whole check.  Anything unexpected there, and pycountry itself answers."""
    import importlib.util
    import json
    import os

    try:
        spec = importlib.util.find_spec("pycountry")
        folder = os.path.join(os.path.dirname(spec.origin), "databases")
        with open(os.path.join(folder, "iso3166-1.json"), "rb") as fh:
            found = frozenset(entry["alpha_2"] for entry in json.load(fh)["3166-1"])
        if found and all(type(code) is str for code in found):
            return found
    except (AttributeError, TypeError, OSError, ValueError, KeyError, ImportError):
        pass
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries)


COUNTRIES: frozenset[str] = _countries()
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
    # `check_digit` by parts, each a look-up: the filer code's share, then the digits two at a
    # time (the first doubled, the second plain) and four at a time.  A right check digit d is
    # the one that makes total + d a multiple of ten, so it is added as a plain digit.
    head = _FILERS.get(value[:3])
    if head is None:
        if ENTRY_NUMBER_PATTERN.fullmatch(value) is None:
            return False
        head = _FILERS[value[:3]] = _PLAIN[value[0]] + _DOUBLED[value[1]] + _PLAIN[value[2]]
    elif not (len(value) == 11 and value.isascii() and value[3:].isdigit()):
        return False  # a filer code met before (so of the form): the pattern's [0-9]{8}
    quad = _QUADS.get(value[5:9])
    if quad is None:
        quad = _QUADS[value[5:9]] = _PAIRS[value[5:7]] + _PAIRS[value[7:9]]
    return (head + _PAIRS[value[3:5]] + quad + _PAIRS[value[9:11]]) % 10 == 0


# The share of a filer code in `check_digit` (its 1st and 3rd characters plain, the 2nd doubled):
# at most 36³ codes, each of the pattern's [A-Z0-9]{3}; and of four digits (at most 10⁴), both
# filled as met.
_FILERS: dict[str, int] = {}
_QUADS: dict[str, int] = {}
# The share of two digits, the first doubled and the second plain.
_PAIRS = {a + b: _DOUBLED[a] + _PLAIN[b] for a in "0123456789" for b in "0123456789"}


def valid_filer_code(value: str) -> bool:
    return FILER_CODE_PATTERN.fullmatch(value) is not None
