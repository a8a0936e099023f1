"""What several commands share: the database option and opening it, and the processing clock."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from ecert_edi.store import Store, StoreError

db_option = click.option(
    "--db",
    "db_path",
    envvar="ECERT_DB",
    default="ecert.db",
    show_default=True,
    metavar="PATH",
    help="SQLite database, created when absent (default: $ECERT_DB, else ./ecert.db).",
)

clock_option = click.option(
    "--clock",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S"]),
    metavar="YYYY-MM-DDTHH:MM:SS",
    help="Fixed processing time (UTC) for reproducible runs (default: now).",
)


@contextmanager
def opened_store(path: str) -> Iterator[Store]:
    """The store at path; a database that cannot be used ends the command with exit status 1."""
    try:
        with Store(path) as store:
            yield store
    except StoreError as exc:
        click.echo(f"ecert: {exc}", err=True)
        sys.exit(1)
