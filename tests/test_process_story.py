"""The worked example of spec section 9, told through `ecert process`, and the shape every response
file must have (spec 1, 3.1, 4.1, 5): 80-column LF records, one response transaction per inbound
transaction in the same order, an A record addressed back to the sender.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from abi import FILER, SPEC_FIXTURES, batch, entry, record, to_bytes, transmission

from ecert_edi.domain.transactions import Response, Transaction
from ecert_edi.bindings.abi.reading import BatchStart, Trailer, parse_file


def _ecert() -> str:
    """The installed `ecert` command of the running interpreter's environment."""
    beside = Path(sys.executable).with_name("ecert")
    return str(beside) if beside.exists() else (shutil.which("ecert") or "ecert")


ECERT = _ecert()

CERTIFICATE_CLOCK = dt.datetime(2026, 1, 15, 9, 31, 7)
ENTRY_CLOCK = dt.datetime(2026, 1, 15, 10, 16, 42)
QUERY_CLOCK = dt.datetime(2026, 1, 16, 11, 0, 5)
CERT = "AU2026-000123"
IOR = "12-3456789AB"
OTHER_IOR = "98-7654321CD"
RESPONSE_APPLICATION = {"CR": "CA", "EN": "EA", "EC": "EZ"}
KEY_FIELD = {"C0": "certificate_number", "E0": "entry_number", "Q0": "query_reference"}
ACTION_FIELD = {"C0": "action", "E0": "action", "Q0": "query_type"}


