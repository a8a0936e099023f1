"""Coverage-guided fuzzing of one target with atheris (docs/reliability.md says how long, how).

    python tests/fuzz/run_atheris.py validate    -max_total_time=3600 tests/fuzz/corpus/validate
    python tests/fuzz/run_atheris.py process     -max_total_time=3600 tests/fuzz/corpus/process

Targets: validate, abi-to-json, json-to-abi, process.  The arguments after the target are
libFuzzer's (-max_total_time, -runs, -jobs, a corpus folder, ...).  A crash stops the run and
leaves the input in ./crash-<hash>; replay it with the same command and the file as argument.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["ecert_edi"]):
    import targets


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in (*targets.TARGETS, "process"):
        sys.exit(f"usage: run_atheris.py {{{','.join([*targets.TARGETS, 'process'])}}} "
                 "[libFuzzer options] [corpus]")
    name = sys.argv.pop(1)
    if name == "process":
        check = targets.Processor().check
    else:
        check = targets.TARGETS[name]

    def one_input(data: bytes) -> None:
        check(data)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
