"""The `ecert` command: `ecert --help` answered at once, everything else by the click group.

Loading click alone takes longer than the whole of a short command's work, and the top-level help
is the one text that never depends on the arguments. So it is kept here, written by
`python -m ecert_edi.entry` from the group itself; tests/test_cli_help.py fails when it is stale.
"""

from __future__ import annotations

import os
import sys

# click's help at its full width (80 columns: any terminal at least that wide shows this text)
HELP = """\
Usage: ecert [OPTIONS] COMMAND [ARGS]...

  Process CBP eCERT 2.0 export-certificate transmissions (ABI-style, 80-column
  records).

Options:
  --version   Show the version and exit.
  -h, --help  Show this message and exit.

Commands:
  check          Check the database: SQLite's integrity check, then...
  demo           Play the eCERT 2.0 story: a certificate registered,...
  describe       Show a transmission or response record by record: each...
  diff           Show where two transmissions or responses differ, field by...
  generate       Write a realistic, reproducible set of inbound...
  keys           Manage the API keys of `ecert serve`: each speaks for one...
  migrate        Copy a SQLite ledger into an empty PostgreSQL ledger,...
  process        Process inbound transmissions in order; write DIR/<file...
  query          Show certificates: allowance, quantity used, balance,...
  replay         Replay scenarios and compare their responses with...
  response       Write the stored response of a transmission on standard...
  serve          Serve the HTTP API and the web view over the ledger, until...
  translate      Translate a transmission between fixed-width ABI text and...
  transmissions  List the transmissions received: sender, control number,...
  validate       Check inbound transmissions without touching any database.
  watch          Process files dropped into DIR/inbox; responses go to...
"""

FULL_WIDTH = 80


def _width() -> int:
    """The width click would format for: $COLUMNS, else the terminal's, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return FULL_WIDTH


def main() -> None:
    if sys.argv[1:] in (["--help"], ["-h"]) and _width() >= FULL_WIDTH:
        sys.stdout.write(HELP)
        sys.stdout.flush()
        raise SystemExit(0)
    from ecert_edi.surfaces.cli import main as group

    group()


def current_help() -> str:
    """The group's help as click writes it at full width: what HELP must be."""
    from click.testing import CliRunner

    from ecert_edi.surfaces.cli import main as group

    return CliRunner().invoke(group, ["--help"], prog_name="ecert",
                              terminal_width=FULL_WIDTH).output


if __name__ == "__main__":
    text = current_help()
    path = os.path.abspath(__file__)
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    start = source.index('HELP = """\\\n') + len('HELP = """\\\n')
    end = source.index('"""', start)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(source[:start] + text + source[end:])
