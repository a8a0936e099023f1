"""`ecert validate` on X12 input: X12 faults and each accepted set's ABI conditions as lines (8.2)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ecert_edi.bindings.x12.interchange import Interchange


@dataclass(frozen=True)
class FaultRow:
    """One line of `ecert validate` on X12 input, as data (the text form and `--json` share it).

    `condition` is the ABI condition a carried set gave (its `field` is then the layout field's),
    None for an X12 fault; `line` is already the file ordinal (8.2), not the ABI line."""

    line: int
    column: int
    code: str
    severity: str
    text: str
    field: str | None = None
    condition: Any = None

    def format(self, name: str) -> str:
        return f"{name}:{self.line}:{self.column}: {self.code} {self.severity} {self.text}"


def fault_rows(ix: Interchange,
               abi_conditions: Callable[[bytes], Iterable] | None = None) -> list[FaultRow]:
    """Every fault and carried condition of `ix`, ordered by LINE, COLUMN, CODE (ASCII), LINE 0
    last (8.2); see `fault_lines`."""
    rows = [FaultRow(f.line, f.column, f.name, "E", f.narrative) for f in ix.faults()]
    if abi_conditions is not None:
        for group in ix.groups:
            for tset in group.sets:
                if not tset.accepted:
                    continue
                for c in abi_conditions(tset.abi()):
                    # ABI line n is the n-th K3: ST ordinal + n + 1; line 0 (no place in the
                    # transmission) is the ST itself, column 0
                    line, column = ((tset.line, 0) if c.line == 0
                                    else (tset.line + c.line + 1, c.column))
                    rows.append(FaultRow(line, column, c.code, c.severity, c.text,
                                         getattr(c, "field", None), c))
    rows.sort(key=lambda r: (r.line == 0, r.line, r.column, r.code))
    return rows


def fault_lines(name: str, ix: Interchange,
                abi_conditions: Callable[[bytes], Iterable] | None = None) -> list[str]:
    """Every line `ecert validate` prints for `ix`, `FILE:LINE:COLUMN: CODE SEVERITY NARRATIVE`,
    ordered by LINE, COLUMN, CODE (ASCII), LINE 0 last.

    `abi_conditions(abi_bytes)` gives the ABI conditions of one carried transmission (the ABI
    binding's `iter_conditions` with the static rules): they are given for each set whose IK5 is
    `A`, ABI line n at the ordinal of its K3 (ST ordinal + n + 1), ABI line 0 at the ST."""
    return [row.format(name) for row in fault_rows(ix, abi_conditions)]
