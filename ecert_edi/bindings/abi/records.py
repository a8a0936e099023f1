"""Records as tokens: each record typed by its identifier, and its fields decoded by its layout."""

from __future__ import annotations

import re
from typing import Any

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


def token_types(direction: str) -> frozenset[str]:
    """Every terminal `token_type` can give for a direction (what the walk table must answer)."""
    batches = {f"B_{app}" for app in APPLICATIONS[direction]} | {"B_XX"}
    return frozenset(TRANSACTION_IDS[direction] | batches | set(ENVELOPE) | {UNKNOWN})


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


# the parts of a Decoder built on first use (Decoder.__getattr__)
_COMPILED = frozenset({"well_formed", "plan", "fast", "fast_groups"})


class Decoder:
    """Decodes the records of one layout: typed values and every field-level condition."""

    def __init__(self, layout: Layout, direction: str):
        self.layout = layout
        self.rid = layout.rid
        self.direction = direction
        # the field whose code decides which fields are read: an action, or a query's type
        action = next((f for f in layout.fields if f.name in ACTION_FIELDS), None)
        self.action_slice = action.slice if action is not None else None
        self.actions = codes_of(action) if action is not None else frozenset()
        # what a domain record needs from its layout: each field's column, for conditions
        self.columns = {f.name: f.pos for f in layout.fields}
        self._texts = [(f.name, f.slice) for f in layout.data_fields]

    def __getattr__(self, name: str):
        """The compiled parts, built the first time one is read: a run that meets three layouts
        compiles three.  (Called only for an attribute not yet set, so never again after.)"""
        if name not in _COMPILED:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        layout = self.layout
        # one group per data field, in order: what `fast_groups` decodes
        self.well_formed = re.compile(
            "".join(pattern(f, layout.rid, capture=True) for f in layout.fields)
        ).fullmatch
        self.plan = [
            (f, f.name, f.slice, f.fmt, codes_of(f) if f.fmt == "C" else None)
            for f in layout.data_fields
        ]
        self.fast_groups = compile_fast(layout, self.direction)
        self.fast = _on_text(self.well_formed, self.fast_groups)
        return getattr(self, name)

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
        values = self.fast_groups(self.well_formed(text).groups(), line, conds, action)
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
    layout stays the one definition it comes from.  The decoder takes the groups of the layout's
    pattern (`Decoder.well_formed`), one per data field: the text of an AN or C field, the digits
    of any other (None when blank).  Each field's usual case (present and valid) is tested first;
    the conditions come out in field order, as `Decoder._decode_faulty` gives them
    (tests/test_codecs.py compares the two).
    """
    env: dict[str, Any] = {
        "condition": condition,
        "DATES": DATES,
        "decode_date": decode_date,
        "decode_time": decode_time,
    }
    fields = layout.data_fields
    body = ["def fast_groups(groups, line, conds, action=...):"]
    if fields:
        body.append(f"    {', '.join(f'g{i}' for i in range(len(fields)))}, = groups")
    body += _own_action(fields, env)
    names = []
    gate = gate_start = None  # the actions of the open `if`, shared by consecutive fields
    for i, f in enumerate(fields):
        names.append(f"{f.name!r}: x{i}")
        if f.actions != gate:
            if gate is not None:
                _close_gate(body, gate_start, i)
            gate, gate_start = f.actions, i
            if gate is not None:
                body.append(f"    if action is None or action in {gate!r}:")
        pad = "        " if gate is not None else "    "
        body.extend(pad + line for line in _field_code(f, i, direction, env))
    if gate is not None:
        _close_gate(body, gate_start, len(fields))
    body.append(f"    return {{{', '.join(names)}}}")
    exec(compile("\n".join(body), f"<decoder {layout.rid} {direction}>", "exec"), env)  # noqa: S102
    return env["fast_groups"]


def _own_action(fields, env: dict[str, Any]) -> list[str]:
    """The lines that give `action`, when it is `...`, the record's own action code, as
    `Decoder.action_of` reads it (its field's text, padded as it stands, maps to its code)."""
    i = next((i for i, f in enumerate(fields) if f.name in ACTION_FIELDS), None)
    if i is None:
        return ["    if action is ...: action = None"]
    f = fields[i]
    env["own_actions"] = {c.ljust(f.length): c for c in codes_of(f)
                          if len(c) <= f.length and c == c.rstrip()}
    if f.fmt in ("AN", "C"):  # the group is the field's text
        return [f"    if action is ...: action = own_actions.get(g{i})"]
    blank = " " * f.length  # the group is the field's digits, None when it is blank
    return [f"    if action is ...: action = own_actions.get({blank!r} if g{i} is None else g{i})"]


def _on_text(match, fast_groups):
    """The decoder of a well-formed record's text (the groups decoder, on its pattern's groups)."""

    def fast(text: str, line: int, conds: list, action):
        return fast_groups(match(text).groups(), line, conds, action)

    return fast


def _close_gate(body: list[str], start: int, end: int) -> None:
    """The `else` of a run of fields read only for some actions: not read, so None."""
    body.append("    else:")
    body.append("        " + " = ".join(f"x{i}" for i in range(start, end)) + " = None")


def _field_code(f, i: int, direction: str, env: dict[str, Any]) -> list[str]:
    """The lines that decode one field from its group `g{i}` into `x{i}`, appending its
    conditions to `conds` in the order of the generic decoder."""
    g, x, blank = f"g{i}", f"x{i}", " " * f.length
    text_group = f.fmt in ("AN", "C")  # the group is the field's text; else its digits or None
    if f.use == "R" and direction == "inbound":  # responses only: must be blank on input
        filled = f"{g} != {blank!r}" if text_group else f"{g} is not None"
        return [f"{x} = None", f"if {filled}: conds.append(condition('010', line, {f.pos}))"]
    mandatory = {"M": "True", "R": "True", "M*": "action is not None"}.get(f.use)
    if f.echo and direction == "response":
        mandatory = None  # echoes an inbound value that may have been unreadable
    missing = f"conds.append(condition({f.missing!r}, line, {f.pos}))"

    def absent(indent: str) -> list[str]:
        """What a blank field adds: its condition when it is mandatory."""
        if mandatory is None:
            return []
        if mandatory == "True":
            return [f"{indent}{missing}"]
        return [f"{indent}if {mandatory}: {missing}"]

    if f.fmt == "AN":  # well-formed: blank exactly when nothing is left after the spaces
        return [f"{x} = {g}.rstrip() or None", *([f"if {x} is None:"] + absent("    ")
                                                  if mandatory else [])]
    if f.fmt == "C":
        # the field's text, padded as it stands, maps to its code: one look-up for a valid one
        env[f"codes{i}"] = {c.ljust(f.length): c for c in codes_of(f)
                            if c and len(c) <= f.length and c == c.rstrip()}
        return [f"{x} = codes{i}.get({g})", f"if {x} is None:",
                f"    if {g} != {blank!r}: conds.append(condition('008', line, {f.pos}))",
                *(["    else:"] + absent("        ") if mandatory else [])]
    if f.fmt in ("N", "Q"):
        out = [f"if {g} is not None:", f"    {x} = int({g})"]
        if f.min is not None:
            out += [f"    if {x} < {f.min}:",
                    f"        conds.append(condition('006', line, {f.pos})); {x} = None"]
    elif f.fmt == "D":
        out = [f"if {g} is not None:", f"    {x} = DATES.get({g}) or decode_date({g})",
               f"    if {x} is None: conds.append(condition('007', line, {f.pos}))"]
    else:  # T
        out = [f"if {g} is not None:", f"    {x} = decode_time({g})",
               f"    if {x} is None: conds.append(condition('009', line, {f.pos}))"]
    return out + ["else:", f"    {x} = None", *absent("    ")]


DECODERS = {
    direction: {
        rid: Decoder(lo, direction)
        for rid, lo in LAYOUTS.items()
        if lo.direction in (direction, "both")
    }
    for direction in ("inbound", "response")
}
