"""One inbound file in, its response file out, written atomically: a thin adapter over `respond`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecert_edi.bindings.abi.binding import ABI
from ecert_edi.bindings.interface import Binding
from ecert_edi.ledger import Ledger
from ecert_edi.processing.files import remove_abandoned, write_atomically
from ecert_edi.processing.transmission import Outcome, ResponseChanged, respond
from ecert_edi.store.interface import LedgerStore


def response_path(out_dir: Path | str, inbound: Path | str) -> Path:
    """Where the response to an inbound file goes: `<out_dir>/<name>.resp`."""
    return Path(out_dir) / f"{Path(inbound).name}.resp"


def process_file(path, store: LedgerStore, out_dir: Path | str, clock: dt.datetime,
                 response: Path | None = None, *, ledger: Ledger | None = None,
                 binding: Binding = ABI) -> Outcome:
    """Process one inbound file and write its response atomically; rejections are answers.

    Temporaries a killed run left for the same response are removed first (never one a live
    process is still writing); an interrupted write removes its own.
    """
    source = binding.source(path)
    try:
        target = Path(response) if response is not None else response_path(out_dir, source.name)
        outcome = Outcome(name=source.name, response=target)
        remove_abandoned(target)
        try:
            write_atomically(target, respond(source, store, clock, binding=binding,
                                             ledger=ledger, outcome=outcome))
        except ResponseChanged as changed:  # nothing is in place yet: the stored answer instead
            with store.read():
                write_atomically(target, store.response(changed.transmission))
        return outcome
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
