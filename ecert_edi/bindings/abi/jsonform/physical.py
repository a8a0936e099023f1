"""The "physical" object of a document: how the file's lines were written (endings, stripped
blanks, empty lines, the final ending), surveyed in bounded memory and written back exactly."""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from ecert_edi.bindings.abi.jsonform.common import CHUNK, MAX_LINES, SPOOL, DocumentError, Out
from ecert_edi.bindings.abi.jsonform.events import (
    OPEN,
    Events,
    Opener,
    advance,
    build,
    items_of,
    skip,
)
from ecert_edi.bindings.abi.layouts import RECORD_LENGTH


def whole(value: Any) -> int | None:
    """A JSON whole number as an int; None for anything else (a string of digits included)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _line_key(key: Any) -> int | None:
    """A line number given as an object key: ASCII digits from 1, no leading zero, as the
    schema's propertyNames pattern says ("٣" and "²" are digits to str.isdigit, and int() reads
    "٣" as 3); a document in memory may use whole numbers."""
    if isinstance(key, str):
        return int(key) if key.isascii() and key.isdigit() and key[0] != "0" else None
    n = whole(key)
    return n if n is not None and n >= 1 else None


def _problem(text: str) -> DocumentError:
    return DocumentError(f'"physical" is not as docs/json.md describes: {text}')


class Physical:
    """A document's "physical" object: what its survey found, and its two lists read lazily in
    line order by passes of their own (or at once, sorted, when the document does not list them
    in order)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.crlf: tuple[int, bool] | None = None  # (count, ascending) of a crlf_lines list
        self.short: tuple[int, bool] | None = None  # (count, ascending) of a short_lines object

    @property
    def every(self) -> bool:
        return self.values.get("line_ending") == "CRLF"

    @property
    def final(self) -> bool:
        return self.values.get("final_line_ending") is not False

    def count(self) -> int:
        return self.values.get("lines", 0)

    def crlf_lookup(self, opener: Opener) -> _Ascending:
        if not self.crlf or not self.crlf[0]:
            return _Ascending(())
        events = opener()
        advance(events, ("physical", "crlf_lines"))
        pairs = ((n, True) for n, _ in items_of(events, "physical.crlf_lines"))
        return _Ascending(pairs if self.crlf[1] else sorted(set(pairs)))

    def short_lookup(self, opener: Opener) -> _Ascending:
        if not self.short or not self.short[0]:
            return _Ascending(())
        events = opener()
        advance(events, ("physical", "short_lines"))
        pairs = _widths(events)
        return _Ascending(pairs if self.short[1] else sorted(dict(pairs).items()))


def _widths(events: Events) -> Iterator[tuple[int, int]]:
    """The (line, width) pairs of the short_lines object a pass stands in."""
    for event, key in events:
        if event == "end_map":
            return
        _, value = next(events)
        yield _line_key(key), value


class _Ascending:
    """Look-ups in (number, value) pairs in ascending order, for numbers asked in ascending order."""

    def __init__(self, pairs: Iterable[tuple[int, Any]]) -> None:
        self.pairs = iter(pairs)
        self.next = next(self.pairs, None)

    def upcoming(self, n: int) -> int | None:
        """The first number from n on, or None."""
        while self.next is not None and self.next[0] < n:
            self.next = next(self.pairs, None)
        return self.next[0] if self.next is not None else None

    def get(self, n: int) -> Any:
        found = None
        while self.next is not None and self.next[0] <= n:
            if self.next[0] == n:
                found = self.next[1]
            self.next = next(self.pairs, None)
        return found


def shape_of(events: Events, first: str, value: Any) -> Any:
    """A value as the schema needs to see it when not a list: an object or a list stands in
    empty (its items are not the question), anything else as given."""
    skip(events, first)
    return {} if first == "start_map" else [] if first == "start_array" else value


def survey_physical(events: Events, first: str, given: Any, faults: list) -> Physical | None:
    """The survey of "physical": None when it is null, left out or empty, as when it is absent.
    Its faults go to `faults`, and the object is read to its end all the same.

    The object is checked against the schema (schema.PHYSICAL) with its two lists given empty;
    their items, which may name every line of a file, are checked here to the schema's rules
    for them as they are read (a line number is a whole number from 1, a short line's width
    1 to 79), as the library would take far longer than the translation on a long list."""
    if first != "start_map":
        if shape_of(events, first, given) is not None:
            faults.append(DocumentError('"physical" must be an object, or null'))
        return None
    spec = Physical()
    seen: set = set()
    skeleton: dict[str, Any] = {}
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)
        if key in seen:
            faults.append(_problem(f"{key!r} is given twice"))
        seen.add(key)
        if key == "crlf_lines" and event == "start_array":
            spec.crlf = _survey_numbers(events, faults)
            skeleton[key] = []
        elif key == "short_lines" and event == "start_map":
            spec.short = _survey_widths(events, faults)
            skeleton[key] = {}
        elif key in ("crlf_lines", "short_lines"):
            skeleton[key] = shape_of(events, event, value)
        else:
            skeleton[key] = build(events, event, value, "physical") if event in OPEN else value
            spec.values[key] = skeleton[key]
    if not seen:
        return None
    from ecert_edi.bindings.abi.jsonform.schema import checks, first_error

    problem = first_error(checks().physical, skeleton, "")
    if problem is not None:
        faults.insert(0, _problem(problem))
    return spec


