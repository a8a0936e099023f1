"""`ecert check`: verify the file and every balance; list the transmissions in progress."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from typing import TypeVar

import click

from ecert_edi.store import LedgerStore, StoreError, TransmissionRecord
from ecert_edi.surfaces.cli.options import (
    counted,
    db_option,
    emit_json,
    environment_option,
    json_option,
    opened_store,
)

T = TypeVar("T")


@click.command()
@db_option
@environment_option
@json_option
def check(db_path, environment, as_json):
    """Check the database: SQLite's integrity check, then allowance − deductions + restorations =
    balance ≥ 0 for every certificate; list the transmissions in progress.

    Every problem is a line on standard output: `database: ...` for what SQLite's integrity
    check finds, `CC NUMBER: ...` for a certificate whose balance disagrees with its ledger.
    Transmissions begun and not completed (a run interrupted, or one running now) are listed
    under their own heading with how to finish them; they are not problems.

    Exit status: 0 when the database is sound and every balance agrees with its history; 1 when
    a problem is found, or the database does not exist or cannot be used. --json prints one
    object: ok, database (problems), discrepancies, in_progress, counts.
    """
    with opened_store(db_path, environment) as store:
        damage = store.check_database()
        # a damaged file may fail to read further: that failure is one more finding, not the end
        findings = [f"database: {text}" for text in damage]
        problems = _unless_damaged(damage, findings, lambda: [str(p) for p in store.check_ledger()])
        pending = _unless_damaged(damage, findings, store.transmissions_in_progress)
        counts = _unless_damaged(damage, findings, store.counts)
        database_problems = list(findings)
        findings += problems
        if as_json:
            emit_json({"ok": not findings, "database": database_problems,
                       "discrepancies": problems, "counts": counts or {},
                       "in_progress": [_pending_object(store, t) for t in pending]})
            sys.exit(1 if findings else 0)
        for line in findings:
            click.echo(line)
        if not findings:
            click.echo(
                f"OK: {counted(counts['certificates'], 'certificate')},"
                f" {counted(counts['entries'], 'entry', 'entries')},"
                f" {counted(counts['activities'], 'ledger row')}; every balance agrees with its"
                " history"
            )
        _show_in_progress(store, pending, db_path)
    if findings:
        found = []
        if len(findings) > len(problems):
            found.append(counted(len(findings) - len(problems), "database problem"))
        if problems:
            found.append(counted(len(problems), "discrepancy", "discrepancies"))
        click.echo(f"{' and '.join(found)} found", err=True)
        sys.exit(1)


def _unless_damaged(damage: list[str], findings: list[str], read: Callable[[], T]) -> T | list:
    """What `read` gives; on a damaged database its failure is noted and nothing is given."""
    try:
        return read()
    except StoreError as exc:
        if not damage:
            raise
        findings.append(f"database: cannot be read: {exc}")
        return []


def _pending_object(store: LedgerStore, t: TransmissionRecord) -> dict:
    return {"sender_type": t.sender_type, "sender_id": t.sender_id,
            "control_number": t.control_number, "began": t.clock.isoformat(timespec="seconds"),
            "applied_through": store.applied_through(t.id)}


def _show_in_progress(store: LedgerStore, pending: list[TransmissionRecord], db_path: str) -> None:
    """The transmissions left in progress, and how to finish them."""
    if not pending:
        return
    click.echo("")
    click.echo(f"{counted(len(pending), 'transmission')} in progress (interrupted, or being"
               " processed now):")
    for t in pending:
        done = store.applied_through(t.id)
        click.echo(
            f"  {t.sender_type} {t.sender_id} control number {t.control_number}:"
            f" began {t.clock.isoformat(timespec='seconds')},"
            f" {'applied through transaction ' + str(done) if done else 'nothing applied yet'}"
        )
    click.echo(
        "To finish one, process the same file again:"
        f" ecert process --db {shlex.quote(db_path)} --out DIR FILE, or drop FILE into the watch"
        " inbox; it resumes where it stopped, with the clock it began with."
    )
