"""One inbound file processed on the ledger of its environment (spec 4.5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecert_edi.bindings.abi.environment import environment_of
from ecert_edi.bindings.abi.reader import Source, as_source
from ecert_edi.ledger import Ledger
from ecert_edi.processing.interchange_file import (
    InterchangeOutcome,
    is_interchange,
    process_interchange,
)
from ecert_edi.processing.response_file import process_file
from ecert_edi.processing.transmission import Outcome
from ecert_edi.store.environments import PRODUCTION, Ledgers
from ecert_edi.store.interface import LedgerStore


class Routed:
    """Files to their environment's ledger, each ledger's service kept across files."""

    def __init__(self, ledgers: Ledgers) -> None:
        self.ledgers = ledgers
        self._services: dict[str, Ledger] = {}

    def process_file(self, path, out_dir: Path | str, clock: dt.datetime,
                     response: Path | None = None, *, clean: bool = True) -> Outcome:
        """`process_file` on the ledger the file's A record names (production when unreadable).

        The file is opened once: the environment and the transmission are read from the same
        open file, whatever is renamed over its path meanwhile.
        """
        source = as_source(path)  # a path, or a Source the caller opened to look at first
        try:
            store, ledger = self.route(source)
        except BaseException:
            source.close()
            raise
        return process_file(source, store, out_dir, clock, response=response, ledger=ledger,
                            clean=clean)

    def route(self, source: Source) -> tuple[LedgerStore, Ledger]:
        """The store of the environment an open file's A record names (production when
        unreadable), and that store's service."""
        environment = environment_of(source) or PRODUCTION
        store = self.ledgers.store(environment)
        ledger = self._services.get(environment)
        if ledger is None or ledger.store is not store:
            ledger = self._services[environment] = Ledger(store)
        return store, ledger

    def answer(self, path, out_dir: Path | str, clock: dt.datetime, *,
               response: Path | None = None, base: Path | None = None,
               x12: bool = True, clean: bool = True) -> Outcome | InterchangeOutcome:
        """An inbound file answered: an X12 interchange (x12-binding.md 6: `base` + `.ta1`,
        `.999`/`.997`, `.resp`; `base` defaults to `out_dir/<name>`) when `x12` and its first
        bytes say so, else an ABI transmission (`process_file` above).  Both read from one open
        file, the one looked at.  `clean` as for `stage_response`."""
        source = as_source(path)
        if x12 and is_interchange(source):
            with source:
                return process_interchange(
                    source, self.ledgers, base or Path(out_dir) / Path(source.name).name, clock)
        return self.process_file(source, out_dir, clock, response=response, clean=clean)
