"""Issue: Unicode digits.  `²`, `³`, `¹` (0xB2, 0xB3, 0xB9 in Latin-1) pass `str.isdigit()` but
break `int()`: in the A record's time field they crashed `validate`, `translate --to json` and
`process`; in a B batch number, `translate --to abi` of the JSON.  Only ASCII digits are digits:
every numeric decoder refuses the others (001 at the byte's column for a file), and every JSON to
ABI path refuses them with a DocumentError naming the place."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from abi import batch, certificate, entry, record, to_bytes, transmission
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ecert_edi.bindings.abi.emitter import EnvelopeWriter
from ecert_edi.bindings.abi.jsonform import DocumentError, to_abi, to_json, write_abi_from
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH, Field
from ecert_edi.bindings.abi.records import DECODERS
from ecert_edi.surfaces.cli import main

CLOCK = "2026-01-15T12:00:00"
SCENARIOS = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios"
# Every character of Unicode that str.isdigit() or str.isdecimal() takes for a digit, enumerated
# once; the ASCII ten are the digits, the rest must be refused everywhere.
UNICODE_DIGITS = [chr(i) for i in range(sys.maxunicode + 1)
                  if chr(i).isdigit() or chr(i).isdecimal()]
DIGITS = [ch for ch in UNICODE_DIGITS if not ch.isascii()]
LATIN1 = [ch for ch in DIGITS if ord(ch) < 256]  # the ones a file, read byte for byte, can hold
NUMERIC = [(direction, rid, f) for direction, decoders in DECODERS.items()
           for rid in decoders for f in LAYOUTS[rid].data_fields if f.fmt in ("N", "Q", "D", "T")]
INBOUND = sorted({rid for direction, rid, _ in NUMERIC if direction == "inbound"})
RESPONSE = sorted({rid for direction, rid, _ in NUMERIC if direction == "response"} - set(INBOUND))
GOOD = {"D": "011526", "T": "093000"}  # a valid text of each format, N and Q: zeros


def _ids(cases):
    return [f"{d}-{r}-{f.name}" for d, r, f in cases]


def test_the_unicode_digits_are_many_and_three_are_latin1():
    assert "".join(ch for ch in UNICODE_DIGITS if ch.isascii()) == "0123456789"
    assert len(DIGITS) > 700 and LATIN1 == ["²", "³", "¹"]
    assert any(not ch.isdecimal() for ch in DIGITS) and any(ch.isdecimal() for ch in DIGITS)


def _good(f: Field) -> str:
    return GOOD.get(f.fmt, "0" * f.length)


# -- (1) the record decoders, every numeric field of every layout ------------------------------


@pytest.mark.parametrize(("direction", "rid", "field"), NUMERIC, ids=_ids(NUMERIC))
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_no_record_decoder_takes_a_unicode_digit_for_a_digit(direction, rid, field, data):
    # every such character at a drawn place in a field otherwise valid: never raised, never read
    # as a number, and 001 at the character's own column (beyond Latin-1 too, though no file
    # can hold those: the decoders take any text)
    decoder = DECODERS[direction][rid]
    offset = data.draw(st.integers(0, field.length - 1), label="offset")
    base = record(rid)  # the worked example's record, or blank fields where it has none
    good = _good(field)
    for ch in DIGITS:
        value = good[:offset] + ch + good[offset + 1:]
        text = base[: field.start] + value + base[field.end:]
        record_, conds = decoder.decode(text, 7, len(text))
        assert record_.values.get(field.name) is None, (ch, record_.values)
        assert any(c.code == "001" and (c.line, c.column) == (7, field.pos + offset)
                   for c in conds), (ch, conds)


# -- (1) whole files through validate, translate and process, for the Latin-1 ones -------------


def _inbound_file(rid: str, ch: str) -> tuple[bytes, int, list[int]]:
    """A valid file with `ch` in every numeric field of its `rid` record: its bytes, that line,
    and the columns where `ch` stands."""
    lines = {
        "C0": lambda: transmission(batch("CR", certificate())),
        "C1": lambda: transmission(batch("CR", certificate())),
        "E0": lambda: transmission(batch("EN", entry())),
        "E1": lambda: transmission(batch("EN", entry())),
    }.get(rid, lambda: transmission(batch("CR", certificate())))()
    at = next(i for i, line in enumerate(lines) if line.startswith(rid))
    text, columns = lines[at], []
    numeric = [f for f in LAYOUTS[rid].data_fields if f.fmt in ("N", "Q", "D", "T")]
    for i, f in enumerate(numeric):
        offset = (i + LATIN1.index(ch)) % f.length
        text = text[: f.start + offset] + ch + text[f.start + offset + 1:]
        columns.append(f.pos + offset)
    lines[at] = text
    return to_bytes(lines), at + 1, columns


@pytest.mark.parametrize("ch", LATIN1)
@pytest.mark.parametrize("rid", INBOUND)
def test_a_latin1_digit_in_a_numeric_field_is_001_at_its_column_everywhere(tmp_path, rid, ch):
    data, line, columns = _inbound_file(rid, ch)
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    runner = CliRunner()

    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    for column in columns:
        assert f"{path}:{line}:{column}: 001 E" in result.output

    as_json = runner.invoke(main, ["translate", str(path), "--to", "json"])
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    found = {(c["code"], c["line"], c["column"]) for c in doc["conditions"]}
    assert {("001", line, column) for column in columns} <= found
    back = runner.invoke(main, ["translate", "-", "--to", "abi"], input=as_json.stdout)
    assert back.exit_code == 0, back.output
    assert back.stdout_bytes == data  # the raw columns keep the byte

    out = tmp_path / "out"
    done = runner.invoke(main, ["process", "--db", str(tmp_path / "ecert.db"), "--out", str(out),
                                "--clock", CLOCK, str(path)])
    assert done.exit_code == 0, done.output
    response = (out / "in.txt.resp").read_bytes()
    assert all(len(r) == 80 and r.isascii() for r in response.decode("latin-1").splitlines())
    answer = to_json(response, direction="response")
    assert answer["conditions"] == []
    units = [(b["header"]["application"], t) for b in answer["batches"] for t in b["transactions"]]
    placed = {(app, t["header"]["disposition"], t["header"]["subject_record"], d["line_number"],
               d["column"])
              for app, t in units for d in t["details"] if d.get("condition_code") == "001"}
    # A and Z reject the transmission (TR); B and Y, their batch; the others, their transaction
    app, subject = {"A": ("TR", "A"), "Z": ("TR", "A"), "B": ("CA", "B"), "Y": ("CA", "B"),
                    "C0": ("CA", "C0"), "C1": ("CA", "C0"), "E0": ("EA", "E0"),
                    "E1": ("EA", "E0")}[rid]
    for column in columns:
        assert (app, "R", subject, line, column) in placed, placed


def _response_with(rid: str) -> tuple[bytes, int]:
    """An expected response of the scenarios holding a `rid` record, and that record's line."""
    for path in sorted(SCENARIOS.rglob("*.resp")):
        lines = path.read_bytes().decode("latin-1").split("\n")
        for i, line in enumerate(lines):
            if line.startswith(rid):
                return path.read_bytes(), i + 1
    raise AssertionError(f"no scenario response holds a {rid} record")  # pragma: no cover


