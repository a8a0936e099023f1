"""`ecert query`: an operator's view of certificates, balances and usage, as a table or JSON."""

from __future__ import annotations

import io
import itertools
import json
import sys
from collections.abc import Iterable, Iterator

import click

from ecert_edi.domain.clock import processing_clock
from ecert_edi.domain.quantities import quantity_text
from ecert_edi.domain.rules import CertificateState, EntryState, certificate_status
from ecert_edi.store import LedgerRow, LedgerStore
from ecert_edi.surfaces.cli.options import (
    clock_option,
    db_option,
    environment_option,
    opened_store,
)
from ecert_edi.surfaces.cli.tables import csv_option, write_csv


@click.command()
@db_option
@click.option("--certificate", "number", metavar="NUMBER", help="One certificate (with --country).")
@click.option("--country", metavar="CC", help="Issuing country; alone: all of its certificates.")
@click.option("--ior", metavar="IOR", help="Every certificate of an importer of record.")
@click.option("--all", "everything", is_flag=True, help="Every certificate.")
@click.option("--entry", "entry_number", metavar="NUMBER",
              help="One entry instead: its lines and their activities.")
@click.option("--usage", is_flag=True, help="Include each certificate's activity history.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@csv_option
@environment_option
@clock_option
def query(db_path, number, country, ior, everything, entry_number, usage, as_json, as_csv,
          environment, clock):
    """Show certificates: allowance, quantity used, balance, status and, with --usage, history."""
    chosen = sum(bool(x) for x in (number or country, ior, everything, entry_number))
    if chosen != 1:
        raise click.UsageError("give one of --certificate NUMBER --country CC, --ior IOR, --all"
                               " or --entry NUMBER")
    if number and not country:
        raise click.UsageError("--certificate needs --country")
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    clock = clock or processing_clock()
    # stored values are upper case (AN fields admit no lower-case letter): match any case
    country = country.upper() if country else None
    number = number.upper() if number else None
    ior = ior.upper() if ior else None
    with opened_store(db_path, environment) as store, store.read():
        if entry_number:
            _print_entry(store, entry_number.upper(), as_json, as_csv)
            return
        if number:
            found = store.certificate(country, number)
            certificates = [found] if found is not None else []
        elif country:
            certificates = store.certificates_of_country(country)
        elif ior:
            certificates = store.certificates_by_ior(ior)
        else:
            certificates = store.all_certificates()
        if as_json:
            _print_json(store, certificates, usage, clock)
        elif as_csv:
            _print_csv(store, certificates, usage, clock)
        else:
            _print_table(store, certificates, usage, clock)


def _print_csv(store: LedgerStore, certificates, usage: bool, clock) -> None:
    """One line a certificate; with --usage, one line an activity, the certificate's columns
    repeated on each."""
    if not usage:
        write_csv(SUMMARY, (_summary(cert, clock) for cert in certificates))
        return
    write_csv(SUMMARY + HISTORY, (_summary(cert, clock) + _history(row)
                                  for cert in certificates for row in store.ledger(*cert.key)))


ENTRY = ("ENTRY", "FILER", "IOR", "ENTRY DATE", "PORT", "TYPE", "STATUS")
LINES = ("LINE", "COUNTRY", "CERTIFICATE", "HTS", "QUANTITY", "UNIT")


def _print_entry(store: LedgerStore, entry_number: str, as_json: bool, as_csv: bool) -> None:
    found = store.entry(entry_number)
    if found is None:
        if as_json:
            click.echo("[]")
        elif not as_csv:
            click.echo("No entry found.")
        return
    status = "cancelled" if found.cancelled else "active"
    head = (found.entry_number, found.filer, found.ior,
            found.entry_date.isoformat() if found.entry_date else "-",
            f"{found.port:04d}" if found.port is not None else "-",
            f"{found.entry_type:02d}" if found.entry_type is not None else "-", status)
    lines = [(f"{ln.line_number:03d}", ln.country, ln.certificate_number, f"{ln.hts_number:010d}",
              quantity_text(ln.quantity), ln.unit) for ln in found.lines]
    activities = list(store.entry_ledger(entry_number))
    if as_json:
        click.echo(json.dumps([entry_json(found, activities)], indent=2))
        return
    if as_csv:
        write_csv(ENTRY + LINES, (head + line for line in lines))
        return
    click.echo("\n".join(table(ENTRY, [head])))
    click.echo("\n".join(table(LINES, lines, indent="    ")) if lines else "    no lines")
    history = [_history(row) for row in activities]
    click.echo("\n".join(table(HISTORY, history, indent="    ")) if history else
               "    no activity")


def entry_json(found: EntryState, activities: Iterable[LedgerRow]) -> dict:
    """An entry as a JSON object: header, lines and the activities of its lines."""
    return {"entry_number": found.entry_number, "filer": found.filer, "ior": found.ior,
            "entry_date": found.entry_date.isoformat() if found.entry_date else None,
            "port": f"{found.port:04d}" if found.port is not None else "-",
            "entry_type": f"{found.entry_type:02d}" if found.entry_type is not None else "-",
            "status": "cancelled" if found.cancelled else "active",
            "lines": [{"line_number": ln.line_number, "country": ln.country,
                       "certificate_number": ln.certificate_number,
                       "hts_number": f"{ln.hts_number:010d}",
                       "quantity": quantity_text(ln.quantity, grouped=False),
                       "unit": ln.unit} for ln in found.lines],
            "activities": [activity_json(row) for row in activities]}


def certificate_json(cert: CertificateState, status: str) -> dict:
    """A certificate as a JSON object, quantities as exact decimal strings."""
    return {
        "country": cert.country,
        "certificate_number": cert.number,
        "status": status,
        "ior": cert.ior,
        "program": cert.program,
        "unit": cert.unit,
        "allowance": quantity_text(cert.allowance, grouped=False),
        "used": quantity_text(cert.used, grouped=False),
        "balance": quantity_text(cert.balance, grouped=False),
        "issue_date": cert.issue_date.isoformat(),
        "expiry_date": cert.expiry_date.isoformat() if cert.expiry_date else None,
        "tariffs": [f"{hts:010d}" for hts in sorted(cert.tariffs)],
    }


def activity_json(row: LedgerRow) -> dict:
    return {
        "entry_number": row.entry_number,
        "line_number": row.line_number,
        "activity": row.activity,
        "quantity": quantity_text(row.quantity, grouped=False),
        "balance_after": quantity_text(row.balance_after, grouped=False),
        "activity_date": row.activity_date.isoformat(),
        "entry_date": row.entry_date.isoformat() if row.entry_date else None,
        "ior": row.ior,
    }


def _print_json(store: LedgerStore, certificates, usage: bool, clock) -> None:
    """The certificates as one JSON array, written as it is read: a certificate's usage is
    streamed from the store, never held whole.  The text is what `json.dumps(indent=2)` gives."""
    out = sys.stdout
    opened = False
    for cert in certificates:
        item = certificate_json(
            store.certificate(*cert.key) or cert, certificate_status(cert, clock)
        )
        out.write(",\n" if opened else "[\n")
        opened = True
        if not usage:
            out.write(_indented(json.dumps(item, indent=2), 1))
            continue
        head = _indented(json.dumps(item, indent=2), 1)
        out.write(head[: head.rindex("\n")])  # the object without its closing brace
        out.write(',\n    "usage": [')
        rows = 0
        for row in store.ledger(*cert.key):
            out.write(",\n" if rows else "\n")
            out.write(_indented(json.dumps(activity_json(row), indent=2), 3))
            rows += 1
        out.write("\n    ]\n  }" if rows else "]\n  }")
    out.write("\n]\n" if opened else "[]\n")
    out.flush()


def _indented(text: str, level: int) -> str:
    """JSON text indented `level` steps of two spaces further, as it sits inside a list."""
    pad = "  " * level
    return "\n".join(pad + line for line in text.split("\n"))


SUMMARY = (
    "COUNTRY",
    "CERTIFICATE",
    "STATUS",
    "ALLOWANCE",
    "USED",
    "BALANCE",
    "UNIT",
    "IOR",
    "ISSUED",
    "EXPIRES",
)
HISTORY = ("DATE", "ENTRY", "LINE", "ACTIVITY", "QUANTITY", "BALANCE AFTER", "ENTRY DATE", "IOR")
NUMERIC = {"ALLOWANCE", "USED", "BALANCE", "QUANTITY", "BALANCE AFTER", "LINE", "ACCEPTED",
           "REJECTED"}


PAGE = 1_000  # rows laid out by one rich table: a long history is written a page at a time


def table(headings: tuple[str, ...], rows: Iterable[tuple[str, ...]], indent: str = "",
          widths: list[int] | None = None) -> Iterator[str]:
    """Rows under headings in aligned columns, numbers right-aligned, line by line.

    The widths are the widest cell of each column; given, the rows are not looked at first, so
    that a table read from the store twice (widths, then lines) is never held whole. rich lays
    out the headings and the first page of rows; a longer table goes on in the same widths a
    line at a time (`aligned`, the same text: tests/test_cli_query_check.py), since rich takes
    about half a millisecond a row and a certificate's history may have a hundred thousand.
    """
    if widths is None:
        rows = list(rows)
        widths = column_widths(headings, rows)
    rows = iter(rows)
    yield from _laid_out(headings, widths, list(itertools.islice(rows, PAGE)), indent)
    for row in rows:
        yield aligned(headings, widths, row, indent)


def aligned(headings: tuple[str, ...], widths: list[int], cells: tuple[str, ...],
            indent: str = "") -> str:
    """One row in the columns rich lays out: two spaces between, numbers right-aligned."""
    return (indent + "  ".join(c.rjust(w) if h in NUMERIC else c.ljust(w)
                               for c, w, h in zip(cells, widths, headings))).rstrip()


def _laid_out(headings, widths, rows, indent: str) -> Iterator[str]:
    from rich.console import Console  # only this command draws tables
    from rich.table import Table

    grid = Table(box=None, pad_edge=False, show_edge=False, header_style=None)
    for h, w in zip(headings, widths):
        grid.add_column(h, justify="right" if h in NUMERIC else "left", no_wrap=True,
                        min_width=w, max_width=w)
    for r in rows:
        grid.add_row(*r)
    text = io.StringIO()
    Console(file=text, width=sum(widths) + 2 * len(widths), color_system=None, highlight=False,
            emoji=False, markup=False, soft_wrap=False).print(grid)
    for line in text.getvalue().splitlines():
        yield indent + line.rstrip()


def column_widths(headings: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[int]:
    """The width of each column: its heading's or its widest cell's."""
    widths = [len(h) for h in headings]
    for r in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, r)]
    return widths


