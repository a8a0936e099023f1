"""One inbound file through envelope check, rules and store to its response file (spec 4, 6, 8)."""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ecert_edi.bindings.abi import responses
from ecert_edi.domain.conditions import Condition, condition
from ecert_edi.bindings.abi.emitter import EnvelopeWriter
from ecert_edi.bindings.abi.layouts import LAYOUTS
from ecert_edi.domain.transactions import BatchInfo, Certificate, Entry, Envelope, Query, Transaction
from ecert_edi.bindings.abi.reading import BatchEnd, BatchStart, Header, check_envelope, parse_events
from ecert_edi.bindings.abi.reader import Source

# Response application for each inbound one; a batch of an unknown application is answered TR.
RESPONSE_APPLICATION = {"CR": "CA", "EN": "EA", "EC": "EZ"}
# Inbound transactions applied per database commit, and the longest a commit is held back: many
# transactions share the cost of a durable commit, and other processes still get their turn.
COMMIT_EVERY = 500
COMMIT_SECONDS = 0.5
RESPONSE_PART = 1 << 20  # a stored response is kept in parts of this many characters
RESPONSE_MODE = 0o644


@dataclass
class Outcome:
    """What processing one file did, for the log line and the caller."""

    name: str
    response: Path
    transactions: int = 0
    accepted: int = 0
    rejected: int = 0
    repeated: bool = False  # the same transmission again: the first response re-written
    transmission_rejected: bool = False
    conditions: list[Condition] = field(default_factory=list)


def processing_clock(text: str | None = None) -> dt.datetime:
    """The processing clock: a fixed time given as YYYY-MM-DDTHH:MM:SS, else UTC now (spec 4.4)."""
    if text:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def response_path(out_dir: Path, inbound: Path | str) -> Path:
    return Path(out_dir) / f"{Path(inbound).name}.resp"


def process_file(path, store, out_dir: Path, clock: dt.datetime, response: Path | None = None
                 ) -> Outcome:
    """Process one inbound file and write its response atomically; rejections are answers."""
    source = Source(path)
    target = response or response_path(out_dir, source.name)
    outcome = Outcome(name=source.name, response=target)
    envelope = check_envelope(source)
    if envelope.rejected:
        conditions = envelope.conditions + _control_number_reused(store, envelope)
        outcome.transmission_rejected = True
        outcome.conditions = conditions
        _write_atomically(target, _transmission_rejection(envelope, conditions, clock))
        return outcome

    try:
        with _atomic_file(target) as out:
            _respond(source, envelope, store, clock, out, outcome)
        return outcome
    except _ControlNumberUsed:
        reuse = _reuse(envelope)
        outcome.transmission_rejected = True
        outcome.conditions = [reuse]
        _write_atomically(target, _transmission_rejection(envelope, [reuse], clock))
        return outcome
    except _AlreadyProcessed as done:
        # processed before, or finished meanwhile by another process: the first response
        outcome.repeated = True
        outcome.transactions = outcome.accepted = outcome.rejected = 0
        with store.read():
            _write_atomically(target, store.response(done.transmission))
        return outcome


def _reuse(envelope: Envelope) -> Condition:
    return condition("021", envelope.header.line, LAYOUTS["A"].field("control_number").pos)


def _control_number_reused(store, envelope: Envelope) -> list[Condition]:
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


class _AlreadyProcessed(Exception):
    """The transmission is complete (before this run, or by another process meanwhile)."""

    def __init__(self, transmission: int):
        self.transmission = transmission


class _ControlNumberUsed(Exception):
    """The control number was used before with other content (condition 021)."""


def _respond(source, envelope: Envelope, store, clock: dt.datetime, out,
             outcome: Outcome) -> None:
    """Record or resume the transmission, apply each transaction of each clean batch in commits
    of many, stream the response, and keep it with the last commit.

    Every commit first re-checks the transmission (another process may be working on the same
    file), so nothing is applied twice; a small transmission costs a single durable commit.
    """
    writer = EnvelopeWriter(out)
    sender = envelope.sender
    events = parse_events(source)
    tid: int | None = None
    skipping = False
    while True:
        started = time.monotonic()
        applied = 0
        with store.write():
            if tid is None:
                tid, clock = _transmission(store, envelope, clock)
            elif store.transmission_complete(tid):
                raise _AlreadyProcessed(tid)
            done = store.applied_through(tid)  # what an interrupted run already applied
            for ev in events:
                if isinstance(ev, Header):
                    writer.begin(_response_header(envelope, clock))
                elif isinstance(ev, BatchStart):
                    skipping = _open_batch(writer, envelope.batches.get(ev.info.ordinal), ev,
                                           clock)
                elif isinstance(ev, BatchEnd):
                    writer.end_batch()
                    skipping = False
                elif isinstance(ev, Transaction) and not skipping:
                    outcome.transactions += 1
                    lines = store.chunk(tid, ev.seq) if ev.seq <= done else None
                    if lines is None:
                        with store.savepoint():
                            lines = "".join(f"{r}\n" for r in _apply(store, ev, sender, clock))
                            store.save_chunk(tid, ev.seq, lines)
                        applied += 1
                    if lines[2] == "A":  # the R0 disposition
                        outcome.accepted += 1
                    else:
                        outcome.rejected += 1
                    writer.write_unit(lines)
                    if applied >= COMMIT_EVERY or time.monotonic() - started > COMMIT_SECONDS:
                        break
            else:
                writer.end()
                out.flush()
                os.fsync(out.fileno())
                out.seek(0)
                if not store.complete_transmission(tid, _parts(out)):
                    raise _AlreadyProcessed(tid)  # pragma: no cover - re-checked at the start
                return


