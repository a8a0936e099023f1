"""Issue 11.3: `translate --to json` turned HTS `0201300200` into the number 201300200 (and the
port and entry type likewise), and `--to abi` then refused `"0201300200"`.  Version 2 of the JSON
form writes every N field that is a code or an identifier as the string of its digits, only
counts as numbers (the layouts' `count` attribute decides); the form has a JSON Schema
(docs/json.schema.json, shipped in the package), and `--to abi` checks documents with the
`jsonschema` library against it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_translate import _refusals

from ecert_edi.bindings.abi import docgen
from ecert_edi.bindings.abi.jsonform import (
    FORMAT_VERSION,
    SCHEMA_ID,
    DocumentError,
    document_schema,
    to_abi,
    to_json,
    write_abi_from,
)
from ecert_edi.bindings.abi.jsonform import schema as schema_module
from ecert_edi.bindings.abi.layouts import LAYOUTS, LayoutError, load_layouts
from ecert_edi.surfaces.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "fixtures" / "spec"
SCENARIOS = ROOT / "fixtures" / "scenarios"
PUBLISHED = ROOT / "docs" / "json.schema.json"


def translate(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(main, ["translate", *args], input=input)


def published_validator():
    """The published schema as any draft 2020-12 validator would take it, dates checked."""
    schema = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


# -- the defect --------------------------------------------------------------------------------


def test_hts_0201300200_survives_both_ways():
    entry = (SPEC / "entry.txt").read_bytes()
    as_json = translate(str(SPEC / "entry.txt"), "--to", "json")
    assert as_json.exit_code == 0, as_json.output
    assert '"hts_number": "0201300200"' in as_json.stdout
    doc = json.loads(as_json.stdout)
    e0 = doc["batches"][0]["transactions"][0]["header"]
    assert (e0["port_of_entry"], e0["entry_type"]) == ("1001", "01")
    # and back: the string is taken, and gives the columns again
    back = translate("-", "--to", "abi", input=as_json.stdout)
    assert back.exit_code == 0, back.output
    assert back.stdout_bytes == entry
    assert b"0201300200" in back.stdout_bytes
    # a document written by hand with the HTS number as a string of its digits
    certificate = to_json(SPEC / "certificate.txt")
    c1 = certificate["batches"][0]["transactions"][0]["details"][0]
    assert c1 == {"record": "C1", "line": 4, "hts_number": "0201300200"}
    assert "C10201300200" in to_abi(certificate)


def test_a_code_written_as_a_number_is_refused_by_place_and_reason():
    doc = to_json(SPEC / "entry.txt")
    doc["batches"][0]["transactions"][0]["details"][0]["hts_number"] = 201300200  # version 1
    result = translate("-", "--to", "abi", input=json.dumps(doc))
    assert result.exit_code == 1 and result.stdout_bytes == b""
    assert "Traceback" not in result.output
    assert ("batches[0].transactions[0].details[0].hts_number: expected a string of exactly 10 "
            "digits") in result.stderr
    assert "got 201300200" in result.stderr
    for bad in ("201300200", "02013002000", "020130020O", "０２０１３００２００"):
        doc["batches"][0]["transactions"][0]["details"][0]["hts_number"] = bad
        with pytest.raises(DocumentError, match=r"details\[0\]\.hts_number: expected a string"):
            to_abi(doc)


# -- which N fields are numbers: the layouts' `count` ------------------------------------------

# The decision, written out once more so that a change to the layouts is a change to this test:
# counts and numbers in order are JSON numbers, codes and identifiers strings of their digits.
COUNTS = {("B", "batch_number"), ("Y", "batch_number"), ("Y", "transaction_count"),
          ("Y", "record_count"), ("Z", "batch_count"), ("Z", "record_count"),
          ("E1", "line_number"), ("R0", "condition_count"), ("R1", "line_number"),
          ("R1", "column"), ("R2", "line_number"), ("S1", "line_number")}
CODES = {("C1", "hts_number"), ("E1", "hts_number"), ("E0", "port_of_entry"),
         ("E0", "entry_type"), ("R1", "condition_code")}


def test_every_numeric_field_is_a_count_or_a_code_by_its_layout():
    numeric = {(rid, f.name): f for rid, lo in LAYOUTS.items() for f in lo.fields if f.fmt == "N"}
    assert set(numeric) == COUNTS | CODES
    assert {key for key, f in numeric.items() if f.count} == COUNTS
    assert not any(f.count for lo in LAYOUTS.values() for f in lo.fields if f.fmt != "N")


def _documents():
    """The documents of every fixture file, inbound and response, valid and not."""
    paths = sorted(SPEC.glob("*.txt")) + sorted(SCENARIOS.glob("*/*.txt")) + sorted(
        SCENARIOS.glob("*/expected/*.resp"))
    assert len(paths) > 40
    return [(path, to_json(path)) for path in paths]


def _records(doc):
    yield doc["header"]
    yield doc["trailer"]
    for batch in doc["batches"]:
        yield batch["header"]
        yield batch["trailer"]
        for txn in batch["transactions"]:
            yield txn["header"]
            yield from txn["details"]
    yield from doc["stray"]


def test_every_fixture_writes_codes_as_digit_strings_and_counts_as_numbers():
    seen = set()
    for path, doc in _documents():
        assert doc["ecert"] == FORMAT_VERSION == 2
        for record in filter(None, _records(doc)):
            layout = LAYOUTS.get(record["record"])
            for f in layout.data_fields if layout else ():
                value = record.get(f.name)
                if f.fmt != "N" or value is None:
                    continue
                seen.add((record["record"], f.name))
                if f.count:
                    assert type(value) is int, (path, record)
                else:
                    assert isinstance(value, str) and len(value) == f.length, (path, record)
                    assert value.isascii() and value.isdigit()
    assert seen >= CODES - {("E1", "hts_number")} | {("R1", "condition_code")}


def test_format_md_says_how_json_writes_each_numeric_field():
    text = docgen.render()
    assert "| `hts_number` | N | M | 10-digit HTSUS number the certificate covers; JSON: a " \
           "string of 10 digits |" in text
    assert "`record_count` | N | M | records in the batch, B and Y included; JSON: a number |" in text


def test_a_count_that_is_not_numeric_is_a_layout_error(tmp_path):
    text = (ROOT / "grammars" / "layouts.toml").read_text(encoding="utf-8")
    broken = text.replace('fmt = "AN", use = "M", note = "issuer\'s number',
                          'fmt = "AN", use = "M", count = true, note = "issuer\'s number', 1)
    assert broken != text
    path = tmp_path / "layouts.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(LayoutError, match="C0.certificate_number is a count"):
        load_layouts(path)


# -- the schema ---------------------------------------------------------------------------------


def test_the_published_schema_is_current_shipped_and_a_valid_2020_12_schema(tmp_path, capsys):
    text = schema_module.render()
    assert PUBLISHED.read_text(encoding="utf-8") == text, (
        "docs/json.schema.json is out of date: run python -m ecert_edi.bindings.abi.jsonform")
    assert schema_module.PACKAGED.read_text(encoding="utf-8") == text  # the packaged copy
    assert schema_module.PACKAGED.parent.name == "jsonform"  # inside the package: in the wheel
    assert schema_module.main(["--check"]) == 0
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["properties"]["ecert"] == {"description": "the version of the form: 2",
                                             "const": 2}
    stale = tmp_path / "json.schema.json"
    stale.write_text(text.replace('"const": 2', '"const": 1'), encoding="utf-8")
    assert schema_module.main(["--check", "--out", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert schema_module.main(["--out", str(stale)]) == 0
    assert schema_module.main(["--check", "--out", str(stale)]) == 0


def test_every_document_translate_writes_is_valid_under_the_published_schema():
    # but for a record whose columns hold a CR, which no record written back may hold (an
    # invalid file's document need not translate back; this one is refused, not mistranslated)
    validator = published_validator()
    for path, doc in _documents():
        errors = [e for e in validator.iter_errors(doc)
                  if not (e.path and e.path[-1] == "raw" and "\r" in e.instance)]
        assert not errors, (path, [f"{list(e.path)}: {e.message}" for e in errors[:3]])
    binary = SCENARIOS / "12-envelope-transmission-errors" / "02-binary.txt"
    with pytest.raises(DocumentError, match=r"stray\[2\]\.raw: expected a string of 80"):
        to_abi(to_json(binary))


# Refusals that come from what the schema cannot say: the order of lines and what a trailer left
# out means, both under "physical".
BEYOND_THE_SCHEMA = {"two records of one line under physical", "a computed trailer under physical"}


@pytest.mark.parametrize("change", sorted(_refusals()))
def test_the_published_schema_refuses_what_translation_refuses(change):
    doc = to_json(SPEC / "entry.txt")
    assert published_validator().is_valid(doc)
    _refusals()[change](doc)
    with pytest.raises(DocumentError):
        to_abi(doc)
    if change not in BEYOND_THE_SCHEMA:
        assert not published_validator().is_valid(doc), change


def test_version_1_documents_are_refused_with_the_reason():
    doc = json.loads(json.dumps(to_json(SPEC / "entry.txt")))
    doc["ecert"] = 1
    result = translate("-", "--to", "abi", input=json.dumps(doc))
    assert result.exit_code == 1 and result.stdout_bytes == b""
    assert "Traceback" not in result.output
    assert 'version 1 of the JSON form ("ecert": 1)' in result.stderr
    assert "translate the ABI file again" in result.stderr
    for version, shown in ((3, "3"), ("2", "'2'"), (2.0, "2.0"), (None, "None"), (True, "True")):
        doc["ecert"] = version
        with pytest.raises(DocumentError, match=f'must say "ecert": 2.*not {shown}'):
            to_abi(doc)


def test_whole_numbers_are_json_integers_not_floats():
    # JSON Schema counts 1.0 an integer; the form never did: a count is written 1
    doc = to_json(SPEC / "entry.txt")
    doc["batches"][0]["header"]["batch_number"] = 1.0
    with pytest.raises(DocumentError, match=r"batches\[0\]\.header\.batch_number: expected a "
                                            r"whole number from 0 to 9999999, or null .*got 1\.0"):
        to_abi(doc)
    text = json.dumps(to_json(SPEC / "entry.txt")).replace('"batch_number": 1,',
                                                           '"batch_number": 1.0,', 1)
    with pytest.raises(DocumentError, match="batch_number: expected a whole number"):
        write_abi_from(text.encode(), __import__("io").StringIO())


def test_dates_must_be_real_and_of_2000_2099():
    doc = to_json(SPEC / "entry.txt")
    header = doc["batches"][0]["transactions"][0]["header"]
    for bad in ("2026-02-30", "1999-01-15", "2100-01-15", "2026-1-15", "20260115"):
        header["entry_date"] = bad
        with pytest.raises(DocumentError, match=r"header\.entry_date: expected a date"):
            to_abi(doc)
    header["entry_date"] = "2028-02-29"
    assert "022928" in to_abi(doc)


def test_conditions_are_checked_though_not_written():
    doc = to_json(SPEC / "entry.txt")
    doc["conditions"] = [{"code": "007", "severity": "E", "line": 3, "column": 27, "text": "X"}]
    assert to_abi(doc) == (SPEC / "entry.txt").read_text()
    doc["conditions"].append({"code": 7, "severity": "E", "line": 3, "column": 27, "text": "X"})
    with pytest.raises(DocumentError, match=r"conditions\[1\]\.code: expected 3 digits"):
        to_abi(doc)
    with pytest.raises(DocumentError, match=r"conditions\[1\]\.code"):
        write_abi_from(json.dumps(doc).encode(), __import__("io").StringIO())


def test_an_unknown_key_of_physical_is_refused_not_ignored():
    doc = to_json(SPEC / "entry.txt")
    doc["physical"] = {"line_endings": "CRLF"}  # a typo would write other bytes than meant
    with pytest.raises(DocumentError, match='"physical" is not as docs/json.md describes'):
        to_abi(doc)
    doc["physical"] = None  # null: as when left out
    assert to_abi(doc) == (SPEC / "entry.txt").read_text()


# -- the checks: the library's verdict, value by value ------------------------------------------

_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False),
                    st.sampled_from(["", "AU", "KG", "0201300200", "201300200", "10000.00",
                                     "2026-01-15", "2026-02-30", "09:30:00", "24:00:00", "A",
                                     "au", "AU2026-000123", "x" * 30, "٣"]),
                    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2),
                                                                          st.integers(),
                                                                          max_size=2))


@settings(max_examples=300, deadline=None)
@given(rid=st.sampled_from(sorted(LAYOUTS)), data=st.data())
def test_the_value_by_value_check_gives_the_library_verdict_on_the_whole_object(rid, data):
    checks = schema_module.checks()
    check = checks.records[rid]
    names = ["record", "line", *(f.name for f in LAYOUTS[rid].data_fields), "colour"]
    obj = data.draw(st.dictionaries(st.sampled_from(names), _VALUES, max_size=6))
    if data.draw(st.booleans()):
        obj = {"record": rid, **obj}
    # twice: the second time from the memo
    assert check.valid(obj) == check.validator.is_valid(obj)
    assert check.valid(copy.deepcopy(obj)) == check.validator.is_valid(obj)
    whole = jsonschema.Draft202012Validator(
        {"$ref": f"#/$defs/{rid}", "$defs": document_schema()["$defs"]},
        format_checker=jsonschema.FormatChecker())
    if not any(type(v) is float and v.is_integer() for v in obj.values()):  # 1.0: see above
        assert check.valid(obj) == whole.is_valid(obj)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("issuing_country", "XX", ("issuing_country: expected an ISO 3166-1 alpha-2 country code, or "
                              'null, got "XX"')),
    ("unit_of_measure", "GAL", ("unit_of_measure: expected a unit of measure of spec 3.4 (DOZ, "
                               "DPR, KG, L, M2, NO, PCS, SME, T), or null, got \"GAL\"")),
    ("quantity", 10000, 'quantity: expected a decimal string such as "125.50"'),
    ("line_number", "001", "line_number: expected a whole number from 0 to 999"),
    ("colour", "red", "details[0]: E1 has no field 'colour'"),
])
def test_schema_refusals_say_where_and_what_on_the_command_line(field, value, message):
    doc = to_json(SPEC / "entry.txt")
    doc["batches"][0]["transactions"][0]["details"][0][field] = value
    result = translate("-", "--to", "abi", input=json.dumps(doc))
    assert result.exit_code == 1 and result.stdout_bytes == b""
    assert "Traceback" not in result.output
    assert f"batches[0].transactions[0].details[0]{'.' if field != 'colour' else ''}" in \
        result.stderr
    assert message in result.stderr, result.stderr
