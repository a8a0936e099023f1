"""Where two transmissions or responses differ: line by line, and within a line field by field."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ecert_edi.bindings.abi.emitter import record_id
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH
from ecert_edi.domain.quantities import quantity_text

# Lines are aligned (difflib: a line missing on one side is named, the rest still compared) up
# to this many a file; longer files are compared line for line, in bounded memory and time.
ALIGN_LINES = 100_000


@dataclass(frozen=True)
class Sides:
    """How the two sides are called in the notes."""

    left: str = "expected"
    right: str = "actual"
    # {n}: line number; {a}, {b}: the left and right records described
    only_left: str = "line {n}: expected {a}, missing from the response"
    only_right: str = "line {n} of the response: unexpected {b}"
    other_record: str = "line {n}: expected {a}, the response has {b}"


EXPECTED = Sides()


def differences(left: Iterable[str], right: Iterable[str], sides: Sides = EXPECTED
                ) -> Iterator[str]:
    """One note a differing field, or a line present on one side only, in line order."""
    left, right = iter(left), iter(right)
    first = list(itertools.islice(left, ALIGN_LINES + 1))
    second = list(itertools.islice(right, ALIGN_LINES + 1))
    if len(first) > ALIGN_LINES or len(second) > ALIGN_LINES:
        yield from _line_for_line(itertools.chain(first, left), itertools.chain(second, right),
                                  sides)
        return
    matcher = difflib.SequenceMatcher(None, first, second, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1)
        for k in range(pairs):
            yield from line_differences(i1 + k + 1, first[i1 + k], second[j1 + k], sides)
        for k in range(i1 + pairs, i2):
            yield sides.only_left.format(n=k + 1, a=describe_line(first[k]), b="")
        for k in range(j1 + pairs, j2):
            yield sides.only_right.format(n=k + 1, a="", b=describe_line(second[k]))


def _line_for_line(left, right, sides: Sides) -> Iterator[str]:
    for n, (a, b) in enumerate(itertools.zip_longest(left, right), start=1):
        if b is None:
            yield sides.only_left.format(n=n, a=describe_line(a), b="")
        elif a is None:
            yield sides.only_right.format(n=n, a="", b=describe_line(b))
        else:
            yield from line_differences(n, a, b, sides)


def line_differences(number: int, left: str, right: str, sides: Sides = EXPECTED) -> list[str]:
    """The differing fields of one line: `line N, RID (title): field, columns a-b: …`."""
    if left == right:
        return []
    rid, other = record_id(left), record_id(right)
    if rid is None or rid != other:
        return [sides.other_record.format(n=number, a=describe_line(left),
                                          b=describe_line(right))]
    layout = LAYOUTS[rid]
    exp = left.ljust(RECORD_LENGTH)
    act = right.ljust(RECORD_LENGTH)
    out = []
    for f in layout.fields:
        e, a = exp[f.slice], act[f.slice]
        if e != a:
            where = f"column {f.pos}" if f.length == 1 else f"columns {f.pos}-{f.last}"
            out.append(f"line {number}, {rid} ({layout.title.lower()}): {f.name}, {where}: "
                       f"{sides.left} {_value(f.fmt, e)}, {sides.right} {_value(f.fmt, a)}")
    if len(exp) != len(act) or (not out and exp != act):
        out.append(f"line {number}, {rid}: {sides.left} {len(left)} characters, "
                   f"{sides.right} {len(right)}")
    return out


def describe_line(line: str) -> str:
    """A line as a note names it: its record identifier and title, and its text."""
    rid = record_id(line)
    if rid is None:
        return f"the line {line!r}"
    return f"{rid} ({LAYOUTS[rid].title.lower()}) {line.rstrip()!r}"


def _value(fmt: str, text: str) -> str:
    shown = repr(text)
    if fmt == "Q" and text.isascii() and text.isdigit():
        return f"{shown} ({quantity_text(int(text))})"
    return shown
