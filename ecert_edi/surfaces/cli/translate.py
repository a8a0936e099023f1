"""`ecert translate`: a transmission between fixed-width ABI text, JSON and X12 (x12-binding 8.1)."""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from typing import BinaryIO, NoReturn

import click

from ecert_edi.bindings.abi.jsonform import (
    DocumentError,
    JSONTextError,
    write_abi_from,
    write_json,
)

EXAMPLES = """\b
Examples:
  ecert translate fixtures/spec/certificate.txt --to json > cert.json
  ecert translate cert.json --to abi > cert.txt
  cat cert.txt | ecert translate - --to json
  ecert translate cert.txt --to x12 --ta1 > AU260115000001.x12
  ecert translate AU260115000001.x12 --to abi > cert.txt
"""

ISA_LENGTH = 106  # what `is_x12` looks at (x12-binding 2.1)

# The options that shape the X12 envelope; given with --to json or abi they would do nothing.
X12_OPTIONS = ("x12_version", "sender", "receiver", "control_number", "usage", "ta1", "clock")


def _fail(message: str) -> NoReturn:
    click.echo(f"ecert translate: {message}", err=True)
    sys.exit(1)


def _clock(ctx: click.Context, param: click.Parameter, value: str | None):
    # ClockType lives with the store options; imported only when --clock is given, so a
    # translation without it does not pay for importing the store
    if value is None:
        return None
    from ecert_edi.surfaces.cli.options import ClockType

    return ClockType().convert(value, param, ctx)


class _Rejoined:
    """Standard input with its first bytes, read to detect X12, put back in front: the input is
    read once, whichever path it then takes."""

    name = "<stdin>"

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest = head, rest

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n is None or n < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:n], self._head[n:]
            return data
        return self._rest.read(n)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass


def _head_of(file: str) -> tuple[bytes, str | _Rejoined]:
    """The first 106 bytes, and what to read the whole input from afterwards."""
    if file == "-":
        stdin = sys.stdin.buffer
        head = b""
        while len(head) < ISA_LENGTH and (block := stdin.read(ISA_LENGTH - len(head))):
            head += block
        return head, _Rejoined(head, stdin)
    try:
        with open(file, "rb") as fh:
            return fh.read(ISA_LENGTH), file
    except OSError:
        # not readable: the path it would have taken reports that, as it always did
        return b"", file


def _is_x12(head: bytes) -> bool:
    # `ISA` first is necessary (2.1): an ABI or JSON file never imports the X12 package
    if head[:3] != b"ISA":
        return False
    from ecert_edi.bindings.x12.envelope import is_x12

    return is_x12(head)


@click.command(epilog=EXAMPLES)
@click.argument("file", metavar="FILE")
@click.option(
    "--to",
    "target",
    type=click.Choice(["json", "abi", "x12"]),
    required=True,
    help="json: FILE is an ABI file (inbound or response) or an X12 interchange; abi: FILE is a "
    "JSON document or an X12 interchange; x12: FILE is an ABI file.",
)
@click.option(
    "--direction",
    type=click.Choice(["inbound", "response"]),
    default=None,
    help="With --to json: how to read FILE. Default: a response when its A record's sender "
    "type is CB, else inbound.",
)
@click.option("--x12-version", type=click.Choice(["005010", "004010"]), default=None,
              help="With --to x12: the X12 version (default 005010; 004010: ISA12 00401, "
              "GS08 004010ECERT, no ST03).")
@click.option("--sender", metavar="ID", default=None,
              help="With --to x12: ISA06/GS02 (default: from the A record, x12-binding 8.1).")
@click.option("--receiver", metavar="ID", default=None,
              help="With --to x12: ISA08/GS03 (default: from the A record).")
@click.option("--control-number", type=int, metavar="N", default=None,
              help="With --to x12: ISA13 (nine digits) and GS06 (default 1).")
@click.option("--usage", type=click.Choice(["P", "T"]), default=None,
              help="With --to x12: ISA15 (default: the A record's column 42 when P or T, else T).")
@click.option("--ta1", is_flag=True,
              help="With --to x12: request a TA1 (ISA14 1).")
@click.option("--clock", callback=_clock, metavar="YYYY-MM-DDTHH:MM:SS", default=None,
              help="With --to x12: the time of ISA09/ISA10 and GS04/GS05 (UTC; default: now).")
