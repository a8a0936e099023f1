"""Issue: a query held the write lock.  An EC query was answered inside the write transaction
(a 5-line query file held the lock 45 s over 2.6 M ledger rows, a concurrent entry file failed with
`database is locked`) and held its whole answer in memory.  Queries are now answered from a read
snapshot outside any write, their S1 records streamed from the cursor; a writer that meets the
lock waits and tries again; a re-sent query file is still answered byte for byte."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tracemalloc

import pytest

from ecert_edi.processing import process_file, respond
from ecert_edi.processing import transmission as processing
from ecert_edi.store import SQLiteStore
from ecert_edi.surfaces.generate import generate_usage_set

CLOCK = dt.datetime(2026, 1, 15, 9, 30, 0)
ROWS = 3000  # usage rows of the one certificate: an answer of about 240 KB


def _usage_database(folder, rows: int):
    """A database of one certificate with `rows` ledger rows, and two query files asking for it."""
    files = generate_usage_set(folder / "files", rows, queries=2, seed=3)
    db = folder / "ecert.db"
    with SQLiteStore(db) as store:
        for path in (files.certificates, files.entries):
            process_file(path, store, folder / "setup", CLOCK)
    return folder, db, files


@pytest.fixture(scope="module")
def usage(tmp_path_factory):
    return _usage_database(tmp_path_factory.mktemp("usage"), ROWS)


@pytest.fixture(scope="module")
def four_times_the_usage(tmp_path_factory):
    return _usage_database(tmp_path_factory.mktemp("usage4"), 4 * ROWS)


def _copy(db, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    target = tmp_path / "ecert.db"
    with sqlite3.connect(db) as source, sqlite3.connect(target) as dest:
        source.backup(dest)
    return target


def test_no_write_lock_is_held_while_a_query_is_answered(usage, tmp_path):
    _folder, db, files = usage
    db = _copy(db, tmp_path)
    other = sqlite3.connect(db, timeout=0, isolation_level=None)
    pieces = 0
    try:
        with SQLiteStore(db) as store:
            for part in respond(files.queries[0], store, CLOCK):
                pieces += part.count("S1")
                other.execute("BEGIN IMMEDIATE")  # 'database is locked' if a write were held
                other.execute("ROLLBACK")
    finally:
        other.close()
    assert pieces == ROWS


def _peak_answering(usage, tmp_path) -> tuple[int, int]:
    """The peak of memory allocated while a query is answered, and the answer's size."""
    _folder, db, files = usage
    db = _copy(db, tmp_path)
    with SQLiteStore(db) as store:
        for _part in respond(files.queries[1], store, CLOCK):  # every cache warm
            pass
        size = 0
        tracemalloc.start()
        try:
            for part in respond(files.queries[0], store, CLOCK):
                size += len(part)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak, size


def test_a_query_answer_streams_in_bounded_memory(usage, four_times_the_usage, tmp_path,
                                                   monkeypatch):
    monkeypatch.setattr(processing, "SPOOL_BYTES", 1 << 14)  # the kept copy goes to disk early
    monkeypatch.setattr(processing, "RESPONSE_PART", 1 << 14)  # and is stored in small parts
    small_peak, small = _peak_answering(usage, tmp_path / "small")
    large_peak, large = _peak_answering(four_times_the_usage, tmp_path / "large")
    assert large > 3 * small
    # four times the rows: the peak grows by a small part of the answer, if at all
    assert large_peak - small_peak < (large - small) / 10, (small_peak, large_peak, large)


def test_a_resent_query_file_is_answered_byte_for_byte(usage, tmp_path):
    _folder, db, files = usage
    db = _copy(db, tmp_path)
    with SQLiteStore(db) as store:
        first = process_file(files.queries[1], store, tmp_path / "first", CLOCK)
        later = CLOCK + dt.timedelta(days=40)  # the certificate's state may differ by then
        again = process_file(files.queries[1], store, tmp_path / "again", later)
    assert again.repeated
    assert again.response.read_bytes() == first.response.read_bytes()


