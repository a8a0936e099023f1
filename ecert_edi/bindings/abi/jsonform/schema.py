"""The JSON Schema of the JSON form (draft 2020-12), made from the layouts, and the checks the
reading makes with it (the `jsonschema` library), one record object at a time.

The schema is published as docs/json.schema.json and shipped beside this module as
json.schema.json; both are written from `document_schema()`:

    python -m ecert_edi.bindings.abi.jsonform          # write both copies
    python -m ecert_edi.bindings.abi.jsonform --check  # exit 1 when either is stale

A document is never validated whole: `--to abi` reads it as a stream, so the reading validates
what lies outside the batches (its "skeleton", with the batch and stray lists left empty), then
each record object against its record's subschema as it is read.  What the schema cannot say of
a stream, or says of a list too long to check value by value with the library (the physical
line lists), is checked by hand where it is read, to the same rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ecert_edi.bindings.abi.fields import AN_CLASS
from ecert_edi.bindings.abi.jsonform.common import (
    DIRECTIONS,
    FORMAT_VERSION,
    MAX_LINES,
    DocumentError,
)
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH, Field, Layout

SCHEMA_ID = f"urn:ecert-edi:json-form:{FORMAT_VERSION}"
PACKAGED = Path(__file__).with_name("json.schema.json")


def _doc_path() -> Path:
    """docs/json.schema.json of the source checkout the package runs from, else of the current
    folder (as docgen finds docs/format.md)."""
    checkout = Path(__file__).resolve().parents[4]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "docs" / "json.schema.json"
    return Path("docs") / "json.schema.json"


DOC_PATH = _doc_path()

# What the raw columns of a record may hold: 80 characters of Latin-1 (the file's bytes one for
# one), no line ending among them: no LF, and no CR, which the emitter does not write inside a
# record (a file's record that holds one gives a document that does not translate back).
RAW_PATTERN = f"^[\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u00ff]{{{RECORD_LENGTH}}}$"
# Quantities: the digits of a whole number of at most 10 places (12 columns, 2 of them implied
# decimals), leading zeros aside, then no, one or two decimals.  [0-9], never \d: "٣" and "²"
# are digits to Python's re and str.isdigit, not to eCERT.
QUANTITY_PATTERN = "^0*[0-9]{1,10}(\\.[0-9]{1,2})?$"
DATE_PATTERN = "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
LINE = {
    "description": "a whole number from 1: the record's physical line in the file",
    "type": "integer",
    "minimum": 1,
}
# The named code sets, each once in $defs; short lists stand in their fields.
_CODE_SET_TITLES = {
    "country": "an ISO 3166-1 alpha-2 country code",
    "unit": "a unit of measure of spec 3.4",
    "program": "a quota program",
}


def _nullable(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A field's schema: `schema` or null (a blank field), described for messages."""
    types = schema.pop("type", None)
    out: dict[str, Any] = {"description": description + ", or null (blank)"}
    if types is not None:
        out["type"] = [types, "null"]
    out.update(schema)
    return out


def field_schema(f: Field) -> dict[str, Any]:
    """The schema of one data field's JSON value; its description says what is accepted."""
    n = f.length
    if f.fmt == "AN":
        return _nullable(
            f"a string of at most {n} characters of A-Z 0-9 space - / . , & ' ( ) #",
            {"type": "string", "maxLength": n, "pattern": f"^{AN_CLASS}*$"},
        )
    if f.fmt == "C":
        if isinstance(f.codes, str):
            return {
                "description": f"{_CODE_SET_TITLES.get(f.codes, f.codes + ' code')}, or null",
                "$ref": f"#/$defs/{f.codes}_code",
            }
        codes = list(f.codes or ())
        shown = ", ".join(json.dumps(c) for c in codes)
        return {"description": f"one of {shown}, or null", "enum": [*codes, None]}
    if f.fmt == "N" and f.count:
        return _nullable(
            f"a whole number from 0 to {10**n - 1}",
            {"type": "integer", "minimum": 0, "maximum": 10**n - 1},
        )
    if f.fmt == "N":
        return _nullable(
            f"a string of exactly {n} digits 0-9, leading zeros kept",
            {"type": "string", "pattern": f"^[0-9]{{{n}}}$"},
        )
    if f.fmt == "Q":
        return _nullable(
            'a decimal string such as "125.50": at most 10 digits before the point and 2 after',
            {"type": "string", "pattern": QUANTITY_PATTERN},
        )
    if f.fmt == "D":
        return _nullable(
            'a date "YYYY-MM-DD" of 2000-2099',
            {"type": "string", "pattern": DATE_PATTERN, "format": "date"},
        )
    if f.fmt == "T":
        return _nullable('a time "HH:MM:SS"', {"type": "string", "pattern": TIME_PATTERN})
    raise ValueError(f"{f.name}: not a data field")  # pragma: no cover - data_fields only


