"""The SQLite ledger's index by certificate (store/ledger_index.py): written in batches, in key
order; every reader finds the rows past its mark; a killed run leaves it sound; the check sees
it damaged."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from abi import FILER as FILER_HEADER
from abi import batch, record, to_bytes, transmission
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from txn_builders import CLOCK, FILER, GOV_AU, certificate, e1, entry, entry_number, ledger_of

from ecert_edi.processing import process_file
from ecert_edi.processing import transmission as processing
from ecert_edi.processing.batch import batch as answering_batch
from ecert_edi.processing.transmission import PAUSE_AFTER_GROUP
from ecert_edi.store import SQLiteStore, ledger_index, rows
from ecert_edi.store.audit import CHECKED

CERTS = ["AU2026-000123", "AU2026-000124", "AU2026-000125"]
PROCESS_CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)


def mark(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT through FROM activities_indexed").fetchone()[0]


def last_id(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(id), 0) FROM activities").fetchone()[0]


def _keys(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute("SELECT country, number FROM certificates ORDER BY 1, 2").fetchall()


def plain(conn: sqlite3.Connection) -> dict:
    """What each reader must give, read from the ledger table alone."""
    return {
        "ledgers": {key: [rows.ledger_row(r) for r in conn.execute(
            f"SELECT {rows.LEDGER_COLUMNS} FROM activities WHERE country = ?"
            " AND certificate = ? ORDER BY id", key)] for key in _keys(conn)},
        "ordered": conn.execute(f"SELECT country, certificate, id, {CHECKED} FROM activities"
                                " ORDER BY country, certificate, id").fetchall(),
    }


def read(store: SQLiteStore) -> dict:
    """What the store's readers give, through the index and its tail."""
    return {
        "ledgers": {key: list(store.ledger(*key)) for key in _keys(store.conn)},
        "ordered": list(ledger_index.in_certificate_order(store.conn, CHECKED)),
    }


def usage_agrees(store: SQLiteStore) -> None:
    for key in _keys(store.conn):
        assert [(r.entry_number, r.line_number, r.activity, r.quantity, r.balance_after)
                for r in store.ledger(*key)] == [u[:5] for u in store.usage(*key)]


STEPS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.lists(st.tuples(st.integers(0, 2), st.integers(1, 50)),
                                       min_size=1, max_size=3)),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("index"), st.none()),
), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, tail=st.integers(1, 8))
def test_readers_find_every_row_wherever_the_mark_is(steps, tail):
    """Entries added and cancelled, the tail indexed by `apply` once `tail` rows long and at
    random moments: each certificate's ledger, the rows in certificate order and the ledger
    check read the same as the ledger table itself."""
    saved = ledger_index.TAIL_ROWS
    ledger_index.TAIL_ROWS = tail
    try:
        with SQLiteStore(":memory:") as store:
            ledger = ledger_of(store)
            for number in CERTS:
                assert ledger.apply_certificate(certificate("A", number=number), GOV_AU,
                                                CLOCK).accepted
            added = []
            for kind, arg in steps:
                if kind == "add":
                    number = entry_number("B2X", len(added) + 1)
                    lines = [e1(i, quantity * 100, cert=CERTS[c])
                             for i, (c, quantity) in enumerate(arg, start=1)]
                    assert ledger.apply_entry(entry("A", lines, number=number), FILER,
                                              CLOCK).accepted
                    added.append(number)
                elif kind == "cancel" and added:
                    ledger.apply_entry(entry("C", number=added[arg % len(added)]), FILER, CLOCK)
                else:
                    with store.write():
                        ledger_index.index_tail(store.conn)
                assert 0 <= last_id(store.conn) - mark(store.conn) < tail
                assert read(store) == plain(store.conn)
            usage_agrees(store)
            assert store.check_ledger() == []
            assert store.check_database() == []
            with store.write():
                ledger_index.index_tail(store.conn)
            assert mark(store.conn) == last_id(store.conn)
            assert read(store) == plain(store.conn)
    finally:
        ledger_index.TAIL_ROWS = saved


