"""Field formats of spec 3.2: decoding a field's text to a typed value, and encoding it back."""

from __future__ import annotations

import datetime as dt
import re

from ecert_edi.domain.codes import CODE_SETS
from ecert_edi.domain.conditions import Condition, condition
from ecert_edi.bindings.abi.layouts import Field

AN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -/.,&'()#")
AN_CLASS = r"[A-Z0-9 \-/.,&'()#]"
PRINTABLE_CLASS = r"[ -~]"


# Every real MMDDYY of 2000-2099 met so far: once a date has been seen, one dictionary look-up
# decodes and validates it.  Filled as dates are met rather than at import, so that a command
# reading three records does not first build 36,525 of them.
DATES: dict[str, dt.date] = {}


def decode_date(text: str) -> dt.date | None:
    """The date of an MMDDYY field (years 2000-2099), or None when it is no real date."""
    value = DATES.get(text)
    if value is not None:
        return value
    if len(text) != 6 or not (text.isascii() and text.isdigit()):  # "²" is a digit to isdigit
        return None
    try:
        value = dt.date(2000 + int(text[4:]), int(text[:2]), int(text[2:4]))
    except ValueError:
        return None
    DATES[text] = value  # at most 36,525 keys: only real dates are kept
    return value


class FieldOverflow(ValueError):
    """A value does not fit its field; the emitter refuses it rather than truncate."""


def codes_of(field: Field) -> frozenset[str]:
    """The values a code field admits."""
    if isinstance(field.codes, str):
        return CODE_SETS[field.codes]
    return frozenset(field.codes or ())


def decode_time(text: str) -> dt.time | None:
    if len(text) != 6 or not (text.isascii() and text.isdigit()):  # "²" is a digit to isdigit
        return None
    h, m, s = int(text[:2]), int(text[2:4]), int(text[4:])
    if h > 23 or m > 59 or s > 59:
        return None
    return dt.time(h, m, s)


def decode(field: Field, text: str, line: int, out: list[Condition], codes=None):
    """The typed value of a field's text (None when blank or faulty); faults are appended to out.

    Absence is not judged here (it depends on the use and the action): a blank field decodes to None.
    """
    fmt = field.fmt
    if fmt == "AN" or fmt == "C":
        bad = [i for i, ch in enumerate(text) if ch not in AN_CHARS]
        for i in bad:
            if " " <= text[i] <= "~":  # a non-printable byte is the record's fault (001) already
                out.append(condition("001", line, field.pos + i))
        value = text.rstrip(" ")
        if bad or not value:
            return None
        if fmt == "C" and value not in (codes if codes is not None else codes_of(field)):
            out.append(condition("008", line, field.pos))
            return None
        return value
    if fmt == "N" or fmt == "Q":
        if text.isdigit() and text.isascii():
            return int(text)
        if text.strip(" ") == "":
            return None
        out.append(condition("006", line, field.pos))
        return None
    if fmt == "D":
        value = decode_date(text)
        if value is not None:
            return value
        if text.strip(" ") == "":
            return None
        out.append(condition("007", line, field.pos))
        return None
    if fmt == "T":
        value = decode_time(text)
        if value is not None:
            return value
        if text.strip(" ") == "":
            return None
        out.append(condition("009", line, field.pos))
        return None
    return None  # ID and F carry no value


