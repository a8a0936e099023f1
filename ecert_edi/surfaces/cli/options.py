"""What several commands share: the database option and opening it, the processing clock, counts."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from ecert_edi.domain.clock import CLOCK_FORMAT
from ecert_edi.store import LedgerStore, StoreError, open_store

db_option = click.option(
    "--db",
    "db_path",
    envvar="ECERT_DB",
    default="ecert.db",
    show_default=True,
    metavar="PATH",
    help="SQLite database (default: $ECERT_DB, else ./ecert.db); only process and watch create"
    " it when absent.",
)

clock_option = click.option(
    "--clock",
    type=click.DateTime(formats=[CLOCK_FORMAT]),
    metavar="YYYY-MM-DDTHH:MM:SS",
    help="Fixed processing time (UTC) for reproducible runs (default: now).",
)


@contextmanager
def opened_store(path: str) -> Iterator[LedgerStore]:
    """The existing store at path (never created: a mistyped path is not an empty ledger); a
    database that is missing or cannot be used ends the command with exit status 1."""
    try:
        with open_store(path, create=False) as store:
            yield store
    except StoreError as exc:
        click.echo(f"ecert: {exc}", err=True)
        sys.exit(1)


def counted(n: int, one: str, many: str | None = None) -> str:
    """`1 entry`, `2 entries`: a count with its noun (`many` when adding an s is wrong)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
