"""The ABI binding: the fixed-width format behind the Binding interface of bindings/interface.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ecert_edi.bindings.abi import responding
from ecert_edi.bindings.abi.reader import as_source
from ecert_edi.bindings.abi.reading import check_envelope, parse_events, read_whole
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.transactions import Envelope

# A transmission held in memory up to this size is read once: the second pass gives the events
# the first kept.  A small file's two passes cost it more than its records do (walkers set up
# twice, its envelope records decoded twice), and its events fit in memory many times over.
READ_ONCE_BYTES = 128 << 10


class AbiBinding:
    """80-column ABI records (spec sections 3-5), read and written."""

    name = "abi"

    def source(self, data):
        return as_source(data)

    def check_envelope(self, source) -> Envelope:
        held = source.held
        if held is not None and held <= READ_ONCE_BYTES:
            envelope, source.events = read_whole(source)
            return envelope
        return check_envelope(source)

    def events(self, source) -> Iterator:
        events, source.events = source.events, None
        return iter(events) if events is not None else parse_events(source)

    def responder(self, envelope: Envelope, clock: dt.datetime) -> responding.Responder:
        return responding.Responder(envelope, clock)

    def rejection(self, envelope: Envelope, conditions: list[Condition],
                  clock: dt.datetime) -> str:
        return responding.rejection(envelope, conditions, clock)


ABI = AbiBinding()
