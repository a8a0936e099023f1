"""The ABI binding: the fixed-width format behind the Binding interface of bindings/interface.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ecert_edi.bindings.abi import responding
from ecert_edi.bindings.abi.reader import as_source
from ecert_edi.bindings.abi.reading import check_envelope, parse_events
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.transactions import Envelope


class AbiBinding:
    """80-column ABI records (spec sections 3-5), read and written."""

    name = "abi"

    def source(self, data):
        return as_source(data)

    def check_envelope(self, source) -> Envelope:
        return check_envelope(source)

    def events(self, source) -> Iterator:
        return parse_events(source)

    def responder(self, envelope: Envelope, clock: dt.datetime) -> responding.Responder:
        return responding.Responder(envelope, clock)

    def rejection(self, envelope: Envelope, conditions: list[Condition],
                  clock: dt.datetime) -> str:
        return responding.rejection(envelope, conditions, clock)


ABI = AbiBinding()