def encode(field: Field, value, rid: str = "") -> str:
    """A value written in its field's format, exactly field.length characters, or FieldOverflow."""
    fmt, width = field.fmt, field.length
    if fmt == "ID":
        return rid
    if fmt == "F" or value is None:
        return " " * width
    where = f"{rid}.{field.name}" if rid else field.name
    if fmt in ("AN", "C"):
        text = str(value)
        if len(text) > width:
            raise FieldOverflow(f"{where}: {text!r} is longer than {width} characters")
        if any(ch not in AN_CHARS for ch in text):
            raise FieldOverflow(f"{where}: {text!r} holds a character outside the AN set")
        if fmt == "C" and text.rstrip() and text.rstrip() not in codes_of(field):
            raise FieldOverflow(f"{where}: {text!r} is not one of its codes")
        return text.ljust(width)
    if fmt in ("N", "Q"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldOverflow(f"{where}: {value!r} is not a whole number")
        if value < 0:
            raise FieldOverflow(f"{where}: {value} is negative")
        text = str(value).zfill(width)
        if len(text) > width:
            raise FieldOverflow(f"{where}: {value} does not fit {width} digits")
        return text
    if fmt == "D":
        if not isinstance(value, dt.date) or not 2000 <= value.year <= 2099:
            raise FieldOverflow(f"{where}: {value!r} is not a date of 2000-2099")
        return value.strftime("%m%d%y")
    if fmt == "T":
        if not isinstance(value, dt.time):
            raise FieldOverflow(f"{where}: {value!r} is not a time")
        return value.strftime("%H%M%S")
    raise FieldOverflow(f"{where}: unknown format {fmt}")  # pragma: no cover


_AN_TEXT = re.compile(f"{AN_CLASS}*")


def encoder(field: Field, rid: str):
    """`encode` for one field, specialised once: the usual value takes a short path, anything
    else goes through `encode`, which writes it or says why it does not fit."""
    fmt, width = field.fmt, field.length
    blank = " " * width
    if fmt == "ID":
        return lambda value: rid
    if fmt == "F":
        return lambda value: blank
    slow = lambda value: encode(field, value, rid)
    if fmt == "AN":
        match = _AN_TEXT.fullmatch

        def an(value):
            if value is None:
                return blank
            if type(value) is str and len(value) <= width and match(value):
                return value.ljust(width)
            return slow(value)

        return an
    if fmt in ("N", "Q"):
        limit = 10**width

        def number(value):
            if value is None:
                return blank
            if type(value) is int and 0 <= value < limit:
                return str(value).zfill(width)
            return slow(value)

        return number
    if fmt == "D":

        def date(value):
            if value is None:
                return blank
            if type(value) is dt.date and 2000 <= value.year <= 2099:
                return f"{value.month:02d}{value.day:02d}{value.year - 2000:02d}"
            return slow(value)

        return date
    if fmt == "C":
        admitted = codes_of(field)

        def code(value):
            if value is None:
                return blank
            if type(value) is str and value in admitted:
                return value.ljust(width)
            return slow(value)

        return code

    def time(value):
        if value is None:
            return blank
        if type(value) is dt.time:
            return f"{value.hour:02d}{value.minute:02d}{value.second:02d}"
        return slow(value)

    return time


def pattern(field: Field, rid: str, capture: bool = False) -> str:
    """A regular expression the text of a well-formed field matches (blank allowed).

    With `capture`, a field with a value is a group: its whole text for AN and C, its digits
    for N, Q, D and T (so the group is None when the field is blank).  The language is the same.
    """
    n = field.length
    fmt = field.fmt
    if fmt == "ID":
        return re.escape(rid)
    if fmt == "F":
        return f"{PRINTABLE_CLASS}{{{n}}}"
    if fmt in ("AN", "C"):
        return f"({AN_CLASS}{{{n}}})" if capture else f"{AN_CLASS}{{{n}}}"
    digits = f"([0-9]{{{n}}})" if capture else f"[0-9]{{{n}}}"
    return f"(?:{digits}| {{{n}}})"  # N, Q, D, T


# Every character of Latin-1 (a byte of the input) outside AN, mapped to a space.
_SANITIZE = {i: " " for i in range(256) if chr(i) not in AN_CHARS}


def sanitize(text: str) -> str:
    """An echoed value with every character outside AN replaced by a space (spec 8)."""
    text = text.translate(_SANITIZE)
    if not text.isascii():  # beyond Latin-1 (only from a caller, never from a file)
        text = "".join(ch if ch in AN_CHARS else " " for ch in text)
    return text

