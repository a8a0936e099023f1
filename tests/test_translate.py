"""`ecert translate`: ABI and JSON both ways, through the command line and standard input."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ecert_edi.bindings.abi import jsonform as jsonio
from ecert_edi.bindings.abi import responses
from ecert_edi.surfaces.cli import main
from ecert_edi.domain.conditions import condition
from ecert_edi.bindings.abi.emitter import EnvelopeWriter
from ecert_edi.bindings.abi.jsonform import DocumentError, to_abi, to_json

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
SPEC_FILES = ["certificate.txt", "entry.txt", "query.txt"]


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(main, ["translate", *args], input=input)


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("name", SPEC_FILES)
def test_spec_file_abi_json_abi_is_byte_identical(name, tmp_path):
    original = (FIXTURES / name).read_bytes()
    as_json = run(str(FIXTURES / name), "--to", "json")
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    assert doc["ecert"] == 2 and doc["direction"] == "inbound" and doc["conditions"] == []
    assert not any("raw" in str(key) for key in _all_keys(doc))
    # from a file
    path = tmp_path / "doc.json"
    path.write_text(as_json.stdout)
    back = run(str(path), "--to", "abi")
    assert back.exit_code == 0, back.output
    assert back.stdout_bytes == original
    # through standard input, both ways
    from_stdin = run("-", "--to", "json", input=original)
    assert from_stdin.exit_code == 0
    assert json.loads(from_stdin.stdout) == doc
    back = run("-", "--to", "abi", input=from_stdin.stdout)
    assert back.exit_code == 0
    assert back.stdout_bytes == original


@pytest.mark.parametrize("name", SPEC_FILES)
def test_spec_file_json_abi_json_is_identity(name):
    doc = to_json(FIXTURES / name)
    text = to_abi(doc)
    assert to_json(text.encode("ascii")) == doc
    # and the document survives being written as JSON text
    assert json.loads(json.dumps(doc)) == doc


def _all_keys(obj):
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield key
            yield from _all_keys(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _all_keys(value)


def test_values_are_typed_as_the_layouts_say():
    doc = to_json(FIXTURES / "certificate.txt")
    c0 = doc["batches"][0]["transactions"][0]["header"]
    assert c0 == {
        "record": "C0",
        "line": 3,
        "action": "A",
        "certificate_number": "AU2026-000123",
        "issuing_country": "AU",
        "ior_number": "12-3456789AB",
        "issue_date": "2026-01-02",
        "expiry_date": "2026-12-31",
        "quota_program": "TRQ",
        "allowance_quantity": "25000.00",
        "unit_of_measure": "KG",
    }
    assert doc["header"]["transmission_time"] == "09:30:00"
    assert doc["header"]["recipient_type"] is None
    assert doc["batches"][0]["trailer"]["record_count"] == 4
    assert doc["trailer"]["record_count"] == 6


def test_trailers_left_out_are_computed():
    doc = to_json(FIXTURES / "entry.txt")
    del doc["trailer"]
    for batch in doc["batches"]:
        del batch["trailer"]
    assert to_abi(doc) == (FIXTURES / "entry.txt").read_text()


def test_quantities_are_exact_decimal_strings():
    doc = to_json(FIXTURES / "entry.txt")
    line = doc["batches"][0]["transactions"][0]["details"][0]
    line["quantity"] = "0.07"
    assert "000000000007KG" in to_abi(doc)
    line["quantity"] = "12345678.9"
    assert "001234567890KG" in to_abi(doc)
    for bad in (0.07, 7, "0.075", "-1.00", "1,000.00"):
        line["quantity"] = bad
        with pytest.raises(DocumentError, match=r"details\[0\]\.quantity"):
            to_abi(doc)


def test_invalid_file_still_translates_with_its_conditions():
    lines = (FIXTURES / "entry.txt").read_text().splitlines()
    lines[2] = lines[2].replace("011426", "133026")  # month 13
    lines[3] = lines[3][:25] + "au" + lines[3][27:]  # lowercase country
    del lines[4]  # no Y
    text = "\r\n".join(lines)  # CR LF endings, no final ending
    result = run("-", "--to", "json", input=text.encode())
    assert result.exit_code == 0
    no_traceback(result)
    doc = json.loads(result.stdout)
    found = {(c["code"], c["line"], c["column"]) for c in doc["conditions"]}
    assert {("007", 3, 27), ("001", 4, 26), ("001", 4, 27), ("015", 2, 1)} <= found
    batch = doc["batches"][0]
    assert batch["trailer"] is None
    e0 = batch["transactions"][0]["header"]
    assert e0["entry_date"] is None and e0["raw"] == lines[2]
    e1 = batch["transactions"][0]["details"][0]
    assert e1["issuing_country"] is None and e1["raw"] == lines[3]
    assert e1["quantity"] == "10000.00"  # the readable fields are still there
    # back to ABI: the same records, as written (CR LF, no final ending), no Y invented
    back = run("-", "--to", "abi", input=result.stdout)
    assert back.exit_code == 0
    assert back.stdout_bytes.decode() == text


def test_stray_and_binary_records_go_back_where_they_stood():
    lines = (FIXTURES / "query.txt").read_text().splitlines()
    records = [lines[2], *lines, "XX\x00\xff" + " " * 76, lines[1]]
    data = "\n".join(records).encode("latin-1") + b"\n"
    doc = to_json(data)
    # without a leading A, the first line stands in for the header and the A itself is out of place
    assert [s["line"] for s in doc["stray"]] == [1, 2, 7, 8]
    assert doc["header"] is None and doc["stray"][2]["raw"] == records[6]
    assert to_abi(doc).encode("latin-1") == data
    result = run("-", "--to", "abi", input=json.dumps(doc))
    assert result.stdout_bytes == data


def test_response_files_translate_both_ways():
    clock = dt.datetime(2026, 1, 15, 11, 0, 0)
    out = io.StringIO()
    w = EnvelopeWriter(out)
    w.begin(responses.header_values("B2X00000000002", "T", "FL", "B2X", clock))
    w.begin_batch("EZ")
    for line in responses.rejection("Q0", "C", "REF0000001", None, [condition("300", 3, 0)], clock):
        w.write_line(line)
    w.write_line(responses.r0("A", "Q0", "C", "REF0000002", None, clock, 0))
    w.write_line(
        responses.s0(
            certificate_number="AU2026-000123",
            issuing_country="AU",
            status="A",
            allowance_quantity=2_500_000,
            quantity_used=1_000_000,
            quantity_remaining=1_500_000,
            unit_of_measure="KG",
            issue_date=dt.date(2026, 1, 2),
            expiry_date=dt.date(2026, 12, 31),
        )
    )
    w.end_batch()
    w.end()
    text = out.getvalue()
    doc = to_json(text.encode())
    assert doc["direction"] == "response" and doc["conditions"] == []
    transactions = doc["batches"][0]["transactions"]
    assert [t["header"]["disposition"] for t in transactions] == ["R", "A"]
    assert transactions[0]["details"][0]["condition_code"] == "300"  # a code, not a count
    assert transactions[1]["details"][0]["quantity_remaining"] == "15000.00"
    assert to_abi(doc) == text
    assert to_json(to_abi(doc).encode()) == doc


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"ecert": 3, "batches": []}', '"ecert": 2'),
        (b'{"ecert": 1, "batches": []}', "version 1 of the JSON form"),
        (b'{"batches": []}', '"ecert": 2'),
        (b'{"ecert": 2}', "'batches' is a required property"),
        (b'{"ecert": 2, "batches": {}}', "batches: expected a list of batch objects"),
        (b'{"ecert": 2, "batches": [{"transactions": []}]}', "batches[0].header"),
        (
            (
                b'{"ecert": 2, "batches": [{"header": {"record": "B", "application": "CR", '
                b'"batch_number": "one"}, "transactions": []}]}'
            ),
            "batches[0].header.batch_number",
        ),
        (
            (
                b'{"ecert": 2, "batches": [{"header": {"record": "B", "application": "XX"}, '
                b'"transactions": []}]}'
            ),
            "batches[0].header.application: expected one of",
        ),
        (b'{"ecert": 2, "header": {"record": "A", "colour": "red"}, "batches": []}',
         "header: A has no field 'colour'"),
        (b'{"ecert": 2, "header": {"record": "C0"}, "batches": []}', "expected a A record"),
        (b'{"ecert": 2, "header": {"record": "A", "raw": "short"}, "batches": []}',
         "header.raw: expected a string of 80 characters"),
    ],
)
def test_a_document_not_of_the_shape_is_refused_cleanly(payload, message):
    result = run("-", "--to", "abi", input=payload)
    assert result.exit_code == 1
    no_traceback(result)
    assert message in result.stderr
    assert result.stdout_bytes == b""


def test_unreadable_file_and_usage_errors():
    result = run("/nonexistent/file.txt", "--to", "json")
    assert result.exit_code == 1
    assert "/nonexistent/file.txt" in result.stderr
    no_traceback(result)
    result = run("/nonexistent/file.json", "--to", "abi")
    assert result.exit_code == 1
    no_traceback(result)
    assert run(str(FIXTURES / "query.txt")).exit_code == 2  # --to is required
    assert run(str(FIXTURES / "query.txt"), "--to", "xml").exit_code == 2


def test_help_shows_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "ecert translate" in result.stdout and "--to json" in result.stdout


# -- files as transports write them: the physical form comes back byte for byte ----------------

_SPEC_LINES = (FIXTURES / "entry.txt").read_bytes().split(b"\n")[:-1]


@settings(max_examples=60, deadline=None)
@given(
    endings=st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=len(_SPEC_LINES),
                     max_size=len(_SPEC_LINES)),
    stripped=st.lists(st.booleans(), min_size=len(_SPEC_LINES), max_size=len(_SPEC_LINES)),
    empties=st.lists(st.integers(0, len(_SPEC_LINES)), max_size=3),
    final=st.booleans(),
)
def test_valid_file_as_a_transport_wrote_it_round_trips_exactly(endings, stripped, empties,
                                                                  final):
    # spec 3.1: LF or CR LF, trailing blanks stripped, empty lines ignored, last ending optional;
    # spec 8: ABI -> JSON -> ABI and JSON -> ABI -> JSON are identities for valid files
    lines = [line.rstrip(b" ") if strip else line for line, strip in zip(_SPEC_LINES, stripped)]
    parts = []
    for i, (line, end) in enumerate(zip(lines, endings)):
        parts.extend([b"\n"] * empties.count(i))
        parts.append(line + end)
    data = b"".join(parts)
    if not final:
        data = data[: -len(endings[-1])]
    doc = jsonio.to_json(data)
    assert doc["conditions"] == []
    text = jsonio.to_abi(doc)
    assert text.encode("latin-1") == data
    assert jsonio.to_json(text.encode("latin-1")) == doc


# -- streaming: what the command writes is what to_json and to_abi give ------------------------


def _stream_json(data: bytes) -> str:
    out = io.StringIO()
    jsonio.write_json(data, out)
    return out.getvalue()


def _stream_abi(doc_text: bytes | str) -> str:
    out = io.StringIO()
    jsonio.write_abi_from(doc_text.encode() if isinstance(doc_text, str) else doc_text, out)
    return out.getvalue()


_ANY_BYTES = st.sampled_from([b"0", b"9", b" ", b"A", b"Z", b"\r", b"\n", b"\xb2", b"\x00", b"-",
                              b"B", b"Y"])


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(SPEC_FILES),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3), _ANY_BYTES), max_size=6),
)
def test_write_json_writes_exactly_the_text_of_to_json_for_any_file(name, edits):
    # invalid files too: strays, conditions in every order, missing trailers, short lines
    data = bytearray((FIXTURES / name).read_bytes())
    for at, cut, chars in edits:
        at %= len(data) + 1
        data[at:at + cut] = chars
    data = bytes(data)
    text = _stream_json(data)
    assert text == json.dumps(to_json(data), indent=2) + "\n"
    try:
        expected = to_abi(json.loads(text))
    except DocumentError as exc:
        with pytest.raises(DocumentError, match=re.escape(str(exc))):
            _stream_abi(text)
    else:
        assert _stream_abi(text) == expected


def _entry_doc() -> dict:
    return to_json(FIXTURES / "entry.txt")


def test_a_document_in_any_key_order_translates_the_same():
    doc = _entry_doc()
    expected = to_abi(doc)
    # the document's own keys reversed (its strays and physical form before its batches), each
    # batch's transactions before its header and trailer, each transaction's details first
    reordered = {key: doc[key] for key in reversed(list(doc))}
    for batch in reordered["batches"]:
        items = dict(batch)
        batch.clear()
        batch.update(trailer=items["trailer"], transactions=items["transactions"],
                     header=items["header"])
        for txn in batch["transactions"]:
            header = txn.pop("header")
            txn["header"] = header
    assert next(iter(reordered)) == "conditions"
    assert to_abi(reordered) == expected
    assert _stream_abi(json.dumps(reordered)) == expected


def test_a_key_given_twice_is_refused_where_it_is():
    text = json.dumps(_entry_doc())
    twice = text.replace('"batches": [', '"batches": [], "batches": [', 1)
    with pytest.raises(DocumentError, match='gives "batches" twice'):
        _stream_abi(twice)
    twice = text.replace('"record": "E0"', '"record": "E0", "record": "E1"', 1)
    with pytest.raises(DocumentError, match=r"batches\[0\]\.transactions\[0\]: 'record' is given"):
        _stream_abi(twice)


def test_strays_and_lines_out_of_order_are_placed_as_before():
    # strays sorted by their lines among the records; under "physical", the i-th record written
    # goes to the i-th smallest line (the slower paths, for documents not in file order)
    lines = (FIXTURES / "query.txt").read_text().splitlines()
    data = "\r\n".join([lines[0], lines[1], "XX junk", lines[2], "QQ more", *lines[3:]]) + "\r\n"
    doc = to_json(data.encode())
    assert [s["line"] for s in doc["stray"]] == [3, 5] and doc["physical"]
    doc["stray"].reverse()
    assert to_abi(doc).encode() == data.encode()
    assert _stream_abi(json.dumps(doc)) == data
    header, batch = doc["header"], doc["batches"][0]
    header["line"], batch["header"]["line"] = batch["header"]["line"], header["line"]
    assert to_abi(doc) == data == _stream_abi(json.dumps(doc))


def test_a_stray_without_a_line_is_written_last_not_dropped():
    doc = _entry_doc()
    doc["stray"] = [{"record": "XX", "raw": "XX".ljust(80)}]
    assert to_abi(doc).endswith("\n" + "XX".ljust(80) + "\n")
    assert _stream_abi(json.dumps(doc)) == to_abi(doc)


def test_json_the_c_parser_cannot_read_is_read_by_the_python_one():
    doc = _entry_doc()
    expected = to_abi(doc)
    # an integer past 64 bits where the translation does not look (JSON sets no limit)
    doc["note"] = 10**30
    assert _stream_abi(json.dumps(doc)) == expected
    # and in a field: refused as too large, not as invalid JSON
    doc["batches"][0]["header"]["batch_number"] = 10**30
    with pytest.raises(DocumentError, match="batch_number: expected a whole number from 0 to 9999999"):
        _stream_abi(json.dumps(doc))
    # a lone surrogate: the C parser would make it "?", which a raw record would then hold
    raw = '"raw": "' + "E1\\ud800".ljust(85) + '"'
    doc = _entry_doc()
    text = json.dumps(doc).replace('"record": "E1",', '"record": "E1", ' + raw + ",", 1)
    assert "\\ud800" in text
    with pytest.raises(DocumentError, match=r"details\[0\]\.raw: expected a string of 80 characters"):
        _stream_abi(text)


def test_a_byte_order_mark_is_read_past_and_text_that_is_not_json_refused():
    doc_text = json.dumps(_entry_doc()).encode()
    assert _stream_abi(b"\xef\xbb\xbf" + doc_text) == to_abi(_entry_doc())
    for bad, message in ((doc_text[:-1], "not valid JSON"), (doc_text + b" x", "not valid JSON"),
                         (b"", "not valid JSON"), (doc_text[:50] + b"\xff" + doc_text[50:],
                                                   "not UTF-8")):
        with pytest.raises(jsonio.JSONTextError, match=message):
            _stream_abi(bad)


def test_a_physical_form_of_absurd_size_is_refused_at_once():
    doc = _entry_doc()
    doc["physical"] = {"lines": 10**12}
    with pytest.raises(DocumentError, match="at most 1000000000"):
        to_abi(doc)
    doc["physical"] = {"final_line_ending": False}
    doc["trailer"]["line"] = 10**12
    with pytest.raises(DocumentError, match="at most 1000000000 lines"):
        to_abi(doc)


def _refusals():
    """Documents of the wrong shape, each by what it changes in the entry file's document."""
    def batch0(doc):
        return doc["batches"][0]

    def physical(value):
        return lambda doc: doc.__setitem__("physical", value)

    return {
        "physical a list": physical([1]),
        "physical a string": physical("CRLF"),
        "physical crlf a string": physical({"crlf_lines": "1"}),
        "physical crlf of strings": physical({"crlf_lines": ["1"]}),
        "physical crlf nested": physical({"crlf_lines": [[1]]}),
        "physical short a list": physical({"short_lines": [1]}),
        "physical short width a string": physical({"short_lines": {"1": "7"}}),
        "physical short width negative": physical({"short_lines": {"1": -1}}),
        "physical lines null": physical({"lines": None}),
        "physical lines negative": physical({"lines": -1}),
        "physical lines true": physical({"lines": True}),
        "direction": lambda doc: doc.__setitem__("direction", "sideways"),
        "stray null": lambda doc: doc.__setitem__("stray", None),
        "stray an object": lambda doc: doc.__setitem__("stray", {"record": "XX"}),
        "batch a list": lambda doc: doc["batches"].__setitem__(0, []),
        "transactions an object": lambda doc: batch0(doc).__setitem__("transactions", {}),
        "transactions left out": lambda doc: batch0(doc).pop("transactions"),
        "transaction a string": lambda doc: batch0(doc)["transactions"].__setitem__(0, "E0"),
        "header left out": lambda doc: batch0(doc).pop("header"),
        "details an object": lambda doc: batch0(doc)["transactions"][0].__setitem__("details", {}),
        "a line of 0 under physical": lambda doc: (
            doc.__setitem__("physical", {"line_ending": "CRLF"}),
            doc["header"].__setitem__("line", 0)),
        "two records of one line under physical": lambda doc: (
            doc.__setitem__("physical", {"line_ending": "CRLF"}),
            doc["trailer"].__setitem__("line", 1)),
        "a computed trailer under physical": lambda doc: (
            doc.__setitem__("physical", {"line_ending": "CRLF"}), batch0(doc).pop("trailer")),
    }


