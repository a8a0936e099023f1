"""One inbound file processed on the ledger of its environment (spec 4.5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecert_edi.bindings.abi.environment import environment_of
from ecert_edi.bindings.abi.reader import as_source
from ecert_edi.ledger import Ledger
from ecert_edi.processing.response_file import process_file
from ecert_edi.processing.transmission import Outcome
from ecert_edi.store.environments import PRODUCTION, Ledgers


class Routed:
    """Files to their environment's ledger, each ledger's service kept across files."""

    def __init__(self, ledgers: Ledgers) -> None:
        self.ledgers = ledgers
        self._services: dict[str, Ledger] = {}

    def process_file(self, path, out_dir: Path | str, clock: dt.datetime,
                     response: Path | None = None) -> Outcome:
        """`process_file` on the ledger the file's A record names (production when unreadable).

        The file is opened once: the environment and the transmission are read from the same
        open file, whatever is renamed over its path meanwhile.
        """
        source = as_source(path)  # a path, or a Source the caller opened to look at first
        try:
            environment = environment_of(source) or PRODUCTION
        except BaseException:
            source.close()
            raise
        store = self.ledgers.store(environment)
        ledger = self._services.get(environment)
        if ledger is None or ledger.store is not store:
            ledger = self._services[environment] = Ledger(store)
        return process_file(source, store, out_dir, clock, response=response, ledger=ledger)
