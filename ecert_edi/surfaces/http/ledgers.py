"""The ledger a request reads (spec 4.5: production unless `?environment=test`), opened for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

from ecert_edi.store import LedgerStore, StoreError, open_store
from ecert_edi.store.environments import ENVIRONMENTS, Ledgers
from ecert_edi.surfaces.http.problems import Problem


class Environment(str, Enum):
    production = "production"
    test = "test"


@contextmanager
def reading(db: str, environment: Environment = Environment.production
            ) -> Iterator[LedgerStore]:
    """The existing ledger of an environment, its connection this request's own (a SQLite
    connection belongs to the thread that opened it)."""
    try:
        with Ledgers(db, open_store, create=False) as ledgers:
            yield ledgers.store(ENVIRONMENTS[environment.value])
    except StoreError as exc:
        raise Problem(503, f"the ledger cannot be read: {exc}") from exc
