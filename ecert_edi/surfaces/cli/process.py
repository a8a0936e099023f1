"""`ecert process`: inbound files to response files against the database."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import click

from ecert_edi.bindings.abi.reader import Source, SourceError
from ecert_edi.domain.clock import processing_clock
from ecert_edi.processing import response_path
from ecert_edi.processing.environments import Routed
from ecert_edi.processing.interchange_file import InterchangeOutcome, X12Missing
from ecert_edi.store import StoreError, open_store
from ecert_edi.store.environments import Ledgers, scratch_copy
from ecert_edi.surfaces.cli.options import (
    clock_option,
    condition_object,
    db_option,
    emit_json,
    json_option,
    umask_option,
)
from ecert_edi.surfaces.cli.progress import progress, quiet_option, verbose_option, wanted
from ecert_edi.surfaces.log import file_line, interchange_line

STDIN_NAME = "stdin"  # the name standard input is answered under: DIR/stdin.resp


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process stands so it unwinds like Ctrl-C does."""


def _terminate(signum, frame):
    raise Terminated


def _stops_cleanly(command):
    """Ctrl-C and SIGTERM unwind the command: the open database transaction is rolled back and
    the response being written is removed with its temporary, instead of being left behind."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _terminate) if main else None
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt as exc:
            signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
            click.echo(f"ecert process: interrupted ({signal.Signals(signum).name}); the file in "
                       "hand has no response: run the command again to finish it", err=True)
            sys.exit(128 + signum)
        finally:
            if main:  # a handler installed outside Python reads as None: the default then
                signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)

    return run


@click.command()
@db_option
@click.option("--out", "out_dir", metavar="DIR", default=".", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the response files.")
@click.option("--response", "response_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write the response here instead of DIR/<file name>.resp (one FILE only).")
@clock_option
@json_option
@umask_option
@quiet_option
@verbose_option
@click.option("--dry-run", is_flag=True,
              help="Answer the files as they would be answered now, and keep nothing: a "
                   "preflight of entries against the current balances.")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@_stops_cleanly
def process(db_path: str, out_dir: str, response_file: str | None, clock, as_json: bool,
            quiet: bool, verbose: bool, dry_run: bool, files: tuple[str, ...]) -> None:
    """Process inbound transmissions in order; write DIR/<file name>.resp for each.

    Certificates (CR) are registered, entries (EN) deduct from and restore certificate balances,
    queries (EC) are answered; each file gets exactly one response (CA, EA, EZ, or TR for a
    rejected transmission), written atomically. Sending the same file again re-writes the first
    response and changes nothing. Two files whose responses would be the same DIR/<name>.resp
    (one name in two folders) are a usage error, before anything is processed. Standard input
    (-) is answered in DIR/stdin.resp, or in the file --response names. --json prints one
    object a file on standard output (JSON Lines; docs/usage.md).

    Exit status: 0 when every file was processed (rejections are answers), 1 when a file cannot
    be read or the database cannot be used, 2 for a usage error, 130 (Ctrl-C) or 143 (SIGTERM)
    when interrupted: the file in hand has no response and is finished by the next run.

    Example: ecert process --db ecert.db --out responses/ AU260115000001.txt
    """
    out = Path(out_dir)
    if response_file is not None and len(files) != 1:
        raise click.UsageError("--response names the response of one FILE; give one")
    clash = _clash(files, out) if response_file is None else None
    if clash is not None:
        click.echo(f"ecert process: {clash}; nothing was processed", err=True)
        sys.exit(2)
    # a dry run works on a copy of the ledgers, made now and removed at the end
    scratch = tempfile.TemporaryDirectory(prefix="ecert-dry-run-") if dry_run else None
    try:
        target = scratch_copy(db_path, scratch.name, open_store) if scratch else db_path
        ledgers = Ledgers(target, open_store, create=True)
    except StoreError as exc:
        click.echo(f"ecert process: {exc}", err=True)
        sys.exit(1)
    mark = " (dry run: nothing kept)" if dry_run else ""
    with contextlib.ExitStack() as stack:
        if scratch is not None:
            stack.enter_context(scratch)
        stack.enter_context(ledgers)
        advance = stack.enter_context(progress("processing", len(files), wanted(quiet)))
        status = _process_all(files, ledgers, out, clock, response_file, as_json, quiet,
                              verbose, advance, mark)
    sys.exit(status)


def _process_all(files, ledgers, out, clock, response_file, as_json, quiet, verbose, advance,
                 mark) -> int:
    """Each file in order on the ledger of its environment; the exit status."""
    status = 0
    # one for all the files: what each ledger service read of certificates stays valid
    routed = Routed(ledgers)
    for name in files:
        advance(name)
        started = time.monotonic()
        try:
            # standard input and a named response are ABI: an interchange answers in three files
            outcome = routed.answer(Source(name), out, clock or processing_clock(),
                                    response=_response_of(name, out, response_file),
                                    x12=name != "-" and response_file is None)
            if isinstance(outcome, InterchangeOutcome):
                _tell_interchange(name, outcome, (time.monotonic() - started) * 1000, quiet,
                                  as_json)
                continue
        except X12Missing as exc:
            status = _failed(name, f"{name}: {exc}", str(exc), as_json)
            continue
        except SourceError as exc:
            status = _failed(name, f"cannot read {exc}", f"cannot read {exc}", as_json)
            continue
        except StoreError as exc:
            click.echo(f"ecert process: {exc}", err=True)
            sys.exit(1)
        except OSError as exc:
            status = _failed(name, f"cannot write the response of {name}: {exc}",
                             f"cannot write the response: {exc}", as_json)
            continue
        ms = (time.monotonic() - started) * 1000
        if not quiet:
            click.echo(file_line(name, outcome, ms, outcome.response) + mark, err=True)
        if verbose:
            click.echo(f"  {_summary(outcome.response)}", err=True)
        if as_json:
            emit_json(_outcome_object(name, outcome, ms))
    return status


def _clash(files: tuple[str, ...], out: Path) -> str | None:
    """Why the files cannot all be answered in `out`: two different files would get the same
    response, or a response would replace a file of the run; None when they can.

    The same file named twice is no clash: its second processing re-writes its own response.
    """
    inputs: dict[tuple, str] = {}
    answered: dict[str, tuple[tuple, str]] = {}
    for name in files:
        identity = _identity(name)
        inputs.setdefault(identity, name)
        target = _response_of(name, out, None)
        where = os.path.join(os.path.realpath(target.parent), target.name)
        first = answered.setdefault(where, (identity, name))
        if first[0] != identity:
            return (f"{first[1]} and {name} would both be answered in {target}: give them "
                    "different names, or process them with different --out folders")
    for where, (_, name) in answered.items():
        replaced = inputs.get(_identity(where)) if os.path.exists(where) else None
        if replaced is not None:
            return (f"the response of {name} would replace {replaced}, a file of the same run: "
                    "process them with different --out folders")
    return None


def _failed(name: str, said: str, error: str, as_json: bool) -> int:
    """A file not answered: the message, its --json object; the exit status it makes (1)."""
    click.echo(f"ecert process: {said}", err=True)
    if as_json:
        emit_json({"file": name, "error": error})
    return 1


def _tell_interchange(name: str, done, ms: float, quiet: bool, as_json: bool) -> None:
    """The log line (and --json object) of an X12 interchange: the files written for it."""
    if not quiet:
        click.echo(interchange_line(name, done, ms), err=True)
    if as_json:
        emit_json({"file": name, "x12": True, "files": [str(f) for f in done.files],
                   "sets": done.sets, "repeated": done.repeated, "rejected": done.rejected,
                   "ms": round(ms, 1)})


def _summary(response: Path) -> str:
    """What a response says, in counts: conditions by code (`200 ×3, 202 ×1`), or none."""
    from collections import Counter

    from ecert_edi.surfaces.replay import summarize

    codes = Counter(word for unit in summarize(response.read_text(encoding="latin-1")).split("; ")
                    for word in unit.split() if word.isdigit())
    if not codes:
        return "no condition"
    return "conditions " + ", ".join(f"{code} ×{n}" for code, n in sorted(codes.items()))


def _outcome_object(name: str, outcome, ms: float) -> dict:
    """What processing a file did, as `--json` prints it."""
    return {"file": name, "response": str(outcome.response), "transactions": outcome.transactions,
            "accepted": outcome.accepted, "rejected": outcome.rejected,
            "repeated": outcome.repeated, "transmission_rejected": outcome.transmission_rejected,
            "conditions": [condition_object(c) for c in outcome.conditions],
            "ms": round(ms, 1)}


def _response_of(name: str, out: Path, given: str | None) -> Path:
    """Where a file's response goes: --response, else DIR/<name>.resp (stdin.resp for -)."""
    if given is not None:
        return Path(given)
    return response_path(out, STDIN_NAME if name == "-" else name)


def _identity(name: str) -> tuple:
    """The same file whatever path names it: its device and inode when it exists."""
    if name == "-":
        return ("stdin",)
    try:
        st = os.stat(name)
    except OSError:  # missing or unreadable: reported when it is processed
        return ("path", os.path.realpath(name))
    return ("file", st.st_dev, st.st_ino)
