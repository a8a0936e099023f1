"""`ecert demo`: the eCERT 2.0 story, played in a scratch folder and narrated."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from ecert_edi.bindings.abi.reader import SourceError
from ecert_edi.store import StoreError
from ecert_edi.surfaces.demo import narrate


@click.command()
@click.option("--keep", metavar="DIR", type=click.Path(file_okay=False),
              help="Play in DIR and keep its files (inbound/, responses/, ecert.db, and its test"
                   " ledger ecert-test.db: the story's transmissions are test ones).")
def demo(keep: str | None) -> None:
    """Play the eCERT 2.0 story: a certificate registered, entries deducting, an overuse
    rejected, a cancel restoring, a query answered, a wrong-IOR query refused.

    One sentence per step, then the records of its response. Needs nothing but the install;
    the files go to a temporary folder, removed afterwards unless --keep is given.

    \b
    Example: ecert demo --keep demo/ && ecert query --db demo/ecert.db --environment test --all
    """
    try:
        if keep:
            folder = Path(keep)
            if (folder / "ecert.db").exists():
                raise click.UsageError(f"{folder} already holds a demo; choose an empty folder")
            ok = _tell(folder)
            click.echo(f"\nThe files are in {folder}: inbound/, responses/, ecert.db (and the"
                       " test ledger ecert-test.db).")
        else:
            with tempfile.TemporaryDirectory(prefix="ecert-demo-") as tmp:
                ok = _tell(Path(tmp))
    except (OSError, SourceError, StoreError) as exc:
        click.echo(f"ecert demo: {exc}", err=True)
        sys.exit(1)
    sys.exit(0 if ok else 1)


def _tell(folder: Path) -> bool:
    click.echo("eCERT 2.0: export certificates, IOR verification, automatic decrementing.\n")
    return narrate(folder, click.echo)
