"""`ecert process` on whole transmissions: the three error levels of spec 4.2, control numbers and
idempotency (4.3), and the command line contract of spec 8 (exit status, database, response path).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from abi import (
    FILER,
    GOVERNMENT,
    SPEC_FIXTURES,
    Raw,
    batch,
    certificate,
    entry,
    record,
    to_bytes,
    transmission,
)

from ecert_edi.domain.transactions import Response
from ecert_edi.bindings.abi.reading import BatchStart, parse_file

CLOCK = "2026-01-15T12:00:00"
LATER = "2026-03-01T08:30:45"
CERT = "AU2026-000123"
IOR = "12-3456789AB"
# Tables that record transmissions rather than certificates, entries and their ledger.
TRANSMISSION_TABLES = {"transmissions", "response_chunks", "responses", "sqlite_sequence",
                       "schema_version"}


def _ecert() -> str:
    beside = Path(sys.executable).with_name("ecert")
    return str(beside) if beside.exists() else (shutil.which("ecert") or "ecert")


ECERT = _ecert()


def ecert(*args: str, cwd: Path | None = None, env: dict | None = None
          ) -> subprocess.CompletedProcess:
    """Run the command; whatever happens, it never ends in a Python traceback (spec 8)."""
    environment = {k: v for k, v in os.environ.items() if k != "ECERT_DB"}
    environment.update(env or {})
    result = subprocess.run([ECERT, *args], cwd=cwd, env=environment, check=False,
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def process(db: Path, out: Path, *files: Path, clock: str = CLOCK) -> subprocess.CompletedProcess:
    return ecert("process", "--db", str(db), "--out", str(out), "--clock", clock,
                 *map(str, files))


def processed(db: Path, out: Path, path: Path, clock: str = CLOCK) -> Path:
    """Process one file that must be answered (exit 0); its response file."""
    result = process(db, out, path, clock=clock)
    assert result.returncode == 0, result.stderr
    response = out / f"{path.name}.resp"
    assert response.is_file()
    return response


def write(path: Path, lines: list[str], eol: str = "\n") -> Path:
    path.write_bytes(to_bytes(lines, eol))
    return path


def dump(db: Path, skip: set[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every table (in rowid order, or key order for a table WITHOUT ROWID), to
    tell whether anything changed."""
    conn = sqlite3.connect(db)
    try:
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY {_order(conn, t, sql)}').fetchall()
                for t, sql in tables if t not in skip}
    finally:
        conn.close()


def _order(conn: sqlite3.Connection, table: str, sql: str) -> str:
    if "WITHOUT ROWID" not in sql.upper():
        return "rowid"
    key = sorted((pk, name) for _, name, _, _, _, pk in
                 conn.execute(f'PRAGMA table_info("{table}")') if pk)
    return ", ".join(f'"{name}"' for _, name in key)


def business(db: Path) -> dict[str, list[tuple]]:
    """Certificates, tariffs, entries, lines and the ledger: what transactions change."""
    return dump(db, TRANSMISSION_TABLES)


def batches(response: Path, clean: bool = True) -> list[tuple[str, int]]:
    """(application, number) of each response batch; `clean`: the file must parse, as a
    response, with no condition (spec 8: every response record is valid)."""
    parsed = parse_file(response, direction="response")
    if clean:
        assert parsed.conditions == [], parsed.conditions
    return [(ev.info.application, ev.info.number) for ev in parsed.events
            if isinstance(ev, BatchStart)]


def answers(response: Path, clean: bool = True) -> list[Response]:
    parsed = parse_file(response, direction="response")
    if clean:
        assert parsed.conditions == [], parsed.conditions
    return [ev for ev in parsed.events if isinstance(ev, Response)]


def conditions(answer: Response) -> list[tuple[str, str, int, int]]:
    """(code, severity, line, column) of each R1 of a response transaction, in file order."""
    return [(f"{d['condition_code']:03d}", d["severity"], d["line_number"], d["column"])
            for d in answer.details if d.rid == "R1"]