def _survey_numbers(events: Events, faults: list) -> tuple[int, bool]:
    """(count, ascending) of a crlf_lines list."""
    count, ascending, last = 0, True, None
    for event, value in events:
        if event == "end_array":
            break
        n = whole(value) if event not in OPEN else None
        skip(events, event)
        if n is None or not 1 <= n <= MAX_LINES:
            faults.append(_problem(f"crlf_lines[{count}]: expected a line number (a whole "
                                   f"number from 1), got {_shown(value, event)}"))
        elif last is not None and n < last:
            ascending = False
        last = n if n is not None else last
        count += 1
    return count, ascending


def _survey_widths(events: Events, faults: list) -> tuple[int, bool]:
    """(count, ascending) of a short_lines object."""
    count, ascending, last = 0, True, None
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)
        n = _line_key(key)
        width = whole(value) if event not in OPEN else None
        skip(events, event)
        if n is None:
            faults.append(_problem(f"short_lines: {key!r} is not a line number (ASCII digits, "
                                   "from 1)"))
        elif width is None or not 1 <= width < RECORD_LENGTH:
            faults.append(_problem(f"short_lines.{key}: expected a width from 1 to "
                                   f"{RECORD_LENGTH - 1}, got {_shown(value, event)}"))
        else:
            if last is not None and n <= last:
                ascending = False
            last = n
        count += 1
    return count, ascending


def _shown(value: Any, event: str) -> str:
    if event == "start_map":
        return "an object"
    if event == "start_array":
        return "a list"
    return json.dumps(value, default=repr, ensure_ascii=False)[:40]


class Unordered(Exception):
    """Records whose lines do not rise in the order they are written, under "physical"."""


class Records:
    """The text stream an EnvelopeWriter writes to under "physical": each record, LF-ended, goes to
    the sink with the line number the writer was told for it (None for a computed trailer)."""

    def __init__(self, sink) -> None:
        self.sink = sink
        self.line: int | None = None
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        *ended, rest = text.split("\n")
        for piece in ended:
            self.parts.append(piece)
            self.sink.put("".join(self.parts), self.line)
            self.parts.clear()
            self.line = None
        if rest:
            self.parts.append(rest)


def _numbered(line: int | None) -> int:
    if line is None or line < 1:
        raise DocumentError('"physical" needs every record to have its own "line", from 1')
    if line > MAX_LINES:
        raise DocumentError(f'"physical" describes at most {MAX_LINES} lines, not line {line}')
    return line


class Placed:
    """Records written as "physical" says the file was: each at its line, empty lines between,
    the endings and stripped blanks of each line, the final ending or not.

    Records are expected in rising line order, as the document lists them; when they are not,
    Unordered asks for the lines to be sorted first (given then as `numbers`: the i-th record
    goes to the i-th smallest line, as ever).  The text waits in a spool until `close`, so that
    a second try starts clean.
    """

    def __init__(self, spec: Physical, opener: Opener, numbers: Iterator[int] | None = None):
        self.spec = spec
        self.every = spec.every
        self.crlf = spec.crlf_lookup(opener)
        self.short = spec.short_lookup(opener)
        self.numbers = numbers
        self.last = 0
        self.end = ""  # the ending of the last line: written before the next, or at the close
        self.spool = tempfile.SpooledTemporaryFile(max_size=8 * SPOOL, mode="w+",  # noqa: SIM115
                                                   encoding="latin-1", newline="")
        self.out = Out(self.spool)

    def put(self, text: str, line: int | None) -> None:
        if self.numbers is not None:
            line = next(self.numbers)
        else:
            line = _numbered(line)
            if line <= self.last:
                raise Unordered
        self._empty(line - 1)
        width = self.short.get(line)
        if width is not None and not text[width:].strip(" "):
            text = text[:width]  # a line its transport had stripped of trailing blanks
        self._line(text, line)

    def _line(self, text: str, n: int) -> None:
        self.out(self.end + text)
        self.end = "\r\n" if self.every or self.crlf.get(n) else "\n"
        self.last = n

    def _empty(self, last: int) -> None:
        """Empty lines up to line `last`, those of one ending written together."""
        while self.last < last:
            n = self.last + 1
            if self.every:
                run, end = last - n + 1, "\r\n"
            else:
                crlf = self.crlf.upcoming(n)
                run = (min(crlf, last + 1) if crlf is not None else last + 1) - n
                end = "\n"
                if not run:
                    self._line("", n)
                    continue
            for start in range(0, run, CHUNK):
                k = min(CHUNK, run - start)
                self.out(self.end + end * (k - 1))
                self.end = end
            self.last = n + run - 1

    def close(self, stream: TextIO) -> None:
        self._empty(self.spec.count())
        if self.spec.final:
            self.out(self.end)
        self.out.flush()
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, stream)


class Counted:
    """The line numbers of the records, in any order, for Placed to place them sorted."""

    def __init__(self) -> None:
        self.numbers = array("q")

    def put(self, text: str, line: int | None) -> None:
        self.numbers.append(_numbered(line))

    def sorted(self) -> Iterator[int]:
        numbers = sorted(self.numbers)
        if any(a == b for a, b in itertools.pairwise(numbers)):
            raise DocumentError('"physical" needs every record to have its own "line"')
        return iter(numbers)
