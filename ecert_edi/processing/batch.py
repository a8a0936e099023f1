"""Small inbound files answered under one commit: their responses in place once it is durable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ecert_edi.bindings.abi.reader import Source, as_source
from ecert_edi.ledger import Ledger
from ecert_edi.processing.response_file import StagedResponse, stage_response
from ecert_edi.processing.transmission import writing
from ecert_edi.store.interface import LedgerStore

# Where a file's transmission goes: the store of its environment and that store's service.
Route = Callable[[Source], tuple[LedgerStore, Ledger]]


class Batch:
    """ABI files answered one after another inside one write transaction of each store they
    use.  A file that fails undoes the whole batch (the exception leaves `batch`): the caller
    answers the others again without it, which costs only when a file fails, where a savepoint
    a file would cost every file.

    A durable commit costs the same for 20 entries as for 1,000, and so does writing the pages
    they share: a drop folder of many small files commits once a batch, not once a file.  Every
    response is held in memory until the batch has committed (`batch` below), so none is given
    for what a crash could still take back, and none costs a file before it can be given; a
    crash before the commit leaves the files to be answered again, whole, as if never begun.
    """

    def __init__(self, route: Route, stack: ExitStack) -> None:
        self._route = route
        self._stack = stack
        self._writing: list[LedgerStore] = []
        self.staged: list[StagedResponse] = []

    def stage(self, path, out_dir: Path | str, clock: dt.datetime, *,
              response: Path | None = None) -> StagedResponse:
        """Apply one ABI file and hold its response (a `Held` file, not in place yet)."""
        source = as_source(path)
        try:
            store, ledger = self._route(source)
            if not any(store is open_ for open_ in self._writing):
                self._stack.enter_context(writing(store))  # waits out other writers
                # the batch's decisions written together at its end, as a long file's group
                self._stack.enter_context(ledger.group())
                self._writing.append(store)
            staged = stage_response(source, store, out_dir, clock, response, ledger=ledger,
                                    clean=False, held=True)
        finally:
            source.close()
        self.staged.append(staged)
        return staged


@contextmanager
def batch(route: Route) -> Iterator[Batch]:
    """A batch whose stores commit when the block ends; the caller then publishes
    `Batch.staged`.  On an exception nothing is committed and every response is discarded."""
    stack = ExitStack()
    answered = Batch(route, stack)
    try:
        with stack:  # the stores' writes, entered as files need them: committed on leaving
            yield answered
    except BaseException:
        for staged in answered.staged:
            staged.discard()
        raise
