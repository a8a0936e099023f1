"""`ecert process`: inbound files to response files against the database."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ecert_edi.bindings.abi.reader import SourceError
from ecert_edi.domain.clock import processing_clock
from ecert_edi.processing import process_file
from ecert_edi.store import StoreError, open_store
from ecert_edi.surfaces.cli.options import clock_option, db_option
from ecert_edi.surfaces.log import file_line


@click.command()
@db_option
@click.option("--out", "out_dir", metavar="DIR", default=".", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the response files.")
@clock_option
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def process(db_path: str, out_dir: str, clock, files: tuple[str, ...]) -> None:
    """Process inbound transmissions in order; write DIR/<file name>.resp for each.

    Certificates (CR) are registered, entries (EN) deduct from and restore certificate balances,
    queries (EC) are answered; each file gets exactly one response (CA, EA, EZ, or TR for a
    rejected transmission), written atomically. Sending the same file again re-writes the first
    response and changes nothing.

    Exit status: 0 when every file was processed (rejections are answers), 1 when a file cannot
    be read or the database cannot be used, 2 for a usage error.

    Example: ecert process --db ecert.db --out responses/ AU260115000001.txt
    """
    out = Path(out_dir)
    status = 0
    try:
        store = open_store(db_path)
    except StoreError as exc:
        click.echo(f"ecert process: {exc}", err=True)
        sys.exit(1)
    with store:
        for name in files:
            started = time.monotonic()
            try:
                outcome = process_file(name, store, out, clock or processing_clock())
            except SourceError as exc:
                click.echo(f"ecert process: cannot read {exc}", err=True)
                status = 1
                continue
            except StoreError as exc:
                click.echo(f"ecert process: {exc}", err=True)
                sys.exit(1)
            except OSError as exc:
                click.echo(f"ecert process: cannot write the response of {name}: {exc}", err=True)
                status = 1
                continue
            ms = (time.monotonic() - started) * 1000
            click.echo(file_line(name, outcome, ms, outcome.response), err=True)
    sys.exit(status)