def activities(answer: Response) -> list[tuple]:
    return [(d["line_number"], d["activity"], d["quantity"], d["balance_after"])
            for d in answer.details if d.rid == "R2"]


def usage(db: Path, out: Path, tmp: Path, control: str, **q0) -> Response:
    """The government's EZ answer for its certificates (query type A, with usage)."""
    query = write(tmp / f"{control}.txt", transmission(
        batch("EC", record("Q0", query_type="A", ior_number=None, certificate_number=None,
                           issuing_country=None, **q0)),
        header={**GOVERNMENT, "control_number": control}))
    (answer,) = answers(processed(db, out, query))
    return answer


@pytest.fixture
def certified(tmp_path):
    """A database holding the worked example's certificate (spec 9)."""
    db, out = tmp_path / "ecert.db", tmp_path / "out"
    processed(db, out, SPEC_FIXTURES / "certificate.txt")
    return db, out


def assert_tr_rejection(response: Path, key: str | None, expected: list[tuple],
                        clean: bool = True) -> None:
    """One TR batch, one R0 rejecting subject `A ` with the control number as key (spec 4.2)."""
    assert batches(response, clean) == [("TR", 1)]
    (answer,) = answers(response, clean)
    r0 = answer.header
    assert r0["disposition"] == "R"
    assert r0.raw[3:5] == "A "
    assert r0["action"] is None
    assert r0["key"] == key
    assert r0["condition_count"] == len(expected)
    assert conditions(answer) == expected
    assert all(d.rid == "R1" for d in answer.details)


# -- transmission level ------------------------------------------------------------------------
def test_wrong_z_record_count_rejects_the_transmission_in_a_tr_batch_and_applies_nothing(
        certified, tmp_path):
    db, out = certified
    before = dump(db)
    lines = transmission(batch("CR", certificate(certificate_number="NEW-1")),
                         header={"control_number": "AU0000000777"}, record_count=99)
    response = processed(db, out, write(tmp_path / "badz.txt", lines))
    z_line = len(lines)
    assert_tr_rejection(response, "AU0000000777", [("014", "E", z_line, 23)])
    parsed = parse_file(response, direction="response")
    a = parsed.envelope.header
    assert (a["sender_type"], a["sender_id"], a["recipient_type"], a["recipient_id"]) == (
        "CB", "ECERT", "CG", "AU")
    assert (a["control_number"], a["environment"]) == ("AU0000000777", "T")
    assert dump(db) == before


def test_rejected_transmission_is_not_recorded_a_corrected_file_under_its_number_is_applied(
        certified, tmp_path):
    db, out = certified
    bad = transmission(batch("CR", certificate(certificate_number="NEW-1")),
                       header={"control_number": "AU0000000777"}, batch_count=7)
    (rejected,) = answers(processed(db, out, write(tmp_path / "bad.txt", bad)))
    assert conditions(rejected) == [("013", "E", len(bad), 16)]
    good = transmission(batch("CR", certificate(certificate_number="NEW-1")),
                        header={"control_number": "AU0000000777"})
    response = processed(db, out, write(tmp_path / "good.txt", good))
    assert batches(response) == [("CA", 1)]
    (accepted,) = answers(response)
    assert (accepted.header["disposition"], accepted.header["key"]) == ("A", "NEW-1")
    assert conditions(accepted) == []


def test_record_outside_any_batch_rejects_the_transmission_004(certified, tmp_path):
    db, out = certified
    before = dump(db)
    lines = transmission(batch("CR", certificate(certificate_number="NEW-1")), record("C1"),
                         batch("CR", certificate(certificate_number="NEW-2")),
                         header={"control_number": "AU0000000778"})
    response = processed(db, out, write(tmp_path / "stray.txt", lines))
    assert_tr_rejection(response, "AU0000000778", [("004", "E", 6, 1)])
    assert dump(db) == before


