"""`ecert diff`: the field-level differences of two transmissions or responses."""

from __future__ import annotations

import sys

import click

from ecert_edi.bindings.abi.differ import Sides, differences
from ecert_edi.bindings.abi.reader import Source, SourceError, iter_lines

SIDES = Sides(left="A", right="B",
              only_left="line {n}: only in A: {a}",
              only_right="line {n}: only in B: {b}",
              other_record="line {n}: A has {a}, B has {b}")


@click.command()
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
def diff(first: str, second: str) -> None:
    """Show where two transmissions or responses differ, field by field.

    Each difference is a line: the line number, the record and its title, the field, its
    columns, and the two values (quantities also with their decimals). Lines present in one
    file only are named as such. Empty lines are not compared.

    Exit status: 0 when the files hold the same records, 1 when they differ, 2 when a file
    cannot be read (as diff(1)).

    Example: ecert diff expected/AU260115000001.txt.resp outbox/AU260115000001.txt.resp
    """
    differ = False
    try:
        with Source(first) as a, a.open() as left, Source(second) as b, b.open() as right:
            for note in differences(_texts(left), _texts(right), SIDES):
                click.echo(note)
                differ = True
    except SourceError as exc:
        click.echo(f"ecert diff: cannot read {exc}", err=True)
        sys.exit(2)
    sys.exit(1 if differ else 0)


def _texts(stream):
    return (text for _, text, _ in iter_lines(stream))