def record_schema(layout: Layout) -> dict[str, Any]:
    """A record object formatted from its fields: identifier, line, the layout's data fields."""
    properties: dict[str, Any] = {"record": {"const": layout.rid}, "line": LINE}
    for f in layout.data_fields:
        schema = field_schema(f)
        if f.note:
            schema = {"title": f.note, **schema}
        properties[f.name] = schema
    return {
        "title": f"{layout.rid} {layout.title}",
        "type": "object",
        "properties": properties,
        "required": ["record"],
        "additionalProperties": False,
    }


RAW_RECORD = {
    "title": "A record written from its raw columns",
    "description": "a record whose values do not give its columns back (a faulty field, an "
    "unknown identifier, filler that is not blank): written from `raw` as is, its other keys "
    "not read",
    "type": "object",
    "properties": {
        "record": {"description": "the record identifier as read", "type": "string"},
        "line": LINE,
        "raw": {
            "description": f"a string of {RECORD_LENGTH} characters of Latin-1, no CR or LF",
            "type": "string",
            "pattern": RAW_PATTERN,
        },
    },
    "required": ["record", "raw"],
}

CONDITION = {
    "title": "A condition the reading found",
    "type": "object",
    "properties": {
        "code": {"description": "3 digits", "type": "string", "pattern": "^[0-9]{3}$"},
        "severity": {"description": "E, W or I", "enum": ["E", "W", "I"]},
        "line": {"description": "a whole number, 0 for none", "type": "integer", "minimum": 0},
        "column": {"description": "a whole number, 0 for none", "type": "integer",
                   "minimum": 0},
        "text": {"description": "a string", "type": "string"},
    },
    "required": ["code", "severity", "line", "column", "text"],
    "additionalProperties": False,
}

# The physical object.  Its two lists may name every line of a file: the reading checks their
# items by hand to these same rules (physical.py), the library the rest.
PHYSICAL = {
    "title": "How the file's lines were written, where not LF lines of 80 columns",
    "type": "object",
    "properties": {
        "line_ending": {"description": '"CRLF": every line ends in CR LF', "const": "CRLF"},
        "crlf_lines": {
            "description": "a list of line numbers (whole numbers from 1)",
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": MAX_LINES},
        },
        "short_lines": {
            "description": "an object of line numbers (ASCII digits, from 1) and widths (1-79)",
            "type": "object",
            "propertyNames": {"pattern": "^[1-9][0-9]*$"},
            "additionalProperties": {"type": "integer", "minimum": 1,
                                     "maximum": RECORD_LENGTH - 1},
        },
        "lines": {
            "description": f"a whole number of lines, at most {MAX_LINES}",
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_LINES,
        },
        "final_line_ending": {"description": "true or false", "type": "boolean"},
    },
    "additionalProperties": False,
}


def _ids(role: str, direction: str) -> list[str]:
    """The identifiers of the records of a role in files of a direction."""
    return [rid for rid, lo in LAYOUTS.items()
            if lo.role == role and lo.direction in (direction, "both")]