# -- batch level -------------------------------------------------------------------------------
def test_rejected_batch_is_answered_b_with_its_conditions_while_other_batches_apply(
        certified, tmp_path):
    db, out = certified
    lines = transmission(
        batch("CR", certificate(certificate_number="GOOD-1")),
        batch("CR", certificate(certificate_number="BAD-2"), transaction_count=3),  # 017
        batch("CR", certificate(certificate_number="BAD-3"), record_count=9),  # 018
        batch("CR", certificate(certificate_number="GOOD-4")),
        header={"control_number": "AU0000000100"},
    )
    response = processed(db, out, write(tmp_path / "batches.txt", lines))
    assert batches(response) == [("CA", 1), ("CA", 2), ("CA", 3), ("CA", 4)]
    first, second, third, fourth = answers(response)
    assert (first.header["disposition"], first.header["key"]) == ("A", "GOOD-1")
    y_lines = [n for n, line in enumerate(lines, start=1) if line.startswith("Y")]
    for answer, number, expected in (
        (second, "0000002", ("017", "E", y_lines[1], 11)),
        (third, "0000003", ("018", "E", y_lines[2], 18)),
    ):
        assert answer.header["disposition"] == "R"
        assert answer.header.raw[3:5] == "B "
        assert answer.header["key"] == number
        assert answer.header["action"] is None
        assert conditions(answer) == [expected]
    assert (fourth.header["disposition"], fourth.header["key"]) == ("A", "GOOD-4")
    shown = usage(db, out, tmp_path, "AU0000000101")
    numbers = [d["certificate_number"] for d in shown.details if d.rid == "S0"]
    assert numbers == [CERT, "GOOD-1", "GOOD-4"]


@pytest.mark.parametrize("application, records, header, answered", [
    ("CR", certificate(certificate_number="BAD-1"), GOVERNMENT, "CA"),
    ("EN", [record("E0"), record("E1")], FILER, "EA"),
    ("EC", [record("Q0")], FILER, "EZ"),
])
def test_rejected_batch_is_answered_under_its_response_application(
        certified, tmp_path, application, records, header, answered):
    db, out = certified
    before = business(db)
    lines = transmission(batch(application, records, record_count=40),  # 018
                         header={**header, "control_number": f"{header['sender_id']}REJ1"})
    response = processed(db, out, write(tmp_path / "rejected.txt", lines))
    assert batches(response) == [(answered, 1)]
    (answer,) = answers(response)
    assert (answer.header["disposition"], answer.header.raw[3:5], answer.header["key"]) == (
        "R", "B ", "0000001")
    assert conditions(answer) == [("018", "E", len(lines) - 1, 18)]
    assert business(db) == before


def test_batch_of_an_unknown_application_is_answered_in_a_tr_batch_with_020(certified,
                                                                           tmp_path):
    db, out = certified
    lines = transmission(
        batch("CR", certificate(certificate_number="GOOD-1")),
        batch("XX", certificate(certificate_number="ODD-2")),
        header={"control_number": "AU0000000102"},
    )
    response = processed(db, out, write(tmp_path / "unknown.txt", lines))
    assert batches(response) == [("CA", 1), ("TR", 2)]
    good, odd = answers(response)
    assert good.header["disposition"] == "A"
    assert (odd.header["disposition"], odd.header.raw[3:5], odd.header["key"]) == (
        "R", "B ", "0000002")
    assert ("020", "E", 6, 2) in conditions(odd)


def test_application_the_sender_may_not_send_is_019_under_its_response_application(
        certified, tmp_path):
    db, out = certified
    before = business(db)
    lines = transmission(batch("EN", entry()), header={**GOVERNMENT,
                                                        "control_number": "AU0000000103"})
    response = processed(db, out, write(tmp_path / "e019.txt", lines))
    assert batches(response) == [("EA", 1)]
    (answer,) = answers(response)
    assert (answer.header["disposition"], answer.header.raw[3:5], answer.header["key"]) == (
        "R", "B ", "0000001")
    assert conditions(answer) == [("019", "E", 2, 2)]
    assert business(db) == before


