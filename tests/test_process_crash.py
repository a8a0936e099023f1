"""Spec 4.3, last rule: processing killed at any point and run again on the same files yields the
same database and, for the same clock, the same response files as one uninterrupted run; no unit
is ever deducted twice or lost.

A seeded workload (a few hundred certificates, then 4,000 entries of one to three lines with
overuse, cancels, replaces and repeats, then queries with usage detail) is processed once without
interruption for the reference.  Then, on fresh databases, `ecert process` is started and SIGKILLed
at seeded random moments spread over the reference run's duration, and started again after each
kill until it completes.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from abi import FILER, GOVERNMENT, batch, record, to_bytes, transmission
from ledger_audit import ledger_problems, t_ledger
from postgres import exists, raw

from ecert_edi.domain.codes import check_digit
from ecert_edi.domain.transactions import Response
from ecert_edi.bindings.abi.reading import parse_file

pytestmark = pytest.mark.slow

CLOCK = "2026-02-10T14:05:09"
SEED = 20260115
CERTIFICATES = 240
ENTRIES = 4000
MIN_KILLS = 16
# Rounds go on until MIN_KILLS kills have landed, one of them while applying; how many that takes depends on the machine's
# speed against the reference run's, so this bound only stops a run that never gets killed.
MAX_ROUNDS = 60
IORS = ("12-3456789AB", "260101-00042", "123-45-6789", "98-7654321CD")
CR_CONTROL = "AUCRASH0000001"
EN_CONTROL = "B2XCRASH000001"


def _ecert() -> str:
    beside = Path(sys.executable).with_name("ecert")
    return str(beside) if beside.exists() else (shutil.which("ecert") or "ecert")


ECERT = _ecert()


def entry_number(serial: int) -> str:
    first10 = f"B2X{serial:07d}"
    return f"{first10}{check_digit(first10)}"


def build_workload(folder: Path) -> list[Path]:
    """The certificate file and the filer's file, both seeded."""
    rng = random.Random(SEED)
    certs: dict[str, list[str]] = defaultdict(list)
    c_records = []
    for i in range(1, CERTIFICATES + 1):
        number = f"AU-K-{i:05d}"
        ior = IORS[i % len(IORS)]
        certs[ior].append(number)
        c_records.append(record("C0", certificate_number=number, ior_number=ior,
                                allowance_quantity=rng.randint(60, 200) * 100))
        if i % 10 == 0:  # a few cover one tariff number only
            c_records.append(record("C1"))
    cr = folder / "cr.txt"
    cr.write_bytes(to_bytes(transmission(
        batch("CR", c_records), header={**GOVERNMENT, "control_number": CR_CONTROL})))

    e_records: list[str] = []
    adds: dict[int, list[str]] = {}  # serial -> the records of its add
    serial = 0
    for _ in range(ENTRIES):
        roll = rng.random()
        if adds and roll < 0.06:  # cancel an earlier entry (208/209 when it is not active)
            old = rng.choice(list(adds))
            e_records.append(record("E0", action="C", entry_number=entry_number(old),
                                    ior_number=IORS[old % len(IORS)]))
            continue
        if adds and roll < 0.12:  # replace an earlier entry with new lines
            old = rng.choice(list(adds))
            e_records.extend(_entry(rng, certs, old, "R"))
            continue
        if adds and roll < 0.14:  # the same add again (900 when it stands as it was)
            e_records.extend(adds[rng.choice(list(adds))])
            continue
        serial += 1
        records = _entry(rng, certs, serial, "A")
        adds[serial] = records
        e_records.extend(records)
    queries = [record("Q0", query_type="I", query_reference=f"IOR{n}", ior_number=ior,
                      certificate_number=None, issuing_country=None)
               for n, ior in enumerate(IORS)]
    queries += [record("Q0", query_reference=f"CERT{n}", ior_number=IORS[n % len(IORS)],
                       certificate_number=certs[IORS[n % len(IORS)]][n], usage_detail="Y")
                for n in range(8)]
    en = folder / "en.txt"
    en.write_bytes(to_bytes(transmission(
        batch("EN", e_records), batch("EC", queries),
        header={**FILER, "control_number": EN_CONTROL})))
    return [cr, en]