def _slot(rids: Iterable[str], title: str) -> dict[str, Any]:
    """A place that holds one of these records, formatted from its fields or written raw."""
    rids = list(rids)
    if len(rids) == 1:
        formatted: dict[str, Any] = {"$ref": f"#/$defs/{rids[0]}"}
    else:
        formatted = {
            "properties": {"record": {"enum": rids}},
            "allOf": [{"if": {"properties": {"record": {"const": rid}}},
                       "then": {"$ref": f"#/$defs/{rid}"}} for rid in rids],
        }
    return {
        "title": title,
        "type": "object",
        "required": ["record"],
        "if": {"required": ["raw"]},
        "then": {"$ref": "#/$defs/raw_record"},
        "else": formatted,
    }


def _or_null(ref: str) -> dict[str, Any]:
    return {"anyOf": [{"type": "null"}, {"$ref": ref}]}


def _transaction(direction: str) -> dict[str, Any]:
    return {
        "title": f"A transaction of an {direction} file" if direction == "inbound"
        else f"A transaction of a {direction} file",
        "type": "object",
        "properties": {
            "header": _slot(_ids("header", direction), "its header record"),
            "details": {"type": "array",
                        "items": _slot(_ids("detail", direction), "a detail record")},
        },
        "required": ["header"],
    }


def _batch_items(direction: str) -> dict[str, Any]:
    return {"properties": {"batches": {"items": {"properties": {"transactions": {
        "items": {"$ref": f"#/$defs/{direction}_transaction"}}}}}}}


@cache
def document_schema() -> dict[str, Any]:
    """The whole schema, as published."""
    defs: dict[str, Any] = {rid: record_schema(layout) for rid, layout in LAYOUTS.items()}
    for name in sorted({f.codes for lo in LAYOUTS.values() for f in lo.data_fields
                        if isinstance(f.codes, str)}):
        # described here too: an error found through the $ref names this schema, not the field's
        codes = sorted(codes_of_set(name))
        title = _CODE_SET_TITLES.get(name, name)
        if len(codes) <= 12:  # a short set is listed; the countries are not
            title += " (" + ", ".join(codes) + ")"
        defs[f"{name}_code"] = {"description": f"{title}, or null", "enum": [*codes, None]}
    defs["raw_record"] = RAW_RECORD
    defs["any_record"] = _slot(LAYOUTS, "Any record")
    defs["batch"] = {
        "title": "A batch: its B, its transactions, its Y",
        "type": "object",
        "properties": {
            "header": _slot(["B"], "the B record"),
            "transactions": {"type": "array"},  # their records: by direction, below
            "trailer": {"description": "the Y record; null: the file has none; left out: "
                        "computed", **_or_null("#/$defs/Y_slot")},
        },
        "required": ["header", "transactions"],
    }
    defs["Y_slot"] = _slot(["Y"], "the Y record")
    defs["inbound_transaction"] = _transaction("inbound")
    defs["response_transaction"] = _transaction("response")
    defs["condition"] = CONDITION
    defs["physical"] = PHYSICAL
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "$comment": "Generated by `python -m ecert_edi.bindings.abi.jsonform` from "
        "grammars/layouts.toml; do not edit by hand.  See docs/json.md.",
        "title": "The JSON form of an eCERT 2.0 ABI transmission",
        "description": "What `ecert translate --to json` writes and `--to abi` reads. Whole "
        "numbers are JSON integers written without a fraction: ecert refuses 1.0 where a "
        "whole number goes, which JSON Schema itself would take.",
        "type": "object",
        "properties": {
            "ecert": {"description": f"the version of the form: {FORMAT_VERSION}",
                      "const": FORMAT_VERSION},
            "direction": {"description": "one of " + ", ".join(DIRECTIONS),
                          "enum": list(DIRECTIONS), "default": "inbound"},
            "header": {"description": "the A record, or null", **_or_null("#/$defs/A_slot")},
            "batches": {"description": "a list of batch objects", "type": "array",
                        "items": {"$ref": "#/$defs/batch"}},
            "trailer": {"description": "the Z record; null: the file has none; left out: "
                        "computed", **_or_null("#/$defs/Z_slot")},
            "stray": {"description": "a list of records", "type": "array",
                      "items": {"$ref": "#/$defs/any_record"}},
            "conditions": {"description": "a list of conditions (not read by --to abi but "
                           "checked)", "type": "array", "items": {"$ref": "#/$defs/condition"}},
            "physical": {"description": "an object, or null", **_or_null("#/$defs/physical")},
        },
        "required": ["ecert", "batches"],
        "if": {"properties": {"direction": {"const": "response"}}, "required": ["direction"]},
        "then": _batch_items("response"),
        "else": _batch_items("inbound"),
        "$defs": {**defs, "A_slot": _slot(["A"], "the A record"),
                  "Z_slot": _slot(["Z"], "the Z record")},
    }