# -- transaction level -------------------------------------------------------------------------
def test_transaction_error_rejects_only_that_transaction(certified, tmp_path):
    db, out = certified
    lines = transmission(batch(
        "EN",
        entry(entry_number="B2X00000015"),
        record("E0", entry_number="B2X00000023", entry_date=Raw("023026")),  # 007
        record("E1", quantity=50_000),
        entry(entry_number="B2X00000031"),
    ))
    response = processed(db, out, write(tmp_path / "txn.txt", lines))
    first, second, third = answers(response)
    assert first.header["disposition"] == "A"
    assert activities(first) == [(1, "D", 1_000_000, 1_500_000)]
    assert second.header["disposition"] == "R"
    assert conditions(second) == [("007", "E", 5, 27)]
    assert activities(second) == []
    assert third.header["disposition"] == "A"
    assert activities(third) == [(1, "D", 1_000_000, 500_000)]
    (s0,) = [d for d in usage(db, out, tmp_path, "AU0000000104").details if d.rid == "S0"]
    assert (s0["quantity_used"], s0["quantity_remaining"]) == (2_000_000, 500_000)


# -- idempotency (spec 4.3) --------------------------------------------------------------------
def test_same_file_again_rewrites_the_first_response_byte_for_byte_and_changes_nothing(
        certified, tmp_path):
    db, out = certified
    inbound = SPEC_FIXTURES / "entry.txt"
    first = processed(db, out, inbound).read_bytes()
    before = dump(db)
    again = processed(db, tmp_path / "again", inbound, clock=LATER)
    assert again.read_bytes() == first
    assert dump(db) == before


def test_crlf_and_stripped_blanks_are_the_same_content_as_the_lf_file(certified, tmp_path):
    db, out = certified
    first = processed(db, out, SPEC_FIXTURES / "entry.txt").read_bytes()
    before = dump(db)
    text = (SPEC_FIXTURES / "entry.txt").read_text("ascii")
    crlf = tmp_path / "entry-crlf.txt"
    crlf.write_bytes("".join(line.rstrip(" ") + "\r\n" for line in text.splitlines())
                     .encode("ascii"))
    assert processed(db, out, crlf, clock=LATER).read_bytes() == first
    assert dump(db) == before


def test_same_control_number_with_other_content_is_rejected_021_and_applies_nothing(
        certified, tmp_path):
    db, out = certified
    processed(db, out, SPEC_FIXTURES / "entry.txt")
    before = dump(db)
    other = transmission(batch("EN", entry(entry_number="B2X00000023")))
    assert other[0] == (SPEC_FIXTURES / "entry.txt").read_text("ascii").splitlines()[0]
    response = processed(db, out, write(tmp_path / "other.txt", other), clock=LATER)
    assert_tr_rejection(response, "B2X00000000001", [("021", "E", 1, 28)])
    a = parse_file(response, direction="response").envelope.header
    assert (a["transmission_date"], a["transmission_time"]) == (dt.date(2026, 3, 1),
                                                               dt.time(8, 30, 45))
    assert dump(db) == before


def test_control_number_of_a_transmission_whose_batches_were_all_rejected_is_used_up(
        certified, tmp_path):
    db, out = certified
    rejected = transmission(batch("EN", entry(), transaction_count=2),
                            header={"control_number": "B2X00000000050"})
    (answer,) = answers(processed(db, out, write(tmp_path / "one.txt", rejected)))
    assert answer.header.raw[3:5] == "B "
    corrected = transmission(batch("EN", entry()), header={"control_number": "B2X00000000050"})
    response = processed(db, out, write(tmp_path / "two.txt", corrected))
    assert_tr_rejection(response, "B2X00000000050", [("021", "E", 1, 28)])


