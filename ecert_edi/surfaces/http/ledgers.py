"""The ledgers a request works on (spec 4.5), each worker thread keeping its own connections."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

from ecert_edi.processing.environments import Routed
from ecert_edi.store import LedgerStore, StoreError, StoreMissing, open_store
from ecert_edi.store.environments import ENVIRONMENTS, Ledgers, environment_target
from ecert_edi.surfaces.http.problems import Problem

# A SQLite connection belongs to the thread that opened it; opening one costs more than most
# reads (some 2.5 ms against 0.03 ms), so each thread keeps its own. A read runs in a snapshot
# of its own (`store.read()`), so a connection kept sees every commit made since.
_kept = threading.local()


class Environment(str, Enum):
    production = "production"
    test = "test"


@contextmanager
def reading(db: str, environment: Environment = Environment.production
            ) -> Iterator[LedgerStore]:
    """The existing ledger of an environment; a test ledger never written to reads as empty
    (and is looked for again next time, not kept)."""
    stores = _thread_dict("readers")
    where = environment_target(db, ENVIRONMENTS[environment.value])
    store = stores.get(where)
    if store is not None:
        yield store
        return
    try:
        store = open_store(where, create=False)
    except StoreMissing as exc:
        if environment is Environment.production:
            raise Problem(503, f"the ledger cannot be read: {exc}") from exc
        with open_store(":memory:", create=True) as empty:
            yield empty
        return
    except StoreError as exc:
        raise Problem(503, f"the ledger cannot be read: {exc}") from exc
    stores[where] = store
    yield store


def routed(db: str) -> Routed:
    """This thread's `Routed` over the ledgers of `db` (made when a transmission needs them),
    its ledger services kept with it."""
    found = _thread_dict("routers").get(db)
    if found is None:
        found = _thread_dict("routers")[db] = Routed(Ledgers(db, open_store, create=True))
    return found


def _thread_dict(name: str) -> dict:
    found = getattr(_kept, name, None)
    if found is None:
        found = {}
        setattr(_kept, name, found)
    return found
