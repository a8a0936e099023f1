"""Shell completion (README): the commands and options complete, without importing every command."""

from __future__ import annotations

import os
import subprocess
import sys

CLI = [sys.executable, "-c", "from ecert_edi.surfaces.cli import main; main(prog_name='ecert')"]


def complete(words: str) -> list[str]:
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1),
           "_ECERT_COMPLETE": "bash_complete"}
    if words.endswith(" "):
        env["COMP_CWORD"] = str(len(words.split()))
    done = subprocess.run(CLI, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


def test_command_names_complete():
    assert complete("ecert d") == ["demo", "describe", "diff"]
    assert "process" in complete("ecert ")


def test_a_commands_options_complete():
    assert {"--db", "--out", "--clock"} <= set(complete("ecert process --"))


def test_the_script_is_printed_for_each_shell():
    for shell in ("bash", "zsh", "fish"):
        done = subprocess.run(CLI, env={**os.environ, "_ECERT_COMPLETE": f"{shell}_source"},
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "_ECERT_COMPLETE" in done.stdout, (shell, done.stderr)
