"""One inbound file in, its response file out, written atomically: a thin adapter over `respond`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ecert_edi.bindings.abi.binding import ABI
from ecert_edi.bindings.interface import Binding
from ecert_edi.ledger import Ledger
from ecert_edi.processing.files import Held, Staged, remove_abandoned
from ecert_edi.processing.transmission import Outcome, ResponseChanged, respond
from ecert_edi.store.interface import LedgerStore


def response_path(out_dir: Path | str, inbound: Path | str) -> Path:
    """Where the response to an inbound file goes: `<out_dir>/<name>.resp`."""
    return Path(out_dir) / f"{Path(inbound).name}.resp"


@dataclass
class StagedResponse:
    """A file's response written beside its place, not yet in it: published once the commit of
    what it answers is durable (at once for a file of its own, after the commit of a batch)."""

    outcome: Outcome
    file: Staged | Held

    def publish(self, *, sync: bool = True) -> Outcome:
        """The response in place; with `sync` its folder synced too (see Staged.publish)."""
        self.file.publish(sync=sync)
        return self.outcome

    def discard(self) -> None:
        self.file.discard()


def process_file(path, store: LedgerStore, out_dir: Path | str, clock: dt.datetime,
                 response: Path | None = None, *, ledger: Ledger | None = None,
                 binding: Binding = ABI, clean: bool = True) -> Outcome:
    """Process one inbound file and write its response atomically; rejections are answers.

    Temporaries a killed run left for the same response are removed first (never one a live
    process is still writing), unless `clean` is False (see `stage_response`); an interrupted
    write removes its own.
    """
    return stage_response(path, store, out_dir, clock, response, ledger=ledger,
                          binding=binding, clean=clean).publish()


def stage_response(path, store: LedgerStore, out_dir: Path | str, clock: dt.datetime,
                   response: Path | None = None, *, ledger: Ledger | None = None,
                   binding: Binding = ABI, clean: bool = True, held: bool = False
                   ) -> StagedResponse:
    """`process_file` up to its response written, not yet in place: the caller publishes it
    once what the response answers is durable.  `clean` False leaves the removal of abandoned
    temporaries to the caller (a drop folder clears its outbox once a pass).  `held` keeps the
    response in memory instead (a `Held` file: a small file's response is written only when
    it can be put in place)."""
    source = binding.source(path)
    try:
        target = Path(response) if response is not None else response_path(out_dir, source.name)
        outcome = Outcome(name=source.name, response=target)
        if held:
            return StagedResponse(outcome, _held(source, store, clock, binding, ledger, outcome,
                                                 target))
        if clean:
            remove_abandoned(target)
        staged = Staged(target)
        try:
            staged.out.writelines(respond(source, store, clock, binding=binding, ledger=ledger,
                                          outcome=outcome))
        except ResponseChanged as changed:  # nothing is in place yet: the stored answer instead
            staged.discard()
            staged = Staged(target)
            try:
                with store.read():
                    staged.out.writelines(store.response(changed.transmission))
            except BaseException:
                staged.discard()
                raise
        except BaseException:
            staged.discard()
            raise
        return StagedResponse(outcome, staged)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def _held(source, store: LedgerStore, clock: dt.datetime, binding: Binding,
          ledger: Ledger | None, outcome: Outcome, target: Path) -> Held:
    """The response's whole text in memory, as a `Staged` file would hold it (ASCII, lines as
    they come)."""
    try:
        text = "".join(respond(source, store, clock, binding=binding, ledger=ledger,
                               outcome=outcome))
    except ResponseChanged as changed:  # nothing is in place yet: the stored answer instead
        with store.read():
            text = "".join(store.response(changed.transmission))
    return Held(target, text.encode("ascii"))
