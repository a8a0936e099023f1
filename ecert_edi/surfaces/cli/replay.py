"""`ecert replay`: replay scenario folders on a fresh database and compare the responses."""

from __future__ import annotations

import sys

import click

from ecert_edi.bindings.abi.reader import SourceError
from ecert_edi.store import StoreError
from ecert_edi.surfaces.cli.options import counted, emit_json, json_option
from ecert_edi.surfaces.cli.progress import progress, quiet_option, verbose_option, wanted
from ecert_edi.surfaces.replay import ScenarioError, find_scenarios, load_scenario
from ecert_edi.surfaces.replay import replay as run_replay


@click.command()
@click.argument("folders", nargs=-1, required=True, metavar="SCENARIO_DIR...",
                type=click.Path(exists=True, file_okay=False))
@click.option("--update", is_flag=True,
              help="Rewrite each scenario's expected/ responses from this run.")
@json_option
@quiet_option
@verbose_option
def replay(folders: tuple[str, ...], update: bool, as_json: bool, quiet: bool,
           verbose: bool) -> None:
    """Replay scenarios and compare their responses with expected/, byte for byte.

    A scenario is a folder holding scenario.toml (description, clock, and optionally expect,
    balances, identical, clocks), numbered inbound files (01-*.txt, 02-*.txt, ...) and
    expected/ with one NAME.resp per inbound file. Each scenario runs in order on a fresh
    temporary database with its clock. A folder without scenario.toml replays every subfolder
    that has one. A difference is shown by line, record, field and value.

    Exit status: 0 when every scenario replays clean, 1 when a response differs, contradicts
    scenario.toml, or a scenario cannot be read, 2 for a usage error. --json prints one object a
    scenario (JSON Lines: scenario, clean, files, problems, written).

    Example: ecert replay fixtures/scenarios
    """
    try:
        paths = find_scenarios(folders)
    except (ScenarioError, OSError) as exc:
        click.echo(f"ecert replay: {exc}", err=True)
        sys.exit(1)
    failed = 0
    with progress("replaying", len(paths), wanted(quiet)) as advance:
        for path in paths:
            advance(path.name)
            failed += not _replay_one(path, update, as_json, quiet, verbose)
    total = len(paths)
    click.echo(f"{counted(total, 'scenario')}: {total - failed} clean"
               + (f", {failed} failed" if failed else ""), err=True)
    sys.exit(1 if failed else 0)


def _replay_one(path, update: bool, as_json: bool, quiet: bool, verbose: bool) -> bool:
    """Replay one scenario and say how it went; whether it replayed clean."""
    try:
        result = run_replay(load_scenario(path), update=update)
    except (ScenarioError, SourceError, StoreError, OSError) as exc:
        if as_json:
            emit_json({"scenario": str(path), "clean": False, "files": None,
                       "problems": [str(exc)], "written": []})
        else:
            click.echo(f"FAIL {path}: {exc}")
        return False
    if as_json:
        emit_json({"scenario": str(path), "clean": result.clean,
                   "files": len(result.scenario.files), "problems": list(result.problems),
                   "written": list(result.written)})
        return result.clean
    if update and result.written:
        click.echo(f"updated {path}: {', '.join(result.written)}")
    if result.clean:
        if not quiet and (not update or not result.written):
            click.echo(f"ok   {path} ({len(result.scenario.files)} files)")
            if verbose:
                click.echo(f"     {' '.join(result.scenario.description.split())}")
        return True
    click.echo(f"FAIL {path}")
    for problem in result.problems:
        click.echo(f"  {problem}")
    return False
