"""The structure of a transmission: records checked in order against the Lark grammar, as events."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from ecert_edi.domain.conditions import Condition, condition
from ecert_edi.bindings.abi.grammar import transitions
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH
from ecert_edi.bindings.abi.records import (
    DECODERS,
    TRANSACTION_IDS,
    UNKNOWN,
    record_faults,
    token_type,
)
from ecert_edi.domain.events import BatchEnd, BatchStart, Header, Stray, Trailer
from ecert_edi.domain.senders import RESPONDER, application_allowed, valid_sender_id
from ecert_edi.domain.transactions import (
    TRANSACTION_CLASSES,
    BatchInfo,
    Envelope,
    Record,
    Sender,
    Transaction,
)
from ecert_edi.bindings.abi.reader import ContentHash, Source, as_source, iter_blocks

START, OUTSIDE, IN_BATCH, AFTER_Z = range(4)
REPAIR_DEPTH = 4


class Walker:
    """Walks a transmission record by record, yielding its events and collecting envelope conditions.

    With transactions=False only the envelope is checked (the first pass of `process`); with
    transactions=True every transaction is decoded and yielded with its field conditions.
    """

    def __init__(self, source, direction: str = "inbound", *, transactions: bool = True,
                 content_hash: bool = False):
        self.source: Source = as_source(source)
        self.direction = direction
        self.decode_transactions = transactions
        self.hash = ContentHash() if content_hash else None
        self.decoders = DECODERS[direction]
        self.header_ids = frozenset(
            rid for rid in self.decoders if LAYOUTS[rid].role == "header"
        )
        self.envelope = Envelope(sender=Sender(None, None), header=None)
        self.grammar = transitions(direction)
        self.state = self.grammar.start
        self.phase = START
        self.batch: BatchInfo | None = None
        self.batch_record: Record | None = None
        self.txn: Transaction | None = None
        self.reads_details = True
        self.records = 0  # records from the first through Z, for the Z record count
        self.seq = 0
        self._runs: dict[int, tuple[str, int] | None] = {}  # by state: what `_run_from` says

    # -- conditions -------------------------------------------------------------------------
    def _transmission(self, code: str, line: int = 0, column: int = 0) -> Condition:
        c = condition(code, line, column)
        self.envelope.conditions.append(c)
        return c

    def _batch(self, code: str, line: int, column: int) -> Condition:
        c = condition(code, line, column)
        self.batch.conditions.append(c)
        return c

    # -- the parser -------------------------------------------------------------------------
    def _feed(self, ttype: str) -> None:
        self.state = self.grammar.step(self.state, ttype)

    def _repair(self, target: str) -> bool:
        """Feed the fewest synthetic records after which `target` is acceptable."""
        grammar = self.grammar
        queue = deque([(self.state, 0)])
        while queue:
            state, depth = queue.popleft()
            if grammar.step(state, target) >= 0:
                self.state = state
                return True
            if depth == REPAIR_DEPTH:
                continue
            for ttype in grammar.choices(state):
                nxt = grammar.step(state, ttype) if ttype != target else -1
                if nxt >= 0:
                    queue.append((nxt, depth + 1))
        return False  # pragma: no cover - the grammar always lets a batch and a file close

    # -- the walk ---------------------------------------------------------------------------
    def __iter__(self) -> Iterator:
        return self.events()

    def events(self) -> Iterator:
        envelope = self.envelope
        hash_add = self.hash.add if self.hash is not None else None
        direction = self.direction
        headers = self.header_ids
        transaction_ids = TRANSACTION_IDS[direction]
        table = self.grammar.table  # complete: a terminal a state does not list is refused
        decoders = self.decoders
        count = 0
        # A run: detail records of one type in a row (an entry's E1 lines), the first taking the
        # grammar to a state the next ones leave it in.  While one lasts nothing but the record
        # changes, so a record that continues it is decoded straight away, and counted (and the
        # state set) when the run ends.
        run = run_decoder = run_details = run_conditions = run_state = None
        run_match = run_fast = run_columns = None
        pending = 0  # records of the run not yet counted in self.records and the batch's count
        follows = self._runs
        with self.source.open() as fh:
            for first, texts, lengths in iter_blocks(fh):
                count += len(texts) - texts.count("")  # zero-length lines are no records
                for line, text in enumerate(texts, first):
                    # (a match is 80 columns: no cut line is in a block without `lengths`)
                    if (text[:2] == run and lengths is None
                            and (match := run_match(text)) is not None):
                        if hash_add is not None:  # both passes in one (`read_whole`)
                            hash_add(text, RECORD_LENGTH)
                        conds = []
                        values = run_fast(match.groups(), line, conds, None)
                        if conds:
                            run_details.append(run_decoder.record(line, values, text, conds))
                            run_conditions.extend(conds)
                        else:  # the usual record: nothing faulty to find
                            run_details.append(Record(run, line, values, text, run_columns))
                        pending += 1
                        continue
                    if pending:
                        self.state = run_state
                        self.records += pending
                        self.batch.record_count += pending
                        pending = 0
                    run = None
                    if not text:
                        continue
                    length = len(text) if lengths is None else lengths.get(line, len(text))
                    if hash_add is not None:
                        hash_add(text, length)
                    # The common case, inline: a transaction record the grammar accepts inside a
                    # batch of a known application.  Everything else takes the general path.
                    rid = text[:2]
                    batch = self.batch
                    if (rid in transaction_ids and batch is not None
                            and batch.application is not None):
                        nxt = table[self.state].get(rid, -1)
                        if nxt >= 0:
                            self.state = nxt
                            self.records += 1
                            batch.record_count += 1
                            txn = self.txn
                            if rid in headers:
                                if txn is not None:
                                    yield txn
                                batch.transaction_count += 1
                                self.txn = self._transaction(rid, line, text, length)
                            elif txn is not None and self.reads_details:
                                _decode_detail(decoders[rid], txn, line, text, length)
                            else:
                                self._detail(rid, line, text, length)
                                continue
                            txn = self.txn
                            if txn is not None and self.reads_details:
                                follow = follows.get(nxt, False)
                                if follow is False:
                                    follow = follows[nxt] = self._run_from(nxt)
                                if follow is not None:  # the next record may begin a run
                                    run, run_state = follow
                                    run_decoder = decoders[run]
                                    run_match = run_decoder.well_formed
                                    run_fast = run_decoder.fast_groups
                                    run_columns = run_decoder.columns
                                    run_details, run_conditions = txn.details, txn.conditions
                            continue
                    yield from self._record(token_type(text, direction), line, text, length)
        if pending:
            self.state = run_state
            self.records += pending
            self.batch.record_count += pending
        envelope.record_count = count
        yield from self._end()
        if self.hash is not None:
            envelope.content_hash = self.hash.hexdigest()

    def _run_from(self, state: int) -> tuple[str, int] | None:
        """The detail type that can run from a state, and the state its records stay in: the one
        detail type whose record leads to a state that another of its records leaves unchanged."""
        table = self.grammar.table
        found = []
        for rid in sorted(TRANSACTION_IDS[self.direction] - self.header_ids):
            after = table[state].get(rid, -1)
            if after >= 0 and table[after].get(rid, -1) == after:
                found.append((rid, after))
        return found[0] if len(found) == 1 else None

    def _record(self, ttype: str, line: int, text: str, length: int) -> Iterator:
        if self.phase == AFTER_Z:
            yield self._stray(ttype, line, text, length, self._transmission("004", line, 1))
            return
        if self.phase == START:
            self.phase = OUTSIDE
            self.records = 1
            if ttype == "A":
                self._feed("A")
                yield Header(self._header(line, text, length))
                return
            self._feed("A")  # stands in for the missing header, so the rest can still be checked
            c = self._transmission("010", line, 1)
            if not ttype.startswith("B_") and ttype != "Z":
                faults = _record_faults(text, line, length)  # the record stands as the header
                self.envelope.conditions.extend(faults)
                yield Stray(self._plain(ttype, line, text), [c, *faults])
                return
        else:
            self.records += 1
        if self.batch is not None:
            self.batch.record_count += 1
        if self.grammar.step(self.state, ttype) >= 0:
            yield from self._accept(ttype, line, text, length)
        else:
            yield from self._misplaced(ttype, line, text, length)

    def _accept(self, ttype: str, line: int, text: str, length: int) -> Iterator:
        self._feed(ttype)
        if ttype.startswith("B_"):
            yield from self._open_batch(ttype, line, text, length)
        elif ttype == "Y":
            yield from self._close_batch(line, text, length)
        elif ttype == "Z":
            yield from self._trailer(line, text, length)
        elif self.batch is not None and self.batch.application is None:
            if ttype in self.header_ids:  # a batch of an unknown application (020)
                self.batch.transaction_count += 1
            yield Stray(self._plain(ttype, line, text))
        elif ttype in self.header_ids:
            if self.txn is not None:
                yield self.txn
            self.batch.transaction_count += 1
            self.txn = self._transaction(ttype, line, text, length)
        else:
            self._detail(ttype, line, text, length)

    def _misplaced(self, ttype: str, line: int, text: str, length: int) -> Iterator:
        if self.phase == OUTSIDE:
            if ttype == "Z":  # Z is acceptable only after a batch
                self._transmission("024", line, 1)
                self._repair("Z")
                yield from self._accept(ttype, line, text, length)
                return
            yield self._stray(ttype, line, text, length, self._transmission("004", line, 1))
            return
        # inside a batch
        if ttype.startswith("B_") or ttype == "Z":
            self.batch.record_count -= 1  # the record belongs to what follows the open batch
            yield from self._unterminated_batch()
            self.records -= 1
            yield from self._record(ttype, line, text, length)
            return
        if ttype == "Y":
            code = "022" if self.batch.transaction_count == 0 else "004"
            self._batch(code, self.batch.line if code == "022" else line, 1)
            self._repair("Y")
            yield from self._accept(ttype, line, text, length)
            return
        code = "003" if ttype == UNKNOWN else "004"
        yield self._stray(ttype, line, text, length, self._batch(code, line, 1))

    def _end(self) -> Iterator:
        if self.phase == START:
            self._transmission("023")
            return
        if self.phase == IN_BATCH:
            yield from self._unterminated_batch()
        if self.phase == OUTSIDE:
            if self.envelope.batch_count == 0:
                self._transmission("024")
            self._transmission("011")

    # -- envelope records -------------------------------------------------------------------
    def _header(self, line: int, text: str, length: int) -> Record:
        """The A record: any faulty field is 010 at its column (record faults stay 001/002)."""
        record, conds = self.decoders["A"].decode(text, line, length)
        self.envelope.conditions.extend(c for c in conds if c.code != "010")
        for f in LAYOUTS["A"].data_fields:  # 010 once per faulty field, at the field's column
            if any(f.pos <= c.column <= f.last for c in conds):
                self._transmission("010", line, f.pos)
        sender_type, sender_id = record["sender_type"], record["sender_id"]
        if self.direction == "inbound":
            if sender_type == RESPONDER:
                self._transmission("010", line, _column("A", "sender_type"))
                sender_type = None
            elif not valid_sender_id(sender_type, sender_id):
                self._transmission("010", line, _column("A", "sender_id"))
                sender_id = None
        self.envelope.header = record
        self.envelope.sender = Sender(sender_type, sender_id, record["control_number"],
                                      record["environment"])
        return record

    def _open_batch(self, ttype: str, line: int, text: str, length: int) -> Iterator:
        self.envelope.batch_count += 1
        ordinal = self.envelope.batch_count
        record, conds = self.decoders["B"].decode(text, line, length)
        application = text[1:3] if ttype != "B_XX" else None
        number = record["batch_number"]
        batch = self.batch = BatchInfo(ordinal, line, application, number)
        batch.record_count = 1
        self.phase = IN_BATCH
        self.batch_record = record
        # the record's and its fields' own faults; an application it does not know is 020 below
        batch.conditions.extend(c for c in conds if not (c.code == "008" and c.column == 2))
        if application is None:
            self._batch("020", line, _column("B", "application"))
        elif self.direction == "inbound":
            if not application_allowed(application, self.envelope.sender.sender_type):
                self._batch("019", line, _column("B", "application"))
        if not _says(record, "batch_number", ordinal):
            self._batch("016", line, _column("B", "batch_number"))
        yield BatchStart(batch, record)

    def _close_batch(self, line: int, text: str, length: int) -> Iterator:
        batch = self.batch
        if self.txn is not None:
            yield self.txn
            self.txn = None
        record, conds = self.decoders["Y"].decode(text, line, length)
        # the record's and its fields' own faults; its application is compared with B's (016)
        batch.conditions.extend(c for c in conds if not (c.code == "008" and c.column == 2))
        opened = self.batch_record
        if any(_text(record, name) != _text(opened, name) for name in ("application",
                                                                       "batch_number")):
            self._batch("016", line, _column("Y", "batch_number"))  # as in B
        if not _says(record, "transaction_count", batch.transaction_count):
            self._batch("017", line, _column("Y", "transaction_count"))
        if not _says(record, "record_count", batch.record_count):
            self._batch("018", line, _column("Y", "record_count"))
        yield from self._batch_done(record)

    def _unterminated_batch(self) -> Iterator:
        """A batch that ends without its Y: 015 (and 022 when it holds no transaction)."""
        batch = self.batch
        if self.txn is not None:
            yield self.txn
            self.txn = None
        if batch.transaction_count == 0:
            self._batch("022", batch.line, 1)
        self._batch("015", batch.line, 1)
        self._repair("Y")
        self._feed("Y")
        yield from self._batch_done(None)

    def _batch_done(self, record: Record | None) -> Iterator:
        batch = self.batch
        if batch.conditions:
            self.envelope.batches[batch.ordinal] = batch
        self.batch = None
        self.phase = OUTSIDE
        yield BatchEnd(batch, record)

    def _trailer(self, line: int, text: str, length: int) -> Iterator:
        record, conds = self.decoders["Z"].decode(text, line, length)
        self.envelope.conditions.extend(conds)  # the record's and its fields' own faults
        header = self.envelope.header
        if header is not None and _text(record, "control_number") != _text(header,
                                                                            "control_number"):
            self._transmission("012", line, _column("Z", "control_number"))
        if not _says(record, "batch_count", self.envelope.batch_count):
            self._transmission("013", line, _column("Z", "batch_count"))
        if not _says(record, "record_count", self.records):
            self._transmission("014", line, _column("Z", "record_count"))
        self.phase = AFTER_Z
        yield Trailer(record)

    # -- transactions -----------------------------------------------------------------------
    def _transaction(self, ttype: str, line: int, text: str, length: int) -> Transaction | None:
        self.seq += 1
        if not self.decode_transactions:
            return None
        decoder = self.decoders[ttype]
        match = decoder.well_formed(text) if length == RECORD_LENGTH else None
        if match is not None:
            conds: list[Condition] = []  # a well-formed header: straight to its decoder
            values = decoder.fast_groups(match.groups(), line, conds)  # for its own action
            if conds:
                record = decoder.record(line, values, text, conds)
            else:
                record = Record(ttype, line, values, text, decoder.columns)
        else:
            record, conds = decoder.decode(text, line, length)
        txn = TRANSACTION_CLASSES[ttype](record, [], conds, self.seq)
        # a void reads only its key, and a cancel's lines are not checked (spec 6.1, 6.2)
        self.reads_details = txn.reads_details
        return txn

    def _detail(self, ttype: str, line: int, text: str, length: int) -> None:
        txn = self.txn
        if txn is None:
            return
        if not self.reads_details:
            # the record-level checks still apply to every line of the file
            txn.details.append(self._plain(ttype, line, text))
            txn.conditions.extend(_record_faults(text, line, length))
            return
        record, conds = self.decoders[ttype].decode(text, line, length, None)
        txn.details.append(record)
        if conds:
            txn.conditions.extend(conds)

    def _stray(self, ttype: str, line: int, text: str, length: int, placed: Condition) -> Stray:
        """A record out of place; its own faults (001, 002) go to the unit that holds it."""
        faults = _record_faults(text, line, length)
        unit = self.batch.conditions if self.batch is not None else self.envelope.conditions
        unit.extend(faults)
        return Stray(self._plain(ttype, line, text), [placed, *faults])

    def _plain(self, ttype: str, line: int, text: str) -> Record:
        """A record kept as text only: its identifier and 80 columns, no decoded values."""
        rid = ttype if ttype in LAYOUTS else (ttype[0] if ttype.startswith("B_") else text[:2])
        columns = DECODERS[self.direction][rid].columns if rid in self.decoders else {}
        return Record(rid, line, {}, text[:RECORD_LENGTH].ljust(RECORD_LENGTH), columns)


def _decode_detail(decoder, txn: Transaction, line: int, text: str, length: int) -> None:
    """A detail record decoded into its transaction, its conditions with the transaction's."""
    match = decoder.well_formed(text) if length == RECORD_LENGTH else None
    if match is not None:
        conds: list[Condition] = []  # a well-formed record: straight to its decoder
        values = decoder.fast_groups(match.groups(), line, conds, None)
        if conds:
            txn.details.append(decoder.record(line, values, text, conds))
            txn.conditions.extend(conds)
        else:  # the usual record: nothing faulty to find
            txn.details.append(Record(decoder.rid, line, values, text, decoder.columns))
        return
    record, conds = decoder.decode(text, line, length, None)
    txn.details.append(record)
    if conds:
        txn.conditions.extend(conds)


def _column(rid: str, name: str) -> int:
    return LAYOUTS[rid].field(name).pos


def _text(record: Record, name: str) -> str:
    """A field's text as received (envelope numbers and counts are compared as text)."""
    return record.raw[LAYOUTS[record.rid].field(name).slice]


def _says(record: Record, name: str, number: int) -> bool:
    """Whether a count or number field holds exactly `number`, zero-filled to its width."""
    return _text(record, name) == str(number).zfill(LAYOUTS[record.rid].field(name).length)


def _record_faults(text: str, line: int, length: int) -> list[Condition]:
    out: list[Condition] = []
    record_faults(text, line, length, out)
    return out