def test_repeated_identical_transactions_are_accepted_with_900_and_change_nothing(
        certified, tmp_path):
    db, out = certified
    gov = write(tmp_path / "gov1.txt", transmission(
        batch("CR", certificate(certificate_number="VOID-1"),
              record("C0", action="D", certificate_number="VOID-1")),
        header={"control_number": "AU0000000200"}))
    processed(db, out, gov)
    two_lines = [record("E0", entry_number="B2X00000015"), record("E1", line_number=1),
                 record("E1", line_number=2, quantity=25)]
    processed(db, out, write(tmp_path / "fl1.txt", transmission(
        batch("EN", two_lines), header={**FILER, "control_number": "B2X00000000060"})))
    before = business(db)

    gov_again = write(tmp_path / "gov2.txt", transmission(
        batch("CR", certificate(),  # line 3: the worked example's certificate, as it is
              record("C0", action="D", certificate_number="VOID-1")),  # line 5
        header={"control_number": "AU0000000201"}))
    cert_add, void = answers(processed(db, out, gov_again))
    for answer, line in ((cert_add, 3), (void, 5)):
        assert answer.header["disposition"] == "A"
        assert conditions(answer) == [("900", "I", line, 0)]
    lines_reordered = [two_lines[0], two_lines[2], two_lines[1]]
    filer_again = write(tmp_path / "fl2.txt", transmission(
        batch("EN", lines_reordered), header={**FILER, "control_number": "B2X00000000061"}))
    (entry_add,) = answers(processed(db, out, filer_again))
    assert entry_add.header["disposition"] == "A"
    assert conditions(entry_add) == [("900", "I", 3, 0)]
    assert activities(entry_add) == []
    assert business(db) == before


def test_cancel_of_a_cancelled_entry_is_209_not_900(certified, tmp_path):
    db, out = certified
    processed(db, out, SPEC_FIXTURES / "entry.txt")
    cancel = [record("E0", action="C", entry_number="B2X00000015")]
    processed(db, out, write(tmp_path / "c1.txt", transmission(
        batch("EN", cancel), header={**FILER, "control_number": "B2X00000000070"})))
    before = business(db)
    (answer,) = answers(processed(db, out, write(tmp_path / "c2.txt", transmission(
        batch("EN", cancel), header={**FILER, "control_number": "B2X00000000071"}))))
    assert answer.header["disposition"] == "R"
    assert conditions(answer) == [("209", "E", 3, 4)]
    assert business(db) == before


# -- command line contract (spec 8) ------------------------------------------------------------
BINARY = bytes(range(256)) * 3 + b"\x00\xff\r\n\x00" * 50


