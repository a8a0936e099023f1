"""The response to a transmission in ABI records: its envelope, each unit's answer, a rejection."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

from ecert_edi.bindings.abi import responses
from ecert_edi.bindings.abi.emitter import EnvelopeWriter
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH
from ecert_edi.domain.answers import USAGE_FIELDS, CertificateView, QueryAnswer
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.decision import Activity, Decision
from ecert_edi.domain.transactions import (
    BatchInfo,
    Certificate,
    Entry,
    Envelope,
    Query,
    Record,
    Transaction,
)

# Response application for each inbound one; a batch of an unknown application is answered TR.
RESPONSE_APPLICATION = {"CR": "CA", "EN": "EA", "EC": "EZ"}
STREAM_PIECE = 1 << 16  # characters of a streamed answer given at a time
# The field of each transaction header that keys its R0.
KEY_FIELD = {"C0": "certificate_number", "E0": "entry_number", "Q0": "query_reference"}

# The S1 formatter takes a ledger row as the domain gives it: the layout must name the same fields.
if responses.S1_FIELDS != USAGE_FIELDS:  # pragma: no cover - a layout edit that breaks queries
    raise ImportError(f"S1 fields {responses.S1_FIELDS} are not the usage fields {USAGE_FIELDS}")


class Responder:
    """Writes the response to one accepted transmission, piece by piece, counting as it goes.

    Each method returns the text it adds (80-column records, LF-ended); `unit` formats one
    transaction's answer and `written` counts a unit formatted earlier (a resumed run).
    """

    def __init__(self, envelope: Envelope, clock: dt.datetime) -> None:
        self.envelope = envelope
        self.clock = clock
        self._buffer = io.StringIO()
        self._writer = EnvelopeWriter(self._buffer)

    def _drain(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def header(self) -> str:
        self._writer.begin(response_header(self.envelope, self.clock))
        return self._drain()

    def open_batch(self, info: BatchInfo, record: Record) -> str:
        """The response batch's B record, and the whole answer of a rejected batch."""
        application = RESPONSE_APPLICATION.get(info.application or "", "TR")
        self._writer.begin_batch(application, info.ordinal)
        rejected = self.envelope.batches.get(info.ordinal)  # batches with conditions
        if rejected is not None:
            key = _text(record, "batch_number")
            for line in responses.rejection("B", None, key, None, rejected.conditions,
                                            self.clock):
                self._writer.write_line(line)
        return self._drain()

    def close_batch(self) -> str:
        self._writer.end_batch()
        return self._drain()

    def trailer(self) -> str:
        self._writer.end()
        return self._drain()

    def unit(self, txn: Transaction, result: Decision | QueryAnswer) -> str:
        """The answer to one transaction: R0, R1 per condition, R2 per activity, S0/S1 per
        certificate shown; not yet counted (see `written`)."""
        return "".join(f"{line}\n" for line in answer_records(txn, result, self.clock))

    def written(self, text: str) -> str:
        """Count a unit's text in the open batch; the text, as it stands in the response."""
        if not self._buffer.tell():  # nothing else pending: the text is what it adds
            self._writer.count_unit(text)
            return text
        self._writer.write_unit(text)
        return self._drain()

    def units(self, text: str) -> list[str]:
        """The units of a saved response part, each from its R0 record on."""
        out, start, width = [], 0, RECORD_LENGTH + 1
        for at in range(width, len(text), width):
            if text.startswith("R0", at):
                out.append(text[start:at])
                start = at
        if text:
            out.append(text[start:])
        return out

    def stream(self, txn: Transaction, result: Decision | QueryAnswer) -> Iterator[str]:
        """The answer to one transaction in pieces of about STREAM_PIECE characters, counted as
        they go (a query's S1 records come from the ledger as they are read)."""
        write, buffer = self._writer.write_line, self._buffer
        for line in answer_records(txn, result, self.clock):
            write(line)
            if buffer.tell() >= STREAM_PIECE:
                yield self._drain()
        last = self._drain()
        if last:
            yield last


def answer_records(txn: Transaction, result: Decision | QueryAnswer,
                   clock: dt.datetime) -> Iterator[str]:
    """The response records of one transaction, after its decision."""
    key = echo(txn, KEY_FIELD[txn.subject])
    if isinstance(txn, Certificate):
        decision = result
        yield from responses.answer(decision.disposition, "C0", echo(txn, "action"), key,
                                    echo(txn, "issuing_country"), decision.conditions, clock)
    elif isinstance(txn, Entry):
        decision = result
        yield from responses.answer(decision.disposition, "E0", echo(txn, "action"), key, None,
                                    decision.conditions, clock)
        if decision.accepted:
            yield from (r2(a) for a in decision.activities)
    elif isinstance(txn, Query):
        decision = result.decision
        yield from responses.answer(decision.disposition, "Q0", echo(txn, "query_type"), key,
                                    None, decision.conditions, clock)
        if decision.accepted:
            for shown in result.certificates:
                yield s0(shown)
                yield from (responses.s1_values(*row) for row in shown.usage)
    else:  # pragma: no cover - the grammar admits no other transaction
        raise TypeError(f"no answer for {txn.header.rid}")


def echo(txn: Transaction, name: str) -> str:
    """The inbound text of a header field, as sent (responses.echo makes it valid AN)."""
    return _text(txn.header, name)


def r2(a: Activity) -> str:
    return responses.r2(a.line_number, a.activity, a.certificate_number, a.country, a.quantity,
                        a.balance_after, a.unit)


def s0(shown: CertificateView) -> str:
    """A certificate usage summary (S0) of a certificate a query shows."""
    cert = shown.certificate
    return responses.s0(
        certificate_number=cert.number,
        issuing_country=cert.country,
        status=shown.status,
        allowance_quantity=cert.allowance,
        quantity_used=cert.used,
        quantity_remaining=cert.balance,
        unit_of_measure=cert.unit,
        issue_date=cert.issue_date,
        expiry_date=cert.expiry_date,
    )


def response_header(envelope: Envelope, clock: dt.datetime) -> dict:
    """The A record values of the response, echoing the inbound header's fields."""
    a = envelope.header
    raw = a.raw if a is not None else " " * RECORD_LENGTH
    f = LAYOUTS["A"]
    return responses.header_values(
        raw[f.field("control_number").slice],
        raw[f.field("environment").slice],
        raw[f.field("sender_type").slice],
        raw[f.field("sender_id").slice],
        clock,
    )


def rejection(envelope: Envelope, conditions: list[Condition], clock: dt.datetime) -> str:
    """The whole response to a rejected transmission: one TR batch, R0 subject `A` (spec 4.2)."""
    out = io.StringIO()
    writer = EnvelopeWriter(out)
    header = response_header(envelope, clock)
    writer.begin(header)
    writer.begin_batch("TR", 1)
    for line in responses.rejection("A", None, header["control_number"], None, conditions,
                                    clock):
        writer.write_line(line)
    writer.end_batch()
    writer.end()
    return out.getvalue()


def _text(record: Record, name: str) -> str:
    try:
        where = _SLICES[record.rid, name]
    except KeyError:  # the first time: the layout's field, looked up once
        where = _SLICES[record.rid, name] = LAYOUTS[record.rid].field(name).slice
    return record.raw[where]


_SLICES: dict[tuple[str, str], slice] = {}  # (record, field) -> its columns
