"""Ctrl-C in `ecert watch`: the first finishes the file in hand and says so, a second stops now."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from ecert_edi.processing.transmission import PAUSE_AFTER_GROUP
from ecert_edi.store import SQLiteStore
from test_watch import (  # noqa: F401 - big is a fixture
    CLOCK_TEXT,
    DEADLINE,
    ECERT,
    archived,
    big,
    drop,
    ecert,
    ledger_file,
    listing,
    prepared,
    reference,
)

pytestmark = pytest.mark.slow


def _paused_watcher(root, db, groups: str) -> subprocess.Popen:
    """A watcher that stops itself after the commit groups named, stopped at the first now."""
    proc = subprocess.Popen([*ECERT, "watch", str(root), "--db", str(db), "--clock", CLOCK_TEXT,
                             "--poll", "0.2"], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, PAUSE_AFTER_GROUP: groups})
    _stopped(proc)
    return proc


def _stopped(proc: subprocess.Popen) -> None:
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the watcher ended before the commit group it stops at"


def _interrupt(proc: subprocess.Popen) -> None:
    """Ctrl-C to a stopped watcher, then let it go on: the handler runs once it continues."""
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGCONT)


def _line_with(proc: subprocess.Popen, text: str) -> str:
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r} in {''.join(seen)}")


def test_a_first_ctrl_c_says_what_it_finishes_then_finishes_it(tmp_path, big):
    root, db = prepared(tmp_path, big)
    name = big["entries"].name
    drop(root / "inbox", name, big["entries"].read_bytes())
    watcher = _paused_watcher(root, db, "1")
    _interrupt(watcher)
    said = _line_with(watcher, "Ctrl-C again stops now")
    assert f"finishing {name}" in said
    _, rest = watcher.communicate(timeout=DEADLINE)
    assert watcher.returncode == 0, rest
    assert archived(root) == [name] and listing(root / "processing") == []
    response, _ = reference(tmp_path, big)
    assert (root / "outbox" / f"{name}.resp").read_bytes() == response


def test_a_second_ctrl_c_stops_now_with_status_130_and_a_restart_finishes(tmp_path, big):
    root, db = prepared(tmp_path, big)
    name = big["entries"].name
    drop(root / "inbox", name, big["entries"].read_bytes())
    watcher = _paused_watcher(root, db, "1,2")
    _interrupt(watcher)
    _line_with(watcher, "Ctrl-C again stops now")
    _stopped(watcher)  # after the second group: the file is still in hand
    _interrupt(watcher)
    _, rest = watcher.communicate(timeout=DEADLINE)
    assert watcher.returncode == 130, rest
    assert f"{name} is left in processing/" in rest and "start the watcher again" in rest
    assert "Traceback" not in rest
    assert [n for n in listing(root / "outbox") if not n.startswith(".")] == []
    assert archived(root) == []

    again = ecert("watch", str(root), "--db", str(db), "--once", "--clock", CLOCK_TEXT)
    assert again.returncode == 0, again.stderr
    response, balances = reference(tmp_path, big)
    assert (root / "outbox" / f"{name}.resp").read_bytes() == response
    with SQLiteStore(ledger_file(db)) as store:
        assert {c.key: c.balance for c in store.all_certificates()} == balances
