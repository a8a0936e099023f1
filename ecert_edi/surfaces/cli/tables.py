"""What the listings share: `--csv`, a CSV table on standard output."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable

import click

csv_option = click.option("--csv", "as_csv", is_flag=True,
                          help="A CSV table (a heading line, then one line a row) instead.")


def write_csv(headings: Iterable[str], rows: Iterable[Iterable]) -> None:
    """Rows as CSV under their headings; None is an empty cell."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow([h.lower().replace(" ", "_") for h in headings])
    for row in rows:
        out.writerow(["" if v is None else v for v in row])
    sys.stdout.flush()
