"""One transmission, from its bytes to its response in parts: record, resume, apply, keep (spec 4, 6, 8).

`respond` is what every surface calls: a file, standard input, an HTTP body.  It needs no file of
the caller's: it yields the response text as each commit group is durable, and keeps the whole
response in the store with the last commit, so a re-sent transmission is answered with it byte for
byte and a run killed half way resumes where it stopped, with the clock it began with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ecert_edi.bindings.abi.binding import ABI
from ecert_edi.bindings.interface import Binding
from ecert_edi.domain.answers import QueryAnswer
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.decision import Decision
from ecert_edi.domain.events import BatchEnd, BatchStart, Header
from ecert_edi.domain.transactions import Certificate, Entry, Envelope, Query, Transaction
from ecert_edi.ledger import Ledger
from ecert_edi.processing.collector import settling
from ecert_edi.store.interface import LedgerStore, StoreBusy, StoreConflict

# Inbound transactions applied per database commit: many share the cost of a durable commit and
# are written together, and a group is short enough that other processes get their turn.  By
# count, not by time, so a slow machine does not commit more often.
COMMIT_EVERY = 1000
RESPONSE_PART = 1 << 20  # a stored response is kept in parts of this many characters
SPOOL_BYTES = 8 << 20  # the response kept in memory up to this size, on disk beyond
# Concurrency and crash tests stop a process at a known point rather than guess at timing: with
# this set to N (or N,M,...), the process stops itself (SIGSTOP) right after its Nth commit group
# (counted over every transmission it answers) is written: durable, or, in a batch of small
# files, waiting for the batch's commit.
PAUSE_AFTER_GROUP = "ECERT_TEST_PAUSE_AFTER_GROUP"
# ... and with this one set, right before its Nth group's write ends: the group's rows written,
# not committed, every row it locked still held.
PAUSE_BEFORE_COMMIT = "ECERT_TEST_PAUSE_BEFORE_COMMIT"
# How long a writer keeps trying to get the database while other writers hold it, in seconds,
# beyond the store's own wait on each try.
LOCK_PATIENCE = 600.0
# How many times a transmission is run again after a commit group clashed with another writer's
# (StoreConflict, where writers go on side by side): each run resumes from what is stored, so
# a group is applied once whichever run commits it.
RETRIES = 100


@dataclass
class Outcome:
    """What processing one transmission did, for the log line and the caller."""

    name: str
    response: Path | None = None
    transactions: int = 0
    accepted: int = 0
    rejected: int = 0
    repeated: bool = False  # the same transmission again: the first response given again
    transmission_rejected: bool = False
    conditions: list[Condition] = field(default_factory=list)


class ResponseChanged(RuntimeError):
    """Another process completed the transmission with a response that differs from the part
    this one already gave: a query in it was answered there against another moment's ledger.
    The stored response is the transmission's answer; a caller that can still take back what
    it was given (a file not yet in place) gives that instead."""

    def __init__(self, message: str, transmission: int):
        super().__init__(message)
        self.transmission = transmission


def respond(data, store: LedgerStore, clock: dt.datetime, *, binding: Binding = ABI,
            ledger: Ledger | None = None, outcome: Outcome | None = None) -> Iterator[str]:
    """The response to one transmission, in parts; rejections are answers.

    `data` is what the binding reads (a path, `-`, bytes or a binary stream).  Pass `ledger` to
    keep its certificate cache across transmissions, `outcome` to learn what was done.  Each part
    is yielded after the commit that made it durable, never while a write is held.
    """
    source = binding.source(data)
    outcome = outcome if outcome is not None else Outcome(name=source.name)
    ledger = ledger if ledger is not None else Ledger(store)
    envelope = binding.check_envelope(source)
    if envelope.rejected:
        conditions = envelope.conditions + _control_number_reused(store, envelope)
        outcome.transmission_rejected = True
        outcome.conditions = conditions
        yield binding.rejection(envelope, conditions, clock)
        return
    sent = _Sent()
    try:
        yield from _retried(source, envelope, ledger, clock, outcome, binding, sent)
    except _ControlNumberUsed:
        reuse = _reuse(envelope)
        outcome.transmission_rejected = True
        outcome.conditions = [reuse]
        yield binding.rejection(envelope, [reuse], clock)
    except _AlreadyProcessed as done:
        # processed before, or finished meanwhile by another process: the first response, less
        # what this run already gave of it (the same bytes: same file, same clock, same units)
        outcome.repeated = True
        outcome.transactions = outcome.accepted = outcome.rejected = 0
        yield from _rest_of_response(store, done.transmission, sent)


class _AlreadyProcessed(Exception):
    """The transmission is complete (before this run, or by another process meanwhile)."""

    def __init__(self, transmission: int):
        self.transmission = transmission


class _ControlNumberUsed(Exception):
    """The control number was used before with other content (condition 021)."""


def _reuse(envelope: Envelope) -> Condition:
    return envelope.header.fault("021", "control_number")


def _control_number_reused(store: LedgerStore, envelope: Envelope) -> list[Condition]:
    """021 for a transmission rejected on other grounds too, when its control number can be
    read and was used before with other content (every check that can be computed is run)."""
    sender = envelope.sender
    if envelope.header is None or None in (sender.sender_type, sender.sender_id,
                                           sender.control_number):
        return []
    with store.read():
        found = store.find_transmission(sender.sender_type, sender.sender_id,
                                        sender.control_number)
    if found is None or found.content_hash == envelope.content_hash:
        return []
    return [_reuse(envelope)]


def _retried(source, envelope: Envelope, ledger: Ledger, clock: dt.datetime, outcome: Outcome,
             binding: Binding, sent: _Sent) -> Iterator[str]:
    """`_apply`, run again when a commit group clashed with another writer's (StoreConflict:
    nothing of the group was kept) or waited past the store's wait for a row another writer
    held (StoreBusy, waited out for LOCK_PATIENCE), as a run killed there would be resumed: the
    groups committed before are given again from their saved responses, so the new run's first
    parts are the ones given already, and only what follows them is yielded.

    A clash inside a transaction the caller opened is the caller's to run again, and a new run
    whose first parts differ from those given (a query among them answered again, against
    another moment's ledger) cannot take them back: both end as StoreConflict, the
    transmission left to be resumed."""
    store = ledger.store
    waited, pause = 0.0, 0.05
    for attempt in itertools.count(1):
        parts = _apply(source, envelope, ledger, clock, outcome, binding)
        try:
            yield from _after(parts, sent, _GivenDiffers)
            return
        except _GivenDiffers:
            raise
        except StoreBusy as busy:
            if store.in_transaction():
                raise
            if isinstance(busy, StoreConflict):
                if attempt >= RETRIES:
                    raise
            else:  # a row another writer held past the store's wait: waited out as at BEGIN
                if store.writers_take_turns or waited >= LOCK_PATIENCE:
                    raise  # (writers that take turns waited at BEGIN: `writing`)
                time.sleep(pause)
                waited, pause = waited + pause, min(pause * 2, 2.0)
            outcome.transactions = outcome.accepted = outcome.rejected = 0


class _GivenDiffers(StoreConflict):
    """A transmission run again after a clash gives a response that differs from the part
    already given."""

    def __init__(self) -> None:
        super().__init__("the transmission was run again after a clash with another writer and"
                         " its response differs from the part already given")


def _apply(source, envelope: Envelope, ledger: Ledger, clock: dt.datetime, outcome: Outcome,
           binding: Binding) -> Iterator[str]:
    """Record or resume the transmission, apply each transaction of each clean batch in commits
    of many, and keep the whole response with the last commit; each commit's text after it.

    Every commit first re-checks the transmission (another process may be working on the same
    file), so nothing is applied twice; a small transmission costs a single durable commit.
    """
    store = ledger.store
    sender = envelope.sender
    events = _Ahead(binding.events(source))
    tid: int | None = None
    responder = None
    skipping = False
    query: Query | None = None
    kept: deque[str] = deque()  # units of a part an interrupted run saved, in order
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES, "w+", encoding="ascii",
                                       newline="\n") as whole, settling() as settle:
        while True:
            new = _Units()
            group: list[str] = []
            # (leaving in reverse: the group's rows written, then the test pause, then the commit)
            with writing(store), _before_commit(), ledger.group():
                # recorded in this write: nothing of it can be applied, saved or complete yet
                recorded = False
                if tid is None:
                    tid, clock, recorded = _transmission(store, envelope, clock)
                    responder = binding.responder(envelope, clock)
                elif store.transmission_complete(tid):
                    raise _AlreadyProcessed(tid)
                # what an interrupted run already applied
                done = 0 if recorded else store.applied_through(tid)
                ledger.expect(*events.entries_ahead(COMMIT_EVERY))
                finished = True
                for ev in events:
                    if isinstance(ev, Header):
                        group.append(responder.header())
                    elif isinstance(ev, BatchStart):
                        group.append(responder.open_batch(ev.info, ev.record))
                        skipping = ev.info.ordinal in envelope.batches  # answered whole
                    elif isinstance(ev, BatchEnd):
                        group.append(responder.close_batch())
                        skipping = False
                    elif isinstance(ev, Transaction) and not skipping:
                        outcome.transactions += 1
                        if isinstance(ev, Query):  # answered after this commit, from a snapshot
                            query, finished = ev, False
                            break
                        if ev.seq <= done and not kept:  # applied by an interrupted run
                            part = store.chunk(tid, ev.seq)
                            if part is not None:
                                kept.extend(responder.units(part.text))
                                outcome.accepted += part.accepted
                                outcome.rejected += part.units - part.accepted
                        if ev.seq <= done and kept:
                            group.append(responder.written(kept.popleft()))
                            continue
                        result = _decide(ledger, ev, sender, clock, tid)
                        text = responder.unit(ev, result)
                        if result.accepted:
                            outcome.accepted += 1
                            new.accepted += 1
                        else:
                            outcome.rejected += 1
                        new.add(ev.seq, text)
                        group.append(responder.written(text))
                        if len(new.texts) >= COMMIT_EVERY:
                            finished = False
                            break
                if finished:
                    group.append(responder.trailer())
                elif new.texts:  # one saved part per group: what a resumed run gives again
                    store.save_chunk(tid, new.last, "".join(new.texts), new.accepted,
                                     first=new.first, units=len(new.texts))
                whole.writelines(group)
                if finished:
                    whole.seek(0)
                    if recorded:
                        store.keep_response(tid, _parts(whole))
                    elif not store.complete_transmission(tid, _parts(whole)):
                        raise _AlreadyProcessed(tid)  # pragma: no cover - re-checked above
            _pause_for_tests()
            if not finished:
                settle.group_done()
            yield from group
            if query is not None:
                yield from _answer(ledger, responder, query, sender, clock, whole, outcome)
                query = None
            elif finished:
                return


def _answer(ledger: Ledger, responder, txn: Query, sender, clock: dt.datetime, whole,
            outcome: Outcome) -> Iterator[str]:
    """A query answered from one read snapshot, outside any write, its records streamed from
    the ledger as they are read (bounded memory however many usage rows it shows)."""
    with ledger.store.read():
        answer = ledger.answer_query(txn, sender, clock)
        if answer.accepted:
            outcome.accepted += 1
        else:
            outcome.rejected += 1
        for piece in responder.stream(txn, answer):
            whole.write(piece)
            yield piece


@contextmanager
def writing(store: LedgerStore) -> Iterator[None]:
    """`store.write()`, waiting out other writers: a database held past the store's own wait is
    tried again, with growing pauses, for LOCK_PATIENCE seconds before it is a failure."""
    waited, pause = 0.0, 0.05
    while True:
        stack = ExitStack()
        try:
            stack.enter_context(store.write())
        except StoreBusy:
            if waited >= LOCK_PATIENCE:
                raise
            time.sleep(pause)
            waited, pause = waited + pause, min(pause * 2, 2.0)
            continue
        with stack:
            yield
        return


_groups = {PAUSE_AFTER_GROUP: 0, PAUSE_BEFORE_COMMIT: 0}  # groups this process has reached


def _pause_for_tests(variable: str = PAUSE_AFTER_GROUP) -> None:
    _groups[variable] += 1
    wanted = os.environ.get(variable, "")  # group numbers, comma-separated
    if str(_groups[variable]) in wanted.split(",") and hasattr(signal, "SIGSTOP"):
        os.kill(os.getpid(), signal.SIGSTOP)


@contextmanager
def _before_commit() -> Iterator[None]:
    """PAUSE_BEFORE_COMMIT's point: a group whose block ended without an exception."""
    yield
    _pause_for_tests(PAUSE_BEFORE_COMMIT)


def _transmission(store: LedgerStore, envelope: Envelope, clock: dt.datetime
                  ) -> tuple[int, dt.datetime, bool]:
    """The transmission to work on: recorded now (True), or one an interrupted run began
    (with the clock it began with); a completed one or a used control number ends the run."""
    sender = envelope.sender
    found = store.find_transmission(sender.sender_type, sender.sender_id, sender.control_number)
    if found is None:
        tid = store.record_transmission(sender.sender_type, sender.sender_id,
                                        sender.control_number, envelope.content_hash, clock)
        return tid, clock, True
    if found.content_hash != envelope.content_hash:
        raise _ControlNumberUsed
    if found.complete:
        raise _AlreadyProcessed(found.id)
    return found.id, found.clock, False


def _decide(ledger: Ledger, txn: Transaction, sender, clock: dt.datetime,
            transmission: int) -> Decision | QueryAnswer:
    if isinstance(txn, Certificate):
        return ledger.apply_certificate(txn, sender, clock)
    if isinstance(txn, Entry):
        return ledger.apply_entry(txn, sender, clock, transmission)
    if isinstance(txn, Query):
        return ledger.answer_query(txn, sender, clock)
    raise TypeError(f"no rule for {txn.header.rid}")  # pragma: no cover


def _parts(whole) -> Iterator[str]:
    while True:
        part = whole.read(RESPONSE_PART)
        if not part:
            return
        yield part


class _Ahead:
    """The transmission's events, with a look ahead at the entries of the next commit group."""

    def __init__(self, events: Iterator) -> None:
        self._events = events
        self._ahead: deque = deque()

    def __iter__(self) -> _Ahead:
        return self

    def __next__(self):
        if self._ahead:
            return self._ahead.popleft()
        return next(self._events)

    def entries_ahead(self, count: int) -> tuple[list[str], list[tuple]]:
        """The entry numbers and the certificates (issuing country, number) their lines name,
        of the next `count` transactions (fewer at a query, which ends a group, or at the
        end): read ahead, and kept for iteration."""
        numbers: list[str] = []
        keys: list[tuple] = []

        def note(ev) -> bool:  # False at a query
            if isinstance(ev, Query):
                return False
            if isinstance(ev, Entry):
                number = ev.header.get("entry_number")
                if number is not None:
                    numbers.append(number)
                if ev.reads_details:
                    for e1 in ev.details:
                        values = e1.values
                        keys.append((values.get("issuing_country"),
                                     values.get("certificate_number")))
            return True

        seen = 0
        for ev in self._ahead:
            if not note(ev):
                return numbers, keys
            seen += isinstance(ev, Transaction)
        while seen < count:
            ev = next(self._events, None)
            if ev is None:
                break
            self._ahead.append(ev)
            if not note(ev):
                break
            seen += isinstance(ev, Transaction)
        return numbers, keys


class _Units:
    """The units a commit group applies: their response text, numbers and dispositions."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.first = self.last = 0
        self.accepted = 0

    def add(self, seq: int, text: str) -> None:
        if not self.texts:
            self.first = seq
        self.last = seq
        self.texts.append(text)


class _Sent:
    """How much of a response was given, and its digest, to go on from there."""

    def __init__(self) -> None:
        self.count = 0
        self.digest = hashlib.sha256()

    def add(self, part: str) -> None:
        self.count += len(part)
        self.digest.update(part.encode("ascii"))


def _rest_of_response(store: LedgerStore, transmission: int, sent: _Sent) -> Iterator[str]:
    """The stored response after the first `sent.count` characters, which must be those sent."""
    if not sent.count:
        with store.read():
            yield from store.response(transmission)
        return
    with store.read():
        parts = list(store.response(transmission))
    yield from _after(parts, sent, lambda: ResponseChanged(
        "the stored response differs from the part already given", transmission))


def _after(parts: Iterable[str], sent: _Sent, differs: Callable[[], Exception]
           ) -> Iterator[str]:
    """What `parts` hold after the first `sent.count` characters, which must be those sent
    (else `differs()` is raised); what is yielded is added to `sent`."""
    skip, given = sent.count, hashlib.sha256()
    for part in parts:
        if skip:
            head, part = part[:skip], part[skip:]
            given.update(head.encode("ascii"))
            skip -= len(head)
            if skip:
                continue
            if given.digest() != sent.digest.digest():
                raise differs()
        if part:
            sent.add(part)
            yield part
    if skip:
        raise differs()
