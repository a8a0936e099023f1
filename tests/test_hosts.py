"""Drop-folder workers on several hosts sharing one PostgreSQL ledger, some killed and restarted."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import postgres
import pytest
from test_watch import CLOCK, CLOCK_TEXT, DEADLINE, ECERT, SPEC, entry_file, listing

from ecert_edi.bindings.abi.reading import parse_file
from ecert_edi.domain.transactions import Response
from ecert_edi.processing.environments import Routed
from ecert_edi.processing.transmission import PAUSE_AFTER_GROUP, PAUSE_BEFORE_COMMIT
from ecert_edi.store import open_store
from ecert_edi.store.environments import TEST, Ledgers, environment_target

pytestmark = pytest.mark.slow

FILERS = ("B2X", "C3Y", "D4Z", "E5W", "F6V")  # one host each, its own drop folder
FILES = 12  # entry transmissions a host is sent
QUANTITY = 100_000  # hundredths of KG an entry draws: together twice the allowance


def deliver(inbox: Path, filer: str) -> list[str]:
    inbox.mkdir(parents=True, exist_ok=True)
    names = []
    for serial in range(1, FILES + 1):
        name = f"{filer}-{serial:02d}.txt"
        (inbox / f"{name}.tmp").write_bytes(entry_file(serial, QUANTITY, filer))
        os.replace(inbox / f"{name}.tmp", inbox / name)
        names.append(name)
    return names


def watcher(root: Path, url: str, *, pause: tuple[str, int] | None = None) -> subprocess.Popen:
    env = {**os.environ, pause[0]: str(pause[1])} if pause else None
    return subprocess.Popen([*ECERT, "watch", str(root), "--db", url, "--once", "--clock",
                             CLOCK_TEXT], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=env)


def accepted_entries(response: Path) -> list[str]:
    """The entry numbers a response accepted (R0 of an E0 with disposition A)."""
    found = []
    for event in parse_file(response, direction="response").events:
        if isinstance(event, Response) and event.header["subject_record"] == "E0" \
                and event.header["disposition"] == "A":
            found.append(str(event.header["key"]).strip())
    return found


def test_workers_on_several_hosts_share_one_ledger_and_charge_nothing_twice(
        postgres_database, tmp_path):
    """Five watchers, each on its own drop folder (as on hosts that share nothing but the
    database URL), draw on one certificate that covers half of what they are sent; one is
    killed with SIGKILL between a file's commit and its response put in place, one in the
    middle of a file's transaction (applied, not committed, the certificate's row held), and
    both are started again.  Afterwards
    every file is answered once and archived once, the ledger checks out, the certificate's
    deductions are exactly the accepted entries' quantities, and no entry is charged twice."""
    url = postgres.schema_url(postgres_database)
    with Ledgers(url, open_store) as ledgers:
        Routed(ledgers).answer(SPEC / "certificate.txt", tmp_path / "setup", CLOCK)
    roots = {filer: tmp_path / f"host-{filer}" for filer in FILERS}
    sent = {filer: deliver(root / "inbox", filer) for filer, root in roots.items()}

    # each file is a transaction of its own where writers do not take turns: the killed ones
    # stop themselves at their Nth file, the N-1 before it answered: right after its commit,
    # before its response is in place (the restart answers it with the response kept), or
    # before its commit, holding the certificate's row (the server rolls it back)
    killed = {"B2X": (PAUSE_AFTER_GROUP, 4), "E5W": (PAUSE_BEFORE_COMMIT, 7)}

    def completed() -> int:
        with open_store(environment_target(url, TEST), create=False) as store:
            return sum(t.complete for t in store.transmissions())

    for filer, pause in killed.items():
        before = completed()
        proc = watcher(roots[filer], url, pause=pause)
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the watcher ended before the group it stops at"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=DEADLINE)
        assert sorted(n for n in listing(roots[filer] / "outbox") if not n.startswith(".")) \
            == [f"{name}.resp" for name in sent[filer][:pause[1] - 1]]
        # committed: the Nth file too after its commit, not the one stopped before it
        assert completed() - before == pause[1] - (pause[0] == PAUSE_BEFORE_COMMIT)
    running = {filer: watcher(root, url) for filer, root in roots.items()}
    for filer, proc in running.items():
        _, err = proc.communicate(timeout=DEADLINE * 4)
        assert proc.returncode == 0, f"{filer}: {err}"
        assert "Traceback" not in err

    accepted: list[str] = []
    for filer, root in roots.items():
        responses = sorted(n for n in listing(root / "outbox") if not n.startswith("."))
        assert responses == sorted(f"{name}.resp" for name in sent[filer])
        assert listing(root / "processing") == [] and listing(root / "failed") == []
        (day,) = (root / "archive").iterdir()
        assert sorted(listing(day)) == sorted(sent[filer])
        for name in responses:
            accepted += accepted_entries(root / "outbox" / name)
    assert len(accepted) == len(set(accepted))

    check = subprocess.run([*ECERT, "check", "--db", url, "--environment", "test"],
                           capture_output=True, text=True, timeout=DEADLINE, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    with open_store(environment_target(url, TEST), create=False) as store:
        cert = store.certificate("AU", "AU2026-000123")
        rows = list(store.ledger("AU", "AU2026-000123"))
    charged = [row.entry_number for row in rows if row.activity == "D"]
    assert sorted(charged) == sorted(accepted)  # each accepted entry once, nothing else
    assert cert.allowance - cert.balance == QUANTITY * len(accepted)
    assert cert.balance < QUANTITY  # the allowance is used up: the rest were refused (202)
    assert len(accepted) == cert.allowance // QUANTITY
    assert all(re.fullmatch(r"[A-Z0-9]{3}\d{8}", n) for n in accepted)
