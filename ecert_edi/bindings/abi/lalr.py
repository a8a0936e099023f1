"""Lark's side of the walk table: the LALR parser of grammars/transmission.lark, explored.

Lark is driven only through its public interface: `Lark.parse_interactive`, the interactive
parser's `copy`, `feed_token` and `choices`, and the transformer, which Lark calls once per rule
it reduces (docs: "Tree Construction Reference"; `transformer=` applies it while parsing).

Loaded only to build a table that the cache (`grammar.transitions`) cannot give, and by tests.
"""

from __future__ import annotations

import threading
from collections import deque
from functools import cache

from ecert_edi.bindings.abi.grammar import Table, grammar_text
from ecert_edi.bindings.abi.records import token_type


class GrammarShapeError(RuntimeError):
    """The grammar builds trees whose children are not its rules' symbols (a project defect)."""


@cache
def _reductions():
    """The transformer that reduces every rule to nothing: the grammar checks order, the walker
    keeps the records.

    A thread that sets `local.log` to a list is told, in order, each rule Lark reduces and the
    number of its children, which is how `Transitions` follows the parser's stack of symbols.
    """
    from lark import Transformer

    class Reductions(Transformer):
        def __init__(self) -> None:
            super().__init__()
            self.local = threading.local()

        def __default__(self, data, children, meta):
            log = getattr(self.local, "log", None)
            if log is not None:
                log.append((str(data), len(children)))

    return Reductions()


@cache
def _record_lexer():
    """Lark's lexer for transmissions: one token per non-empty line, typed by its identifier.

    The walker feeds tokens itself (to recover from faults); this lexer lets Lark parse a whole
    text directly, the reference the walker's acceptance is checked against.  It types records of
    both directions; the start rule decides which are acceptable.
    """
    from lark import Token
    from lark.lexer import Lexer

    class RecordLexer(Lexer):
        def __init__(self, lexer_conf):
            pass

        def lex(self, data: str):
            for number, line in enumerate(data.split("\n"), 1):
                line = line.rstrip("\r")
                if line:
                    yield Token(token_type(line, "any"), line, line=number, column=1)

    return RecordLexer


@cache
def grammar():
    """The LALR parser of grammars/transmission.lark, with a start rule per direction."""
    from lark import Lark

    return Lark(grammar_text(), parser="lalr", lexer=_record_lexer(),
                start=["inbound", "response"], transformer=_reductions())


class Transitions:
    """Lark's LALR parser over record tokens, with its transitions remembered.

    With a discarding transformer the parser's whole state is its stack, and the grammar keeps
    that stack shallow, so there are few states.  Each is given a number and kept as one of Lark's
    interactive parsers standing in it.  The first time a token arrives in a state, a copy of that
    parser takes the token (shift, reductions, or an error) and the resulting state is remembered,
    so the tables decide every record while a repeated step costs a dictionary look-up.

    A state is named by the symbols on Lark's stack (the viable prefix), followed from what Lark
    itself does: the token shifted, and each reduction it reports to the transformer (the rule
    and its number of children, which replace that many symbols).  The prefix determines Lark's
    stack of LALR states, so two parsers with the same prefix are the same parser state.  (Lark's
    own equality of parser states compares only the stack depth and the top state, which is not
    enough here, and its immutable interactive parsers cannot be hashed.)
    """

    def __init__(self, direction: str):
        self.direction = direction
        self.parsers: list = []  # per state, a Lark interactive parser standing in it
        self.stacks: list[tuple[str, ...]] = []  # per state, the symbols on Lark's stack
        self.numbers: dict[tuple[str, ...], int] = {}
        self.table: list[dict[str, int]] = []
        self._lock = threading.Lock()
        self.start = self._number((), grammar().parse_interactive(start=direction))

    def _number(self, stack: tuple[str, ...], parser) -> int:
        n = self.numbers.get(stack)
        if n is None:
            n = self.numbers[stack] = len(self.stacks)
            self.stacks.append(stack)
            self.parsers.append(parser)
            self.table.append({})
        elif parser.choices() != self.parsers[n].choices():
            raise GrammarShapeError(
                f"two {self.direction} parser states share the symbols {' '.join(stack)}: "
                "the grammar must not inline rules or filter terminals out of its trees"
            )
        return n

    def step(self, state: int, ttype: str) -> int:
        """The state after a token, or -1 when the grammar does not accept it here."""
        nxt = self.table[state].get(ttype)
        if nxt is None:
            with self._lock:
                nxt = self.table[state].get(ttype)
                if nxt is None:
                    nxt = self.table[state][ttype] = self._parse(state, ttype)
        return nxt

    def _parse(self, state: int, ttype: str) -> int:
        from lark import Token
        from lark.exceptions import UnexpectedInput

        parser = self.parsers[state].copy()
        log: list[tuple[str, int]] = []
        reductions = _reductions()
        reductions.local.log = log
        try:
            parser.feed_token(Token(ttype, ""))
        except UnexpectedInput:
            return -1
        finally:
            reductions.local.log = None
        stack = list(self.stacks[state])
        for symbol, size in log:
            del stack[len(stack) - size:]
            stack.append(symbol)
        stack.append(ttype)
        return self._number(tuple(stack), parser)

    def choices(self, state: int) -> list[str]:
        """The terminals Lark's table lists for a state (some may still fail after reductions)."""
        return sorted(t for t in self.parsers[state].choices() if t.isupper() and t != "$END")

    def explore(self, alphabet: frozenset[str]) -> Table:
        """Every state reachable, each stepped with every terminal of `alphabet` and every one
        Lark lists for it: the whole table, which then needs no Lark parser to answer (a terminal
        Lark does not list for a state is one it refuses there)."""
        todo = deque([self.start])
        seen = {self.start}
        while todo:
            state = todo.popleft()
            for ttype in sorted(alphabet | set(self.choices(state))):
                nxt = self.step(state, ttype)
                if nxt >= 0 and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        rows = [{t: n for t, n in row.items() if n >= 0} for row in self.table]
        return Table(self.direction, self.start, rows,
                     [self.choices(n) for n in range(len(self.table))])
