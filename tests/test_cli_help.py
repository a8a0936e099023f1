"""`ecert --help` lists every command with its own first sentence, without importing them."""

from __future__ import annotations

import importlib
import subprocess
import sys

from click.testing import CliRunner

from ecert_edi.surfaces.cli import COMMANDS, SUMMARIES, first_sentence, main


def test_every_summary_is_its_commands_own_first_sentence():
    assert set(SUMMARIES) == set(COMMANDS)
    for name, target in COMMANDS.items():
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        assert SUMMARIES[name] == first_sentence(command.help), name


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines()
              if line.strip()]
    assert listed == sorted(COMMANDS)


def test_help_imports_no_command_module():
    code = ("import sys\nfrom ecert_edi.surfaces.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('ecert_edi.surfaces.cli.')"
            " or m in ('lark', 'sqlite_utils', 'ecert_edi.store')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_the_help_ecert_writes_at_once_is_the_groups_own():
    """`ecert --help` is answered without loading click; its text must be click's (regenerate
    with `python -m ecert_edi.entry`)."""
    from ecert_edi import entry

    assert entry.HELP == entry.current_help()


def test_ecert_help_loads_no_click(tmp_path):
    import subprocess
    import sys

    code = ("import sys; sys.argv = ['ecert', '--help']\n"
            "from ecert_edi import entry\n"
            "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
            "print('click' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "100"})
    assert done.stdout.startswith("Usage: ecert [OPTIONS] COMMAND")
    assert done.stderr.strip() == "False"
    narrow = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "COLUMNS": "60"})
    assert narrow.stderr.strip() == "True"  # narrower than click's full width: click formats
