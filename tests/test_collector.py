"""A long transmission freezes what is alive after each commit group from the tenth on, and gives
it all back at its end: cycles it left are then collected, and the process's own freeze stays."""

from __future__ import annotations

import datetime as dt
import gc
import weakref

import pytest
from abi import FILER, batch, record, to_bytes, transmission
from txn_builders import entry_number

from ecert_edi.processing import collector
from ecert_edi.processing import transmission as processing
from ecert_edi.processing.transmission import respond
from ecert_edi.store import SQLiteStore

CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)
EVERY = 2  # transactions a commit group


class _Cycle:
    """An object kept alive only by a reference to itself: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


def _entries(count: int) -> bytes:
    return to_bytes(transmission(batch("EN", [
        rec for serial in range(1, count + 1)
        for rec in (record("E0", entry_number=entry_number("B2X", serial)),
                    record("E1", line_number=1, quantity=100))]),
        header={**FILER, "control_number": f"B2X00000{count:06d}"}))


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(processing, "COMMIT_EVERY", EVERY)
    with SQLiteStore(tmp_path / "ecert.db") as opened:
        "".join(respond(to_bytes(transmission(batch("CR", [record("C0")]))), opened, CLOCK))
        yield opened


@pytest.fixture
def collector_off():
    """The automatic collector off, so a garbage cycle waits for a pass this test makes, and
    nothing frozen (a command run in this process before froze its imports): put back after."""
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
        if frozen:
            gc.collect()
            gc.freeze()


def test_a_long_transmission_freezes_after_its_tenth_group_and_releases_at_its_end(
        store, collector_off):
    units = EVERY * (collector.SETTLE_AFTER_GROUPS + 5)
    assert gc.get_freeze_count() == 0
    parts = respond(_entries(units), store, CLOCK)
    ref = weakref.ref(_Cycle())  # garbage from before the first freeze
    counts = [gc.get_freeze_count() for _ in parts]
    assert counts[0] == 0  # the first group's parts: nothing frozen yet
    assert max(counts) > 0
    gc.collect()
    assert ref() is None  # unfrozen at the end: the next pass takes it
    assert gc.get_freeze_count() == 0


def test_a_cycle_frozen_during_a_transmission_survives_passes_until_its_end(store,
                                                                            collector_off):
    units = EVERY * (collector.SETTLE_AFTER_GROUPS + 5)
    parts = respond(_entries(units), store, CLOCK)
    ref = weakref.ref(_Cycle())
    while gc.get_freeze_count() == 0:
        next(parts)
    gc.collect()
    assert ref() is not None  # frozen: no pass looks at it
    for _ in parts:
        pass
    gc.collect()
    assert ref() is None


def test_the_process_freeze_is_kept_and_the_cycles_collected_at_the_end(store, collector_off):
    gc.freeze()  # as the command line does after its imports
    before = gc.get_freeze_count()
    assert before > 0
    ref = weakref.ref(_Cycle())
    "".join(respond(_entries(EVERY * (collector.SETTLE_AFTER_GROUPS + 3)), store, CLOCK))
    assert ref() is None  # the end's own full pass took it, with no pass of this test's
    assert gc.get_freeze_count() > 0  # the process's objects frozen again


def test_a_transmission_of_few_groups_freezes_nothing(store, collector_off):
    units = EVERY * (collector.SETTLE_AFTER_GROUPS - 2)
    counts = [gc.get_freeze_count() for _ in respond(_entries(units), store, CLOCK)]
    assert counts and set(counts) == {0}


def test_an_abandoned_transmission_still_releases(store, collector_off):
    units = EVERY * (collector.SETTLE_AFTER_GROUPS + 5)
    parts = respond(_entries(units), store, CLOCK)
    while gc.get_freeze_count() == 0:
        next(parts)
    next(parts)
    parts.close()
    assert gc.get_freeze_count() == 0
