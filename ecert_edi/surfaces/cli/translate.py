"""`ecert translate`: a transmission from fixed-width ABI text to JSON, or from JSON back to ABI."""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from typing import NoReturn

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
"""


def _fail(message: str) -> NoReturn:
    click.echo(f"ecert translate: {message}", err=True)
    sys.exit(1)


@click.command(epilog=EXAMPLES)
@click.argument("file", metavar="FILE")
@click.option(
    "--to",
    "target",
    type=click.Choice(["json", "abi"]),
    required=True,
    help="json: FILE is an ABI file (inbound or response); abi: FILE is a JSON document.",
)
@click.option(
    "--direction",
    type=click.Choice(["inbound", "response"]),
    default=None,
    help="With --to json: how to read FILE. Default: a response when its A record's sender "
    "type is CB, else inbound.",
)
def translate(file: str, target: str, direction: str | None) -> None:
    """Translate a transmission between fixed-width ABI text and JSON.

    FILE is a path, or - for standard input; the result goes to standard output. With --to json,
    FILE is an 80-column ABI file: every record becomes an object named by its layout fields (see
    docs/json.md and docs/format.md). An invalid file still translates: its conditions are listed
    in the document and faulty records keep their raw columns. With --to abi, FILE is such a JSON
    document; leave out a "trailer" to have its counts computed.
    """
    if target == "json":
        from ecert_edi.bindings.abi.reader import SourceError

        try:
            write_json(file, sys.stdout, direction)
        except (SourceError, OSError) as exc:
            _fail(str(exc))
        return
    # Written to a temporary file first: a document refused part way writes nothing.  Raw columns
    # of an invalid file hold the inbound bytes one for one (latin-1).
    with tempfile.TemporaryFile() as spool:
        text = io.TextIOWrapper(spool, encoding="latin-1", newline="")
        try:
            write_abi_from(file, text)
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
