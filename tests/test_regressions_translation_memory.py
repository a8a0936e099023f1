"""Issue: `ecert translate --to json` of a 24 MB file peaked at 897 MB: the whole file was parsed
into memory (every event kept) and the document built whole before it was written; `--to abi`
loaded the whole JSON document.  Both directions now stream: the peak resident memory of the
command stays flat as the file grows, and the round trip is still exact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ecert_edi.surfaces.generate import generate_parse_file

# The old code peaked above 1 GB on the 30 MB file of the first test and 560 MB on its JSON; the
# new one stays near the 40 MB of the interpreter and its imports.
BOUND_MB = 120

# Runs a command and reports its peak RSS from RUSAGE_CHILDREN.  Linux carries the peak of the
# image a process replaces at exec into that process's ru_maxrss, so the pytest process must not
# exec the command itself: started from this small launcher, the command's figure is its own.
LAUNCHER = (
    "import resource, subprocess, sys\n"
    "with open(sys.argv[1], 'wb') as out:\n"
    "    done = subprocess.run(sys.argv[2:], stdout=out)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)
ECERT = [sys.executable, "-c", "from ecert_edi.surfaces.cli import main; main()"]


def translate_peak_mb(source: Path, target: str, out: Path) -> float:
    """Run `ecert translate SOURCE --to TARGET > OUT` in a child process: its peak RSS in MB."""
    done = subprocess.run([sys.executable, "-c", LAUNCHER, str(out), *ECERT, "translate",
                           str(source), "--to", target], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1]) / 1024  # ru_maxrss is in KiB on Linux


def same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


@pytest.mark.slow
def test_translating_a_30_mb_file_both_ways_stays_in_bounded_memory(tmp_path):
    abi = tmp_path / "big.txt"
    generate_parse_file(abi, 375_000)
    assert abi.stat().st_size > 30_000_000
    doc, back = tmp_path / "big.json", tmp_path / "back.txt"

    to_json = translate_peak_mb(abi, "json", doc)
    assert to_json < BOUND_MB, f"--to json peaked at {to_json:.0f} MB"
    assert doc.stat().st_size > 4 * abi.stat().st_size  # the whole document was written

    to_abi = translate_peak_mb(doc, "abi", back)
    assert to_abi < BOUND_MB, f"--to abi peaked at {to_abi:.0f} MB"
    assert same_bytes(back, abi)


@pytest.mark.slow
def test_a_file_as_a_transport_wrote_it_streams_with_its_physical_form(tmp_path):
    # CR LF endings and every line stripped of its trailing blanks: the document's "physical"
    # object lists nearly every line (short_lines), and both directions keep that list out of
    # memory too
    plain = tmp_path / "plain.txt"
    generate_parse_file(plain, 120_000)
    abi = tmp_path / "crlf.txt"
    with open(plain, "rb") as src, open(abi, "wb") as dst:
        dst.writelines(line.rstrip(b"\n").rstrip(b" ") + b"\r\n" for line in src)
    doc, back = tmp_path / "crlf.json", tmp_path / "back.txt"

    to_json = translate_peak_mb(abi, "json", doc)
    assert to_json < BOUND_MB, f"--to json peaked at {to_json:.0f} MB"
    with open(doc, "rb") as fh:  # the physical object ends the document
        fh.seek(-8_000_000, 2)
        assert b'"line_ending": "CRLF",\n    "short_lines": {' in fh.read()

    to_abi = translate_peak_mb(doc, "abi", back)
    assert to_abi < BOUND_MB, f"--to abi peaked at {to_abi:.0f} MB"
    assert same_bytes(back, abi)