@pytest.mark.parametrize("ch", LATIN1)
@pytest.mark.parametrize("rid", RESPONSE)
def test_a_latin1_digit_in_a_response_record_is_001_when_translated(rid, ch):
    data, line = _response_with(rid)
    lines = data.decode("latin-1").split("\n")
    text, columns = lines[line - 1], []
    for i, f in enumerate(f for f in LAYOUTS[rid].data_fields if f.fmt in ("N", "Q", "D", "T")):
        offset = (i + LATIN1.index(ch)) % f.length
        text = text[: f.start + offset] + ch + text[f.start + offset + 1:]
        columns.append(f.pos + offset)
    lines[line - 1] = text
    data = "\n".join(lines).encode("latin-1")
    result = CliRunner().invoke(main, ["translate", "-", "--to", "json"], input=data)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["direction"] == "response"
    found = {(c["code"], c["line"], c["column"]) for c in doc["conditions"]}
    assert {("001", line, column) for column in columns} <= found
    assert to_abi(doc).encode("latin-1") == data


def test_a_latin1_digit_in_a_batch_number_translates_back_and_counts_without_it():
    # the crash of the issue: the emitter read the raw B record's batch number with isdigit/int
    lines = transmission(batch("CR", certificate()))
    lines[1] = lines[1][:9] + "²" + lines[1][10:]
    data = to_bytes(lines)
    doc = json.loads(json.dumps(to_json(data)))
    assert to_abi(doc).encode("latin-1") == data
    del doc["batches"][0]["trailer"]  # computed: the batch number cannot be read, so blank
    y = to_abi(doc).split("\n")[4]
    assert y.startswith("YCR       00000010000004")
    out = io.StringIO()
    writer = EnvelopeWriter(out, strict=False)
    writer.write_line(lines[1])
    assert writer.batch.number is None


# -- (2) the JSON form: every JSON to ABI path, all of them -----------------------------------

