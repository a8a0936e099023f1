"""The two ledgers of a database target: production (`P`) and test (`T`), spec 4.5."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Self

from ecert_edi.store.interface import LedgerStore, StoreError, StoreMissing
from ecert_edi.store.postgres.target import environment_url, is_url

PRODUCTION, TEST = "P", "T"
ENVIRONMENTS = {"production": PRODUCTION, "test": TEST}


def environment_target(target: str | os.PathLike, environment: str) -> str:
    """Where an environment's ledger lives: the production ledger at the target itself, the test
    ledger beside it, `-test` before the suffix (`ecert.db` → `ecert-test.db`).

    A ledger of its own for each environment, in a file of its own: no statement can reach
    across, and a test ledger is removed or reset without touching production.  On a
    PostgreSQL server, a schema of its own beside production's (`ecert` → `ecert_test`,
    store/postgres/target.py).
    """
    target = os.fspath(target)
    if environment not in (PRODUCTION, TEST):
        raise ValueError(f"unknown environment {environment!r}")
    if is_url(target):
        return environment_url(target, environment == TEST)
    if environment == PRODUCTION:
        return target
    head, name = os.path.split(target)
    stem, dot, suffix = name.rpartition(".")
    name = f"{stem}-test.{suffix}" if dot and stem else f"{name}-test"
    return os.path.join(head, name)


class Ledgers:
    """The ledger of each environment behind one `--db` target, each opened when first needed.

    `create`: make a ledger that does not exist (`process`, `watch`); otherwise the production
    ledger must exist, and a test ledger never written to reads as an empty ledger.
    """

    def __init__(self, target: str | os.PathLike,
                 opener: Callable[..., LedgerStore], *, create: bool = True) -> None:
        self.target = os.fspath(target)
        self._open = opener
        self._create = create
        self._stores: dict[str, LedgerStore] = {}
        self.store(PRODUCTION)  # a missing or foreign database is said at once

    def store(self, environment: str) -> LedgerStore:
        """The ledger of `P` or `T`."""
        found = self._stores.get(environment)
        if found is None:
            found = self._opened(environment)
            self._stores[environment] = found
        return found

    def _opened(self, environment: str) -> LedgerStore:
        where = environment_target(self.target, environment)
        try:
            return self._open(where, create=self._create)
        except StoreMissing:
            if environment == PRODUCTION:
                raise
        # a production ledger that has never had a test transmission: its test ledger is empty
        return self._open(":memory:", create=True)

    def close(self) -> None:
        stores, self._stores = self._stores, {}
        for store in stores.values():
            store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def scratch_copy(target: str | os.PathLike, folder: str | os.PathLike,
                 opener: Callable[..., LedgerStore]) -> str:
    """Copies of the ledgers of `target` (those that exist) in `folder`; the target to give
    `Ledgers` for them.  A missing production ledger is an empty one there.  The copies are
    SQLite files whatever the target's store (a PostgreSQL ledger is copied into one)."""
    target = os.fspath(target)
    name = "ecert.db" if is_url(target) else os.path.basename(target) or "ecert.db"
    copy = os.path.join(os.fspath(folder), name)
    for environment in (PRODUCTION, TEST):
        try:
            store = opener(environment_target(target, environment), create=False)
        except StoreMissing:
            continue
        with store:
            store.copy_to(environment_target(copy, environment))
    return copy


__all__ = ["ENVIRONMENTS", "PRODUCTION", "TEST", "Ledgers", "StoreError", "environment_target", "scratch_copy"]
