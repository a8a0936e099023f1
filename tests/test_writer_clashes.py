"""A commit group that clashed with another writer's (StoreConflict) is run again, applied once."""

from __future__ import annotations

import pytest
from test_commit_groups import CLOCK, _files, _state, _with_queries

from ecert_edi.processing import process_file
from ecert_edi.processing import transmission as processing
from ecert_edi.store import StoreConflict, open_store


def _clashing(store, at: set[int], calls: list | None = None) -> list:
    """`store` whose `apply` fails as a clash with another writer would, at the calls `at`
    (counted from 1, in `calls`), after writing the group: nothing of it may be kept."""
    apply, calls = store.apply, calls if calls is not None else []

    def clashing(changes):
        calls.append(None)
        apply(changes)
        if len(calls) in at:
            raise StoreConflict("database: could not serialize access (a clash, in the test)")

    store.apply = clashing
    return calls


def _processed(folder, files, target, clash_at=frozenset()):
    folder.mkdir()
    db = target(folder)
    with open_store(db) as store:
        for earlier in files[:-1]:
            process_file(earlier, store, folder / "out", CLOCK)
        calls = _clashing(store, set(clash_at))
        outcome = process_file(files[-1], store, folder / "out", CLOCK)
        assert store.check_ledger() == []
        assert [t.status for t in store.transmissions()] == ["complete"] * len(files)
        (*_, last) = store.transmissions()
        kept = "".join(store.response(last.id)).encode("ascii")
    assert kept == outcome.response.read_bytes()  # the response kept is the one given
    return outcome, outcome.response.read_bytes(), _rows(db), len(calls)


def _rows(db) -> dict[str, list[tuple]]:
    """The ledger's rows, the ledger's in order without their ids (a server's sequence does not
    give back the ids a rolled-back group drew)."""
    state = _state(db)
    state["activities"] = [row[1:] for row in state["activities"]]
    return state


def test_a_group_that_clashed_is_run_again_and_applied_once(tmp_path, monkeypatch,
                                                           fresh_ledger):
    """Groups 2 and 5 of a long transmission clash once each: the response, the ledger and the
    counts are those of a run in which nothing clashed, byte for byte and row for row."""
    files = _files(tmp_path)
    monkeypatch.setattr(processing, "COMMIT_EVERY", 37)
    calm, calm_bytes, calm_state, groups = _processed(tmp_path / "calm", files, fresh_ledger)
    assert groups > 5
    clashed, clashed_bytes, clashed_state, calls = _processed(
        tmp_path / "clashed", files, fresh_ledger, clash_at={2, 6})  # group 2 applied twice
    assert clashed_bytes == calm_bytes
    assert clashed_state == calm_state
    assert calls == groups + 2  # the two clashed groups, each applied again once
    assert (clashed.transactions, clashed.accepted, clashed.rejected) \
        == (calm.transactions, calm.accepted, calm.rejected)


def test_the_last_group_that_clashed_is_run_again_and_the_response_kept_once(
        tmp_path, monkeypatch, fresh_ledger):
    files = _files(tmp_path)
    calm = _processed(tmp_path / "calm", files, fresh_ledger)
    clashed = _processed(tmp_path / "clashed", files, fresh_ledger, clash_at={1})
    assert clashed[1:3] == calm[1:3]
    assert clashed[3] == calm[3] + 1


def test_a_transmission_that_clashes_every_time_gives_up_and_is_resumed_later(
        tmp_path, monkeypatch, fresh_ledger):
    """A clash each time past RETRIES ends as StoreConflict, nothing in place; processing the
    file again resumes it and answers it as a run without clashes would."""
    files = _files(tmp_path)
    monkeypatch.setattr(processing, "COMMIT_EVERY", 37)
    monkeypatch.setattr(processing, "RETRIES", 3)
    calm = _processed(tmp_path / "calm", files, fresh_ledger)
    folder = tmp_path / "stubborn"
    folder.mkdir()
    db = fresh_ledger(folder)
    with open_store(db) as store:
        process_file(files[0], store, folder / "out", CLOCK)
        calls = _clashing(store, {2, 3, 4})
        with pytest.raises(StoreConflict):
            process_file(files[1], store, folder / "out", CLOCK)
        assert len(calls) == 4  # group 1, then group 2 three times
        assert not (folder / "out" / f"{files[1].name}.resp").exists()
        assert [t.status for t in store.transmissions()] == ["complete", "in-progress"]
        store.apply = type(store).apply.__get__(store)
        again = process_file(files[1], store, folder / "out", CLOCK)
        assert store.check_ledger() == []
    assert again.response.read_bytes() == calm[1]
    assert _rows(db) == calm[2]


def test_a_run_again_that_would_answer_a_query_otherwise_stops_rather_than_change_it(
        tmp_path, monkeypatch, fresh_ledger):
    """A query answered before the clash is answered again in the new run, from the ledger of
    that moment; an answer that differs from the one given ends the run (StoreConflict), the
    part given untouched, and the transmission is left to be resumed."""
    files = _with_queries(tmp_path)
    monkeypatch.setattr(processing, "COMMIT_EVERY", 1000)
    answer, answers, calls = processing._answer, [], []

    def another_moment(ledger, responder, txn, sender, clock, whole, outcome):
        again = len(calls) >= 2  # after the clash: the ledger of another moment
        answers.append(again)
        for piece in answer(ledger, responder, txn, sender, clock, whole, outcome):
            yield piece.lower() if again else piece

    monkeypatch.setattr(processing, "_answer", another_moment)
    folder = tmp_path / "moved"
    folder.mkdir()
    with open_store(fresh_ledger(folder)) as store:
        process_file(files[0], store, folder / "out", CLOCK)
        _clashing(store, {2}, calls)  # a group after the first query
        with pytest.raises(StoreConflict, match="differs from the part already given"):
            process_file(files[1], store, folder / "out", CLOCK)
        assert answers[0] is False and answers[-1] is True
        assert not (folder / "out" / f"{files[1].name}.resp").exists()
        assert [t.status for t in store.transmissions()] == ["complete", "in-progress"]