@click.pass_context
def translate(ctx: click.Context, file: str, target: str, direction: str | None,
              x12_version: str | None, sender: str | None, receiver: str | None,
              control_number: int | None, usage: str | None, ta1: bool, clock) -> None:
    """Translate a transmission between fixed-width ABI text and JSON.

    FILE is a path, or - for standard input; the result goes to standard output. With --to json,
    FILE is an 80-column ABI file: every record becomes an object named by its layout fields (see
    docs/json.md and docs/format.md). An invalid file still translates: its conditions are listed
    in the document and faulty records keep their raw columns. With --to abi, FILE is such a JSON
    document (version 2 of the form, checked against its schema, docs/json.schema.json); leave
    out a "trailer" to have its counts computed.

    X12 too (docs/x12.md): with --to x12, FILE is an ABI file and the result one X12 interchange
    carrying it in a 996 set. An X12 interchange as FILE gives, with --to abi, the records of
    every 996 set it carries, and with --to json their JSON; an interchange with an X12 fault
    gives nothing but its faults, as ecert validate prints them, on standard error (exit
    status 1). Reading X12 needs the x12 extra (pip install 'ecert-edi[x12]').
    """
    options = {"x12_version": x12_version, "sender": sender, "receiver": receiver,
               "control_number": control_number, "usage": usage, "ta1": ta1, "clock": clock}
    if target != "x12":
        default = click.core.ParameterSource.DEFAULT
        given = [name for name in X12_OPTIONS if ctx.get_parameter_source(name) != default]
        if given:
            raise click.UsageError(
                f"--{given[0].replace('_', '-')} applies to --to x12 only", ctx)
    elif direction is not None:  # an ABI file is carried as it is, whatever its direction
        raise click.UsageError("--direction applies to --to json only", ctx)
    head, source = _head_of(file)
    if _is_x12(head):
        if target == "x12":
            raise click.UsageError(f"{file} is an X12 interchange already: use --to abi or "
                                   "--to json", ctx)
        _from_x12(file, source, target, direction)
        return
    if target == "x12":
        _to_x12(ctx, file, source, options)
        return
    if target == "json":
        from ecert_edi.bindings.abi.reader import SourceError
        from ecert_edi.surfaces.cli.progress import progress_of, wanted

        # the lines of the file, about: a record and its line end
        lines = os.path.getsize(file) // 81 if file != "-" and os.path.isfile(file) else 0
        try:
            with progress_of("translating", lines, wanted(False) and lines > 100_000) as told:
                write_json(source, sys.stdout, direction, progress=told)
        except (SourceError, OSError) as exc:
            _fail(str(exc))
        return
    # Written to a temporary file first: a document refused part way writes nothing.  Raw columns
    # of an invalid file hold the inbound bytes one for one (latin-1).
    with tempfile.TemporaryFile() as spool:
        text = io.TextIOWrapper(spool, encoding="latin-1", newline="")
        try:
            write_abi_from(source, text)
            text.flush()
        except OSError as exc:
            _fail(f"{file}: {exc.strerror or exc}")
        except JSONTextError as exc:
            _fail(f"{file}: {exc}")
        except DocumentError as exc:
            _fail(f"{file}: not an eCERT JSON document: {exc}")
        text.detach()
        spool.seek(0)
        out = sys.stdout.buffer
        shutil.copyfileobj(spool, out)
        out.flush()


def _to_x12(ctx: click.Context, file: str, source, options: dict) -> None:
    """ABI → one interchange (8.1).  Every line is checked before anything is written."""
    from ecert_edi.bindings.x12.translating import TranslateError, translate_to_x12

    try:
        pieces = translate_to_x12(
            source, version=options["x12_version"] or "005010", sender=options["sender"],
            receiver=options["receiver"],
            number=1 if options["control_number"] is None else options["control_number"],
            usage=options["usage"], ta1=bool(options["ta1"]), clock=options["clock"])
    except ValueError as exc:  # an option value breaking 3.1/3.2: a usage error (8.1: exit 2)
        raise click.UsageError(str(exc), ctx) from None
    except TranslateError as exc:
        for problem in exc.problems:
            click.echo(problem.format(file), err=True)
        sys.exit(1)
    except OSError as exc:
        _fail(f"{file}: {exc.strerror or exc}")
    out = sys.stdout.buffer
    for piece in pieces:
        # K3 values hold only 0x20-0x7E (checked above) and the envelope is ASCII
        out.write(piece.encode("ascii"))
    out.flush()


def _from_x12(file: str, source, target: str, direction: str | None) -> None:
    """X12 → the ABI records of its 996 sets (`--to abi`) or their JSON (`--to json`), 8.1;
    nothing on standard output when `validate` would find an X12 fault."""
    from ecert_edi.bindings.x12.segments import pyx12_missing

    missing = pyx12_missing()
    if missing is not None:
        _fail(f"{file}: {missing}")
    from ecert_edi.bindings.x12.reading import read_interchange
    from ecert_edi.bindings.x12.translating import abi_of
    from ecert_edi.bindings.x12.validating import fault_lines

    try:
        ix = read_interchange(source)
    except OSError as exc:
        _fail(f"{file}: {exc.strerror or exc}")
    with ix, tempfile.TemporaryFile() as spool:
        faults = fault_lines(file, ix)  # X12 faults only: ABI conditions do not stop a translation
        if faults:
            for line in faults:
                click.echo(line, err=True)
            sys.exit(1)
        for block in abi_of(ix):
            spool.write(block)
        spool.seek(0)
        if target == "abi":
            out = sys.stdout.buffer
            shutil.copyfileobj(spool, out)
            out.flush()
            return
        # the JSON of that ABI output, exactly as `--to json` of the ABI file would give it
        write_json(spool, sys.stdout, direction)
