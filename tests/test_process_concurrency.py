"""Spec 6.4: several `ecert process` processes on one database at once.  Filers racing for one
small allowance get exactly what it holds, the balance never goes below zero nor disagrees with its
history, a query answered while they run sees a consistent state, and two processes given the
same file at the same time apply it once (spec 4.3).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from abi import FILER, GOVERNMENT, batch, record, to_bytes, transmission
from ledger_audit import ledger_problems, t_ledger
from postgres import raw

from ecert_edi.domain.codes import check_digit
from ecert_edi.domain.transactions import Response
from ecert_edi.bindings.abi.reading import parse_file
from ecert_edi.processing.transmission import PAUSE_AFTER_GROUP

pytestmark = pytest.mark.slow

CLOCK = "2026-02-10T14:05:09"
CERT = "AU2026-000123"
IOR = "12-3456789AB"
FILERS = ("B2X", "K7M", "PQ1", "ZZ4", "A3F", "M9C", "T5R", "W2D")
ENTRIES_PER_FILER = 12
PER_ENTRY = 300  # 3.00 KG an entry, split over one to three lines
ALLOWANCE = 30 * PER_ENTRY  # room for 30 of the 96 entries
SPLITS = ((300,), (100, 200), (100, 100, 100), (150, 150), (250, 50))
QUERIES = 3


def _ecert() -> str:
    beside = Path(sys.executable).with_name("ecert")
    return str(beside) if beside.exists() else (shutil.which("ecert") or "ecert")


ECERT = _ecert()


def command(db: Path | str, out: Path, *files: Path) -> list[str]:
    return [ECERT, "process", "--db", str(db), "--out", str(out), "--clock", CLOCK,
            *map(str, files)]


def run(db: Path | str, out: Path, *files: Path) -> None:
    result = subprocess.run(command(db, out, *files), check=False, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def finish(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        assert "Traceback" not in stderr


def entry_number(filer: str, serial: int) -> str:
    first10 = f"{filer}{serial:07d}"
    return f"{first10}{check_digit(first10)}"


def answers(path: Path) -> list[Response]:
    parsed = parse_file(path, direction="response")
    assert parsed.conditions == [], parsed.conditions
    return [ev for ev in parsed.events if isinstance(ev, Response)]


def rows(answer: Response, rid: str) -> list[dict]:
    return [d.values for d in answer.details if d.rid == rid]


def check_exit_status(db: Path | str) -> int:
    result = subprocess.run([ECERT, "check", "--db", str(db), "--environment", "test"], check=False, capture_output=True,
                            text=True, timeout=120)
    return result.returncode


# -- filers racing for one allowance -----------------------------------------------------------
def _filer_file(folder: Path, filer: str, rng: random.Random) -> Path:
    records = []
    for serial in range(1, ENTRIES_PER_FILER + 1):
        records.append(record("E0", entry_number=entry_number(filer, serial)))
        for line, quantity in enumerate(rng.choice(SPLITS), start=1):
            records.append(record("E1", line_number=line, quantity=quantity))
    path = folder / f"{filer}.txt"
    path.write_bytes(to_bytes(transmission(batch("EN", records), header={
        **FILER, "sender_id": filer, "control_number": f"{filer}00000000001"})))
    return path


def _query_file(folder: Path, n: int) -> Path:
    path = folder / f"query{n}.txt"
    path.write_bytes(to_bytes(transmission(
        batch("EC", record("Q0", query_reference=f"WATCH{n}", ior_number=None)),
        header={**GOVERNMENT, "control_number": f"AU00000000Q{n:03d}"})))
    return path


@pytest.fixture(scope="module")
def race(tmp_path_factory, module_fresh_ledger):
    folder = tmp_path_factory.mktemp("race")
    db, out = module_fresh_ledger(folder), folder / "out"
    cr = folder / "cr.txt"
    cr.write_bytes(to_bytes(transmission(batch("CR", record("C0", allowance_quantity=ALLOWANCE)),
                                         header={"control_number": "AU00000000C001"})))
    run(db, out, cr)
    rng = random.Random(6_4)
    filers = [_filer_file(folder, filer, rng) for filer in FILERS]
    queries = [_query_file(folder, n) for n in range(1, QUERIES + 1)]
    # queries are started among the filers, so they are answered while entries are applied
    order = filers[:3] + queries[:1] + filers[3:6] + queries[1:2] + filers[6:] + queries[2:]
    procs = [subprocess.Popen(command(db, out, path), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for path in order]
    finish(procs)
    final = folder / "final.txt"
    final.write_bytes(to_bytes(transmission(
        batch("EC", record("Q0", query_reference="FINAL", ior_number=None)),
        header={**GOVERNMENT, "control_number": "AU00000000F001"})))
    run(db, out, final)
    return {
        "db": db,
        "filers": [answers(out / f"{p.name}.resp") for p in filers],
        "queries": [answers(out / f"{p.name}.resp") for p in queries],
        "final": answers(out / "final.txt.resp"),
    }


def test_every_entry_is_answered_once_in_order_by_its_filers_response(race):
    for filer, responses in zip(FILERS, race["filers"], strict=True):
        assert [r.header["key"] for r in responses] == [
            entry_number(filer, serial) for serial in range(1, ENTRIES_PER_FILER + 1)]


def test_accepted_quantities_add_up_to_exactly_the_allowance(race):
    accepted = [r for responses in race["filers"] for r in responses
                if r.header["disposition"] == "A"]
    deducted = [row for r in accepted for row in rows(r, "R2")]
    assert all(row["activity"] == "D" for row in deducted)
    assert sum(row["quantity"] for row in deducted) == ALLOWANCE
    assert len(accepted) == ALLOWANCE // PER_ENTRY


def test_every_rejected_entry_is_rejected_for_overuse_only(race):
    rejected = [r for responses in race["filers"] for r in responses
                if r.header["disposition"] == "R"]
    assert len(rejected) == len(FILERS) * ENTRIES_PER_FILER - ALLOWANCE // PER_ENTRY
    for answer in rejected:
        codes = {row["condition_code"] for row in rows(answer, "R1")}
        assert codes == {202}, (answer.header["key"], codes)
        assert rows(answer, "R2") == []


def test_deductions_of_all_processes_form_one_serial_chain_down_to_zero(race):
    """No two deductions saw the same balance (no lost update) and none went below zero."""
    deducted = [row for responses in race["filers"] for r in responses
                if r.header["disposition"] == "A" for row in rows(r, "R2")]
    balance = ALLOWANCE
    for row in sorted(deducted, key=lambda row: -row["balance_after"]):
        assert row["balance_after"] == balance - row["quantity"]
        assert row["balance_after"] >= 0
        balance = row["balance_after"]
    assert balance == 0


def test_ledger_invariant_holds_after_the_race(race):
    assert check_exit_status(race["db"]) == 0
    assert ledger_problems(race["db"]) == []
    (final,) = race["final"]
    (s0,) = rows(final, "S0")
    assert (s0["status"], s0["quantity_used"], s0["quantity_remaining"]) == ("E", ALLOWANCE, 0)
    assert sum(row["quantity"] for row in rows(final, "S1")) == ALLOWANCE


def test_queries_answered_while_entries_are_applied_see_a_consistent_state(race):
    for (answer,) in race["queries"]:
        assert answer.header["disposition"] == "A"
        (s0,) = rows(answer, "S0")
        assert s0["allowance_quantity"] == ALLOWANCE
        assert s0["quantity_used"] + s0["quantity_remaining"] == ALLOWANCE
        assert s0["quantity_used"] % PER_ENTRY == 0  # never half an entry
        assert s0["status"] == ("E" if s0["quantity_remaining"] == 0 else "A")
        balance = ALLOWANCE
        for row in rows(answer, "S1"):
            balance += -row["quantity"] if row["activity"] == "D" else row["quantity"]
            assert row["balance_after"] == balance >= 0
        assert balance == s0["quantity_remaining"]


# -- the same file twice at once ---------------------------------------------------------------
def _same_file_workload(folder: Path) -> list[Path]:
    rng = random.Random(4_3)
    certs = [f"AU-S-{i:04d}" for i in range(1, 41)]
    cr = folder / "cr.txt"
    cr.write_bytes(to_bytes(transmission(batch("CR", [
        record("C0", certificate_number=n, allowance_quantity=rng.randint(100, 300) * 100)
        for n in certs]), header={"control_number": "AU00000000S001"})))
    records: list[str] = []
    serial = 0
    for _ in range(3000):
        roll = rng.random()
        if serial and roll < 0.15:  # replace an earlier entry: applied twice it moves units
            number, action = entry_number("B2X", rng.randint(1, serial)), "R"
        elif serial and roll < 0.2:
            records.append(record("E0", action="C",
                                  entry_number=entry_number("B2X", rng.randint(1, serial))))
            continue
        else:
            serial += 1
            number, action = entry_number("B2X", serial), "A"
        records.append(record("E0", action=action, entry_number=number))
        for line in range(1, rng.randint(1, 3) + 1):
            records.append(record("E1", line_number=line, certificate_number=rng.choice(certs),
                                  quantity=rng.randint(1, 15) * 100))
    en = folder / "en.txt"
    en.write_bytes(to_bytes(transmission(batch("EN", records), header={
        **FILER, "control_number": "B2X00000000S01"})))
    return [cr, en]


def _business(db: Path | str) -> dict[str, list[tuple]]:
    with raw(t_ledger(db)) as conn:
        return {
            "certificates": conn.execute(
                "SELECT * FROM certificates ORDER BY country, number").fetchall(),
            "entries": conn.execute("SELECT * FROM entries ORDER BY entry_number").fetchall(),
            "lines": conn.execute(
                "SELECT * FROM entry_lines ORDER BY entry_number, line_number").fetchall(),
            "ledger": conn.execute(
                "SELECT entry_number, line_number, country, certificate, activity, quantity,"
                " balance_after FROM activities ORDER BY id").fetchall(),
        }


SAME_CONTROL = "B2X00000000S01"


@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX job control signals")
def test_two_processes_given_the_same_file_at_once_apply_it_once(tmp_path, fresh_ledger):
    """The first process stops itself right after its first commit group (a test hook, so the
    moment is known, not guessed); a second process given the same file processes it meanwhile;
    then the first goes on.  Both must answer with the response of one uninterrupted run, and
    the transmission must be applied once."""
    files = _same_file_workload(tmp_path)
    reference_db, reference_out = fresh_ledger(tmp_path, "reference.db"), tmp_path / "reference"
    run(reference_db, reference_out, *files)
    expected = (reference_out / "en.txt.resp").read_bytes()
    expected_state = _business(reference_db)

    db, first_out, second_out = fresh_ledger(tmp_path), tmp_path / "first", tmp_path / "second"
    run(db, tmp_path / "certificates", files[0])
    first = subprocess.Popen(command(db, first_out, files[1]), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True,
                             env={**os.environ, PAUSE_AFTER_GROUP: "1"})
    try:
        _, status = os.waitpid(first.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the first process ended before its first commit"
        with raw(t_ledger(db)) as conn:
            (state,) = conn.execute("SELECT status FROM transmissions WHERE control_number = ?",
                                    (SAME_CONTROL,)).fetchone()
            (rows,) = conn.execute("SELECT COUNT(*) FROM activities").fetchone()
        assert state == "in-progress" and 0 < rows < len(expected_state["ledger"])
        second = subprocess.run(command(db, second_out, files[1]), capture_output=True,
                                text=True, timeout=300, check=False)
    finally:
        first.send_signal(signal.SIGCONT)
    _, first_err = first.communicate(timeout=300)
    assert "Traceback" not in second.stderr
    assert second.returncode == 0, second.stderr
    assert (second_out / "en.txt.resp").read_bytes() == expected
    assert "Traceback" not in first_err, first_err
    assert first.returncode == 0, first_err
    assert (first_out / "en.txt.resp").read_bytes() == expected, (
        "the first process's response differs from one uninterrupted run")
    assert _business(db) == expected_state
    assert ledger_problems(db) == []
    assert check_exit_status(db) == 0
    run(db, tmp_path / "again", files[1])
    assert (tmp_path / "again" / "en.txt.resp").read_bytes() == expected