def _entry(rng: random.Random, certs: dict[str, list[str]], serial: int, action: str
           ) -> list[str]:
    ior = IORS[serial % len(IORS)]
    out = [record("E0", action=action, entry_number=entry_number(serial), ior_number=ior)]
    for line in range(1, rng.randint(1, 3) + 1):
        number = rng.choice(certs[ior])
        if rng.random() < 0.01:
            number = "AU-NOT-ON-FILE"  # 200
        out.append(record("E1", line_number=line, certificate_number=number,
                          quantity=rng.randint(1, 12) * 100 + rng.choice((0, 0, 25, 50))))
    return out


def command(db: Path | str, out: Path, files: list[Path]) -> list[str]:
    return [ECERT, "process", "--db", str(db), "--out", str(out), "--clock", CLOCK,
            *map(str, files)]


def run_to_completion(db: Path | str, out: Path, files: list[Path]) -> None:
    result = subprocess.run(command(db, out, files), check=False, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def _rows(conn, sql: str, drop: tuple[str, ...] = ()) -> list[tuple]:
    cur = conn.execute(sql)
    keep = [i for i, d in enumerate(cur.description) if d[0] not in drop]
    return [tuple(row[i] for i in keep) for row in cur.fetchall()]


def state(db: Path | str) -> dict[str, list[tuple]]:
    """What must be equal after any number of crashes: every certificate (balance included),
    tariff, entry (status included), line, the ledger in order with quantities and balances, the
    transmissions and their stored responses.  Autoincrement ids are left out (and the ledger's
    reference to a transmission id with them), and when a transmission was received."""
    with raw(t_ledger(db)) as conn:
        out = {
            "certificates": _rows(conn, "SELECT * FROM certificates ORDER BY country, number"),
            "tariffs": _rows(conn, "SELECT * FROM certificate_tariffs"
                                   " ORDER BY country, number, hts"),
            "entries": _rows(conn, "SELECT * FROM entries ORDER BY entry_number"),
            "lines": _rows(conn, "SELECT * FROM entry_lines ORDER BY entry_number, line_number"),
            "ledger": _rows(conn, "SELECT * FROM activities ORDER BY id",
                            drop=("id", "transmission_id")),
            "transmissions": _rows(conn, "SELECT * FROM transmissions ORDER BY id",
                                   drop=("id", "created")),
        }
        out["stored responses"] = [
            ("".join(text for (text,) in conn.execute(
                "SELECT text FROM responses WHERE transmission_id = ? ORDER BY part",
                (tid,))),)
            for (tid,) in conn.execute("SELECT id FROM transmissions ORDER BY id").fetchall()
        ]
        return out


def in_progress(db: Path | str) -> bool:
    """Whether the filer's transmission is recorded but not complete (a kill mid-apply).  The
    test ledger is looked at only once it exists (sqlite3 would create an empty file, which
    the next run must refuse as no ecert database)."""
    if not exists(t_ledger(db)):
        return False
    with raw(t_ledger(db)) as conn:
        try:
            row = conn.execute("SELECT status FROM transmissions WHERE control_number = ?",
                               (EN_CONTROL,)).fetchone()
        except Exception:  # noqa: BLE001 - a ledger still being built has no table yet
            return False
    return row is not None and row[0] != "complete"


@pytest.fixture(scope="module")
def reference(tmp_path_factory, module_fresh_ledger):
    folder = tmp_path_factory.mktemp("crash")
    files = build_workload(folder)
    db, out = module_fresh_ledger(folder, "reference.db"), folder / "reference"
    started = time.monotonic()
    run_to_completion(db, out, files)
    duration = time.monotonic() - started
    return {"folder": folder, "files": files, "db": db, "out": out, "duration": duration,
            "state": state(db)}


def test_reference_run_exercises_overuse_cancels_replaces_repeats_and_queries(reference):
    """The workload is worth crashing: the uninterrupted run shows every kind of outcome."""
    answers = [ev for ev in parse_file(reference["out"] / "en.txt.resp",
                                       direction="response").events
               if isinstance(ev, Response)]
    codes = defaultdict(int)
    for answer in answers:
        for d in answer.details:
            if d.rid == "R1":
                codes[d["condition_code"]] += 1
    subjects = defaultdict(int)
    for answer in answers:
        subjects[(answer.header["subject_record"], answer.header["action"],
                  answer.header["disposition"])] += 1
    assert codes[202] > 100  # overuse
    assert codes[900] > 0 and codes[200] > 0 and codes[209] > 0
    assert subjects[("E0", "A", "A")] > 1000
    assert subjects[("E0", "C", "A")] > 50
    assert subjects[("E0", "R", "A")] > 50
    assert subjects[("Q0", "I", "A")] == len(IORS)
    assert sum(1 for a in answers for d in a.details if d.rid == "S1") > 1000
    assert (reference["out"] / "en.txt.resp").stat().st_size > (1 << 20)  # stored in parts
    assert ledger_problems(reference["db"]) == []


def test_killed_and_restarted_processing_ends_as_one_uninterrupted_run(reference,
                                                                        module_fresh_ledger):
    rng = random.Random(SEED)
    files = reference["files"]
    window = reference["duration"]
    reference_bytes = {name: (reference["out"] / name).read_bytes()
                       for name in ("cr.txt.resp", "en.txt.resp")}
    kills = 0
    mid_apply = 0
    rounds = 0
    while (kills < MIN_KILLS or not mid_apply) and rounds < MAX_ROUNDS:
        rounds += 1
        folder = reference["folder"] / f"round{rounds}"
        folder.mkdir()
        db, out = module_fresh_ledger(folder), folder / "out"
        for _attempt in range(60):
            delay = rng.uniform(0.0, window)
            proc = subprocess.Popen(command(db, out, files), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
            try:
                _, stderr = proc.communicate(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.kill()  # SIGKILL: no handler, no cleanup
                proc.communicate()
                kills += 1
                mid_apply += in_progress(db)
                for name in ("cr.txt.resp", "en.txt.resp"):  # never half a response (spec 8)
                    if (out / name).exists():
                        assert (out / name).read_bytes() == reference_bytes[name]
                continue
            assert proc.returncode == 0, stderr
            assert "Traceback" not in stderr
            break
        else:
            run_to_completion(db, out, files)

        for name, expected in reference_bytes.items():
            assert (out / name).read_bytes() == expected, (
                f"round {rounds}: {name} differs from the uninterrupted run")
        now = state(db)
        for table, rows in reference["state"].items():
            assert now[table] == rows, f"round {rounds}: {table} differs"
        assert ledger_problems(db) == []
        check = subprocess.run([ECERT, "check", "--db", str(db), "--environment", "test"], check=False,
                               capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
        # sent again (another clock): the response first produced, byte for byte
        repeat = subprocess.run(
            [ECERT, "process", "--db", str(db), "--out", str(folder / "again"),
             "--clock", "2026-06-30T23:59:59", str(files[1])],
            check=False, capture_output=True, text=True, timeout=120)
        assert repeat.returncode == 0, repeat.stderr
        assert (folder / "again" / "en.txt.resp").read_bytes() == reference_bytes["en.txt.resp"]
        assert state(db) == now
    print(f"{kills} kills ({mid_apply} while applying) over {rounds} rounds")
    assert kills >= MIN_KILLS
    assert mid_apply > 0, "no kill landed while the entries were being applied"
