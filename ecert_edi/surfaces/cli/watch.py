"""`ecert watch`: drop-folder processing of inbound files (inbox → outbox, archive, failed)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ecert_edi.surfaces.cli.options import clock_option, db_option, umask_option
from ecert_edi.surfaces.watch import POLL_SECONDS, serve


@click.command()
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False))
@db_option
@click.option("--once", is_flag=True,
              help="Process the files complete now, then exit (for cron).")
@click.option("--poll", default=POLL_SECONDS, show_default=True,
              type=click.FloatRange(0.05, 3600), metavar="SECONDS",
              help="Rescan the inbox at least this often (senders on other hosts).")
@umask_option
@clock_option
def watch(folder: str, db_path: str, once: bool, poll: float, clock) -> None:
    """Process files dropped into DIR/inbox; responses go to DIR/outbox.

    DIR/inbox, processing, outbox, archive and failed are created when absent. A sender writes
    NAME.tmp (or any name starting with `.`) and renames it to NAME when complete; files are
    taken oldest first. The response is DIR/outbox/NAME.resp, written atomically; then the
    inbound file moves to DIR/archive/YYYY-MM-DD/NAME. A file that cannot be read, a link, a
    directory or another non-regular entry goes to DIR/failed with NAME.reason beside it.
    Several watchers (processes or hosts) may share DIR: one at a time takes files, in the order
    they came, and the others stand by; each file is processed once. SIGTERM
    and a first Ctrl-C finish the current file, then exit; a second Ctrl-C stops at once (the
    file is finished when a watcher starts again). One log line per file on standard error.

    Exit status: 0 when every file was answered, 1 when a file could not be read or the
    database or the folder cannot be used, 2 for a usage error, 130 when stopped at once.

    Example: ecert watch /srv/ecert --db /srv/ecert/ecert.db
    """
    parent = Path(folder).absolute().parent
    if not parent.is_dir():
        # a mistyped path must not become a new tree of folders nobody sends to
        raise click.BadParameter(f"{parent} does not exist; DIR is created, its parent is not",
                                 param_hint="DIR")
    sys.exit(serve(folder, db_path, once=once, clock=clock, poll=poll))
