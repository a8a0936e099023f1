"""`ecert validate`: syntax, envelope and every database-independent rule, as one line a condition."""

from __future__ import annotations

import sys

import click

from ecert_edi.bindings.abi.reading import iter_conditions
from ecert_edi.bindings.abi.reader import Source, SourceError
from ecert_edi.domain.rules.static import static_conditions


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...]) -> None:
    """Check inbound transmissions without touching any database.

    Reports every condition that needs no stored state: record and field formats, the A/B…Y/Z
    envelope and its counts, and the certificate, entry and query checks that depend only on the
    file (IOR number form, entry-number check digit, duplicate lines, …). Each condition is printed
    as

        FILE:LINE:COLUMN: CODE SEVERITY NARRATIVE

    in line, column and code order; conditions with no place in the file (line 0: no trailer, no
    record) come last. Nothing is printed for a clean file. Use - to read standard input. The file
    is read once, in bounded memory, whatever its size.

    Exit status: 0 when no file has an error, 1 when any has one or a file cannot be read.

    Example: ecert validate inbox/AU260115000001.txt
    """
    failed = False
    for name in files:
        try:
            source = Source(name)
            for c in iter_conditions(source, extra=static_conditions):
                click.echo(f"{name}:{c.line}:{c.column}: {c.code} {c.severity} {c.text}")
                failed = failed or c.severity == "E"
        except SourceError as exc:
            click.echo(f"ecert validate: cannot read {exc}", err=True)
            failed = True
    sys.exit(1 if failed else 0)
