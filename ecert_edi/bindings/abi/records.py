"""Records as tokens: each record typed by its identifier, and its fields decoded by its layout."""

from __future__ import annotations

import re
from typing import Any

from lark import Token
from lark.lexer import Lexer as LarkLexer

from ecert_edi.domain.conditions import Condition, condition
from ecert_edi.bindings.abi.fields import DATES, codes_of, decode, decode_date, decode_time, pattern
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH, Layout
from ecert_edi.domain.transactions import NO_FAULTS, Record

UNKNOWN = "UNKNOWN"
ENVELOPE = ("A", "Y", "Z")
APPLICATIONS = {
    "inbound": ("CR", "EN", "EC"),
    "response": ("CA", "EA", "EZ", "TR"),
    "any": ("CR", "EN", "EC", "CA", "EA", "EZ", "TR"),
}
# Record identifiers of two characters that may appear in a file of each direction.
TRANSACTION_IDS = {
    direction: frozenset(
        rid
        for rid, lo in LAYOUTS.items()
        if lo.role != "envelope" and (direction == "any" or lo.direction in (direction, "both"))
    )
    for direction in APPLICATIONS
}
_PRINTABLE = re.compile(r"[ -~]*")
ACTION_FIELDS = ("action", "query_type")
LAST_COLUMN = 99  # the largest column an R1 record can give


def token_type(text: str, direction: str) -> str:
    """The grammar terminal for a record: its identifier, B typed by application, else UNKNOWN."""
    two = text[:2]
    if two in TRANSACTION_IDS[direction]:
        return two
    first = text[:1]
    if first == "B":
        app = text[1:3]
        return f"B_{app}" if app in APPLICATIONS[direction] else "B_XX"
    if first in ENVELOPE:
        return first
    return UNKNOWN


def record_faults(text: str, line: int, length: int, out: list[Condition]) -> str:
    """Record-level checks (001 non-printable byte, 002 too long); returns the 80 padded columns."""
    if length > RECORD_LENGTH:
        out.append(condition("002", line, RECORD_LENGTH + 1))
        # a byte past column 80 is still reported where the R1 column (two digits) can say so
        for i in range(RECORD_LENGTH, min(len(text), LAST_COLUMN)):
            if not " " <= text[i] <= "~":
                out.append(condition("001", line, i + 1))
        text = text[:RECORD_LENGTH]
    elif len(text) < RECORD_LENGTH:
        text = text.ljust(RECORD_LENGTH)
    if _PRINTABLE.fullmatch(text) is None:
        for i, ch in enumerate(text):
            if not " " <= ch <= "~":
                out.append(condition("001", line, i + 1))
    return text


class Decoder:
    """Decodes the records of one layout: typed values and every field-level condition."""

    def __init__(self, layout: Layout, direction: str):
        self.layout = layout
        self.rid = layout.rid
        self.direction = direction
        self.well_formed = re.compile(
            "".join(pattern(f, layout.rid) for f in layout.fields)
        ).fullmatch
        # the field whose code decides which fields are read: an action, or a query's type
        action = next((f for f in layout.fields if f.name in ACTION_FIELDS), None)
        self.action_slice = action.slice if action is not None else None
        self.actions = codes_of(action) if action is not None else frozenset()
        self.plan = [
            (f, f.name, f.slice, f.fmt, codes_of(f) if f.fmt == "C" else None)
            for f in layout.data_fields
        ]
        self.fast = compile_fast(layout, direction)
        # what a domain record needs from its layout: each field's column, for conditions
        self.columns = {f.name: f.pos for f in layout.fields}
        self._texts = [(f.name, f.slice) for f in layout.data_fields]

    def record(self, line: int, values: dict[str, Any], text: str, conds: list) -> Record:
        """The domain record of decoded values; with conditions, the fields found faulty."""
        faulty = NO_FAULTS
        if conds:
            faulty = frozenset(
                name for name, sl in self._texts if values[name] is None and text[sl].strip(" ")
            )
        return Record(self.rid, line, values, text, self.columns, faulty)

    def action_of(self, text: str) -> str | None:
        """The record's own action code when it is one of the field's codes, else None."""
        if self.action_slice is None:
            return None
        value = text[self.action_slice].rstrip()
        return value if value in self.actions else None

    def decode(self, text: str, line: int, length: int, action: Any = ...) -> tuple[Record, list]:
        """Decode one record; `action` defaults to the record's own action field."""
        conds: list[Condition] = []
        if length != RECORD_LENGTH or self.well_formed(text) is None:
            text = record_faults(text, line, length, conds)
            if self.well_formed(text) is None:
                return self._decode_faulty(text, line, action, conds)
        if action is ...:
            action = self.action_of(text)
        values = self.fast(text, line, conds, action)
        if not conds:  # the usual record: nothing faulty to find
            return Record(self.rid, line, values, text, self.columns), conds
        return self.record(line, values, text, conds), conds

    def _decode_faulty(self, text: str, line: int, action: Any, conds: list) -> tuple[Record, list]:
        """Field by field, for a record with a character its layout does not admit somewhere."""
        if action is ...:
            action = self.action_of(text)
        values: dict[str, Any] = {}
        inbound = self.direction == "inbound"
        for f, name, sl, fmt, codes in self.plan:
            if f.actions is not None and action is not None and action not in f.actions:
                values[name] = None  # not read for this action
                continue
            s = text[sl]
            if f.use == "R" and inbound:
                values[name] = None  # responses only: must be blank on input
                if s.strip(" "):
                    conds.append(condition("010", line, f.pos))
                continue
            value = decode(f, s, line, conds, codes)
            if value is not None and f.min is not None and value < f.min:
                conds.append(condition("006", line, f.pos))
                value = None
            values[name] = value
            if value is None and s.strip(" ") == "" and not (f.echo and not inbound):
                use = f.use
                if use == "M" or use == "R" or (use == "M*" and action is not None):
                    conds.append(condition(f.missing, line, f.pos))
        return self.record(line, values, text, conds), conds


