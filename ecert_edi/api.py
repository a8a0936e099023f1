"""The Python API: process, validate, translate and query transmissions from a program.

What the command line does, as functions (docs/api.md). A `db` is a database path (created by
the processing functions when absent, never by the reading ones) or a store already open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ecert_edi.domain.clock import processing_clock
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.state import CertificateState
from ecert_edi.processing import Outcome
from ecert_edi.processing.environments import Routed
from ecert_edi.store import LedgerRow, LedgerStore, StoreError, open_store
from ecert_edi.store.environments import ENVIRONMENTS, Ledgers

Database = str | os.PathLike | LedgerStore

__all__ = [
    "Condition",
    "Database",
    "Outcome",
    "StoreError",
    "certificate",
    "certificates",
    "process_bytes",
    "process_file",
    "to_abi",
    "to_json",
    "usage",
    "validate",
]


@contextlib.contextmanager
def _store(db: Database, *, create: bool, environment: str = "production"
           ) -> Iterator[LedgerStore]:
    """The ledger of an environment (spec 4.5): a store given is the caller's, used as it is."""
    if not isinstance(db, (str, os.PathLike)):
        yield db  # the caller's store: the caller closes it
        return
    with Ledgers(db, open_store, create=create) as ledgers:
        yield ledgers.store(ENVIRONMENTS[environment])


@contextlib.contextmanager
def _routed(db: Database) -> Iterator[Routed | tuple[LedgerStore]]:
    """Each transmission to its environment's ledger; a store given answers them all."""
    if not isinstance(db, (str, os.PathLike)):
        yield (db,)
        return
    with Ledgers(db, open_store, create=True) as ledgers:
        yield Routed(ledgers)


def process_bytes(data: bytes, db: Database, *, clock: dt.datetime | None = None) -> bytes:
    """The response transmission to one inbound transmission given as bytes (ABI text).

    Exactly the bytes `ecert process` writes for it, on the ledger of its environment; the same
    transmission again is answered with the first response and changes nothing.
    """
    with tempfile.TemporaryDirectory(prefix="ecert-api-") as folder:
        response = Path(folder) / "response"
        process_file(data, db, folder, clock=clock, response=response)
        return response.read_bytes()


def process_file(path: str | os.PathLike | bytes, db: Database,
                 out_dir: str | os.PathLike = ".", *, clock: dt.datetime | None = None,
                 response: str | os.PathLike | None = None) -> Outcome:
    """Process one inbound file (or bytes) on the ledger of its environment; its response is
    written atomically to `out_dir/<name>.resp` (or `response`). The outcome says what was done:
    counts, conditions, the response path."""
    from ecert_edi.processing import process_file as process

    clock = clock or processing_clock()
    target = Path(response) if response is not None else None
    with _routed(db) as where:
        if isinstance(where, tuple):
            return process(path, where[0], Path(out_dir), clock, response=target)
        return where.process_file(path, Path(out_dir), clock, response=target)


def validate(source: str | os.PathLike | bytes) -> list[Condition]:
    """Every condition `ecert validate` reports for a transmission (a path, `-` or bytes), in
    line, column and code order; empty for a clean file."""
    from ecert_edi.bindings.abi.reader import Source
    from ecert_edi.bindings.abi.reading import iter_conditions
    from ecert_edi.domain.rules.static import static_conditions

    with Source(source) as src:
        return list(iter_conditions(src, extra=static_conditions))


def to_json(source: str | os.PathLike | bytes, direction: str | None = None) -> dict[str, Any]:
    """The JSON form (docs/json.md) of a transmission or response, as Python objects."""
    from ecert_edi.bindings.abi.jsonform import to_json as translate

    return translate(source, direction)


def to_abi(document: Any) -> str:
    """The ABI text of a JSON-form document; DocumentError (a ValueError) says where it is not one."""
    from ecert_edi.bindings.abi.jsonform import to_abi as translate

    return translate(document)


def certificate(db: Database, country: str, number: str, *, environment: str = "production"
                ) -> CertificateState | None:
    """One certificate: allowance, used, balance, IOR, dates, tariffs; None when not on file."""
    with _store(db, create=False, environment=environment) as store, store.read():
        return store.certificate(country.upper(), number.upper())


def certificates(db: Database, *, country: str | None = None, ior: str | None = None,
                 environment: str = "production") -> list[CertificateState]:
    """The certificates of a country, of an IOR, or (neither given) all of them, in key order."""
    if country is not None and ior is not None:
        raise ValueError("give country or ior, not both")
    with _store(db, create=False, environment=environment) as store, store.read():
        if country is not None:
            return list(store.certificates_of_country(country.upper()))
        if ior is not None:
            return list(store.certificates_by_ior(ior.upper()))
        return list(store.all_certificates())


def usage(db: Database, country: str, number: str, *, environment: str = "production"
          ) -> Iterator[LedgerRow]:
    """A certificate's ledger rows, oldest first, read from one snapshot as they are consumed."""
    with _store(db, create=False, environment=environment) as store, store.read():
        yield from store.ledger(country.upper(), number.upper())
