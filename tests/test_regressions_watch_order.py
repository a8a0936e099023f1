"""Regression: files are applied in the order they came, whatever the number of watchers.

Two workers on one folder once took one filer's files concurrently, so a cancel could overtake
the entry it cancels: answered 208 and the ledger left other than the files said.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import subprocess
import sys
from pathlib import Path

from ecert_edi.bindings.abi.emitter import emit_text
from ecert_edi.domain.codes import check_digit
from ecert_edi.store import SQLiteStore
from ecert_edi.surfaces.watch import TURN_LOCK, Watcher
from test_watch import CLOCK, CLOCK_TEXT, DEADLINE, ECERT, archived, balance, check, register

PAIRS = 30
WATCHERS = 3


def _entry(serial: int, action: str, control: int) -> bytes:
    """An EN transmission adding, or cancelling, entry B2X000<serial> (10.00 KG)."""
    number = f"B2X{serial:07d}"
    header = {"sender_type": "FL", "sender_id": "B2X", "transmission_date": CLOCK.date(),
              "transmission_time": dt.time(10, 0), "control_number": f"B2X{control:011d}",
              "environment": "T"}
    e0 = {"action": action, "entry_number": f"{number}{check_digit(number)}",
          "ior_number": "12-3456789AB", "entry_date": dt.date(2026, 1, 14),
          "port_of_entry": 1001, "entry_type": 1}
    records = [("E0", e0)]
    if action == "A":
        records.append(("E1", {"line_number": 1, "certificate_number": "AU2026-000123",
                               "issuing_country": "AU", "hts_number": 201300200,
                               "quantity": 1_000, "unit_of_measure": "KG"}))
    return emit_text(header, [("EN", records)]).encode("ascii")


def _drop_in_order(inbox: Path, files: list[tuple[str, bytes]]) -> None:
    """Files with strictly increasing modification times: the order they came in."""
    inbox.mkdir(parents=True)
    base = 1_700_000_000 * 10**9
    for n, (name, data) in enumerate(files):
        path = inbox / name
        path.write_bytes(data)
        os.utime(path, ns=(base + n * 10**6, base + n * 10**6))


def test_a_cancel_never_overtakes_its_entry_with_several_watchers(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    register(db)
    files = []
    for k in range(1, PAIRS + 1):
        # names sorted against the arrival order, so that neither order can stand in for the other
        files.append((f"Z{k:03d}-add.txt", _entry(k, "A", 2 * k)))
        files.append((f"A{k:03d}-cancel.txt", _entry(k, "C", 2 * k + 1)))
    _drop_in_order(root / "inbox", files)

    watchers = [subprocess.Popen([*ECERT, "watch", str(root), "--db", str(db), "--once",
                                  "--clock", CLOCK_TEXT],
                                 stderr=subprocess.PIPE, text=True) for _ in range(WATCHERS)]
    results = [(p.wait(timeout=DEADLINE * 3), p.stderr.read()) for p in watchers]

    assert [rc for rc, _ in results] == [0] * WATCHERS, results
    assert sorted(archived(root)) == sorted(name for name, _ in files)
    for name, _ in files:
        response = (root / "outbox" / f"{name}.resp").read_text()
        rejections = [line for line in response.splitlines() if line.startswith("R1")]
        assert rejections == [], (name, rejections)  # a 208 would mean the cancel came first
    assert balance(db) == 2_500_000  # every deduction restored
    assert check(db).returncode == 0
    assert not (root / "processing" / TURN_LOCK).exists()


def _holding(path: Path) -> bool:
    """Whether some process holds the lock of `path` (a try from a descriptor of our own)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_one_watcher_takes_files_at_a_time_and_leaves_no_lock_file(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    register(db)
    with SQLiteStore(db) as store:
        first, second = Watcher(root, store, clock=CLOCK), Watcher(root, store, clock=CLOCK)
        first.folders.create()
        lock = first.folders.processing / TURN_LOCK
        with first.turn() as ours:
            assert ours
            assert _holding(lock)
            second.stop.set()  # a watcher stopped while it waits for its turn gets none
            with second.turn() as theirs:
                assert theirs is False
        assert not lock.exists()
        second.stop.clear()
        with second.turn() as theirs:
            assert theirs
        assert not lock.exists()


def test_a_dead_watchers_turn_passes_to_the_next(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    register(db)
    (root / "processing").mkdir(parents=True)
    lock = root / "processing" / TURN_LOCK
    # a holder killed while holding its turn: the system drops its lock, the file stays
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT, 0o600)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    assert _holding(lock)
    holder.kill()
    holder.wait()
    with SQLiteStore(db) as store:
        watcher = Watcher(root, store, clock=CLOCK)
        with watcher.turn() as ours:
            assert ours
    assert not lock.exists()