def codes_of_set(name: str) -> frozenset[str]:
    """The codes of a named code set."""
    from ecert_edi.domain.codes import CODE_SETS

    return CODE_SETS[name]


def render() -> str:
    """The text of docs/json.schema.json (and of the packaged copy)."""
    return json.dumps(document_schema(), indent=2, ensure_ascii=True) + "\n"


# -- checking with the library ------------------------------------------------------------------

# The verdicts on (type, value) kept per property, cleared when this many: bounded memory.
_MEMO = 1 << 12


class FlatCheck:
    """A record or condition object checked against its flat subschema (properties, required,
    additionalProperties false) with jsonschema, value by value.

    Under such a schema an object is valid exactly when it is an object, has the required keys,
    no other key, and each value is valid under its property's schema.  Each value is judged by
    the library against that schema, and the verdict kept: the records of a file share their
    dates, codes and quantities, so most values are judged once (the library takes about 100
    microseconds an object, more than the rest of the translation).  A refusal is explained by
    the library's errors for the whole object.
    """

    def __init__(self, validator, schema: Mapping[str, Any]) -> None:
        self.validator = validator
        self.values = {name: validator.evolve(schema=sub)
                       for name, sub in schema["properties"].items()}
        self.required = tuple(schema.get("required", ()))
        self.closed = schema.get("additionalProperties") is False
        # One memo per property: the lines of records, all different, fill and clear their own
        # and leave the dates' and codes' in place.
        self.memos: dict[str, dict[tuple, bool]] = {name: {} for name in self.values}

    def valid(self, obj: Any) -> bool:
        if type(obj) is not dict:
            return self.validator.is_valid(obj)
        for key in self.required:
            if key not in obj:
                return False
        memos, values = self.memos, self.values
        for key, value in obj.items():
            check = values.get(key)
            if check is None:
                if self.closed:
                    return False
                continue
            memo = memos[key]
            try:
                seen = (type(value), value)  # the type too: True == 1 and 1.0 == 1
                verdict = memo.get(seen)
            except TypeError:  # a list or an object where a value goes: not kept
                if not check.is_valid(value):
                    return False
                continue
            if verdict is None:
                verdict = check.is_valid(value)
                if len(memo) >= _MEMO:
                    memo.clear()
                memo[seen] = verdict
            if not verdict:
                return False
        return True

    def errors(self, obj: Any) -> list:
        """The library's errors for the object, in the order of its keys."""
        return in_order(self.validator.iter_errors(obj), obj)


def in_order(errors: Iterable, obj: Any) -> list:
    """Errors in the order a reader meets them: the object's own first (its type, a key missing
    or unknown), then by the order of its keys; the library's own order is its schema's."""
    order = {key: i for i, key in enumerate(obj)} if isinstance(obj, Mapping) else {}
    return sorted(errors, key=lambda e: (order.get(e.path[0], len(order)) if e.path else -1,
                                         len(e.path)))


def _shown(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, default=repr, ensure_ascii=False)
    except (TypeError, ValueError):  # a document in memory with keys JSON has no text for
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def place(where: str, path: Iterable[Any]) -> str:
    """A JSON path in the document: batches[0].transactions[3].details[1].hts_number."""
    out = where
    for part in path:
        out = f"{out}[{part}]" if isinstance(part, int) else (f"{out}.{part}" if out else part)
    return out


def explain(error, where: str) -> str:
    """A schema error as a message that names the place and what was expected there."""
    at = place(where, error.path) or "document"
    described = error.schema.get("description") if isinstance(error.schema, Mapping) else None
    if described and error.validator not in ("required", "additionalProperties"):
        return f"{at}: expected {described}, got {_shown(error.instance)}"
    return f"{at}: {error.message}"