def process(db: Path | str, out: Path, clock: dt.datetime, *files: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [ECERT, "process", "--db", str(db), "--out", str(out),
         "--clock", clock.strftime("%Y-%m-%dT%H:%M:%S"), *map(str, files)],
        check=False, capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def responses_of(path: Path) -> list[Response]:
    return [ev for ev in parse_file(path, direction="response").events if isinstance(ev, Response)]


def only_response(path: Path) -> Response:
    found = responses_of(path)
    assert len(found) == 1, found
    return found[0]


def details(response: Response, rid: str) -> list[dict]:
    return [d.values for d in response.details if d.rid == rid]


def check_response_file(response: Path, inbound: Path, clock: dt.datetime) -> None:
    """Everything spec 1, 3.1 and 5 say of any response to an accepted transmission."""
    data = response.read_bytes()
    # 3.1: LF endings, every record exactly 80 columns, a final LF, printable ASCII.
    assert data.endswith(b"\n")
    assert b"\r" not in data
    lines = data[:-1].split(b"\n")
    assert all(len(line) == 80 for line in lines), [len(line) for line in lines]
    assert all(0x20 <= byte <= 0x7E for line in lines for byte in line)

    parsed = parse_file(response, direction="response")
    assert parsed.conditions == [], parsed.conditions

    inbound_parsed = parse_file(inbound)
    a_in = inbound_parsed.envelope.header.values
    a_out = parsed.envelope.header.values
    assert a_out["sender_type"] == "CB"
    assert a_out["sender_id"] == "ECERT"
    assert a_out["recipient_type"] == a_in["sender_type"]
    assert a_out["recipient_id"] == a_in["sender_id"]
    assert a_out["control_number"] == a_in["control_number"]
    assert a_out["environment"] == a_in["environment"]
    assert a_out["transmission_date"] == clock.date()
    assert a_out["transmission_time"] == clock.time()
    trailer = [ev for ev in parsed.events if isinstance(ev, Trailer)]
    assert trailer[0].record["control_number"] == a_in["control_number"]

    # 1: one response batch per inbound batch, one response transaction per inbound
    # transaction, in the same order.
    batches_in = [ev.info for ev in inbound_parsed.events if isinstance(ev, BatchStart)]
    batches_out = [ev.info for ev in parsed.events if isinstance(ev, BatchStart)]
    assert [(RESPONSE_APPLICATION[b.application], b.number) for b in batches_in] == [
        (b.application, b.number) for b in batches_out
    ]
    inbound_txns = [ev for ev in inbound_parsed.events if isinstance(ev, Transaction)]
    answers = [ev for ev in parsed.events if isinstance(ev, Response)]
    assert [
        (t.header.rid, t.header[ACTION_FIELD[t.header.rid]], t.header[KEY_FIELD[t.header.rid]])
        for t in inbound_txns
    ] == [(r.header["subject_record"], r.header["action"], r.header["key"]) for r in answers]
    for answer in answers:
        assert answer.header["processing_date"] == clock.date()
        assert answer.header["processing_time"] == clock.time()
        assert answer.header["condition_count"] == len(details(answer, "R1"))


def write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(to_bytes(lines))
    return path


@pytest.fixture(scope="module")
def story(tmp_path_factory, module_fresh_ledger):
    """The section 9 story on one database: certificate, entry, query, and two refused queries
    (on each store)."""
    base = tmp_path_factory.mktemp("story")
    db, out = module_fresh_ledger(base), base / "out"
    inbound = base / "in"
    inbound.mkdir()
    files = {name: SPEC_FIXTURES / f"{name}.txt" for name in ("certificate", "entry", "query")}
    files["other_ior"] = write(inbound / "other_ior.txt", transmission(
        batch("EC", record("Q0", ior_number=OTHER_IOR)),
        header={"control_number": "B2X00000000003"}))
    files["missing"] = write(inbound / "missing.txt", transmission(
        batch("EC", record("Q0", certificate_number="AU2026-999999")),
        header={"control_number": "B2X00000000004"}))
    clocks = {"certificate": CERTIFICATE_CLOCK, "entry": ENTRY_CLOCK, "query": QUERY_CLOCK,
              "other_ior": QUERY_CLOCK, "missing": QUERY_CLOCK}
    results = {}
    for name in ("certificate", "entry", "query", "other_ior", "missing"):
        results[name] = process(db, out, clocks[name], files[name])
    return {
        "db": db,
        "files": files,
        "clocks": clocks,
        "results": results,
        "responses": {name: out / f"{files[name].name}.resp" for name in files},
    }


def test_every_story_file_is_processed_with_exit_status_zero(story):
    for name, result in story["results"].items():
        assert result.returncode == 0, (name, result.stderr)
        assert story["responses"][name].is_file()


@pytest.mark.parametrize("name", ["certificate", "entry", "query", "other_ior", "missing"])
def test_story_responses_are_well_formed_and_answer_every_transaction_in_order(story, name):
    check_response_file(story["responses"][name], story["files"][name], story["clocks"][name])


def test_certificate_registration_is_acknowledged_ca_accepted(story):
    parsed = parse_file(story["responses"]["certificate"], direction="response")
    assert [ev.info.application for ev in parsed.events if isinstance(ev, BatchStart)] == ["CA"]
    r0 = only_response(story["responses"]["certificate"]).header.values
    assert r0["disposition"] == "A"
    assert r0["subject_record"] == "C0"
    assert r0["action"] == "A"
    assert r0["key"] == CERT
    assert r0["issuing_country"] == "AU"
    assert r0["condition_count"] == 0


def test_entry_is_accepted_and_deducts_ten_thousand_leaving_fifteen_thousand(story):
    parsed = parse_file(story["responses"]["entry"], direction="response")
    assert [ev.info.application for ev in parsed.events if isinstance(ev, BatchStart)] == ["EA"]
    answer = only_response(story["responses"]["entry"])
    r0 = answer.header.values
    assert (r0["disposition"], r0["subject_record"], r0["action"], r0["key"]) == (
        "A", "E0", "A", "B2X00000015")
    assert details(answer, "R1") == []
    assert details(answer, "R2") == [{
        "line_number": 1,
        "activity": "D",
        "certificate_number": CERT,
        "issuing_country": "AU",
        "quantity": 1_000_000,  # 10,000.00
        "balance_after": 1_500_000,  # 15,000.00
        "unit_of_measure": "KG",
    }]


def test_query_answers_summary_and_usage_of_the_certificate(story):
    parsed = parse_file(story["responses"]["query"], direction="response")
    assert [ev.info.application for ev in parsed.events if isinstance(ev, BatchStart)] == ["EZ"]
    answer = only_response(story["responses"]["query"])
    r0 = answer.header.values
    assert (r0["disposition"], r0["subject_record"], r0["action"], r0["key"]) == (
        "A", "Q0", "C", "REF0000001")
    assert details(answer, "R1") == []
    assert [d.rid for d in answer.details] == ["S0", "S1"]
    assert details(answer, "S0") == [{
        "certificate_number": CERT,
        "issuing_country": "AU",
        "status": "A",
        "allowance_quantity": 2_500_000,
        "quantity_used": 1_000_000,
        "quantity_remaining": 1_500_000,
        "unit_of_measure": "KG",
        "issue_date": dt.date(2026, 1, 2),
        "expiry_date": dt.date(2026, 12, 31),
    }]
    assert details(answer, "S1") == [{
        "entry_number": "B2X00000015",
        "line_number": 1,
        "activity": "D",
        "quantity": 1_000_000,
        "balance_after": 1_500_000,
        # spec 5 (S1): the processing date of the activity, i.e. the entry's clock, not the
        # query's; and the entry date of the E0.
        "activity_date": ENTRY_CLOCK.date(),
        "entry_date": dt.date(2026, 1, 14),
        "ior_number": IOR,
    }]


def test_query_under_another_ior_is_rejected_with_one_condition_300(story):
    answer = only_response(story["responses"]["other_ior"])
    r0 = answer.header.values
    assert (r0["disposition"], r0["subject_record"], r0["key"]) == ("R", "Q0", "REF0000001")
    assert [d.rid for d in answer.details] == ["R1"]
    (r1,) = details(answer, "R1")
    assert (r1["condition_code"], r1["severity"], r1["line_number"], r1["column"]) == (
        300, "E", 3, 0)
    assert r1["narrative"].startswith("NO CERTIFICATE FOUND FOR REQUESTER")


def _without_control_numbers(path: Path) -> list[str]:
    """The response's records with the A and Z control number fields blanked (they name the
    transmission, the one thing two queries sent under different numbers must differ in)."""
    out = []
    for line in path.read_text("ascii").splitlines():
        if line.startswith("A"):
            line = line[:27] + " " * 14 + line[41:]
        elif line.startswith("Z"):
            line = line[:1] + " " * 14 + line[15:]
        out.append(line)
    return out


def test_query_under_another_ior_is_indistinguishable_from_a_missing_certificate(story):
    other = _without_control_numbers(story["responses"]["other_ior"])
    missing = _without_control_numbers(story["responses"]["missing"])
    assert other == missing
    # and the control numbers themselves are the only difference, byte for byte
    other_bytes = story["responses"]["other_ior"].read_bytes()
    missing_bytes = story["responses"]["missing"].read_bytes()
    assert other_bytes.replace(b"B2X00000000003", b"B2X00000000004") == missing_bytes


def test_refused_queries_change_nothing_the_certificate_still_shows_the_same_usage(story,
                                                                                  tmp_path):
    again = write(tmp_path / "again.txt", transmission(
        batch("EC", record("Q0")), header={"control_number": "B2X00000000005"}))
    result = process(story["db"], tmp_path, QUERY_CLOCK, again)
    assert result.returncode == 0, result.stderr
    answer = only_response(tmp_path / "again.txt.resp")
    assert answer.header["disposition"] == "A"
    (s0,) = details(answer, "S0")
    assert (s0["quantity_used"], s0["quantity_remaining"]) == (1_000_000, 1_500_000)
    assert len(details(answer, "S1")) == 1


def test_several_batches_and_transactions_are_answered_one_for_one_in_file_order(tmp_path,
                                                                                 ledger_target):
    """Accepted and rejected transactions of two batches of a filer: one R0 each, in order."""
    db, out = ledger_target, tmp_path / "out"
    assert process(db, out, CERTIFICATE_CLOCK, SPEC_FIXTURES / "certificate.txt").returncode == 0
    lines = transmission(
        batch(
            "EN",
            entry(entry_number="B2X00000015"),
            entry(entry_number="B2X00000023", ior_number=OTHER_IOR),  # 201: rejected
            record("E0", entry_number="B2X00000031"),  # 214: no line
            entry(entry_number="B2X00000049"),
            record("E0", action="C", entry_number="B2X00000015"),
        ),
        batch(
            "EC",
            record("Q0", query_reference="FIRST"),
            record("Q0", query_reference="SECOND", usage_detail="N"),
            record("Q0", query_type="A", query_reference="THIRD"),  # 304 for a filer
        ),
        header={**FILER, "control_number": "B2X00000000042"},
    )
    inbound = write(tmp_path / "mixed.txt", lines)
    result = process(db, out, ENTRY_CLOCK, inbound)
    assert result.returncode == 0, result.stderr
    response = out / "mixed.txt.resp"
    check_response_file(response, inbound, ENTRY_CLOCK)
    dispositions = [(r.header["key"], r.header["disposition"]) for r in responses_of(response)]
    assert dispositions == [
        ("B2X00000015", "A"),
        ("B2X00000023", "R"),
        ("B2X00000031", "R"),
        ("B2X00000049", "A"),
        ("B2X00000015", "A"),
        ("FIRST", "A"),
        ("SECOND", "A"),
        ("THIRD", "R"),
    ]


def test_query_after_the_expiry_date_reports_the_certificate_expired(story, tmp_path):
    """Spec 4.4 and 6.3: the expired status comes from the processing clock."""
    late = write(tmp_path / "late.txt", transmission(
        batch("EC", record("Q0", usage_detail="N")), header={"control_number": "B2X00000000006"}))
    clock = dt.datetime(2027, 1, 1, 0, 0, 1)  # the certificate expires 12/31/26
    assert process(story["db"], tmp_path, clock, late).returncode == 0
    check_response_file(tmp_path / "late.txt.resp", late, clock)
    answer = only_response(tmp_path / "late.txt.resp")
    assert [d.rid for d in answer.details] == ["S0"]  # usage detail N: no S1
    (s0,) = details(answer, "S0")
    assert (s0["status"], s0["quantity_remaining"]) == ("X", 1_500_000)
