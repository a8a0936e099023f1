"""`ecert validate` on X12 input: X12 faults and each accepted set's ABI conditions as lines (8.2)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ecert_edi.bindings.x12.interchange import Interchange


def fault_lines(name: str, ix: Interchange,
                abi_conditions: Callable[[bytes], Iterable] | None = None) -> list[str]:
    """Every line `ecert validate` prints for `ix`, `FILE:LINE:COLUMN: CODE SEVERITY NARRATIVE`,
    ordered by LINE, COLUMN, CODE (ASCII), LINE 0 last.

    `abi_conditions(abi_bytes)` gives the ABI conditions of one carried transmission (the ABI
    binding's `iter_conditions` with the static rules): they are given for each set whose IK5 is
    `A`, ABI line n at the ordinal of its K3 (ST ordinal + n + 1), ABI line 0 at the ST."""
    rows = [(f.line, f.column, f.name, "E", f.narrative) for f in ix.faults()]
    if abi_conditions is not None:
        for group in ix.groups:
            for tset in group.sets:
                if not tset.accepted:
                    continue
                for c in abi_conditions(tset.abi()):
                    if c.line == 0:
                        rows.append((tset.line, 0, c.code, c.severity, c.text))
                    else:
                        rows.append((tset.line + c.line + 1, c.column, c.code, c.severity,
                                     c.text))
    rows.sort(key=lambda r: (r[0] == 0, r[0], r[1], r[2]))
    return [f"{name}:{line}:{column}: {code} {severity} {text}"
            for line, column, code, severity, text in rows]