@pytest.mark.parametrize("change", sorted(_refusals()))
def test_every_refusal_is_the_same_from_memory_and_from_text(change):
    doc = _entry_doc()
    _refusals()[change](doc)
    with pytest.raises(DocumentError) as in_memory:
        to_abi(doc)
    with pytest.raises(DocumentError) as streamed:
        _stream_abi(json.dumps(doc))
    assert str(streamed.value) == str(in_memory.value)
    result = run("-", "--to", "abi", input=json.dumps(doc))
    assert result.exit_code == 1 and result.stdout_bytes == b""
    no_traceback(result)


def test_a_key_given_twice_in_the_header_is_refused_once_the_text_is_known_json():
    text = json.dumps(_entry_doc()).replace('"record": "A"', '"record": "A", "record": "A"', 1)
    with pytest.raises(DocumentError, match="header: 'record' is given twice"):
        _stream_abi(text)
    with pytest.raises(jsonio.JSONTextError, match="not valid JSON"):  # syntax is told first
        _stream_abi(text[:-1])


def test_mixed_endings_with_empty_lines_of_either_ending_come_back_exactly():
    lines = (FIXTURES / "entry.txt").read_bytes().split(b"\n")[:-1]
    data = (lines[0] + b"\r\n" + b"\r\n" + b"\n" + lines[1] + b"\n" + b"\r\n" * 3
            + b"\n".join(lines[2:]) + b"\r\n\r\n")
    doc = to_json(data)
    assert doc["physical"]["crlf_lines"] == [1, 2, 5, 6, 7, 11, 12]
    assert to_abi(doc).encode() == data
    assert _stream_abi(json.dumps(doc)).encode() == data


def test_json_from_a_binary_stream_and_a_path(tmp_path):
    doc_text = json.dumps(_entry_doc()).encode()
    out = io.StringIO()
    jsonio.write_abi_from(io.BytesIO(doc_text), out)
    assert out.getvalue() == (FIXTURES / "entry.txt").read_text()
    path = tmp_path / "doc.json"
    path.write_bytes(doc_text)
    out = io.StringIO()
    jsonio.write_abi_from(path, out)
    assert out.getvalue() == (FIXTURES / "entry.txt").read_text()
