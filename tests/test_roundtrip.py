"""Generated valid transmissions: parsing finds nothing wrong, and emitting and JSON give them back."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, FormatChecker
from strategies import transmission_parts, valid_transmissions

from ecert_edi.bindings.abi.emitter import EnvelopeWriter
from ecert_edi.bindings.abi.jsonform import to_abi, to_json, write_abi_from, write_json
from ecert_edi.bindings.abi.layouts import LAYOUTS
from ecert_edi.domain.transactions import Transaction
from ecert_edi.bindings.abi.reading import (
    BatchEnd,
    BatchStart,
    Header,
    Stray,
    Trailer,
    iter_conditions,
    parse_file,
)
from ecert_edi.domain.rules.static import static_conditions

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def records_of(events):
    for event in events:
        if isinstance(event, Transaction):
            yield event.header
            yield from event.details
        elif (
            isinstance(event, (Header, BatchStart, BatchEnd, Trailer, Stray))
            and event.record is not None  # a missing Y has none
        ):
            yield event.record


@SETTINGS
@given(valid_transmissions())
def test_a_valid_transmission_parses_clean_and_emits_back_identically(text):
    data = text.encode("ascii")
    parsed = parse_file(data)
    assert parsed.conditions == []
    assert list(iter_conditions(data, extra=static_conditions)) == []
    assert not any(isinstance(e, Stray) for e in parsed.events)
    out = io.StringIO()
    writer = EnvelopeWriter(out)
    for record in records_of(parsed.events):
        if record.values:
            writer.write(record.rid, record.values)
        else:  # kept as text only: the C1s of a void, the E1s of a cancel (never read)
            assert record.rid in ("C1", "E1")
            writer.write_line(record.raw)
    assert out.getvalue() == text


@SETTINGS
@given(transmission_parts())
def test_parsed_values_are_the_generated_ones(parts):
    header, batches = parts
    from ecert_edi.bindings.abi.emitter import emit_text

    parsed = parse_file(emit_text(header, batches).encode("ascii"))
    got = [
        (r.rid, r.values) for r in records_of(parsed.events) if r.rid not in ("A", "B", "Y", "Z")
    ]
    want = [(rid, values) for _app, records in batches for rid, values in records]
    assert len(got) == len(want)
    for (rid, values), (want_rid, want_values) in zip(got, want, strict=True):
        assert rid == want_rid
        if not values and rid in ("C1", "E1"):
            continue  # a detail of a void or a cancel, not read
        assert {k: v for k, v in values.items() if v is not None} == {
            k: v for k, v in want_values.items() if v is not None
        }


_PUBLISHED = Draft202012Validator(
    json.loads((Path(__file__).resolve().parent.parent / "docs" / "json.schema.json").read_text()),
    format_checker=FormatChecker(),
)


def _numeric_values(doc):
    """(field, value) of every N field of every record of a document."""
    for batch in doc["batches"]:
        records = [batch["header"], batch["trailer"]]
        for txn in batch["transactions"]:
            records += [txn["header"], *txn["details"]]
        for record in records:
            for f in LAYOUTS[record["record"]].data_fields:
                if f.fmt == "N" and record.get(f.name) is not None:
                    yield f, record[f.name]


@SETTINGS
@given(valid_transmissions())
def test_json_round_trips_are_identities(text):
    doc = to_json(text.encode("ascii"))
    assert doc["conditions"] == [] and doc["stray"] == []
    assert "raw" not in json.dumps(doc)
    assert _PUBLISHED.is_valid(doc)  # version 2, as docs/json.schema.json publishes it
    for f, value in _numeric_values(doc):
        # a count a number; a code (HTS number, port, entry type) the string of its digits
        assert (type(value) is int) if f.count else (len(value) == f.length and value.isdigit())
    # ABI -> JSON -> ABI
    assert to_abi(doc) == text
    # JSON -> ABI -> JSON, through JSON text as the command line writes it
    doc_text = json.dumps(doc, indent=2)
    again = to_json(to_abi(json.loads(doc_text)).encode("ascii"))
    assert json.dumps(again, indent=2) == doc_text


@SETTINGS
@given(valid_transmissions())
def test_the_streaming_translations_give_the_same_document_and_file(text):
    # `translate` streams (write_json, write_abi_from); to_json/to_abi build in memory: the same
    # text both ways, and the round trips stay identities
    data = text.encode("ascii")
    out = io.StringIO()
    write_json(data, out)
    assert out.getvalue() == json.dumps(to_json(data), indent=2) + "\n"
    back = io.StringIO()
    write_abi_from(out.getvalue().encode("ascii"), back)
    assert back.getvalue() == text
