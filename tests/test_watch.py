"""`ecert watch`: pickup rules, refusals, crash recovery, several watchers on one folder."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecert_edi.bindings.abi.emitter import emit_text
from ecert_edi.bindings.abi.reader import SourceError
from ecert_edi.domain.codes import check_digit
from ecert_edi.processing import process_file
from ecert_edi.store import SQLiteStore, open_store
from ecert_edi.store.environments import TEST, Ledgers, environment_target
from ecert_edi.surfaces.generate import generate
from ecert_edi.surfaces.replay import summarize
from ecert_edi.surfaces.watch import (
    TURN_LOCK,
    Watcher,
    claim_suffix,
    original_name,
    place,
    refusal,
    serve,
)

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)
CLOCK_TEXT = "2026-01-15T12:00:00"
ECERT = [sys.executable, "-c", "import sys; from ecert_edi.surfaces.cli import main; sys.exit(main())"]
DEADLINE = 90  # seconds a subprocess test waits for a state before it gives up (not a measure)


# -- helpers ------------------------------------------------------------------------------------

def drop(inbox: Path, name: str, data: bytes) -> Path:
    """Deliver a file the way senders must: write NAME.tmp, then rename it."""
    tmp = inbox / f"{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, inbox / name)
    return inbox / name


def entry_file(serial: int, quantity: int = 1_000, filer: str = "B2X") -> bytes:
    """An EN transmission of one entry drawing `quantity` hundredths of KG from AU2026-000123."""
    number = f"{filer}{serial:07d}"
    header = {"sender_type": "FL", "sender_id": filer, "transmission_date": CLOCK.date(),
              "transmission_time": dt.time(10, 0), "control_number": f"{filer}{serial:011d}",
              "environment": "T"}
    records = [("E0", {"action": "A", "entry_number": f"{number}{check_digit(number)}",
                       "ior_number": "12-3456789AB", "entry_date": dt.date(2026, 1, 14),
                       "port_of_entry": 1001, "entry_type": 1}),
               ("E1", {"line_number": 1, "certificate_number": "AU2026-000123",
                       "issuing_country": "AU", "hts_number": 201300200, "quantity": quantity,
                       "unit_of_measure": "KG"})]
    return emit_text(header, [("EN", records)]).encode("ascii")


def ledger_file(db: Path) -> Path:
    """The ledger these tests' files work on: they are test (T) transmissions (spec 4.5)."""
    return Path(environment_target(db, TEST))


def once(root: Path, db: Path) -> Watcher:
    with Ledgers(db, open_store) as ledgers:
        watcher = Watcher(root, ledgers, clock=CLOCK)
        watcher.run(once=True)
    return watcher


def archived(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "archive").rglob("*") if p.is_file())


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def balance(db: Path, number: str = "AU2026-000123") -> int:
    with SQLiteStore(ledger_file(db)) as store:
        return store.certificate("AU", number).balance


def register(db: Path) -> None:
    """The worked example's certificate: 25,000.00 KG for 12-3456789AB."""
    with SQLiteStore(ledger_file(db)) as store:
        process_file(SPEC / "certificate.txt", store, db.parent / "setup", CLOCK)


# -- in-process behaviour -----------------------------------------------------------------------