def _transmission(store, envelope: Envelope, clock: dt.datetime) -> tuple[int, dt.datetime]:
    """The transmission to work on: recorded now, or one an interrupted run began (with the
    clock it began with); a completed one or a used control number ends the run."""
    sender = envelope.sender
    found = store.find_transmission(sender.sender_type, sender.sender_id, sender.control_number)
    if found is None:
        tid = store.begin_transmission(sender.sender_type, sender.sender_id,
                                       sender.control_number, envelope.content_hash, clock)
        return tid, clock
    if found.content_hash != envelope.content_hash:
        raise _ControlNumberUsed
    if found.complete:
        raise _AlreadyProcessed(found.id)
    return found.id, found.clock


def _open_batch(writer: EnvelopeWriter, rejected: BatchInfo | None, ev: BatchStart,
                clock: dt.datetime) -> bool:
    """Open the response batch; a rejected batch is answered whole here. True: skip its body."""
    info = ev.info
    application = RESPONSE_APPLICATION.get(info.application or "", "TR")
    writer.begin_batch(application, info.ordinal)
    if rejected is None:
        return False
    key = ev.record.raw[LAYOUTS["B"].field("batch_number").slice]
    for line in responses.rejection("B", None, key, None, rejected.conditions, clock):
        writer.write_line(line)
    return True


def _apply(store, txn: Transaction, sender, clock: dt.datetime) -> list[str]:
    """The response records of one transaction, after the store applied its decision."""
    header = txn.header
    key = _echo(txn, KEY_FIELD[txn.subject])
    if isinstance(txn, Certificate):
        decision = store.apply_certificate(txn, sender, clock)
        return responses.answer(decision.disposition, "C0", _echo(txn, "action"), key,
                                _echo(txn, "issuing_country"), decision.conditions, clock)
    if isinstance(txn, Entry):
        decision = store.apply_entry(txn, sender, clock)
        lines = responses.answer(decision.disposition, "E0", _echo(txn, "action"), key, None,
                                 decision.conditions, clock)
        if decision.accepted:
            lines.extend(_activity(a) for a in decision.activities)
        return lines
    if isinstance(txn, Query):
        reply = store.answer_query(txn, sender, clock)
        decision = reply.decision
        lines = responses.answer(decision.disposition, "Q0", _echo(txn, "query_type"), key, None,
                                 decision.conditions, clock)
        if decision.accepted:
            lines.extend(_usage(reply))
        return lines
    raise TypeError(f"no rule for {header.rid}")  # pragma: no cover


KEY_FIELD = {"C0": "certificate_number", "E0": "entry_number", "Q0": "query_reference"}


def _echo(txn: Transaction, name: str) -> str:
    """The inbound text of a header field, as sent (responses.echo makes it valid AN)."""
    return txn.header.raw[LAYOUTS[txn.header.rid].field(name).slice]


def _activity(a) -> str:
    return responses.r2(a.line_number, a.activity, a.certificate_number, a.country, a.quantity,
                        a.balance_after, a.unit)


def _usage(reply) -> Iterator[str]:
    for shown in reply.certificates:
        yield responses.s0(**shown.summary)
        if shown.usage:
            yield from (responses.s1_values(*values) for values in shown.usage.values())


def _response_header(envelope: Envelope, clock: dt.datetime) -> dict:
    a = envelope.header
    raw = a.raw if a is not None else " " * 80
    f = LAYOUTS["A"]
    return responses.header_values(
        raw[f.field("control_number").slice],
        raw[f.field("environment").slice],
        raw[f.field("sender_type").slice],
        raw[f.field("sender_id").slice],
        clock,
    )


def _transmission_rejection(envelope: Envelope, conditions: list[Condition],
                            clock: dt.datetime) -> Iterator[str]:
    """The whole response to a rejected transmission: one TR batch, R0 subject `A` (spec 4.2)."""
    out = io.StringIO()
    writer = EnvelopeWriter(out)
    header = _response_header(envelope, clock)
    writer.begin(header)
    writer.begin_batch("TR", 1)
    for line in responses.rejection("A", None, header["control_number"], None, conditions,
                                    clock):
        writer.write_line(line)
    writer.end_batch()
    writer.end()
    yield out.getvalue()


def _parts(out) -> Iterator[str]:
    while True:
        part = out.read(RESPONSE_PART)
        if not part:
            return
        yield part


class _atomic_file:
    """A temporary file beside the target, renamed over it on success, removed on failure."""

    def __init__(self, target: Path):
        self.target = Path(target)

    def __enter__(self):
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp",
                                        dir=self.target.parent)
        os.chmod(self.tmp, RESPONSE_MODE)  # mkstemp's 0600 would hide it from a transport user
        self.file = os.fdopen(fd, "w+", encoding="ascii", newline="\n")
        return self.file

    def __exit__(self, exc_type, exc, tb):
        self.file.close()
        if exc_type is None:
            os.replace(self.tmp, self.target)
            _sync_dir(self.target.parent)
        else:
            os.unlink(self.tmp)
        return False


def _write_atomically(target: Path, parts) -> None:
    with _atomic_file(target) as out:
        for part in parts:
            out.write(part)
        out.flush()
        os.fsync(out.fileno())


def _sync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
