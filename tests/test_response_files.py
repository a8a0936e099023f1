"""Response files: no temporary left behind by a killed or interrupted run, none taken from a live
writer, and no response overwritten by the response of another file."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecert_edi.processing import files, process_file, response_file
from ecert_edi.processing.files import atomic_file, remove_abandoned, write_atomically
from ecert_edi.processing.transmission import PAUSE_AFTER_GROUP
from ecert_edi.store import SQLiteStore
from ecert_edi.surfaces.cli.process import process
from ecert_edi.surfaces.generate import generate
from ecert_edi.surfaces.replay import summarize
from ecert_edi.surfaces.watch import Watcher, claim_suffix

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "spec"
CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)
CLOCK_TEXT = "2026-01-15T12:00:00"
ECERT = [sys.executable, "-c", "import sys; from ecert_edi.surfaces.cli import main; sys.exit(main())"]
DEADLINE = 300  # seconds a subprocess may take before the test gives up (not a measure)
needs_job_control = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"),
                                       reason="needs POSIX job control signals")


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def temporaries(folder: Path) -> list[str]:
    return [n for n in listing(folder) if n.startswith(".") and n.endswith(".tmp")]


def process_command(db: Path, out: Path, *paths: Path | str) -> list[str]:
    return [*ECERT, "process", "--db", str(db), "--out", str(out), "--clock", CLOCK_TEXT,
            *map(str, paths)]


def run(db: Path, out: Path, *paths: Path | str) -> subprocess.CompletedProcess:
    return subprocess.run(process_command(db, out, *paths), capture_output=True, text=True,
                          timeout=DEADLINE, check=False)


# -- a large transmission, several commit groups long -------------------------------------------

@pytest.fixture(scope="module")
def big(tmp_path_factory) -> dict:
    """Certificates, an EN transmission of several commit groups, and its uninterrupted response."""
    folder = tmp_path_factory.mktemp("big")
    summary = generate(folder / "in", 30, 1_500, 0, 1, filers=1)
    paths = sorted(summary.files)
    certificates = [p for p in paths if "-CR-" in p.name]
    entries = next(p for p in paths if "-EN-" in p.name)
    reference = folder / "reference.db"
    done = run(reference, folder / "reference", *certificates, entries)
    assert done.returncode == 0, done.stderr
    return {"certificates": certificates, "entries": entries,
            "response": (folder / "reference" / f"{entries.name}.resp").read_bytes()}


def registered(tmp_path: Path, big) -> Path:
    db = tmp_path / "ecert.db"
    done = run(db, tmp_path / "setup", *big["certificates"])
    assert done.returncode == 0, done.stderr
    return db


def paused(db: Path, out: Path, path: Path) -> subprocess.Popen:
    """`ecert process` stopped (SIGSTOP, a test hook) right after its first commit group, with its
    response being written."""
    proc = subprocess.Popen(process_command(db, out, path), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, PAUSE_AFTER_GROUP: "1"})
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the process ended before its first commit"
    return proc


@pytest.mark.slow
@needs_job_control
def test_a_killed_process_leaves_a_temporary_that_the_next_run_removes(tmp_path, big):
    db, out = registered(tmp_path, big), tmp_path / "out"
    proc = paused(db, out, big["entries"])
    proc.kill()
    proc.communicate(timeout=DEADLINE)
    left = temporaries(out)
    assert len(left) == 1 and left[0].startswith(f".{big['entries'].name}.resp.")
    again = run(db, out, big["entries"])
    assert again.returncode == 0, again.stderr
    assert listing(out) == [f"{big['entries'].name}.resp"]
    assert (out / f"{big['entries'].name}.resp").read_bytes() == big["response"]


@pytest.mark.slow
@needs_job_control
def test_sigterm_while_writing_removes_the_temporary(tmp_path, big):
    db, out = registered(tmp_path, big), tmp_path / "out"
    proc = paused(db, out, big["entries"])
    assert len(temporaries(out)) == 1
    proc.send_signal(signal.SIGTERM)  # delivered once it runs again
    proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted (SIGTERM)" in err and "Traceback" not in err
    assert listing(out) == []
    again = run(db, out, big["entries"])
    assert again.returncode == 0, again.stderr
    assert (out / f"{big['entries'].name}.resp").read_bytes() == big["response"]


@pytest.mark.slow
@needs_job_control
def test_a_second_process_on_the_same_target_leaves_the_live_writers_temporary(tmp_path, big):
    """Two `ecert process` on one file and one --out at once: the second finishes while the first
    is stopped mid-write; the first's temporary must survive, and the first must then finish."""
    db, out = registered(tmp_path, big), tmp_path / "out"
    first = paused(db, out, big["entries"])
    try:
        held = temporaries(out)
        second = run(db, out, big["entries"])
        assert second.returncode == 0, second.stderr
        assert set(held) <= set(temporaries(out)), "a live writer's temporary was removed"
    finally:
        first.send_signal(signal.SIGCONT)
    _, err = first.communicate(timeout=DEADLINE)
    assert first.returncode == 0, err
    assert listing(out) == [f"{big['entries'].name}.resp"]
    assert (out / f"{big['entries'].name}.resp").read_bytes() == big["response"]


