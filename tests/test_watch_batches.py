"""Small files answered in batches: the same answers as one at a time, none before its commit."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from ledger_audit import ledger_problems
from test_watch import CLOCK, CLOCK_TEXT, DEADLINE, ECERT, entry_file, listing, once, register

import ecert_edi.processing.batch as batch_module
import ecert_edi.surfaces.watch as watch_module
from ecert_edi.processing.environments import Routed
from ecert_edi.processing.transmission import PAUSE_AFTER_GROUP
from ecert_edi.store import open_store
from ecert_edi.store.environments import PRODUCTION, TEST, Ledgers, environment_target

SCENARIOS = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios"


def inbound_files(scenario: Path) -> list[Path]:
    return sorted(p for p in scenario.iterdir() if p.is_file() and p.name[:2].isdigit())


def deliver(inbox: Path, files: list[tuple[str, bytes]]) -> None:
    """Files in the inbox in the order given (oldest first), as if sent one after another."""
    inbox.mkdir(parents=True, exist_ok=True)
    stamp = time.time_ns() - 3600 * 10**9
    for k, (name, data) in enumerate(files):
        (inbox / f"{name}.tmp").write_bytes(data)
        os.replace(inbox / f"{name}.tmp", inbox / name)
        os.utime(inbox / name, ns=(stamp + k * 10**6, stamp + k * 10**6))


def one_at_a_time(files: list[tuple[str, bytes]], folder: Path) -> dict[str, bytes]:
    """The answers of `process` to each file in turn: the reference a batch must equal."""
    sent, out = folder / "sent", folder / "out"
    sent.mkdir(parents=True)
    with Ledgers(folder / "ecert.db", open_store) as ledgers:
        routed = Routed(ledgers)
        for name, data in files:
            (sent / name).write_bytes(data)
            routed.answer(sent / name, out, CLOCK)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def answers(root: Path) -> dict[str, bytes]:
    outbox = root / "outbox"
    return {p.name: p.read_bytes() for p in sorted(outbox.iterdir())
            if not p.name.startswith(".")}


def balances(db: Path) -> dict:
    found = {}
    for environment in (PRODUCTION, TEST):
        target = Path(environment_target(db, environment))
        if target.exists():
            with open_store(target, create=False) as store:
                found[environment] = {c.key: (c.balance, c.voided) for c in
                                      store.all_certificates()}
    return found


@pytest.mark.parametrize("size", [50, 2], ids=["one-batch", "batches-of-2"])
@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir()))
def test_a_batch_answers_every_scenario_as_files_one_at_a_time(tmp_path, monkeypatch,
                                                               scenario, size):
    """Entries, cancels, queries after the entries they ask about, rejections, repeats and
    X12 interchanges (answered alone, between batches): the bytes of one file at a time."""
    files = [(p.name, p.read_bytes()) for p in inbound_files(SCENARIOS / scenario)]
    expected = one_at_a_time(files, tmp_path / "reference")
    monkeypatch.setattr(watch_module, "BATCH_FILES", size)
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    deliver(root / "inbox", files)
    watcher = once(root, db)
    assert watcher.tally.processed == len(files) and watcher.tally.failed == 0
    assert answers(root) == expected
    assert balances(db) == balances(tmp_path / "reference" / "ecert.db")
    assert listing(root / "processing") == []


def test_a_file_that_fails_in_a_batch_is_undone_alone_and_the_rest_answered_once(
        tmp_path, monkeypatch):
    """The failing file goes to failed/ with its reason; the batch it was in is answered again
    without it, so nothing of it is kept and nothing of the others is applied twice."""
    files = [(f"e{k}.txt", entry_file(k, quantity=1_000)) for k in range(1, 7)]
    (tmp_path / "reference").mkdir()
    register(tmp_path / "reference" / "ecert.db")
    kept = [f for f in files if f[0] != "e4.txt"]
    expected = one_at_a_time(kept, tmp_path / "reference")

    real = batch_module.stage_response

    def faulty(source, *args, **kwargs):
        if Path(source.name).name.startswith("e4.txt"):
            real(source, *args, **kwargs)  # applied in full, then fails: all must be undone
            raise RuntimeError("a fault after the file was applied")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(batch_module, "stage_response", faulty)
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    register(db)
    deliver(root / "inbox", files)
    watcher = once(root, db)
    assert (watcher.tally.processed, watcher.tally.failed) == (5, 1)
    assert listing(root / "failed") == ["e4.txt", "e4.txt.reason"]
    assert "a fault after the file was applied" in (root / "failed" / "e4.txt.reason").read_text()
    assert answers(root) == expected
    assert balances(db) == balances(tmp_path / "reference" / "ecert.db")
    assert ledger_problems(db) == []


def test_a_watcher_killed_inside_a_batch_has_given_no_answer_and_a_restart_gives_each_once(
        tmp_path):
    """Killed after the third file of a batch was applied, before the batch's commit: nothing
    is in outbox/ (no response is given for what the crash takes back), and the next
    watcher answers every file once, the ledger as if it had never stopped."""
    files = [(f"e{k}.txt", entry_file(k, quantity=1_000)) for k in range(1, 9)]
    (tmp_path / "reference").mkdir()
    register(tmp_path / "reference" / "ecert.db")
    expected = one_at_a_time(files, tmp_path / "reference")
    root, db = tmp_path / "drop", tmp_path / "ecert.db"
    register(db)
    registered = balances(db)
    deliver(root / "inbox", files)
    # each small file is one commit group: the watcher stops itself after the third file's
    proc = subprocess.Popen([*ECERT, "watch", str(root), "--db", str(db), "--once",
                             "--clock", CLOCK_TEXT], stderr=subprocess.DEVNULL,
                            env={**os.environ, PAUSE_AFTER_GROUP: "3"})
    try:
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the watcher ended before its third commit group"
        # the three responses are held in memory until the commit: not even a temporary yet
        assert listing(root / "outbox") == []
        assert balances(db)[TEST] == registered[TEST]  # nothing committed yet
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=DEADLINE)
    again = subprocess.run([*ECERT, "watch", str(root), "--db", str(db), "--once",
                            "--clock", CLOCK_TEXT], capture_output=True, text=True,
                           timeout=DEADLINE, check=False)
    assert again.returncode == 0, again.stderr
    assert answers(root) == expected
    assert balances(db) == balances(tmp_path / "reference" / "ecert.db")
    assert ledger_problems(db) == []
    assert listing(root / "processing") == []
