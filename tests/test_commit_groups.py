"""A commit group's decisions are written together (one statement per table) and read by the
later transactions of the group: the result is exactly that of writing each one on its own."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest
from abi import FILER, batch, record, to_bytes, transmission
from txn_builders import entry_number

from ecert_edi.processing import process_file
from ecert_edi.processing import transmission as processing
from ecert_edi.store import SQLiteStore

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
    with sqlite3.connect(db) as conn:
        return {table: conn.execute(f"SELECT {cols} FROM {table} ORDER BY {order}").fetchall()
                for table, cols, order in [
                    ("certificates", "country, number, allowance, balance, deducted, restored",
                     "country, number"),
                    ("entries", "entry_number, ior, status", "entry_number"),
                    ("entry_lines", "*", "entry_number, line_number"),
                    ("activities", "id, country, certificate, entry_number, line_number,"
                     " activity, quantity, balance_after, allowance", "id"),
                ]}


def _run(folder, files):
    folder.mkdir()
    with SQLiteStore(folder / "ecert.db") as store:
        outcomes = [process_file(f, store, folder / "out", CLOCK) for f in files]
        assert store.check_ledger() == []
    return outcomes[-1].response.read_bytes(), _state(folder / "ecert.db")


def test_a_group_written_together_is_the_same_as_each_written_alone(tmp_path, monkeypatch):
    files = _files(tmp_path)
    together = _run(tmp_path / "together", files)  # the whole file in one group
    monkeypatch.setattr(processing, "COMMIT_EVERY", 1)
    alone = _run(tmp_path / "alone", files)
    assert together[0] == alone[0]
    assert together[1] == alone[1]
    kinds = {row[5] for row in together[1]["activities"]}
    assert kinds == {"D", "I"}  # replaces and cancels did restore within the group


@pytest.mark.parametrize("every", [7, 64])
def test_group_boundaries_anywhere_change_nothing(tmp_path, monkeypatch, every):
    files = _files(tmp_path)
    reference = _run(tmp_path / "reference", files)
    monkeypatch.setattr(processing, "COMMIT_EVERY", every)
    assert _run(tmp_path / f"every-{every}", files) == reference
