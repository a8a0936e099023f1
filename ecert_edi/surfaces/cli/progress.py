"""A progress bar on standard error for runs over many files, when a person is watching."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

quiet_option = click.option("--quiet", "-q", "quiet", is_flag=True,
                            help="No progress bar and no line per file; problems only.")
verbose_option = click.option("--verbose", "-v", "verbose", is_flag=True,
                              help="More on each file (what its response says).")


def wanted(quiet: bool) -> bool:
    """A bar only for a terminal: a pipe, a file or a log gets nothing extra."""
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress(label: str, total: int | None, shown: bool) -> Iterator[Callable[[str], None]]:
    """`advance(name)` after each file; a rich bar of `total` files on stderr when `shown`
    (None: files as they come, counted, no end known)."""
    if not shown or (total is not None and total < 2):
        yield lambda name: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn(f"{label} [progress.description]{{task.description}}"),
                   BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(file=sys.stderr), transient=True)
    with bar:
        task = bar.add_task("", total=total)

        def advance(name: str) -> None:
            bar.update(task, advance=1, description=name)

        yield advance


@contextmanager
def progress_of(label: str, total: int, shown: bool) -> Iterator[Callable[[int], None]]:
    """`update(done)` as a long job goes; a rich bar of `total` on stderr when `shown`."""
    if not shown:
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn(label), BarColumn(), TimeElapsedColumn(),
                   console=Console(file=sys.stderr), transient=True)
    with bar:
        task = bar.add_task("", total=max(total, 1))
        yield lambda done: bar.update(task, completed=min(done, total))
