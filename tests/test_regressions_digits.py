"""Issue: Unicode digits.  `²`, `³`, `¹` (0xB2, 0xB3, 0xB9 in Latin-1) pass `str.isdigit()` but
break `int()`: in the A record's time field they crashed `validate`, `translate --to json` and
`process`; in a B batch number, `translate --to abi` of the JSON.  Only ASCII digits are digits:
every numeric decoder and every JSON to ABI path refuses the others precisely."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest
from abi import GOVERNMENT, batch, certificate, to_bytes, transmission
from click.testing import CliRunner

from ecert_edi.bindings.abi.jsonform import DocumentError, to_abi, to_json
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH
from ecert_edi.bindings.abi.records import DECODERS
from ecert_edi.processing import respond
from ecert_edi.store import SQLiteStore
from ecert_edi.surfaces.cli import main

CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)
# every character of Unicode that str.isdigit() or str.isdecimal() calls a digit, but ASCII's
DIGITS = [ch for ch in map(chr, range(sys.maxunicode + 1))
          if (ch.isdigit() or ch.isdecimal()) and not ch.isascii()]
LATIN1 = [ch for ch in DIGITS if ord(ch) < 256]  # the ones a file can hold
NUMERIC = [(direction, rid, f) for direction, decoders in DECODERS.items()
           for rid in decoders for f in LAYOUTS[rid].data_fields if f.fmt in "NQDT"]


def test_the_unicode_digits_are_many_and_three_are_latin1():
    assert len(DIGITS) > 700 and LATIN1 == ["²", "³", "¹"]


@pytest.mark.parametrize(("direction", "rid", "field"), NUMERIC,
                         ids=[f"{d}-{r}-{f.name}" for d, r, f in NUMERIC])
def test_no_decoder_takes_a_unicode_digit_for_a_digit(direction, rid, field):
    decoder = DECODERS[direction][rid]
    for ch in DIGITS:
        text = (rid + " " * RECORD_LENGTH)[:RECORD_LENGTH]
        value = ("0" * field.length)[:-1] + ch
        text = text[:field.start] + value + text[field.end:]
        record, conds = decoder.decode(text, 7, len(text))
        assert record.values[field.name] is None, (ch, record.values[field.name])
        if ord(ch) < 256:  # from a file: a condition inside the field, where the byte stands
            assert any(field.pos <= c.column <= field.last and c.line == 7 for c in conds), ch


def _file_with_time(ch: str) -> bytes:
    lines = transmission(batch("CR", certificate()), header=GOVERNMENT)
    a = lines[0]
    pos = LAYOUTS["A"].field("transmission_time").start
    lines[0] = a[:pos] + "12000" + ch + a[pos + 6:]
    return "\n".join(lines).encode("latin-1") + b"\n"


@pytest.mark.parametrize("ch", LATIN1)
def test_a_latin1_digit_in_the_header_time_is_001_and_a_tr_answer(tmp_path, ch):
    path = tmp_path / "cr.txt"
    path.write_bytes(_file_with_time(ch))
    column = LAYOUTS["A"].field("transmission_time").pos + 5
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:1:{column}: 001 E" in result.output
    assert to_json(path.read_bytes())["ecert"]  # translates
    with SQLiteStore(tmp_path / "ecert.db") as store:
        text = "".join(respond(path.read_bytes(), store, CLOCK))
    assert "\nBTR0000001" in text and "R0RA " in text
    assert all(len(line) == 80 and line.isascii() for line in text.splitlines())


@pytest.mark.parametrize("ch", LATIN1)
def test_a_latin1_digit_in_a_batch_number_translates_back_without_a_crash(ch):
    lines = transmission(batch("CR", certificate()), header=GOVERNMENT)
    lines[1] = lines[1][:3] + ch + lines[1][4:]
    data = "\n".join(lines).encode("latin-1") + b"\n"
    doc = json.loads(json.dumps(to_json(data)))
    assert to_abi(doc).encode("latin-1") == data


def test_no_json_number_field_takes_a_unicode_digit():
    good = to_json(to_bytes(transmission(batch("CR", certificate()), header=GOVERNMENT)))
    for ch in DIGITS:
        for rec in _records(good):
            layout = LAYOUTS[rec["record"]]
            for f in layout.data_fields:
                if f.fmt not in "NQDT" or f.name not in rec.get("fields", rec):
                    continue
                doc = json.loads(json.dumps(good))
                target = next(r for r in _records(doc) if r["line"] == rec["line"])
                fields = target.get("fields", target)
                fields[f.name] = {"N": ch * 2, "Q": f"1{ch}.00", "D": f"2026-01-1{ch}",
                                  "T": f"12:00:0{ch}"}[f.fmt]
                with pytest.raises(DocumentError):
                    to_abi(doc)


def _records(doc):
    """Every record object of a JSON document, wherever the form nests them."""
    if isinstance(doc, dict):
        if "record" in doc and "line" in doc:
            yield doc
        for value in doc.values():
            yield from _records(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _records(value)