class Checks:
    """The library's validators of the document's parts, made once (the library's import and
    the schema's compilation are a tenth of a second, paid by --to abi only)."""

    def __init__(self) -> None:
        from jsonschema import Draft202012Validator, FormatChecker, validators

        # A whole number is a JSON integer: 1.0 is refused, as it always was (JSON Schema
        # counts 1.0 an integer; the schema's description says so).
        types = Draft202012Validator.TYPE_CHECKER.redefine(
            "integer", lambda checker, value: type(value) is int
        )
        cls = validators.extend(Draft202012Validator, type_checker=types)
        schema = document_schema()
        self.root = cls(schema, format_checker=FormatChecker(formats=("date",)))
        defs = schema["$defs"]
        self.records = {rid: FlatCheck(self.root.evolve(schema=defs[rid]), defs[rid])
                        for rid in LAYOUTS}
        self.raw = self.root.evolve(schema=defs["raw_record"])
        self.condition = FlatCheck(self.root.evolve(schema=defs["condition"]), defs["condition"])
        # The document outside its batches, strays and conditions (given as empty lists), and
        # the physical object outside its two lists (given empty): header and trailer records
        # are checked as records, where they are written.
        # (no "$schema" of its own, or the library would pick its own validator class for it)
        skeleton = {k: schema[k] for k in ("type", "required")}
        skeleton["properties"] = {k: v for k, v in schema["properties"].items()
                                  if k not in ("header", "trailer", "physical")}
        self.skeleton = self.root.evolve(schema=skeleton)
        self.physical = self.root.evolve(schema=defs["physical"])


@cache
def checks() -> Checks:
    return Checks()


def check_record(obj: Any, where: str) -> None:
    """Refuse with DocumentError a record object its subschema does not admit.

    Which subschema is the object's own: a record with "raw" is written from it (raw_record),
    any other by its identifier; which identifiers a place takes is the caller's to check."""
    c = checks()
    if not isinstance(obj, Mapping):
        raise DocumentError(f"{where}: expected a record object, got {_shown(obj, 40)}")
    rid = obj.get("record")
    if not isinstance(rid, str):
        raise DocumentError(f'{where}: a record object needs "record", its identifier')
    if "raw" in obj:
        errors = in_order(c.raw.iter_errors(obj), obj)
        if errors:
            raise DocumentError(explain(errors[0], where))
        return
    check = c.records.get(rid)
    if check is None:
        raise DocumentError(f"{where}: unknown record identifier {rid!r}")
    if check.valid(obj):
        return
    for error in check.errors(obj):
        if error.validator == "additionalProperties":
            known = check.values
            unknown = next(name for name in obj if name not in known)
            raise DocumentError(f"{where}: {rid} has no field {unknown!r}")
        raise DocumentError(explain(error, where))
    raise DocumentError(f"{where}: not a {rid} record")  # pragma: no cover - valid() disagreed


def check_condition(obj: Any, where: str) -> None:
    c = checks().condition
    if not c.valid(obj):
        errors = c.errors(obj)
        raise DocumentError(explain(errors[0], where) if errors else f"{where}: not a condition")


def first_error(validator, obj: Any, where: str) -> str | None:
    """The message of the first error (in document order) of an object, or None."""
    errors = in_order(validator.iter_errors(obj), obj)
    return explain(errors[0], where) if errors else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ecert_edi.bindings.abi.jsonform",
        description="Write docs/json.schema.json and the packaged copy from the layouts.",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a copy is out of date")
    parser.add_argument("--out", type=Path, action="append",
                        help=f"default: {DOC_PATH} and {PACKAGED}")
    args = parser.parse_args(argv)
    text = render()
    outs = args.out or [DOC_PATH, PACKAGED]
    if args.check:
        stale = []
        for out in outs:
            try:
                current = out.read_text(encoding="utf-8")
            except OSError:
                current = None
            if current != text:
                stale.append(out)
        for out in stale:
            print(f"{out} is out of date: run python -m ecert_edi.bindings.abi.jsonform",
                  file=sys.stderr)
        return 1 if stale else 0
    for out in outs:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return 0

