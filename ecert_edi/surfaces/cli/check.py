"""`ecert check`: verify every certificate's balance against its ledger and its entry lines."""

from __future__ import annotations

import sys

import click

from ecert_edi.surfaces.cli.options import db_option, opened_store


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
        click.echo(f"{_count(len(problems), 'discrepancy', 'discrepancies')} found", err=True)
        sys.exit(1)
    click.echo(
        f"OK: {_count(counts['certificates'], 'certificate')},"
        f" {_count(counts['entries'], 'entry', 'entries')},"
        f" {_count(counts['activities'], 'ledger row')}; every balance agrees with its history"
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
