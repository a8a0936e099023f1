"""`ecert validate`: syntax, envelope and every database-independent rule, as one line a condition."""

from __future__ import annotations

import sys

import click

from ecert_edi.bindings.abi.describing import condition_detail
from ecert_edi.bindings.abi.hints import HEAD, encoding_hint
from ecert_edi.bindings.abi.reader import Source, SourceError, iter_lines
from ecert_edi.bindings.abi.reading import iter_conditions
from ecert_edi.domain.rules.static import static_conditions
from ecert_edi.surfaces.cli.options import condition_object, emit_json, json_option


@click.command()
@click.option("--detail", is_flag=True,
              help='After each narrative, the record, field and value: (E0 entry_date "023026").')
@click.option("--responses", is_flag=True,
              help="The files are responses (as a vendor receives them): check them as such.")
@json_option
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...], detail: bool, responses: bool, as_json: bool) -> None:
    """Check inbound transmissions without touching any database.

    Reports every condition that needs no stored state: record and field formats, the A/B…Y/Z
    envelope and its counts, and the certificate, entry and query checks that depend only on the
    file (IOR number form, entry-number check digit, duplicate lines, …). Each condition is printed
    as

        FILE:LINE:COLUMN: CODE SEVERITY NARRATIVE

    in line, column and code order; conditions with no place in the file (line 0: no trailer, no
    record) come last. Nothing is printed for a clean file. Use - to read standard input. The file
    is read once, in bounded memory, whatever its size. With --detail, each line also names the
    record, the field and its text. A file saved with a byte-order mark, as UTF-16 or with CR-only
    line ends gets one hint line on standard error saying so. --responses checks response
    transmissions (CA, EA, EZ, TR) against the response layouts; --json prints one object a
    condition (JSON Lines: file, line, column, code, severity, text, field).

    Exit status: 0 when no file has an error, 1 when any has one or a file cannot be read.

    Example: ecert validate inbox/AU260115000001.txt
    """
    failed = False
    for name in files:
        try:
            with Source(name) as source:
                failed = _report(name, source, detail, responses, as_json) or failed
                with source.open() as fh:
                    hint = encoding_hint(fh.read(HEAD))
            if hint is not None:
                click.echo(f"ecert validate: {name}: hint: {hint}", err=True)
        except SourceError as exc:
            click.echo(f"ecert validate: cannot read {exc}", err=True)
            failed = True
    sys.exit(1 if failed else 0)


def _report(name: str, source: Source, detail: bool, responses: bool, as_json: bool) -> bool:
    """Print a file's conditions; whether any is an error."""
    if responses:
        conditions = iter_conditions(source, "response")
    else:
        conditions = iter_conditions(source, extra=static_conditions)
    if detail:
        # the conditions first, then one more pass for the records they name: the file is read
        # by one reader at a time
        conditions = _detailed(list(conditions), source)
    else:
        conditions = ((c, "") for c in conditions)
    failed = False
    for c, more in conditions:
        if as_json:
            emit_json({**condition_object(c, name), **({"detail": more.strip()[1:-1]}
                                                        if more else {})})
        else:
            click.echo(f"{name}:{c.line}:{c.column}: {c.code} {c.severity} {c.text}{more}")
        failed = failed or c.severity == "E"
    return failed


def _detailed(conditions: list, source: Source):
    wanted = {c.line for c in conditions if c.line}
    texts = {}
    with source.open() as fh:
        for number, text, _ in iter_lines(fh):
            if number in wanted:
                texts[number] = text
    for c in conditions:
        text = texts.get(c.line)
        yield c, (condition_detail(text, c) if text is not None else "")
