"""A commit group's decisions are written together (one statement per table) and read by the
later transactions of the group: the result is exactly that of writing each one on its own."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest
from abi import FILER, batch, record, to_bytes, transmission
from postgres import raw
from txn_builders import entry_number

from ecert_edi.ledger import Ledger
from ecert_edi.processing import process_file
from ecert_edi.processing import transmission as processing
from ecert_edi.store import SQLiteStore, open_store

CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)
CERTS = [f"AU-G-{i:03d}" for i in range(1, 9)]


def _files(folder):
    rng = random.Random(20261201)
    cr = folder / "cr.txt"
    cr.write_bytes(to_bytes(transmission(batch("CR", [
        record("C0", certificate_number=n, allowance_quantity=rng.randint(50, 120) * 100)
        for n in CERTS]), header={"control_number": "AU00000000G001"})))
    records, serial = [], 0
    for _ in range(400):
        roll = rng.random()
        if serial and roll < 0.2:  # a replace of an entry often of this same group
            number, action = entry_number("B2X", rng.randint(max(1, serial - 5), serial)), "R"
        elif serial and roll < 0.3:
            records.append(record("E0", action="C", entry_number=entry_number(
                "B2X", rng.randint(max(1, serial - 5), serial))))
            continue
        elif serial and roll < 0.35:  # the same add again: 900 or 207
            number, action = entry_number("B2X", rng.randint(1, serial)), "A"
        else:
            serial += 1
            number, action = entry_number("B2X", serial), "A"
        records.append(record("E0", action=action, entry_number=number))
        for line in range(1, rng.randint(1, 3) + 1):
            records.append(record("E1", line_number=line, certificate_number=rng.choice(CERTS),
                                  quantity=rng.randint(1, 20) * 100))
    en = folder / "en.txt"
    en.write_bytes(to_bytes(transmission(batch("EN", records),
                                         header={**FILER, "control_number": "B2X0000000G001"})))
    return cr, en


def _state(db) -> dict[str, list[tuple]]:
    with raw(db) as conn:
        return {table: conn.execute(f"SELECT {cols} FROM {table} ORDER BY {order}").fetchall()
                for table, cols, order in [
                    ("certificates", "country, number, allowance, balance, deducted, restored",
                     "country, number"),
                    ("entries", "entry_number, ior, status", "entry_number"),
                    ("entry_lines", "*", "entry_number, line_number"),
                    ("activities", "id, country, certificate, entry_number, line_number,"
                     " activity, quantity, balance_after, allowance", "id"),
                ]}


def _run(folder, files, fresh_ledger):
    folder.mkdir()
    db = fresh_ledger(folder)
    with open_store(db) as store:
        outcomes = [process_file(f, store, folder / "out", CLOCK) for f in files]
        assert store.check_ledger() == []
    return outcomes[-1].response.read_bytes(), _state(db)


def test_a_group_written_together_is_the_same_as_each_written_alone(tmp_path, monkeypatch,
                                                                    fresh_ledger):
    files = _files(tmp_path)
    together = _run(tmp_path / "together", files, fresh_ledger)  # the whole file in one group
    monkeypatch.setattr(processing, "COMMIT_EVERY", 1)
    alone = _run(tmp_path / "alone", files, fresh_ledger)
    assert together[0] == alone[0]
    assert together[1] == alone[1]
    kinds = {row[5] for row in together[1]["activities"]}
    assert kinds == {"D", "I"}  # replaces and cancels did restore within the group


@pytest.mark.parametrize("every", [7, 64])
def test_group_boundaries_anywhere_change_nothing(tmp_path, monkeypatch, every, fresh_ledger):
    files = _files(tmp_path)
    reference = _run(tmp_path / "reference", files, fresh_ledger)
    monkeypatch.setattr(processing, "COMMIT_EVERY", every)
    assert _run(tmp_path / f"every-{every}", files, fresh_ledger) == reference


# -- a group's state read ahead, together -------------------------------------------------------
def _with_queries(folder):
    """The certificates, and the entries of `_files` in three batches with queries between
    them (a query ends a commit group: it is answered from the ledger the group before left)."""
    cr, en = _files(folder)
    records = [ln for ln in en.read_text().splitlines() if ln[:2] in ("E0", "E1")]
    starts = [i for i, ln in enumerate(records) if ln.startswith("E0")]
    third = len(starts) // 3
    cut = [0, starts[third], starts[2 * third], len(records)]
    query = [record("Q0", query_type="C", certificate_number=n)
             for n in CERTS[:3]]
    parts = []
    for k in range(3):
        parts.append(batch("EN", records[cut[k]:cut[k + 1]]))
        if k < 2:
            parts.append(batch("EC", query))
    mixed = folder / "mixed.txt"
    mixed.write_bytes(to_bytes(transmission(*parts, header={**FILER,
                                                            "control_number": "B2X0000000G002"})))
    return cr, mixed


@pytest.mark.parametrize("every", [5, 1000])
def test_reading_a_group_ahead_changes_nothing(tmp_path, monkeypatch, every, fresh_ledger):
    """Entries and certificates read together at a group's start (Ledger.expect) decide exactly
    what reading each when its transaction comes decides, queries between the groups too."""
    files = _with_queries(tmp_path)
    monkeypatch.setattr(processing, "COMMIT_EVERY", every)
    ahead = _run(tmp_path / "ahead", files, fresh_ledger)
    monkeypatch.setattr(Ledger, "expect", lambda self, numbers, keys=(): None)
    one_by_one = _run(tmp_path / "one-by-one", files, fresh_ledger)
    assert ahead == one_by_one
    assert b"S1" in ahead[0]  # the queries were answered, with their usage rows


def test_a_group_reads_its_entries_and_certificates_in_one_go(tmp_path, monkeypatch,
                                                              ledger_target):
    """Each entry and each certificate a group's transactions name is read once, in the
    group's look-ups, not by one statement a transaction."""
    cr, en = _files(tmp_path)
    calls = {"entry": 0, "certificate": 0, "entries": 0, "certificates": 0}
    folder = tmp_path / "db"
    folder.mkdir()
    with open_store(ledger_target) as store:
        for name in calls:
            real = getattr(type(store), name)

            def counted(self, *args, _real=real, _name=name, **kwargs):
                calls[_name] += 1
                return _real(self, *args, **kwargs)

            monkeypatch.setattr(type(store), name, counted)
        monkeypatch.setattr(processing, "COMMIT_EVERY", 50)
        process_file(cr, store, folder / "out", CLOCK)
        before = dict(calls)
        outcome = process_file(en, store, folder / "out", CLOCK)
        assert store.check_ledger() == []
    groups = -(-outcome.transactions // 50)
    assert calls["entry"] == before["entry"]  # no entry looked up on its own
    assert calls["certificate"] == before["certificate"]
    assert calls["entries"] - before["entries"] == groups
    # certificates: read in the first group, then kept (one look-up a group at most)
    assert 1 <= calls["certificates"] - before["certificates"] <= groups


def test_completing_a_transmission_leaves_almost_no_free_pages(tmp_path, monkeypatch):
    """The saved parts of a transmission are dropped before its whole response is kept: the
    pages they free take the response, and the file is left with a page or two free, not the
    pages the parts held (written the other way round, every one of them stayed free)."""
    files = _files(tmp_path)
    monkeypatch.setattr(processing, "COMMIT_EVERY", 20)  # many saved parts
    saved = []
    real = SQLiteStore.complete_transmission

    def complete(self, transmission, parts):
        (size,) = self.conn.execute("SELECT coalesce(sum(length(text)), 0) FROM response_chunks"
                                    " WHERE transmission_id = ?", (transmission,)).fetchone()
        saved.append(size)
        return real(self, transmission, parts)

    monkeypatch.setattr(SQLiteStore, "complete_transmission", complete)
    _run(tmp_path / "run", files, lambda folder: str(folder / "ecert.db"))
    with sqlite3.connect(tmp_path / "run" / "ecert.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM response_chunks").fetchone() == (0,)
        (free,) = conn.execute("PRAGMA freelist_count").fetchone()
        (page,) = conn.execute("PRAGMA page_size").fetchone()
    assert saved[-1] > 20 * page  # the parts held many pages
    assert free * page * 10 < saved[-1]
