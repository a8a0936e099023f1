"""The transmission grammar as the walker reads it: a table of LALR steps, cached.

The grammar is grammars/transmission.lark, parsed by Lark's LALR parser (`lalr.py`).  The walker
needs only each state's step for each record type, so that table is explored from Lark once,
whole, and kept in the user's cache (`cache.py`) under the grammar's text and Lark's version: a
start that finds it imports no Lark at all, and one that does not builds the same table.
"""

from __future__ import annotations

import re
from functools import cache

from ecert_edi.bindings.abi import cache as derived
from ecert_edi.bindings.abi.layouts import grammars_path
from ecert_edi.bindings.abi.records import token_types

TABLE_FORMAT = 1  # of the table's cached form and of the exploration that builds it
# what tests and tools reach through this module; they live in lalr.py, loaded on demand
_LALR = frozenset({"GrammarShapeError", "Transitions", "grammar"})


def __getattr__(name: str):
    if name in _LALR:
        from ecert_edi.bindings.abi import lalr

        return getattr(lalr, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def grammar_text() -> str:
    with open(grammars_path("transmission.lark"), encoding="utf-8") as fh:
        return fh.read()


class Table:
    """The walk table of one direction: for each state, the state each accepted terminal leads to.

    A terminal a row does not list is refused (-1).  The table is complete for every terminal the
    walker can meet (the types `token_type` gives and those Lark lists), so it decides exactly as
    Lark's parser does.  It is never changed once made, so threads share it without a lock.
    """

    __slots__ = ("_choices", "direction", "start", "table")

    def __init__(self, direction: str, start: int, table: list[dict[str, int]],
                 choices: list[list[str]]):
        self.direction = direction
        self.start = start
        self.table = table
        self._choices = choices

    def step(self, state: int, ttype: str) -> int:
        """The state after a token, or -1 when the grammar does not accept it here."""
        return self.table[state].get(ttype, -1)

    def choices(self, state: int) -> list[str]:
        """The terminals Lark's table lists for a state (some may still fail after reductions)."""
        return self._choices[state]

    def value(self) -> dict:
        """The table as plain data, for the cache."""
        return {"start": self.start, "table": self.table, "choices": self._choices}

    @classmethod
    def of_value(cls, direction: str, value) -> Table | None:
        """The table a cached value describes, or None when it is not a well-formed table."""
        if not isinstance(value, dict):
            return None
        start, table, choices = value.get("start"), value.get("table"), value.get("choices")
        if not (isinstance(table, list) and isinstance(choices, list)
                and len(table) == len(choices) and type(start) is int
                and 0 <= start < len(table)):
            return None
        states = range(len(table))
        for row, listed in zip(table, choices):
            if not (isinstance(row, dict) and isinstance(listed, list)
                    and all(type(n) is int and n in states for n in row.values())
                    and all(isinstance(t, str) for t in listed)):
                return None
        return cls(direction, start, table, choices)


_VERSION = re.compile(r"""^__version__\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", re.MULTILINE)


def lark_version() -> str:
    """Lark's version, read from its package without importing it (importing Lark is most of a
    cold start); imported when its source does not say it plainly."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("lark")
        with open(spec.origin, encoding="utf-8") as fh:
            found = _VERSION.search(fh.read())
    except (AttributeError, TypeError, OSError, ValueError, ImportError):
        found = None
    if found is not None:
        return found.group(1)
    import lark

    return lark.__version__


def _inputs(direction: str) -> dict[str, str]:
    """Everything a direction's table depends on, compared whole before a cached one is used."""
    return {
        "format": str(TABLE_FORMAT),
        "direction": direction,
        "grammar": grammar_text(),
        "lark": lark_version(),
        "terminals": " ".join(sorted(token_types(direction))),
    }


@cache
def transitions(direction: str) -> Table:
    """The walk table of a direction: from the cache, else explored from Lark and cached."""
    inputs = _inputs(direction)
    table = Table.of_value(direction, derived.load("transitions", inputs))
    if table is None:
        from ecert_edi.bindings.abi.lalr import Transitions

        table = Transitions(direction).explore(token_types(direction))
        derived.store("transitions", inputs, table.value())
    return table