def test_a_writer_that_meets_the_lock_waits_and_tries_again(usage, tmp_path, monkeypatch):
    _folder, db, files = usage
    db = _copy(db, tmp_path)
    holder = sqlite3.connect(db, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another worker's write transaction
    pauses = []

    def pause(seconds):  # the writer backs off: the other worker finishes meanwhile
        pauses.append(seconds)
        if holder.in_transaction:
            holder.execute("COMMIT")

    monkeypatch.setattr(processing.time, "sleep", pause)
    try:
        with SQLiteStore(db, timeout=0.01) as store:
            outcome = process_file(files.queries[0], store, tmp_path / "out", CLOCK)
    finally:
        holder.close()
    assert pauses, "the writer never met the lock"
    assert outcome.accepted == 1 and outcome.response.read_text().count("S1") == ROWS


def test_a_writer_gives_up_after_its_patience(usage, tmp_path, monkeypatch):
    _folder, db, files = usage
    db = _copy(db, tmp_path)
    holder = sqlite3.connect(db, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(processing, "LOCK_PATIENCE", 0.2)
    monkeypatch.setattr(processing.time, "sleep", lambda seconds: None)
    try:
        with SQLiteStore(db, timeout=0.01) as store, pytest.raises(processing.StoreBusy):
            process_file(files.queries[0], store, tmp_path / "out", CLOCK)
    finally:
        holder.close()
    assert not (tmp_path / "out" / f"{files.queries[0].name}.resp").exists()


def test_watch_never_stops_on_a_locked_database(usage, tmp_path, monkeypatch):
    """A file the database stays locked for is left in processing/ and done on the next pass."""
    from ecert_edi.surfaces.watch import Watcher

    _folder, db, files = usage
    db = _copy(db, tmp_path)
    root = tmp_path / "drop"
    (root / "inbox").mkdir(parents=True)
    for q in files.queries:
        (root / "inbox" / q.name).write_bytes(q.read_bytes())
    holder = sqlite3.connect(db, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(processing, "LOCK_PATIENCE", 0.0)
    try:
        with SQLiteStore(db, timeout=0.01) as store:
            watcher = Watcher(root, store, clock=CLOCK)
            watcher.run(once=True)  # returns: it did not stop on the lock
            assert watcher.tally.busy == 2 and watcher.tally.processed == 0
            assert sorted(p.name for p in (root / "processing").iterdir())
            holder.execute("COMMIT")
            watcher.run(once=True)
            assert watcher.tally.processed == 2
    finally:
        holder.close()
    assert sorted(p.name for p in (root / "outbox").iterdir()) == sorted(
        f"{q.name}.resp" for q in files.queries)
    assert list((root / "processing").iterdir()) == []


def test_a_response_completed_elsewhere_differently_is_given_as_stored(usage, tmp_path,
                                                                      monkeypatch):
    """Two processes answering the same query file at different moments: the file gets the
    response that was kept, not a mixture."""
    _folder, db, files = usage
    db = _copy(db, tmp_path)
    query = files.queries[0]
    with SQLiteStore(db) as store:
        kept = process_file(query, store, tmp_path / "first", CLOCK).response.read_bytes()

        def elsewhere(store_, transmission, sent):  # as if completed by another process
            raise processing.ResponseChanged("differs", transmission)

        real_transmission = processing._transmission

        def in_progress(store_, envelope, clock):
            found = store_.find_transmission(envelope.sender.sender_type,
                                             envelope.sender.sender_id,
                                             envelope.sender.control_number)
            raise processing._AlreadyProcessed(found.id)

        monkeypatch.setattr(processing, "_rest_of_response", elsewhere)
        monkeypatch.setattr(processing, "_transmission", in_progress)
        again = process_file(query, store, tmp_path / "again", CLOCK)
        monkeypatch.setattr(processing, "_transmission", real_transmission)
    assert again.response.read_bytes() == kept