def test_empty_file_is_answered_023_with_exit_status_zero(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    response = processed(tmp_path / "ecert.db", tmp_path / "out", empty)
    assert_tr_rejection(response, None, [("023", "E", 0, 0)], clean=False)
    a = parse_file(response, direction="response").envelope.header
    assert (a["sender_type"], a["sender_id"]) == ("CB", "ECERT")
    assert (a["control_number"], a["environment"]) == (None, None)  # none could be read


def test_binary_file_is_answered_in_a_tr_batch_with_exit_status_zero(tmp_path):
    binary = tmp_path / "binary.dat"
    binary.write_bytes(BINARY)
    response = processed(tmp_path / "ecert.db", tmp_path / "out", binary)
    assert batches(response, clean=False) == [("TR", 1)]
    (answer,) = answers(response, clean=False)
    assert answer.header["disposition"] == "R"
    assert answer.header.raw[3:5] == "A "
    assert ("010", "E", 1, 1) in conditions(answer)


@pytest.mark.parametrize("content", [b"", BINARY], ids=["empty", "binary"])
def test_response_to_a_transmission_without_readable_header_parses_as_a_valid_response(
        tmp_path, content):
    """Spec 5 (A, R0) leaves the control number, environment and key blank when none could be
    read; spec 8 wants every response record valid: the response parses with no condition."""
    inbound = tmp_path / "inbound.txt"
    inbound.write_bytes(content)
    response = processed(tmp_path / "ecert.db", tmp_path / "out", inbound)
    assert parse_file(response, direction="response").conditions == []


def test_unreadable_file_exits_1_and_the_other_files_are_still_answered(tmp_path):
    db, out = tmp_path / "ecert.db", tmp_path / "out"
    folder = tmp_path / "a-folder.txt"
    folder.mkdir()
    result = process(db, out, tmp_path / "missing.txt", folder, SPEC_FIXTURES / "certificate.txt")
    assert result.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ["certificate.txt.resp"]


def test_directory_given_as_database_exits_1(tmp_path):
    folder = tmp_path / "db-folder"
    folder.mkdir()
    result = process(folder, tmp_path / "out", SPEC_FIXTURES / "certificate.txt")
    assert result.returncode == 1
    assert list(folder.iterdir()) == []


def test_file_that_is_not_sqlite_given_as_database_exits_1_and_is_left_alone(tmp_path):
    not_db = tmp_path / "notes.db"
    content = b"these are notes, not a database\n" * 200
    not_db.write_bytes(content)
    result = process(not_db, tmp_path / "out", SPEC_FIXTURES / "certificate.txt")
    assert result.returncode == 1
    assert not_db.read_bytes() == content


@pytest.mark.parametrize("args", [
    ["process", "--db", "x.db", "--out", "out"],  # no FILE
    ["process", "--db", "x.db", "--out", "out", "--clock", "2026-13-45T99:00:00", "in.txt"],
    ["process", "--db", "x.db", "--out", "out", "--clock", "yesterday", "in.txt"],
    ["process", "--no-such-option", "in.txt"],
], ids=["no-file", "impossible-clock", "unparsable-clock", "unknown-option"])
def test_usage_errors_exit_2_and_touch_nothing(tmp_path, args):
    (tmp_path / "in.txt").write_bytes((SPEC_FIXTURES / "certificate.txt").read_bytes())
    result = ecert(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert not (tmp_path / "out").exists()


def test_database_is_created_when_absent(tmp_path):
    db = tmp_path / "new.db"
    assert not db.exists()
    processed(db, tmp_path / "out", SPEC_FIXTURES / "certificate.txt")
    assert db.is_file()
    assert ecert("check", "--db", str(db)).returncode == 0
    (answer,) = answers(processed(db, tmp_path / "out", SPEC_FIXTURES / "entry.txt"))
    assert answer.header["disposition"] == "A"


def test_without_db_option_the_command_uses_ECERT_DB(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env_db = tmp_path / "from-env.db"
    for name in ("certificate", "entry"):
        result = ecert("process", "--out", "out", "--clock", CLOCK,
                       str(SPEC_FIXTURES / f"{name}.txt"), cwd=work,
                       env={"ECERT_DB": str(env_db)})
        assert result.returncode == 0, result.stderr
    assert env_db.is_file()
    assert not (work / "ecert.db").exists()
    (answer,) = answers(work / "out" / "entry.txt.resp")
    assert answer.header["disposition"] == "A"  # the certificate was found in the same db


def test_without_db_option_or_ECERT_DB_the_command_uses_ecert_db_in_the_working_folder(tmp_path):
    for name in ("certificate", "entry"):
        result = ecert("process", "--out", "out", "--clock", CLOCK,
                       str(SPEC_FIXTURES / f"{name}.txt"), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "ecert.db").is_file()
    (answer,) = answers(tmp_path / "out" / "entry.txt.resp")
    assert answer.header["disposition"] == "A"


def test_response_is_written_as_out_dir_slash_file_name_dot_resp(tmp_path):
    inbox = tmp_path / "inbox" / "deep"
    inbox.mkdir(parents=True)
    first = inbox / "AU260115000001.txt"
    first.write_bytes((SPEC_FIXTURES / "certificate.txt").read_bytes())
    second = tmp_path / "inbox" / "entry"  # no extension
    second.write_bytes((SPEC_FIXTURES / "entry.txt").read_bytes())
    out = tmp_path / "responses"
    result = process(tmp_path / "ecert.db", out, first, second)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["AU260115000001.txt.resp", "entry.resp"]
    assert batches(out / "AU260115000001.txt.resp") == [("CA", 1)]
    assert batches(out / "entry.resp") == [("EA", 1)]
    # the files were processed in the order given: the entry found its certificate
    (answer,) = answers(out / "entry.resp")
    assert answer.header["disposition"] == "A"
