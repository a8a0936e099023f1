"""`ecert describe`: a transmission or response shown record by record, fields named."""

from __future__ import annotations

import sys
from collections import defaultdict

import click

from ecert_edi.bindings.abi.describing import describe as describe_lines
from ecert_edi.bindings.abi.jsonform import sniff_direction
from ecert_edi.bindings.abi.reader import Source, SourceError, iter_lines
from ecert_edi.bindings.abi.reading import iter_conditions
from ecert_edi.domain.rules.static import static_conditions


@click.command()
@click.argument("file", metavar="FILE")
def describe(file: str) -> None:
    """Show a transmission or response record by record: each field's name and value.

    Quantities are shown with their decimals, dates and times in ISO form, and a field whose
    text reads otherwise also as written. Every condition `ecert validate` reports is shown under
    its record (a response is checked as a response). Use - to read standard input.

    Exit status: 0 when shown (whatever the file holds), 1 when it cannot be read.

    Example: ecert describe inbox/AU260115000001.txt
    """
    out = sys.stdout
    try:
        with Source(file) as source:
            with source.open() as fh:
                direction = sniff_direction(fh.readline(80))
            extra = static_conditions if direction == "inbound" else None
            by_line = defaultdict(list)
            for c in iter_conditions(source, direction, extra=extra):
                by_line[c.line].append(c)
            with source.open() as fh:
                for text in describe_lines(iter_lines(fh), by_line):
                    out.write(text + "\n")
    except SourceError as exc:
        click.echo(f"ecert describe: cannot read {exc}", err=True)
        sys.exit(1)
    out.flush()