def compile_fast(layout: Layout, direction: str):
    """A decoder of well-formed records of one layout, generated from the layout once.

    A record that matches its layout's pattern holds only admitted characters, so each field is
    either blank or of its format: what is left to check is codes, dates, times, minimums and
    absence.  Writing that out per field, as straight-line code, is what makes decoding fast; the
    layout stays the one definition it comes from.
    """
    env: dict[str, Any] = {
        "condition": condition,
        "DATES": DATES,
        "decode_date": decode_date,
        "decode_time": decode_time,
    }
    body = ["def fast(text, line, conds, action):"]
    names = []
    for i, f in enumerate(layout.data_fields):
        x = f"x{i}"
        names.append(f"{f.name!r}: {x}")
        env[f"codes{i}"] = codes_of(f) if f.fmt == "C" else None
        pad = "    "
        if f.actions is not None:
            body.append(f"    if action is not None and action not in {f.actions!r}:")
            body.append(f"        {x} = None")
            body.append("    else:")
            pad = "        "
        blank = " " * f.length
        body.append(f"{pad}s = text[{f.start}:{f.end}]")
        if f.use == "R" and direction == "inbound":
            body.append(f"{pad}{x} = None")
            body.append(f"{pad}if s != {blank!r}: conds.append(condition('010', line, {f.pos}))")
            continue
        if f.fmt == "AN":
            body.append(f"{pad}{x} = s.rstrip() or None")
        elif f.fmt == "C":
            body.append(f"{pad}{x} = s.rstrip() or None")
            body.append(f"{pad}if {x} is not None and {x} not in codes{i}:")
            body.append(f"{pad}    conds.append(condition('008', line, {f.pos})); {x} = None")
        elif f.fmt in ("N", "Q"):
            body.append(f"{pad}{x} = int(s) if s[0] != ' ' else None")
            if f.min is not None:
                body.append(f"{pad}if {x} is not None and {x} < {f.min}:")
                body.append(f"{pad}    conds.append(condition('006', line, {f.pos})); {x} = None")
        elif f.fmt == "D":
            body.append(f"{pad}{x} = DATES.get(s) or decode_date(s)")
            body.append(f"{pad}if {x} is None and s[0] != ' ':")
            body.append(f"{pad}    conds.append(condition('007', line, {f.pos}))")
        elif f.fmt == "T":
            body.append(f"{pad}{x} = decode_time(s)")
            body.append(f"{pad}if {x} is None and s[0] != ' ':")
            body.append(f"{pad}    conds.append(condition('009', line, {f.pos}))")
        mandatory = {"M": "True", "R": "True", "M*": "action is not None"}.get(f.use)
        if f.echo and direction == "response":
            mandatory = None  # echoes an inbound value that may have been unreadable
        if mandatory is not None:
            body.append(f"{pad}if {x} is None and s == {blank!r} and {mandatory}:")
            body.append(f"{pad}    conds.append(condition({f.missing!r}, line, {f.pos}))")
    body.append(f"    return {{{', '.join(names)}}}")
    exec(compile("\n".join(body), f"<decoder {layout.rid} {direction}>", "exec"), env)  # noqa: S102
    return env["fast"]


DECODERS = {
    direction: {
        rid: Decoder(lo, direction)
        for rid, lo in LAYOUTS.items()
        if lo.direction in (direction, "both")
    }
    for direction in ("inbound", "response")
}


class RecordLexer(LarkLexer):
    """Lark's lexer for transmissions: one token per non-empty line, typed by its identifier.

    The walker feeds tokens itself (to recover from faults); this lexer lets Lark parse a whole
    text directly, the reference the walker's acceptance is checked against.  It types records of
    both directions; the start rule decides which are acceptable.
    """

    def __init__(self, lexer_conf):
        pass

    def lex(self, data: str):
        for number, line in enumerate(data.split("\n"), 1):
            line = line.rstrip("\r")
            if line:
                yield Token(token_type(line, "any"), line, line=number, column=1)
