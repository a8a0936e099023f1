"""Issue: a condition past physical line 9,999,999 (empty lines count) crashed with
`FieldOverflow: R1.line_number`.  R1's line number has 7 digits: such a condition is written
with line 0 and its line at the end of the narrative; `validate` prints the true line."""

from __future__ import annotations

import datetime as dt

import pytest
from abi import FILER, batch, record, to_bytes, transmission
from click.testing import CliRunner

from ecert_edi.bindings.abi.reading import parse_file
from ecert_edi.bindings.abi.responses import MAX_LINE, r1
from ecert_edi.domain.conditions import condition
from ecert_edi.domain.transactions import Response
from ecert_edi.processing import process_file
from ecert_edi.store import SQLiteStore
from ecert_edi.surfaces.cli import main

CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)


def test_a_condition_past_the_last_line_r1_can_number_keeps_its_line_in_the_narrative():
    text = r1(condition("202", MAX_LINE + 5, 38))
    assert len(text) == 80
    assert text[6:13] == "0000000" and text[13:15] == "38"
    assert text[15:].rstrip() == f"QUANTITY EXCEEDS CERTIFICATE BALANCE - LINE {MAX_LINE + 5}"
    assert r1(condition("202", MAX_LINE, 38))[6:13] == str(MAX_LINE)


def test_a_long_detail_is_cut_before_the_line_is():
    long = condition("202", MAX_LINE + 1, 38, detail="X" * 60)
    narrative = r1(long)[15:].rstrip()
    assert narrative.endswith(f" - LINE {MAX_LINE + 1}") and len(narrative) <= 65


@pytest.mark.slow
def test_a_file_of_more_than_9999999_lines_is_answered_not_crashed(tmp_path):
    lines = transmission(batch("EN", [record("E0"), record("E1", quantity=0)]),
                         header={**FILER, "control_number": "B2X00000000L01"})
    # ten million empty lines before the E1 (inside the batch): they count as lines
    at = next(i for i, line in enumerate(lines) if line.startswith("E1"))
    data = (to_bytes(lines[:at]) + b"\n" * (MAX_LINE + 1) + to_bytes(lines[at:]))
    path = tmp_path / "long.txt"
    path.write_bytes(data)
    e1_line = at + 1 + MAX_LINE + 1

    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:{e1_line}:38: 216 E" in result.output

    store = SQLiteStore(tmp_path / "ecert.db")
    try:
        outcome = process_file(path, store, tmp_path / "out", CLOCK)
    finally:
        store.close()
    [answer] = [ev for ev in parse_file(outcome.response, direction="response").events
                if isinstance(ev, Response)]
    placed = [(r.values["condition_code"], r.values["line_number"], r.values["column"],
               r.values["narrative"]) for r in answer.details if r.rid == "R1"]
    assert (216, 0, 38, f"QUANTITY MUST BE GREATER THAN ZERO - LINE {e1_line}") in placed
