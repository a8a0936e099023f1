"""`ecert migrate`: move a SQLite ledger (both environments) into an empty PostgreSQL one."""

from __future__ import annotations

import os

import click

from ecert_edi.surfaces.cli.options import counted, fail


@click.command()
@click.option("--from", "source", required=True, metavar="PATH",
              help="The SQLite ledger (its test ledger beside it moves too, when there is one).")
@click.option("--to", "target", required=True, metavar="URL",
              help="A postgresql:// URL: the database must exist; the ledger's schema is made"
              " when absent and must be empty.")
def migrate(source, target):
    """Copy a SQLite ledger into an empty PostgreSQL ledger, checking the copy.

    Certificates, entries, the ledger, transmissions and their stored responses are copied as
    they are (a re-sent transmission gets the same response afterwards), the production ledger
    and, when it exists, the test ledger beside it (docs/scaling.md). Each ledger is copied in
    one transaction and kept only when it holds every row and `ecert check` would find nothing.
    Stop the watchers and any other writer first: the source is read in one snapshot, and what
    is written to it later is not moved.

    Exit status: 0 when every ledger was moved and checks out; 1 otherwise (nothing of the
    ledger that failed is kept).
    """
    from ecert_edi.store import StoreError, open_store
    from ecert_edi.store.environments import PRODUCTION, TEST, environment_target
    from ecert_edi.store.postgres.target import is_url

    if not is_url(target):
        fail(f"--to takes a postgresql:// URL, not {target!r} (a SQLite ledger is copied as a"
             " file)")
    moved = []
    for environment, name in ((PRODUCTION, "production"), (TEST, "test")):
        path = environment_target(source, environment)
        if environment == TEST and not os.path.exists(path):
            continue
        try:
            from ecert_edi.store.postgres.from_sqlite import from_sqlite

            with open_store(path, create=False) as src, \
                    open_store(environment_target(target, environment), create=True) as dst:
                copied = from_sqlite(src, dst)
                where = dst.path
        except (StoreError, ImportError) as exc:
            fail(f"{name} ledger {path}: {exc}")
        moved.append(name)
        click.echo(f"{name}: {counted(copied['certificates'], 'certificate')},"
                   f" {counted(copied['entries'], 'entry', 'entries')},"
                   f" {counted(copied['activities'], 'ledger row')},"
                   f" {counted(copied['transmissions'], 'transmission')} copied from {path}"
                   f" to {where}; the copy checks out")