def _summary(cert: CertificateState, clock) -> tuple[str, ...]:
    return (
        cert.country,
        cert.number,
        certificate_status(cert, clock),
        quantity_text(cert.allowance),
        quantity_text(cert.used),
        quantity_text(cert.balance),
        cert.unit,
        cert.ior,
        cert.issue_date.isoformat(),
        cert.expiry_date.isoformat() if cert.expiry_date else "-",
    )


def _history(row: LedgerRow) -> tuple[str, ...]:
    return (
        row.activity_date.isoformat(),
        row.entry_number,
        f"{row.line_number:03d}",
        "deducted" if row.activity == "D" else "restored",
        quantity_text(row.quantity),
        quantity_text(row.balance_after),
        row.entry_date.isoformat() if row.entry_date else "-",
        row.ior,
    )


def _print_table(store: LedgerStore, certificates, usage: bool, clock) -> None:
    if not usage:
        rows = [_summary(cert, clock) for cert in certificates]
        click.echo("\n".join(table(SUMMARY, rows)) if rows else "No certificate found.")
        return
    shown = 0
    for cert in certificates:
        if shown:
            click.echo("")
        shown += 1
        click.echo("\n".join(table(SUMMARY, [_summary(cert, clock)])))
        # two passes over the history, inside the one read snapshot: widths, then lines
        widths = column_widths(HISTORY, map(_history, store.ledger(*cert.key)))
        rows = map(_history, store.ledger(*cert.key))
        first = next(rows, None)
        if first is None:
            click.echo("    no activity")
            continue
        out = sys.stdout
        for text in table(HISTORY, itertools.chain([first], rows), indent="    ", widths=widths):
            out.write(text + "\n")  # not click.echo: it flushes every line
        out.flush()
    if not shown:
        click.echo("No certificate found.")
