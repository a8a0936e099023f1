"""`ecert check`: verify every certificate's balance against its ledger and its entry lines."""

from __future__ import annotations

import sys

import click

from ecert_edi.surfaces.cli.options import counted, db_option, opened_store


@click.command()
@db_option
def check(db_path):
    """Check that allowance − deductions + restorations = balance ≥ 0 for every certificate."""
    with opened_store(db_path) as store:
        problems = store.check_ledger()
        counts = store.counts()
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{counted(len(problems), 'discrepancy', 'discrepancies')} found", err=True)
        sys.exit(1)
    click.echo(
        f"OK: {counted(counts['certificates'], 'certificate')},"
        f" {counted(counts['entries'], 'entry', 'entries')},"
        f" {counted(counts['activities'], 'ledger row')}; every balance agrees with its history"
    )