def test_a_file_being_written_is_left_alone_until_renamed(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    once(root, db)  # creates the folders
    assert listing(root) == ["archive", "failed", "inbox", "outbox", "processing"]
    data = (SPEC / "certificate.txt").read_bytes()
    (root / "inbox" / "cert.txt.tmp").write_bytes(data)
    (root / "inbox" / ".cert.txt").write_bytes(data)
    once(root, db)
    assert listing(root / "inbox") == [".cert.txt", "cert.txt.tmp"]
    assert listing(root / "outbox") == []

    os.replace(root / "inbox" / "cert.txt.tmp", root / "inbox" / "cert.txt")
    watcher = once(root, db)
    assert watcher.tally.processed == 1
    assert listing(root / "inbox") == [".cert.txt"]
    assert listing(root / "outbox") == ["cert.txt.resp"]
    assert summarize((root / "outbox" / "cert.txt.resp").read_text()) == "A"
    assert (root / "archive" / "2026-01-15" / "cert.txt").read_bytes() == data
    assert listing(root / "processing") == []


def test_files_are_taken_oldest_first(tmp_path):
    """The entry is named to sort first but sent last: it must find the certificate on file."""
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    (root / "inbox").mkdir(parents=True)
    drop(root / "inbox", "z-certificate.txt", (SPEC / "certificate.txt").read_bytes())
    drop(root / "inbox", "a-entry.txt", (SPEC / "entry.txt").read_bytes())
    os.utime(root / "inbox" / "z-certificate.txt", ns=(1_000_000_000, 1_000_000_000))
    os.utime(root / "inbox" / "a-entry.txt", ns=(2_000_000_000, 2_000_000_000))
    once(root, db)
    assert summarize((root / "outbox" / "a-entry.txt.resp").read_text()) == "A"
    assert balance(db) == 1_500_000


def test_one_log_line_per_file(tmp_path, caplog):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    (root / "inbox").mkdir(parents=True)
    drop(root / "inbox", "cert.txt", (SPEC / "certificate.txt").read_bytes())
    drop(root / "inbox", "entries.txt", entry_file(1, quantity=3_000_000))  # 30,000 > 25,000
    with caplog.at_level(logging.INFO, logger="ecert.watch"):
        once(root, db)
    lines = [r.getMessage() for r in caplog.records if " accepted, " in r.getMessage()]
    assert len(lines) == 2
    assert re.fullmatch(r"cert\.txt: 1 transaction, 1 accepted, 0 rejected, \d+ ms -> "
                        r"archive/2026-01-15/cert\.txt", lines[0])
    assert re.match(r"entries\.txt: 1 transaction, 0 accepted, 1 rejected, \d+ ms", lines[1])


def test_links_directories_fifos_and_hard_links_are_refused(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    outside = tmp_path / "outside.txt"
    outside.write_bytes((SPEC / "certificate.txt").read_bytes())
    (inbox / "link.txt").symlink_to(outside)
    os.link(outside, inbox / "hard.txt")
    (inbox / "folder.txt").mkdir()
    os.mkfifo(inbox / "pipe.txt")
    watcher = once(root, db)

    assert watcher.tally.failed == 4 and watcher.tally.processed == 0
    assert listing(root / "outbox") == [] and listing(inbox) == []
    failed = root / "failed"
    assert (failed / "link.txt").is_symlink()  # moved as a link, never followed
    assert os.readlink(failed / "link.txt") == str(outside)
    assert (failed / "folder.txt").is_dir()
    reasons = {name: (failed / f"{name}.reason").read_text()
               for name in ("link.txt", "hard.txt", "folder.txt", "pipe.txt")}
    assert "symbolic link" in reasons["link.txt"]
    assert "hard link" in reasons["hard.txt"]
    assert "directory" in reasons["folder.txt"]
    assert "not a regular file" in reasons["pipe.txt"]
    assert outside.read_bytes() == (SPEC / "certificate.txt").read_bytes()
    with SQLiteStore(ledger_file(db)) as store:
        assert store.counts()["certificates"] == 0  # nothing behind a link was processed


def test_names_with_a_control_character_or_a_path_separator_are_refused(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    (root / "inbox").mkdir(parents=True)
    drop(root / "inbox", "bad\nname.txt", (SPEC / "certificate.txt").read_bytes())
    drop(root / "inbox", "sub\\up.txt", (SPEC / "certificate.txt").read_bytes())
    once(root, db)
    assert listing(root / "failed") == ["bad_name.txt", "bad_name.txt.reason",
                                        "sub_up.txt", "sub_up.txt.reason"]
    assert "control character" in (root / "failed" / "bad_name.txt.reason").read_text()
    assert "path separator" in (root / "failed" / "sub_up.txt.reason").read_text()
    assert listing(root / "outbox") == []


def test_refusal_rules():
    regular = os.stat(SPEC / "certificate.txt")
    assert refusal("AU260115000001.txt", regular) is None
    assert "path separator" in refusal("..\\outside.txt", regular)
    assert "longer" in refusal("x" * 201, regular)
    assert refusal("x" * 200, regular) is None


def test_an_unreadable_file_goes_to_failed_with_its_reason(tmp_path, monkeypatch):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    (root / "inbox").mkdir(parents=True)
    drop(root / "inbox", "x.txt", b"anything")

    def unreadable(source, *args, **kwargs):  # the first read of the file, whatever its size
        raise SourceError(13, "Permission denied")

    monkeypatch.setattr("ecert_edi.processing.environments.environment_of", unreadable)
    watcher = once(root, db)
    assert watcher.tally.failed == 1
    assert listing(root / "failed") == ["x.txt", "x.txt.reason"]
    assert "cannot be read: Permission denied" in (root / "failed" / "x.txt.reason").read_text()
    assert listing(root / "outbox") == [] and listing(root / "processing") == []


def test_a_file_left_in_processing_is_finished_under_its_own_name(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    once(root, db)
    leftover = root / "processing" / f"AU-cert.txt{claim_suffix()}"
    leftover.write_bytes((SPEC / "certificate.txt").read_bytes())
    once(root, db)
    assert listing(root / "processing") == []
    assert listing(root / "outbox") == ["AU-cert.txt.resp"]
    assert archived(root) == ["AU-cert.txt"]


def test_a_file_locked_by_a_live_watcher_is_not_taken(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    once(root, db)
    claimed = root / "processing" / f"busy.txt{claim_suffix()}"
    claimed.write_bytes((SPEC / "certificate.txt").read_bytes())
    with open(claimed, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        once(root, db)
        assert claimed.exists() and listing(root / "outbox") == []
    once(root, db)  # the lock is gone: its watcher stopped
    assert listing(root / "outbox") == ["busy.txt.resp"]


def test_a_name_used_again_is_archived_beside_the_first(tmp_path, caplog):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    (root / "inbox").mkdir(parents=True)
    data = (SPEC / "certificate.txt").read_bytes()
    drop(root / "inbox", "cert.txt", data)
    once(root, db)
    first = (root / "outbox" / "cert.txt.resp").read_bytes()
    drop(root / "inbox", "cert.txt", data)
    with caplog.at_level(logging.INFO, logger="ecert.watch"):
        once(root, db)
    assert archived(root) == ["cert.txt", "cert.txt.1"]
    # answered under its archived name, the first response kept beside it
    assert listing(root / "outbox") == ["cert.txt.1.resp", "cert.txt.resp"]
    assert (root / "outbox" / "cert.txt.resp").read_bytes() == first
    assert (root / "outbox" / "cert.txt.1.resp").read_bytes() == first  # a repeat: the first again
    assert any("repeated" in r.getMessage() for r in caplog.records)


def test_a_day_folder_removed_between_files_is_made_again(tmp_path):
    """The archive's day folder is looked for only when a move into it fails."""
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    (root / "inbox").mkdir(parents=True)
    drop(root / "inbox", "cert.txt", (SPEC / "certificate.txt").read_bytes())
    once(root, db)
    shutil.rmtree(root / "archive")  # an operator clearing the archive
    drop(root / "inbox", "entry.txt", (SPEC / "entry.txt").read_bytes())
    once(root, db)
    assert archived(root) == ["entry.txt"]
    assert listing(root / "processing") == []


def test_place_of_a_gone_source_fails_whether_or_not_the_folder_exists(tmp_path):
    """Of several watchers moving one entry only one succeeds: the others' move must fail, not
    make a folder and succeed."""
    gone = tmp_path / "gone.txt"
    for link in (True, False):
        with pytest.raises(FileNotFoundError):
            place(gone, tmp_path / f"new-{link}", "x", link=link)
        with pytest.raises(FileNotFoundError):
            place(gone, tmp_path, "x", link=link)
    source = tmp_path / "here.txt"
    source.write_bytes(b"x")
    assert place(source, tmp_path / "made" / "day", "here.txt", link=True).read_bytes() == b"x"
    assert not source.exists()


def test_a_small_file_given_in_short_reads_is_read_whole(tmp_path, monkeypatch):
    """A file system may give a read less than asked: the batch's copy of a file is its whole
    content all the same."""
    from ecert_edi.surfaces import watch

    real = os.pread
    monkeypatch.setattr(watch.os, "pread", lambda fd, n, at: real(fd, min(n, 7), at))
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    (root / "inbox").mkdir(parents=True)
    data = (SPEC / "certificate.txt").read_bytes()
    drop(root / "inbox", "cert.txt", data)
    assert once(root, db).tally.processed == 1
    assert summarize((root / "outbox" / "cert.txt.resp").read_text()) == "A"
    assert (root / "archive" / "2026-01-15" / "cert.txt").read_bytes() == data


def test_claim_names_give_back_the_inbound_name():
    for name in ("AU260115000001.txt", "a.claim-b.txt", "x", "y.claim-c.7"):
        assert original_name(f"{name}{claim_suffix()}") == name
        assert original_name(f"{name}{claim_suffix()}.3") == name  # numbered for its answer
    assert claim_suffix() != claim_suffix()


def test_an_unusable_database_is_exit_status_1(tmp_path, caplog):
    (tmp_path / "db").mkdir()
    with caplog.at_level(logging.INFO, logger="ecert.watch"):
        assert serve(str(tmp_path / "drop"), str(tmp_path / "db"), once=True) == 1
    assert any("database" in r.getMessage() for r in caplog.records)


# -- real watcher processes ---------------------------------------------------------------------

def start(root: Path, db: Path, *args: str) -> subprocess.Popen:
    """A watcher, returned once it says it started: its signal handlers are in place by then,
    so a test that stops it never races its start-up (on a loaded machine it can be slow)."""
    proc = subprocess.Popen([*ECERT, "watch", str(root), "--db", str(db), "--clock", CLOCK_TEXT,
                             "--poll", "0.2", *args],
                            stderr=subprocess.PIPE, text=True)
    proc.early_log = ""
    while True:
        line = proc.stderr.readline()
        proc.early_log += line
        if not line or "started on" in line:
            return proc


def wait_for(condition, what: str):
    """Poll until `condition()` is true; the deadline only stops a hung test."""
    limit = time.monotonic() + DEADLINE
    while time.monotonic() < limit:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting for {what}")


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> tuple[int, str]:
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=DEADLINE)
    return proc.returncode, getattr(proc, "early_log", "") + err


def ecert(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ECERT, *args], check=False, capture_output=True, text=True)


def check(db: Path) -> subprocess.CompletedProcess:
    return ecert("check", "--db", str(db), "--environment", "test")


def file_lines(log: str) -> list[str]:
    """The names of the per-file log lines."""
    return re.findall(r"\] (\S+): \d+ transactions?,", log)


@pytest.mark.slow
def test_two_watchers_process_every_file_exactly_once(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    register(db)
    (root / "inbox").mkdir(parents=True)
    watchers = [start(root, db), start(root, db)]
    names = [f"EN{n:03d}.txt" for n in range(1, 51)]
    for n, name in enumerate(names, start=1):
        drop(root / "inbox", name, entry_file(n))
    wait_for(lambda: len(archived(root)) >= 50, "50 archived files")
    results = [stop(p) for p in watchers]

    assert [rc for rc, _ in results] == [0, 0], results
    logged = sorted(name for _, err in results for name in file_lines(err))
    assert logged == names  # each file once, by one of the watchers
    assert archived(root) == names
    assert listing(root / "outbox") == [f"{name}.resp" for name in names]
    assert all(summarize((root / "outbox" / f"{n}.resp").read_text()) == "A" for n in names)
    assert listing(root / "inbox") == [] and listing(root / "processing") == []
    assert balance(db) == 2_500_000 - 50 * 1_000
    assert check(db).returncode == 0


@pytest.mark.slow
def test_a_tmp_file_waits_for_its_rename(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    (root / "inbox").mkdir(parents=True)
    watcher = start(root, db)
    (root / "inbox" / "cert.txt.tmp").write_bytes((SPEC / "certificate.txt").read_bytes())
    # a later, complete file: once it is answered, the watcher has seen the .tmp and passed it
    drop(root / "inbox", "other.txt", entry_file(1))
    wait_for(lambda: (root / "outbox" / "other.txt.resp").exists(), "other.txt answered")
    assert listing(root / "inbox") == ["cert.txt.tmp"]
    os.replace(root / "inbox" / "cert.txt.tmp", root / "inbox" / "cert.txt")
    wait_for(lambda: archived(root) == ["cert.txt", "other.txt"], "cert.txt archived")
    rc, err = stop(watcher, signal.SIGINT)
    assert rc == 0, err
    assert summarize((root / "outbox" / "cert.txt.resp").read_text()) == "A"


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> dict[str, Path]:
    """Certificates and one EN transmission of 10,000 entries, long enough to be caught midway."""
    folder = tmp_path_factory.mktemp("big")
    summary = generate(folder, 60, 10_000, 0, 1, filers=1)
    files = sorted(summary.files)
    return {"certificates": [p for p in files if "-CR-" in p.name],
            "entries": next(p for p in files if "-EN-" in p.name)}


def prepared(tmp_path: Path, big) -> tuple[Path, Path]:
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    with SQLiteStore(ledger_file(db)) as store:
        for path in big["certificates"]:
            process_file(path, store, tmp_path / "setup", CLOCK)
    (root / "inbox").mkdir(parents=True)
    return root, db


def in_progress(db: Path) -> bool:
    """Some units of an unfinished transmission are applied and committed."""
    conn = sqlite3.connect(ledger_file(db), timeout=30)
    try:
        row = conn.execute(
            "SELECT COUNT(*) FROM response_chunks c JOIN transmissions t"
            " ON t.id = c.transmission_id WHERE t.status = 'in-progress'").fetchone()
        return row[0] > 0
    except sqlite3.OperationalError:  # the schema is not there yet
        return False
    finally:
        conn.close()


def reference(tmp_path: Path, big) -> tuple[bytes, dict]:
    """The response and balances of one uninterrupted run."""
    db = tmp_path / "reference.db"
    with SQLiteStore(ledger_file(db)) as store:
        for path in big["certificates"]:
            process_file(path, store, tmp_path / "ref-setup", CLOCK)
        outcome = process_file(big["entries"], store, tmp_path / "ref", CLOCK)
        balances = {c.key: c.balance for c in store.all_certificates()}
    return outcome.response.read_bytes(), balances


@pytest.mark.slow
def test_a_killed_watcher_leaves_a_file_that_a_restart_completes(tmp_path, big):
    root, db = prepared(tmp_path, big)
    name = big["entries"].name
    watcher = start(root, db)
    drop(root / "inbox", name, big["entries"].read_bytes())
    wait_for(lambda: in_progress(db), "the file to be half applied")
    watcher.send_signal(signal.SIGKILL)
    watcher.communicate(timeout=DEADLINE)
    left = [n for n in listing(root / "processing") if n != TURN_LOCK]  # its lock, now free
    assert len(left) == 1 and original_name(left[0]) == name
    assert [n for n in listing(root / "outbox") if not n.startswith(".")] == []  # no response

    restarted = ecert("watch", str(root), "--db", str(db), "--once", "--clock", CLOCK_TEXT)
    assert restarted.returncode == 0, restarted.stderr
    assert "finishing a file left in processing/" in restarted.stderr
    assert listing(root / "processing") == [] and archived(root) == [name]
    assert listing(root / "outbox") == [f"{name}.resp"]  # the partial one is gone
    response, balances = reference(tmp_path, big)
    assert (root / "outbox" / f"{name}.resp").read_bytes() == response
    with SQLiteStore(ledger_file(db)) as store:
        assert {c.key: c.balance for c in store.all_certificates()} == balances
    checked = check(db)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.slow
def test_sigterm_finishes_the_current_file_then_exits(tmp_path, big):
    root, db = prepared(tmp_path, big)
    name = big["entries"].name
    watcher = start(root, db)
    drop(root / "inbox", name, big["entries"].read_bytes())
    wait_for(lambda: in_progress(db), "the file to be half applied")
    rc, err = stop(watcher, signal.SIGTERM)
    assert rc == 0, err
    assert file_lines(err) == [name]
    assert archived(root) == [name] and listing(root / "processing") == []
    response, _ = reference(tmp_path, big)
    assert (root / "outbox" / f"{name}.resp").read_bytes() == response
