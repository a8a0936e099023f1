"""`ecert validate`: syntax, envelope and every database-independent rule, as one line a condition."""

from __future__ import annotations

import contextlib
import os
import sys

import click

from ecert_edi.bindings.abi.hints import HEAD, encoding_hint
from ecert_edi.bindings.abi.reader import Source, SourceError, iter_lines
from ecert_edi.bindings.abi.reading import iter_conditions
from ecert_edi.domain.rules.static import static_conditions
from ecert_edi.surfaces.cli.options import condition_object, emit_json, json_option
from ecert_edi.surfaces.cli.progress import progress, verbose_option, wanted


@click.command()
@click.option("--detail", is_flag=True,
              help='After each narrative, the record, field and value: (E0 entry_date "023026").')
@click.option("--responses", is_flag=True,
              help="The files are responses (as a vendor receives them): check them as such.")
@json_option
@click.option("--quiet", "-q", is_flag=True,
              help="Print nothing: the exit status says whether any file has an error.")
@verbose_option
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...], detail: bool, responses: bool, as_json: bool, quiet: bool,
             verbose: bool) -> None:
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

    An X12 interchange (x12-binding 2.1) is checked as the X12 binding says (docs/x12.md): every
    X12 fault at every level and the conditions of each 996 set that would be accepted, LINE
    being the segment's ordinal in the file; --detail names the record and field of the carried
    conditions; --responses is refused (exit status 2) for an X12 file.

    Exit status: 0 when no file has an error, 1 when any has one or a file cannot be read.

    Example: ecert validate inbox/AU260115000001.txt
    """
    with contextlib.ExitStack() as stack:
        if quiet:
            stack.enter_context(contextlib.redirect_stdout(open(os.devnull, "w")))  # noqa: SIM115
        advance = stack.enter_context(progress("validating", len(files), wanted(quiet)))
        failed = _validate_all(files, detail, responses, as_json, verbose, advance)
    sys.exit(1 if failed else 0)


def _validate_all(files, detail, responses, as_json, verbose, advance) -> bool:
    failed = False
    for name in files:
        advance(name)
        try:
            with Source(name) as source:
                if _is_x12(source):
                    if responses:
                        raise click.UsageError(
                            f"{name} is an X12 interchange: --responses checks ABI response "
                            "files only (X12 input is checked as an inbound interchange)")
                    failed = _report_x12(name, source, detail, as_json) or failed
                    continue  # the encoding hints are about ABI text
                found = _report(name, source, detail, responses, as_json)
                failed = found or failed
                with source.open() as fh:
                    hint = encoding_hint(fh.read(HEAD))
            if hint is not None:
                click.echo(f"ecert validate: {name}: hint: {hint}", err=True)
            if verbose and not found:
                click.echo(f"{name}: no error", err=True)
        except SourceError as exc:
            click.echo(f"ecert validate: cannot read {exc}", err=True)
            failed = True
    return failed


def _is_x12(source: Source) -> bool:
    """Whether the file is an X12 interchange (x12-binding 2.1), from its first 106 bytes.
    `ISA` first is necessary: an ABI file never imports the X12 package."""
    with source.open() as fh:
        head = fh.read(106)
    if head[:3] != b"ISA":
        return False
    from ecert_edi.bindings.x12.envelope import is_x12

    return is_x12(head)


def _report_x12(name: str, source: Source, detail: bool, as_json: bool) -> bool:
    """Print an interchange's faults and carried conditions (x12-binding 8.2); whether any is an
    error.  No database: the carried transmissions get only the static rules, as ABI files do."""
    from ecert_edi.bindings.x12.segments import pyx12_missing

    missing = pyx12_missing()
    if missing is not None:
        click.echo(f"ecert validate: {name}: {missing}", err=True)
        return True
    from ecert_edi.bindings.x12.reading import read_interchange
    from ecert_edi.bindings.x12.validating import fault_rows

    # --detail suffixes by id() of their condition: each row keeps its condition, so no id is
    # reused before printing
    details: dict[int, str] = {}

    def conditions_of(abi: bytes):
        carried = Source(abi)
        conditions = iter_conditions(carried, extra=static_conditions)
        if not detail:
            return conditions
        pairs = list(_detailed(list(conditions), carried))
        for c, more in pairs:
            details[id(c)] = more
        return [c for c, _ in pairs]

    with source.open() as fh, read_interchange(fh) as ix:
        rows = fault_rows(ix, conditions_of)
    failed = False
    for row in rows:
        more = details.get(id(row.condition), "") if row.condition is not None else ""
        if as_json:
            emit_json({"file": name, "line": row.line, "column": row.column, "code": row.code,
                       "severity": row.severity, "text": row.text, "field": row.field,
                       **({"detail": more.strip()[1:-1]} if more else {})})
        else:
            click.echo(f"{row.format(name)}{more}")
        failed = failed or row.severity == "E"
    return failed


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
    from ecert_edi.bindings.abi.describing import condition_detail  # only with --detail

    wanted = {c.line for c in conditions if c.line}
    texts = {}
    with source.open() as fh:
        for number, text, _ in iter_lines(fh):
            if number in wanted:
                texts[number] = text
    for c in conditions:
        text = texts.get(c.line)
        yield c, (condition_detail(text, c) if text is not None else "")
