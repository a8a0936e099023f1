"""Character classes, X12 element forms and the echo rule (spec 2.4, 3.2)."""

from __future__ import annotations

import datetime as dt
import re

# The ABI AN characters (spec 2.4): ISA06, ISA08, GS02, GS03, GS08, ST02, ST03, SE02.
ABI_AN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -/.,&'()#")
# Characters an answer may not carry: they are this system's outbound delimiters (2.3), or `
# (never valid under 00401), so an echo can never split the answer it is copied into.
_ECHO_BAD = frozenset("*:^~`")
# Our outbound delimiters; BGF03 may not hold them (2.4), so the reference echoes safely.
OUTBOUND_DELIMITERS = frozenset("*:^~")

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")


def valid_segment_id(seg_id: str) -> bool:
    """2–3 characters A-Z 0-9 beginning with a letter (3.3)."""
    return _SEGMENT_ID.match(seg_id) is not None


_ECHO_FAULT = re.compile("[^\x20-\x7e]|[" + "".join(re.escape(c) for c in sorted(_ECHO_BAD)) + "]")


def echo(value: str) -> str:
    """A value copied into an answer: each character outside 0x20–0x7E or one of * : ^ ~ ` is a
    space (2.4), so an echo never breaks the answer's syntax.  The length is kept."""
    if _ECHO_FAULT.search(value) is None:  # one search: this runs for every response K3
        return value
    return _ECHO_FAULT.sub(" ", value)


def echo_bad_data(value: str) -> str:
    """A copy of bad data (IK404/AK404): echoed, cut to 99 characters, right-trimmed (2.4)."""
    return echo(value)[:99].rstrip()


class Charset:
    """Which characters an element may hold under one interchange's version and delimiters."""

    def __init__(self, version: str, component: str | None, repetition: str | None):
        bad = set()
        if version == "00401":
            bad.update("^`")
        # A separator that is itself invalid (027, 016) separates nothing, so it is not refused
        # as a character (docs/x12.md).
        if component is not None:
            bad.add(component)
        if repetition is not None:
            bad.add(repetition)
        # One search per value: this runs for every K3 of a file.
        self._invalid = re.compile("[^\x20-\x7e]|[" + "".join(re.escape(c) for c in sorted(bad))
                                   + "]" if bad else "[^\x20-\x7e]")

    def valid(self, value: str) -> bool:
        """Element characters: 0x20–0x7E, no component or repetition separator, under 00401
        neither ^ nor ` (2.4)."""
        return self._invalid.search(value) is None


def an_trailing_space(value: str) -> bool:
    """The X12 AN rule (2.4): a value ends with a space and is not all spaces."""
    return value.endswith(" ") and value.strip(" ") != ""


def is_digits(value: str, least: int, most: int) -> bool:
    """An N0 value of least..most digits (no sign: control numbers and counts are positive)."""
    return least <= len(value) <= most and value.isascii() and value.isdigit()


def valid_yymmdd(value: str) -> bool:
    """YYMMDD, a real date, year 20YY (3.1 ISA09; the same form read in TA102)."""
    return is_digits(value, 6, 6) and _real_date(2000 + int(value[:2]), value[2:4], value[4:6])


def valid_ccyymmdd(value: str) -> bool:
    """CCYYMMDD, a real date (GS04)."""
    return is_digits(value, 8, 8) and _real_date(int(value[:4]), value[4:6], value[6:8])


def _real_date(year: int, month: str, day: str) -> bool:
    try:
        dt.date(year, int(month), int(day))
    except ValueError:
        return False
    return year >= 1


def valid_hhmm(value: str) -> bool:
    """HHMM, 00–23 / 00–59 (ISA10, TA103)."""
    return is_digits(value, 4, 4) and int(value[:2]) <= 23 and int(value[2:]) <= 59


def valid_time(value: str) -> bool:
    """HHMM[SS[D[D]]] (GS05): 4, 6, 7 or 8 digits, seconds 00–59."""
    if len(value) not in (4, 6, 7, 8) or not valid_hhmm(value[:4]):
        return False
    return len(value) == 4 or (value[4:].isascii() and value[4:].isdigit()
                               and int(value[4:6]) <= 59)