def _files(folder: Path) -> list[Path]:
    """Eight certificates that cover all their entries, then 200 entries of one to three lines
    (one in ten cancelled later), seeded: about 400 ledger rows."""
    rng = random.Random(20261203)
    numbers = [f"AU-L-{i:03d}" for i in range(1, 9)]
    cr = folder / "cr.txt"
    cr.write_bytes(to_bytes(transmission(batch("CR", [
        record("C0", certificate_number=n, allowance_quantity=100_000_000) for n in numbers]),
        header={"control_number": "AU00000000L001"})))
    records = []
    for serial in range(1, 201):
        records.append(record("E0", action="A", entry_number=entry_number("B2X", serial)))
        for line in range(1, rng.randint(1, 3) + 1):
            records.append(record("E1", line_number=line, certificate_number=rng.choice(numbers),
                                  quantity=rng.randint(1, 20) * 100))
        if serial % 10 == 0:
            records.append(record("E0", action="C", entry_number=entry_number(
                "B2X", rng.randint(1, serial))))
    en = folder / "en.txt"
    en.write_bytes(to_bytes(transmission(batch("EN", records), header={
        **FILER_HEADER, "control_number": "B2X0000000L001"})))
    return [cr, en]


def _process(folder: Path, files, monkeypatch, tail: int) -> tuple[bytes, list, list[int]]:
    """The files processed in groups of 20 with the tail indexed once
    `tail` rows long: the response, the ledger, and the mark after each commit group."""
    monkeypatch.setattr(processing, "COMMIT_EVERY", 20)
    monkeypatch.setattr(ledger_index, "TAIL_ROWS", tail)
    marks = []
    real = SQLiteStore.apply

    def apply(self, changes):
        real(self, changes)
        marks.append(mark(self.conn))

    monkeypatch.setattr(SQLiteStore, "apply", apply)
    folder.mkdir()
    with SQLiteStore(folder / "ecert.db") as store:
        outcome = None
        for f in files:
            outcome = process_file(f, store, folder / "out", PROCESS_CLOCK)
        assert store.check_ledger() == []
        assert store.check_database() == []
        assert mark(store.conn) == last_id(store.conn)  # at rest, the whole ledger indexed
        ledger = store.conn.execute("SELECT * FROM activities ORDER BY id").fetchall()
    monkeypatch.undo()
    return outcome.response.read_bytes(), ledger, marks


def test_a_transmission_indexes_its_tail_as_it_goes_and_whole_at_its_end(tmp_path, monkeypatch):
    files = _files(tmp_path)
    once, once_ledger, once_marks = _process(tmp_path / "once", files, monkeypatch, 10**9)
    often, often_ledger, often_marks = _process(tmp_path / "often", files, monkeypatch, 50)
    assert (often, often_ledger) == (once, once_ledger)
    # with the large tail nothing is indexed until the transmission completes; with 50 rows,
    # every other group or so
    assert set(once_marks) == {0}
    assert len(set(often_marks)) >= 5


def _batch_files(folder: Path) -> list[Path]:
    """`_files`' certificate file, then its entries split into files of 20 (each its own
    control number), as a drop folder's small files are."""
    cr, en = _files(folder)
    lines = en.read_text().splitlines()
    units: list[list[str]] = []
    for line in lines[2:-2]:  # between A, B and Y, Z: E0 starts an entry, E1 follows it
        if line.startswith("E0"):
            units.append([])
        units[-1].append(line)
    files = [cr]
    for k in range(0, len(units), 20):
        header = {**FILER_HEADER, "control_number": f"B2X0000000S{k // 20:03d}"}
        path = folder / f"en-{k // 20:02d}.txt"
        path.write_bytes(to_bytes(transmission(batch("EN", units[k:k + 20]), header=header)))
        files.append(path)
    return files


def _counting_index_calls(monkeypatch) -> list[int]:
    """The `at_least` of each call of index_tail from here on."""
    calls: list[int] = []
    real = ledger_index.index_tail

    def index_tail(conn, at_least=1):
        calls.append(at_least)
        real(conn, at_least)

    monkeypatch.setattr(ledger_index, "index_tail", index_tail)
    return calls


