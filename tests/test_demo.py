"""`ecert demo`: the narrated story runs from the install alone and answers as it says."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

from click.testing import CliRunner

from ecert_edi.surfaces.cli import main
from ecert_edi.surfaces.demo import STEPS, narrate


def test_the_demo_tells_the_story_from_any_folder(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from ecert_edi.surfaces.cli import main; sys.exit(main())",
         "demo"], check=False, cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "ECERT_DB": str(tmp_path / "unused.db")})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    steps = [line for line in out.splitlines() if line[:2] in {f"{n}." for n in range(1, 10)}]
    assert len(steps) == 7
    for sentence, step in zip(steps, STEPS, strict=True):
        assert step.sentence in sentence
    # the overuse is refused with 202, the cancel restores, the wrong IOR sees nothing
    assert "R1202E000000438QUANTITY EXCEEDS CERTIFICATE BALANCE" in out
    assert "R2001IAU2026-000123       AU000001000000000001300000KG" in out
    assert "S0AU2026-000123       AUA000002500000000001200000000001300000KG" in out
    assert "R1300E000000300NO CERTIFICATE FOUND FOR REQUESTER" in out
    assert "The ledger agrees" in out and "!!" not in out
    assert os.listdir(tmp_path) == []  # played in a temporary folder, removed


def test_keep_leaves_the_files_and_refuses_a_used_folder(tmp_path):
    folder = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--keep", str(folder)])
    assert result.exit_code == 0, result.output
    assert len(os.listdir(folder / "inbound")) == 7
    assert len(os.listdir(folder / "responses")) == 7
    assert (folder / "ecert.db").is_file()
    again = CliRunner().invoke(main, ["demo", "--keep", str(folder)])
    assert again.exit_code == 2 and "already holds a demo" in again.output


def test_an_answer_other_than_the_story_says_is_reported(tmp_path):
    wrong = [*STEPS[:3], dataclasses.replace(STEPS[3], expect="A")]
    said: list[str] = []
    assert narrate(tmp_path, said.append, wrong) is False
    assert "   !! expected A, the response says R 202" in said