JSON_TEXT = {
    # a count is a JSON number, never a string of digits; a code a string of exactly its digits
    "N": lambda ch, f: ([ch, f"1{ch}"] if f.count
                        else ["0" * (f.length - 1) + ch, ch + "0" * (f.length - 1)]),
    "Q": lambda ch, f: [f"1{ch}.00", f"12.{ch}0"],
    "D": lambda ch, f: [f"2026-01-1{ch}", f"{ch}026-01-15"],
    "T": lambda ch, f: [f"12:00:0{ch}", f"{ch}2:00:00"],
}
ALL_FIELDS = [(direction, rid, f) for direction, rid, f in NUMERIC
              if direction == "inbound" or rid in RESPONSE]


def _stray_doc(direction: str, rid: str, name: str, value) -> dict:
    # a stray record is formatted from its fields like any other, with no place to fit
    return {"ecert": 2, "direction": direction, "header": None, "batches": [], "trailer": None,
            "stray": [{"record": rid, "line": 1, name: value}]}


@pytest.mark.parametrize(("direction", "rid", "field"), ALL_FIELDS, ids=_ids(ALL_FIELDS))
def test_no_json_field_takes_a_unicode_digit(direction, rid, field):
    # even in ASCII: a count as a string, a code as a number (what version 1 wrote), a quantity,
    # a date or a time as a number
    wrong_type = {"N": "12" if field.count else 12, "Q": 12, "D": 20260115, "T": 93000}[field.fmt]
    with pytest.raises(DocumentError, match=rf"stray\[0\]\.{field.name}"):
        to_abi(_stray_doc(direction, rid, field.name, wrong_type))
    for ch in DIGITS:
        for value in JSON_TEXT[field.fmt](ch, field):
            with pytest.raises(DocumentError, match=rf"stray\[0\]\.{field.name}"):
                to_abi(_stray_doc(direction, rid, field.name, value))
    # and an AN field: outside the AN set
    an = next((f for f in LAYOUTS[rid].data_fields if f.fmt == "AN"), None)
    if an is not None:
        for ch in DIGITS:
            with pytest.raises(DocumentError, match=rf"stray\[0\]\.{an.name}: expected"):
                to_abi(_stray_doc(direction, rid, an.name, ch))


@settings(max_examples=200, deadline=None)
@given(case=st.sampled_from(ALL_FIELDS), ch=st.sampled_from(DIGITS), data=st.data())
def test_no_json_text_with_a_unicode_digit_gets_past_the_streaming_reader(case, ch, data):
    # the same refusals from JSON text read incrementally, as `translate --to abi` reads it
    direction, rid, field = case
    value = data.draw(st.sampled_from(JSON_TEXT[field.fmt](ch, field)))
    text = json.dumps(_stray_doc(direction, rid, field.name, value), ensure_ascii=data.draw(
        st.booleans())).encode("utf-8")
    with pytest.raises(DocumentError, match=rf"stray\[0\]\.{field.name}"):
        write_abi_from(text, io.StringIO())


def _physical_doc(physical: dict) -> dict:
    doc = to_json(to_bytes(transmission(batch("CR", certificate()))))
    doc["physical"] = physical
    return doc


@pytest.mark.parametrize("ch", DIGITS[:: max(1, len(DIGITS) // 60)] + LATIN1)
def test_physical_line_numbers_are_ascii_digits_or_json_numbers(ch):
    # int() reads "٣" as 3: the physical object's numbers were read with int()
    for physical in ({"short_lines": {ch: 10}}, {"short_lines": {f"1{ch}": 10}},
                     {"short_lines": {"1": ch}}, {"lines": ch}, {"lines": f"1{ch}"},
                     {"crlf_lines": [ch]}, {"lines": "7"}, {"crlf_lines": ["1"]}):
        doc = _physical_doc(physical)
        with pytest.raises(DocumentError, match='"physical"'):
            to_abi(doc)
        with pytest.raises(DocumentError, match='"physical"'):
            write_abi_from(json.dumps(doc).encode(), io.StringIO())


def test_raw_columns_beyond_latin1_are_refused_and_latin1_ones_kept():
    for ch in DIGITS:
        raw = ("B" + "000000" + ch).ljust(RECORD_LENGTH)
        doc = {"ecert": 2, "batches": [], "trailer": None, "stray": [{"record": "B", "raw": raw}]}
        if ord(ch) > 0xFF:
            with pytest.raises(DocumentError, match=r"stray\[0\]\.raw: expected"):
                to_abi(doc)
        else:
            assert to_abi(doc) == raw + "\n"