def test_a_batch_of_small_files_indexes_its_tail_once_as_it_commits(tmp_path, monkeypatch):
    files = _batch_files(tmp_path)
    alone, together = tmp_path / "alone", tmp_path / "together"
    alone.mkdir()
    together.mkdir()
    with SQLiteStore(alone / "ecert.db") as store:
        for f in files:
            process_file(f, store, alone / "out", PROCESS_CLOCK, clean=False)
        expected = store.conn.execute("SELECT * FROM activities ORDER BY id").fetchall()
    with SQLiteStore(together / "ecert.db") as store:
        ledger = ledger_of(store)
        calls = _counting_index_calls(monkeypatch)
        with answering_batch(lambda source: (store, ledger)) as gathered:
            for f in files:
                gathered.stage(f, together / "out", PROCESS_CLOCK)
            # every file complete in the open write (its rows are written as the batch ends)
            assert store.conn.execute("SELECT COUNT(*) FROM transmissions"
                                      " WHERE status = 'complete'").fetchone()[0] == len(files)
            assert calls == []
        assert [n for n in calls if n == 1] == [1]  # at the commit, once for the batch
        assert mark(store.conn) == last_id(store.conn)
        assert store.conn.execute("SELECT * FROM activities ORDER BY id").fetchall() == expected
        assert read(store) == plain(store.conn)
        assert store.check_database() == []


def test_a_batch_undone_indexes_nothing_and_leaves_nothing_for_the_next_write(tmp_path,
                                                                              monkeypatch):
    files = _batch_files(tmp_path)
    with SQLiteStore(tmp_path / "ecert.db") as store:
        ledger = ledger_of(store)
        calls = _counting_index_calls(monkeypatch)
        with pytest.raises(RuntimeError), answering_batch(lambda s: (store, ledger)) as gathered:
            for f in files[:3]:
                gathered.stage(f, tmp_path / "out", PROCESS_CLOCK)
            raise RuntimeError("a file that cannot be answered")
        assert calls == [] and last_id(store.conn) == 0
        with store.write():  # a write that completes no transmission indexes nothing
            store.conn.execute("UPDATE activities_indexed SET through = through")
        assert calls == []


KILLED_RUN = """
import sys
from ecert_edi.entry import main
from ecert_edi.processing import transmission
from ecert_edi.store import ledger_index
transmission.COMMIT_EVERY = 20
ledger_index.TAIL_ROWS = 50
sys.argv = ["ecert", *sys.argv[1:]]
main()
"""


def _ecert(db: Path, out: Path, files, env=None) -> subprocess.Popen:
    db.parent.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, "process", "--db", str(db), "--out", str(out),
         "--clock", PROCESS_CLOCK.isoformat(), *map(str, files)],
        env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("group", [3, 9])
def test_a_run_killed_between_index_batches_leaves_a_sound_ledger_and_resumes(tmp_path, group):
    files = _files(tmp_path)
    reference = tmp_path / "reference"
    proc = _ecert(reference / "ecert.db", reference / "out", files)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    killed = tmp_path / "killed"
    # the entry file's groups follow the certificate file's one: stopped, then killed
    proc = _ecert(killed / "ecert.db", killed / "out", files,
                  env={PAUSE_AFTER_GROUP: str(group + 1)})
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the run ended before the group it stops at"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # the files are test transmissions (spec 4.5): their ledger is the test database
    with SQLiteStore(killed / "ecert-test.db", create=False) as store:
        conn = store.conn
        assert 0 < mark(conn) < last_id(conn)  # indexed part way, a tail after it
        assert read(store) == plain(conn)
        usage_agrees(store)
        assert store.check_ledger() == []
        assert store.check_database() == []
    proc = _ecert(killed / "ecert.db", killed / "out", files)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    for f in files:
        name = f"{f.name}.resp"
        assert (killed / "out" / name).read_bytes() == (reference / "out" / name).read_bytes()
    with SQLiteStore(killed / "ecert-test.db", create=False) as store:
        assert mark(store.conn) == last_id(store.conn)
        with sqlite3.connect(reference / "ecert-test.db") as conn:
            expected = conn.execute("SELECT * FROM activities ORDER BY id").fetchall()
        assert store.conn.execute("SELECT * FROM activities ORDER BY id").fetchall() == expected


