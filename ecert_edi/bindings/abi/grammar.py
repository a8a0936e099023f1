"""The transmission grammar: Lark's LALR parser of grammars/transmission.lark, its steps remembered."""

from __future__ import annotations

from functools import cache

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput

from ecert_edi.bindings.abi.layouts import GRAMMARS_DIR
from ecert_edi.bindings.abi.records import RecordLexer


class _Discard(Transformer):
    """Reduces every rule to nothing: the grammar checks order, the walker keeps the records."""

    def __default__(self, data, children, meta):
        return None


@cache
def grammar() -> Lark:
    """The LALR parser of grammars/transmission.lark, with a start rule per direction."""
    text = (GRAMMARS_DIR / "transmission.lark").read_text()
    return Lark(text, parser="lalr", lexer=RecordLexer, start=["inbound", "response"],
                transformer=_Discard())


class Transitions:
    """Lark's LALR parser over record tokens, with its transitions remembered.

    With a discarding transformer the parser's whole state is its stack of LALR states, and the
    grammar keeps that stack shallow, so there are few of them.  Each is given a number; the first
    time a token arrives in a state, Lark's own parser decides (shift, reductions, or an error) and
    the resulting state is remembered, so the tables decide every record while a repeated step
    costs a dictionary look-up.
    """

    def __init__(self, direction: str):
        self.base = grammar().parse_interactive(start=direction).parser_state
        self.stacks: list[tuple] = []
        self.numbers: dict[tuple, int] = {}
        self.table: list[dict[str, int]] = []
        self.start = self._number(tuple(self.base.state_stack))

    def _number(self, stack: tuple) -> int:
        n = self.numbers.get(stack)
        if n is None:
            n = self.numbers[stack] = len(self.stacks)
            self.stacks.append(stack)
            self.table.append({})
        return n

    def step(self, state: int, ttype: str) -> int:
        """The state after a token, or -1 when the grammar does not accept it here."""
        nxt = self.table[state].get(ttype)
        if nxt is None:
            nxt = self.table[state][ttype] = self._parse(state, ttype)
        return nxt

    def _parse(self, state: int, ttype: str) -> int:
        stack = self.stacks[state]
        parser = type(self.base)(self.base.parse_conf, self.base.lexer, list(stack),
                                 [None] * len(stack))
        try:
            parser.feed_token(Token(ttype, ""))
        except UnexpectedInput:
            return -1
        return self._number(tuple(parser.state_stack))

    def choices(self, state: int) -> list[str]:
        """The terminals Lark's table lists for a state (some may still fail after reductions)."""
        row = self.base.parse_conf.states[self.stacks[state][-1]]
        return sorted(t for t in row if t.isupper() and t != "$END")


@cache
def transitions(direction: str) -> Transitions:
    return Transitions(direction)
