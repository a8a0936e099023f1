"""A long transmission's live state kept out of the cycle collector's full passes."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Commit groups of one transmission before what is alive is frozen (`gc.freeze`) after each:
# a transmission this long takes seconds, so the one full collection its end may cost is small.
SETTLE_AFTER_GROUPS = 10


class Settling:
    """Counts a transmission's commit groups and, from the SETTLE_AFTER_GROUPS-th on, freezes
    what is alive after each one.

    A long file keeps thousands of objects alive for many groups (the certificates read, the
    transactions read ahead, the group's decisions), and each full collection walked them all
    again: at a million entries 38% more collector time an entry than at 100,000.
    Frozen objects are still freed when their last reference goes; only a reference cycle
    among them waits, and `release` gives every one back at the transmission's end."""

    def __init__(self) -> None:
        self.groups = 0
        self._before: int | None = None  # objects frozen when this transmission first froze

    def group_done(self) -> None:
        self.groups += 1
        if self.groups < SETTLE_AFTER_GROUPS:
            return
        if self._before is None:
            self._before = gc.get_freeze_count()
        gc.freeze()

    def release(self) -> None:
        """Give back what this transmission froze.  A process that had frozen its own
        long-lived objects before (the command's imports, surfaces/cli) has them frozen again,
        after one full collection has taken the cycles the transmission left."""
        before, self._before = self._before, None
        if before is None:
            return
        gc.unfreeze()
        if before:
            gc.collect()
            gc.freeze()


@contextmanager
def settling() -> Iterator[Settling]:
    """A `Settling` for one transmission, released however it ends."""
    settle = Settling()
    try:
        yield settle
    finally:
        settle.release()