def _damaged(tmp_path: Path) -> SQLiteStore:
    """A store with a few ledger rows, all indexed, its index's triggers dropped (as a hand
    editing the file could)."""
    store = SQLiteStore(tmp_path / "ecert.db")
    ledger = ledger_of(store)
    for number in CERTS:
        assert ledger.apply_certificate(certificate("A", number=number), GOV_AU, CLOCK).accepted
    for serial, cert in enumerate(CERTS, start=1):
        assert ledger.apply_entry(entry("A", [e1(1, 100, cert=cert), e1(2, 200, cert=cert)],
                                        number=entry_number("B2X", serial)), FILER,
                                  CLOCK).accepted
    with store.write():
        ledger_index.index_tail(store.conn)
    assert store.check_database() == []
    store.conn.execute("DROP TRIGGER activities_by_certificate_no_delete")
    store.conn.execute("DROP TRIGGER activities_by_certificate_no_update")
    store.conn.execute("DROP TRIGGER activities_indexed_forward")
    store.conn.execute("PRAGMA foreign_keys = OFF")
    return store


def test_the_check_finds_a_ledger_row_missing_from_the_index(tmp_path):
    with _damaged(tmp_path) as store:
        store.conn.execute("DELETE FROM activities_by_certificate WHERE id = 2")
        assert store.check_database() == [
            (f"the ledger index lacks 1 of the {last_id(store.conn)} ledger row(s) up to row"
             f" {last_id(store.conn)}")]


def test_the_check_finds_an_index_row_under_another_certificate(tmp_path):
    with _damaged(tmp_path) as store:
        store.conn.execute("UPDATE activities_by_certificate SET certificate = ? WHERE id = 1",
                           (CERTS[2],))
        assert store.check_database() == [
            (f"the ledger index holds row 1 under AU {CERTS[2]}, but the ledger has it under"
             f" AU {CERTS[0]}"),
            (f"the ledger index lacks 1 of the {last_id(store.conn)} ledger row(s) up to row"
             f" {last_id(store.conn)}")]


def test_the_check_finds_an_index_row_of_no_ledger_row_or_past_the_mark(tmp_path):
    with _damaged(tmp_path) as store:
        through = mark(store.conn)
        store.conn.execute("INSERT INTO activities_by_certificate VALUES ('AU', ?, 999)",
                           (CERTS[0],))
        store.conn.execute("UPDATE activities_indexed SET through = ?", (through - 1,))
        found = store.check_database()
        assert f"the ledger index holds row 999 under AU {CERTS[0]}, but the ledger has no" \
               " such row" in found
        assert f"the ledger index holds row {through} under AU {CERTS[2]}, but the index" \
               f" says it holds the rows up to {through - 1}" in found
        assert len(found) == 2


def test_the_index_is_append_only_and_its_mark_only_moves_on(tmp_path):
    with SQLiteStore(tmp_path / "ecert.db") as store:
        ledger = ledger_of(store)
        assert ledger.apply_certificate(certificate("A", number=CERTS[0]), GOV_AU,
                                        CLOCK).accepted
        assert ledger.apply_entry(entry("A", [e1(1, 100, cert=CERTS[0])]), FILER,
                                  CLOCK).accepted
        with store.write():
            ledger_index.index_tail(store.conn)
        for statement in ("DELETE FROM activities_by_certificate",
                          "UPDATE activities_by_certificate SET id = 7",
                          "UPDATE activities_indexed SET through = 0"):
            with pytest.raises(sqlite3.IntegrityError):
                store.conn.execute(statement)
        assert store.check_database() == []
