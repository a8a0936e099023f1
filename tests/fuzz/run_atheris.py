"""Coverage-guided fuzzing of one target with atheris (docs/reliability.md says how long, how).

    python tests/fuzz/run_atheris.py validate    -max_total_time=3600 tests/fuzz/corpus/validate
    python tests/fuzz/run_atheris.py process     -max_total_time=3600 tests/fuzz/corpus/process

    python tests/fuzz/run_atheris.py x12-validate -max_total_time=3600 corpus/x12
    python tests/fuzz/run_atheris.py x12-process  -max_total_time=3600 corpus/x12

Targets: validate, abi-to-json, json-to-abi, process, x12-validate, x12-process (the X12 ones are
given bytes after a valid ISA when they do not begin with one; seed them with fixtures/x12/).
The arguments after the target are libFuzzer's (-max_total_time, -runs, -jobs, a corpus
folder, ...).  A crash stops the run and leaves the input in ./crash-<hash>; replay it with the
same command and the file as argument.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["ecert_edi", "pyx12"]):
    import targets

    # The X12 binding loads its modules (and pyx12) on first use: import them here, so that they
    # are instrumented too (a module imported after this block gives the fuzzer no coverage).
    try:
        import pyx12.x12file  # noqa: F401

        from ecert_edi.bindings.x12 import (  # noqa: F401
            acks,
            reading,
            segments,
            translating,
            validating,
            wrapping,
        )
        from ecert_edi.processing import interchange_file  # noqa: F401
    except ImportError:  # no `x12` extra: the ABI targets still run
        pass


def main() -> None:
    processors = {"process": targets.Processor, "x12-process": targets.X12Processor}
    if len(sys.argv) < 2 or sys.argv[1] not in (*targets.TARGETS, *processors):
        sys.exit(f"usage: run_atheris.py {{{','.join([*targets.TARGETS, *processors])}}} "
                 "[libFuzzer options] [corpus]")
    name = sys.argv.pop(1)
    if name in processors:
        check = processors[name]().check
    else:
        check = targets.TARGETS[name]

    def one_input(data: bytes) -> None:
        check(data)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
