"""`ecert generate`: seeded synthetic transmissions for demonstrations, tests and benchmarks."""

from __future__ import annotations

import os

import click

from ecert_edi.surfaces.cli.progress import progress, wanted
from ecert_edi.surfaces.generate import generate as generate_set
from ecert_edi.surfaces.generate import generate_parse_file


@click.command()
@click.option("--certificates", "-n", default=100, show_default=True, type=click.IntRange(1),
              help="Certificates, spread over AU, NZ, UY, AR (beef, KG) and MX (textiles, SME).")
@click.option("--entries", "-m", default=1000, show_default=True, type=click.IntRange(0),
              help="Entry transactions (1-5 lines), about 5% cancels, 2% replaces, "
                   "3% overuse (202) and 1% wrong IOR (201).")
@click.option("--queries", "-q", default=20, show_default=True, type=click.IntRange(0),
              help="EC queries from filers and governments.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="The same seed writes the same files, byte for byte.")
@click.option("--out", "out_dir", required=True, metavar="DIR",
              type=click.Path(file_okay=False), help="Folder for the files (created).")
@click.option("--filers", default=4, show_default=True, type=click.IntRange(1, 8),
              help="ABI filers sending the entries.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1),
              help="Transactions per batch.")
@click.option("--entries-per-file", default=0, show_default=True, type=click.IntRange(0),
              help="Entries per transmission (0: one transmission per filer).")
@click.option("--parse-records", default=0, type=click.IntRange(0), metavar="N",
              help="Also write parse.txt: a valid FL file of about N records (parse benchmarks).")
@click.option("--force", is_flag=True,
              help="Write into DIR even when it holds files (same names are replaced).")
def generate(certificates: int, entries: int, queries: int, seed: int, out_dir: str, filers: int,
             batch_size: int, entries_per_file: int, parse_records: int, force: bool) -> None:
    """Write a realistic, reproducible set of inbound transmissions into DIR.

    File names sort in processing order: 01-CR-* certificates (one file per country), 02-EN-*
    entries, 03-EC-* queries. Every file is valid (`ecert validate` prints nothing); processing
    them in order accepts most entries and rejects the planned overuse (202) and wrong-IOR (201)
    attempts.

    \b
    Example:
      ecert generate -n 1000 -m 20000 -q 50 --seed 7 --out gen/
      ecert process --db gen.db --out resp/ --clock 2026-01-15T09:30:00 gen/0*.txt
    """
    if not force and _holds_files(out_dir):
        raise click.UsageError(f"{out_dir} is not empty: give an empty or new folder, or --force "
                               "(files of an earlier set would mix with this one)")
    with progress("writing", None, wanted(False)) as advance:
        summary = generate_set(out_dir, certificates, entries, queries, seed, filers=filers,
                               batch_size=batch_size, entries_per_file=entries_per_file,
                               written=lambda path: advance(path.name))
    for path in summary.files:
        click.echo(str(path))
    if parse_records:
        path = f"{out_dir}/parse.txt"
        written = generate_parse_file(path, parse_records, seed, batch_size)
        click.echo(f"{path} ({written} records)")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items()))
    click.echo(f"generated: {counts}", err=True)


def _holds_files(folder: str) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except (FileNotFoundError, NotADirectoryError):
        return False
