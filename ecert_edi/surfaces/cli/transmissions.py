"""`ecert transmissions` and `ecert response`: what was received, and its stored response again."""

from __future__ import annotations

import sys

import click

from ecert_edi.surfaces.cli.options import (
    db_option,
    emit_json,
    environment_option,
    fail,
    json_option,
    opened_store,
)
from ecert_edi.surfaces.cli.tables import csv_option, write_csv

COLUMNS = ("SENDER", "CONTROL NUMBER", "RECEIVED", "STATUS", "ACCEPTED", "REJECTED")


@click.command()
@db_option
@environment_option
@click.option("--sender", metavar="TYPE:ID", help="One sender's only: CG:AU, FL:B2X.")
@json_option
@csv_option
def transmissions(db_path, environment, sender, as_json, as_csv):
    """List the transmissions received: sender, control number, time, status, counts.

    Status is complete (its response kept: `ecert response` gives it again) or in progress (a
    run interrupted or running: processing the file again finishes it). Counts are of the
    transactions its response accepted and rejected; a transmission rejected whole (a faulty
    envelope) is answered but not recorded, so its control number stays free, and it is not
    listed. --json prints one object a transmission (JSON Lines), --csv a CSV table.
    """
    wanted = _sender(sender) if sender else None
    with opened_store(db_path, environment) as store, store.read():
        rows = (transmission_row(store, t) for t in store.transmissions()
                if wanted is None or (t.sender_type, t.sender_id) == wanted)
        if as_json:
            for row in rows:
                emit_json(dict(zip(("sender", "control_number", "received", "status",
                                    "accepted", "rejected"), row, strict=True)))
        elif as_csv:
            write_csv(COLUMNS, rows)
        else:
            from ecert_edi.surfaces.cli.query import table

            shown = [tuple("-" if v is None else str(v) for v in row) for row in rows]
            click.echo("\n".join(table(COLUMNS, shown)) if shown else "No transmission.")


@click.command()
@db_option
@environment_option
@click.option("--sender", metavar="TYPE:ID", required=True, help="CG:AU, FL:B2X.")
@click.option("--control-number", "control", metavar="NUMBER", required=True,
              help="The transmission's control number (A record, columns 28-41).")
def response(db_path, environment, sender, control):
    """Write the stored response of a transmission on standard output, as first written.

    Exit status: 0 when written; 1 when no complete transmission has that sender and control
    number (or the database cannot be used).
    """
    sender_type, sender_id = _sender(sender)
    with opened_store(db_path, environment) as store, store.read():
        found = store.find_transmission(sender_type, sender_id, control.upper())
        if found is None or not found.complete:
            what = "is in progress" if found is not None else "was not received"
            fail(f"transmission {sender_type} {sender_id} {control.upper()} {what}: no stored"
                 " response")
        out = sys.stdout.buffer
        for part in store.response(found.id):
            out.write(part.encode("latin-1"))
        out.flush()


def _sender(text: str) -> tuple[str, str]:
    kind, colon, ident = text.upper().partition(":")
    if not colon or kind not in ("CG", "FL") or not ident:
        raise click.BadParameter(f"{text!r} is not TYPE:ID such as CG:AU or FL:B2X",
                                 param_hint="--sender")
    return kind, ident


def transmission_row(store, t) -> tuple:
    accepted = rejected = None
    if t.complete:
        from ecert_edi.surfaces.replay import summarize

        units = summarize("".join(store.response(t.id))).split("; ")
        accepted = sum(1 for u in units if u.split()[:1] == ["A"])
        rejected = sum(1 for u in units if u and u.split()[:1] != ["A"])
        status = "complete"
    else:
        status = f"in progress (applied through {store.applied_through(t.id)})"
    return (f"{t.sender_type}:{t.sender_id}", t.control_number,
            t.clock.isoformat(timespec="seconds"), status, accepted, rejected)
