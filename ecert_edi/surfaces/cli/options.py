"""What several commands share: the database option and opening it, the processing clock, counts."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import click

from ecert_edi.domain.clock import CLOCK_FORMAT
from ecert_edi.domain.conditions import Condition
from ecert_edi.surfaces.log import counted

if TYPE_CHECKING:
    from ecert_edi.store import LedgerStore

__all__ = [
    "ClockType",
    "clock_option",
    "condition_object",
    "counted",
    "db_option",
    "emit_json",
    "environment_option",
    "fail",
    "json_option",
    "opened_store",
    "umask_option",
]


def _db_default_shown() -> str | bool:
    """What --help gives as the database used without --db: $ECERT_DB's value when it is set."""
    value = os.environ.get("ECERT_DB")
    return f"{value}, from $ECERT_DB" if value else True


db_option = click.option(
    "--db",
    "db_path",
    envvar="ECERT_DB",
    default="ecert.db",
    show_default=_db_default_shown(),
    metavar="PATH|URL",
    help="SQLite database, or a postgresql:// URL (docs/scaling.md) (default: $ECERT_DB, else"
    " ./ecert.db); only process and watch create it when absent.",
)


class ClockType(click.ParamType):
    """A processing time `YYYY-MM-DDTHH:MM:SS`, UTC (a trailing `Z` may say so), of 2000-2099:
    the years an MMDDYY date of the records can hold."""

    name = "clock"

    def convert(self, value, param, ctx) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        text = value[:-1] if value.endswith(("Z", "z")) else value
        try:
            clock = dt.datetime.strptime(text, CLOCK_FORMAT)
        except ValueError:
            self.fail(f"{value!r} is not a time YYYY-MM-DDTHH:MM:SS (UTC, a trailing Z allowed)",
                      param, ctx)
        if not 2000 <= clock.year <= 2099:
            self.fail(f"{value!r} is outside 2000-2099, the years the records' dates can hold",
                      param, ctx)
        return clock


clock_option = click.option(
    "--clock",
    type=ClockType(),
    metavar="YYYY-MM-DDTHH:MM:SS",
    help="Fixed processing time (UTC, of 2000-2099) for reproducible runs (default: now).",
)


def _set_umask(ctx, param, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        mask = int(value, 8)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an octal umask such as 027") from None
    if not 0 <= mask <= 0o777:
        raise click.BadParameter(f"{value!r} is not a umask: 000 to 777")
    os.umask(mask)  # at once: for the database, the responses and every file the command makes
    return mask


umask_option = click.option(
    "--umask", metavar="OCTAL", callback=_set_umask, expose_value=False, is_eager=True,
    help="The umask for the files this command creates (responses hold personal data): 077"
         " keeps them to this user, 027 shares them with its group. Default: the process's.")


json_option = click.option(
    "--json", "as_json", is_flag=True,
    help="JSON on standard output instead of text (one object a line for a stream).")


def emit_json(obj: object) -> None:
    """One JSON object on one line of standard output (JSON Lines)."""
    click.echo(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))


def condition_object(c: Condition, file: str | None = None) -> dict:
    """A condition as the --json outputs give it."""
    found = {"line": c.line, "column": c.column, "code": c.code, "severity": c.severity,
             "text": c.text, "field": c.field}
    return found if file is None else {"file": file, **found}


def fail(message: str, status: int = 1) -> NoReturn:
    """End the command: `ecert COMMAND: message` on standard error, the exit status given."""
    ctx = click.get_current_context(silent=True)
    name = f"ecert {ctx.info_name}" if ctx is not None and ctx.parent is not None else "ecert"
    click.echo(f"{name}: {message}", err=True)
    sys.exit(status)


environment_option = click.option(
    # the names of store.environments.ENVIRONMENTS, spelt here: `validate` and `translate` import
    # this module and must not pay for the store's (tests/test_environments.py keeps them equal)
    "--environment", type=click.Choice(["production", "test"]), default="production",
    show_default=True,
    help="The ledger to read: production (P transmissions) or test (T), spec 4.5.")


@contextmanager
def opened_store(path: str, environment: str = "production") -> Iterator[LedgerStore]:
    """The existing ledger of an environment at path (never created: a mistyped path is not an
    empty ledger); a database that is missing or cannot be used ends the command with exit
    status 1. A test ledger never written to reads as empty."""
    from ecert_edi.store import StoreError, open_store
    from ecert_edi.store.environments import ENVIRONMENTS, Ledgers

    try:
        with Ledgers(path, open_store, create=False) as ledgers:
            store = ledgers.store(ENVIRONMENTS[environment])
            yield store
    except StoreError as exc:
        fail(str(exc))