# -- the mechanism, in one process --------------------------------------------------------------

def test_a_temporary_held_by_a_live_writer_is_not_removed(tmp_path):
    target = tmp_path / "x.txt.resp"
    abandoned = tmp_path / ".x.txt.resp.0123abcd.tmp"  # what a killed writer leaves: no lock
    abandoned.write_text("half")
    other = tmp_path / ".y.txt.resp.0123abcd.tmp"  # another target's
    other.write_text("half")
    with atomic_file(target) as out:
        out.write("new\n")
        (live,) = set(temporaries(tmp_path)) - {abandoned.name, other.name}
        assert remove_abandoned(target) == [abandoned]
        assert (tmp_path / live).exists() and other.exists()
    assert target.read_text() == "new\n"
    assert listing(tmp_path) == [other.name, target.name]


def test_a_temporary_is_locked_until_it_is_renamed_into_place(tmp_path, monkeypatch):
    """A clean-up that finds the temporary unlocked could remove it before the rename."""
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        fd = os.open(src, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen.append(Path(src).name)
        finally:
            os.close(fd)
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    write_atomically(tmp_path / "r", ["x"])
    assert len(seen) == 1 and (tmp_path / "r").read_text() == "x"


def test_a_temporary_removed_before_its_writer_locked_it_is_replaced(tmp_path, monkeypatch):
    """A clean-up running between a temporary's creation and its lock removes it; the writer must
    notice and write under a new temporary, not into a file that no longer has a name."""
    target = tmp_path / "r"
    real_flock = fcntl.flock
    raced: list[list[Path]] = []

    def flock(fd, operation):
        if not raced:  # the writer's first lock: a clean-up comes just before it
            raced.append([])
            raced[0].extend(remove_abandoned(target))
        return real_flock(fd, operation)

    monkeypatch.setattr(files.fcntl, "flock", flock)
    write_atomically(target, ["whole\n"])
    assert len(raced[0]) == 1  # the first temporary was taken away
    assert target.read_text() == "whole\n"
    assert listing(tmp_path) == ["r"]


def test_keyboard_interrupt_inside_the_parts_removes_the_temporary(tmp_path, monkeypatch):
    def respond(*args, **kwargs):
        yield "first part\n"
        raise KeyboardInterrupt

    monkeypatch.setattr(response_file, "respond", respond)
    out = tmp_path / "out"
    out.mkdir()
    (out / "certificate.txt.resp").write_text("old\n")
    with SQLiteStore(tmp_path / "ecert.db") as store, pytest.raises(KeyboardInterrupt):
        process_file(SPEC / "certificate.txt", store, out, CLOCK)
    assert listing(out) == ["certificate.txt.resp"]
    assert (out / "certificate.txt.resp").read_text() == "old\n"


def test_process_file_removes_the_temporaries_a_killed_run_left(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for left in (".certificate.txt.resp.0123abcd.tmp", ".certificate.txt.resp.89abcdef.tmp"):
        (out / left).write_text("half")
    with SQLiteStore(tmp_path / "ecert.db") as store:
        process_file(SPEC / "certificate.txt", store, out, CLOCK)
    assert listing(out) == ["certificate.txt.resp"]


# -- responses of different files never overwrite each other -----------------------------------

def invoke(*args: str):
    return CliRunner().invoke(process, list(args))


def test_two_files_of_one_name_in_one_run_are_a_usage_error(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    (tmp_path / "a" / "x.txt").write_bytes((SPEC / "certificate.txt").read_bytes())
    (tmp_path / "b" / "x.txt").write_bytes((SPEC / "entry.txt").read_bytes())
    db, out = tmp_path / "ecert.db", tmp_path / "o"
    result = invoke("--db", str(db), "--out", str(out), "--clock", CLOCK_TEXT,
                    str(tmp_path / "a" / "x.txt"), str(tmp_path / "b" / "x.txt"))
    assert result.exit_code == 2, result.output
    assert "would both be answered in" in result.output
    assert "nothing was processed" in result.output
    assert listing(out) == [] and not db.exists()


def test_a_response_that_would_replace_a_file_of_the_run_is_a_usage_error(tmp_path):
    (tmp_path / "x.txt").write_bytes((SPEC / "certificate.txt").read_bytes())
    (tmp_path / "x.txt.resp").write_bytes((SPEC / "entry.txt").read_bytes())
    result = invoke("--db", str(tmp_path / "ecert.db"), "--out", str(tmp_path),
                    "--clock", CLOCK_TEXT, str(tmp_path / "x.txt.resp"), str(tmp_path / "x.txt"))
    assert result.exit_code == 2, result.output
    assert "would replace" in result.output
    assert (tmp_path / "x.txt.resp").read_bytes() == (SPEC / "entry.txt").read_bytes()


def test_a_file_processed_again_rewrites_its_own_response(tmp_path):
    """Named twice in one run (by two paths), and again in a later run: its own response each time."""
    db, out = tmp_path / "ecert.db", tmp_path / "o"
    cert = tmp_path / "cert.txt"
    cert.write_bytes((SPEC / "certificate.txt").read_bytes())
    result = invoke("--db", str(db), "--out", str(out), "--clock", CLOCK_TEXT,
                    str(cert), str(tmp_path / "." / "cert.txt"))
    assert result.exit_code == 0, result.output
    first = (out / "cert.txt.resp").read_bytes()
    assert summarize(first.decode()) == "A"
    result = invoke("--db", str(db), "--out", str(out), "--clock", "2026-01-16T09:00:00",
                    str(cert))
    assert result.exit_code == 0, result.output
    assert listing(out) == ["cert.txt.resp"]
    assert (out / "cert.txt.resp").read_bytes() == first


def watch_once(root: Path, db: Path) -> Watcher:
    with SQLiteStore(db) as store:
        watcher = Watcher(root, store, clock=CLOCK)
        watcher.run(once=True)
    return watcher


def drop(inbox: Path, name: str, data: bytes) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / f"{name}.tmp").write_bytes(data)
    os.replace(inbox / f"{name}.tmp", inbox / name)


def test_each_archived_file_is_answered_under_its_archived_name(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    sent = [(SPEC / "certificate.txt").read_bytes(), (SPEC / "entry.txt").read_bytes(),
            (SPEC / "certificate.txt").read_bytes()]
    for data in sent:
        drop(root / "inbox", "same.txt", data)
        watch_once(root, db)
    day = root / "archive" / "2026-01-15"
    assert listing(day) == ["same.txt", "same.txt.1", "same.txt.2"]
    assert listing(root / "outbox") == ["same.txt.1.resp", "same.txt.2.resp", "same.txt.resp"]
    for name, data in zip(["same.txt", "same.txt.1", "same.txt.2"], sent, strict=True):
        assert (day / name).read_bytes() == data
    first = (root / "outbox" / "same.txt.resp").read_text()
    assert summarize(first) == "A"
    assert summarize((root / "outbox" / "same.txt.1.resp").read_text()) == "A"
    assert first != (root / "outbox" / "same.txt.1.resp").read_text()  # the entry's, not kept over
    assert (root / "outbox" / "same.txt.2.resp").read_text() == first  # a repeat: the first again


def test_a_collected_response_frees_its_name_for_a_later_day(tmp_path):
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    drop(root / "inbox", "same.txt", (SPEC / "certificate.txt").read_bytes())
    watch_once(root, db)
    (root / "outbox" / "same.txt.resp").unlink()  # collected
    drop(root / "inbox", "same.txt", (SPEC / "entry.txt").read_bytes())
    with SQLiteStore(db) as store:
        Watcher(root, store, clock=CLOCK + dt.timedelta(days=1)).run(once=True)
    assert listing(root / "outbox") == ["same.txt.resp"]
    assert listing(root / "archive" / "2026-01-16") == ["same.txt"]


def test_a_file_finished_after_a_stop_keeps_the_number_it_was_given(tmp_path):
    """Stopped after its response was written, before it was archived: the restart re-writes
    that response and archives the file under the same number, and adds no second response."""
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    watch_once(root, db)
    leftover = root / "processing" / f"same.txt{claim_suffix()}.1"
    leftover.write_bytes((SPEC / "certificate.txt").read_bytes())
    (root / "outbox" / "same.txt.1.resp").write_text("written before the stop\n")
    watch_once(root, db)
    assert listing(root / "processing") == []
    assert listing(root / "outbox") == ["same.txt.1.resp"]
    assert summarize((root / "outbox" / "same.txt.1.resp").read_text()) == "A"
    assert listing(root / "archive" / "2026-01-15") == ["same.txt.1"]


@pytest.mark.slow
@needs_job_control
def test_a_name_dropped_while_its_first_file_is_processed_gets_its_own_response(tmp_path, big):
    """The first same.txt is half processed (its watcher stopped by the test hook) when a second
    same.txt arrives and another watcher, waiting for its turn, answers it; both responses must
    remain."""
    db = registered(tmp_path, big)
    root = tmp_path / "drop"
    drop(root / "inbox", "same.txt", big["entries"].read_bytes())
    first = subprocess.Popen([*ECERT, "watch", str(root), "--db", str(db), "--once",
                              "--clock", CLOCK_TEXT], stderr=subprocess.PIPE, text=True,
                             env={**os.environ, PAUSE_AFTER_GROUP: "1"})
    second = None
    try:
        _, status = os.waitpid(first.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the first watcher ended before its first commit"
        drop(root / "inbox", "same.txt", (SPEC / "entry.txt").read_bytes())
        second = subprocess.Popen([*ECERT, "watch", str(root), "--db", str(db), "--once",
                                   "--clock", CLOCK_TEXT], stderr=subprocess.PIPE, text=True)
    finally:
        first.send_signal(signal.SIGCONT)
    _, err = first.communicate(timeout=DEADLINE)
    assert first.returncode == 0, err
    assert second is not None
    _, err = second.communicate(timeout=DEADLINE)
    assert second.returncode == 0, err
    day = root / "archive" / "2026-01-15"
    assert listing(day) == ["same.txt", "same.txt.1"]
    assert listing(root / "outbox") == ["same.txt.1.resp", "same.txt.resp"]
    assert (root / "outbox" / "same.txt.resp").read_bytes() == big["response"]
    assert (day / "same.txt.1").read_bytes() == (SPEC / "entry.txt").read_bytes()
    assert (root / "outbox" / "same.txt.1.resp").read_bytes() != big["response"]
