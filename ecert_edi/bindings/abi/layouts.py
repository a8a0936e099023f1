"""The record layouts of grammars/layouts.toml, loaded once and checked at import."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

from ecert_edi.bindings.abi import cache

RECORD_LENGTH = 80
FORMATS = frozenset({"ID", "AN", "N", "Q", "D", "T", "C", "F"})
USES = frozenset({"M", "M*", "C", "O", "R", "-"})
ROLES = frozenset({"envelope", "header", "detail"})
DIRECTIONS = frozenset({"inbound", "response", "both"})


class LayoutError(Exception):
    """The layout file breaks one of its invariants (a defect of the project, not of input)."""


# Field and Layout are immutable records: NamedTuple rather than a frozen dataclass, which costs
# ten times as much to make, and every start of the command makes them.
class Field(NamedTuple):
    """One field of a record layout: where it sits and how it is written."""

    name: str
    pos: int  # first column, 1-based, as in the spec
    length: int
    fmt: str
    use: str
    codes: tuple[str, ...] | str | None = None  # a list of values, or the name of a code set
    actions: tuple[str, ...] | None = None  # for M*: the actions that read the field
    missing: str = "005"  # the condition for an absent mandatory value
    min: int | None = None  # the smallest value of a numeric field
    echo: bool = False  # a response echo of an inbound value, blank when that was unreadable
    count: bool = False  # fmt N: counts or numbers things in order (not a code): a JSON number
    note: str = ""

    @property
    def start(self) -> int:
        """0-based offset of the first column."""
        return self.pos - 1

    @property
    def end(self) -> int:
        """0-based offset just past the last column."""
        return self.pos - 1 + self.length

    @property
    def slice(self) -> slice:
        return slice(self.pos - 1, self.pos - 1 + self.length)

    @property
    def last(self) -> int:
        """Last column, 1-based."""
        return self.pos + self.length - 1

    def read_for(self, action: str | None) -> bool:
        """Whether the field is read for a transaction with this action code."""
        return self.actions is None or action in self.actions


class Layout(NamedTuple):
    """One record type: its identifier and its fields, in column order."""

    rid: str
    title: str
    role: str
    direction: str
    applications: tuple[str, ...]
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        try:
            return _kept(_BY_NAME, self, _by_name)[name]
        except KeyError:
            raise KeyError(f"{self.rid} has no field {name!r}") from None

    @property
    def data_fields(self) -> tuple[Field, ...]:
        """Every field but the identifier and the filler."""
        return _kept(_DATA_FIELDS, self, _data)


# Layout is frozen: its data fields and its fields by name are worked out once per layout and
# kept here (an envelope record's checks look up a dozen fields by name a file).
_DATA_FIELDS: dict[str, tuple[tuple[Field, ...], tuple[Field, ...]]] = {}
_BY_NAME: dict[str, tuple[tuple[Field, ...], dict[str, Field]]] = {}


def _by_name(fields: tuple[Field, ...]) -> dict[str, Field]:
    return {f.name: f for f in fields}


def _data(fields: tuple[Field, ...]) -> tuple[Field, ...]:
    return tuple(f for f in fields if f.fmt not in ("ID", "F"))


def _kept(kept: dict, layout: Layout, work_out: Callable):
    """What `work_out(layout.fields)` gives, worked out once for these fields of the layout."""
    found = kept.get(layout.rid)
    if found is None or found[0] is not layout.fields:
        found = kept[layout.rid] = (layout.fields, work_out(layout.fields))
    return found[1]


def _grammars_dir() -> str:
    # os.path rather than pathlib: pathlib (with urllib.parse) is a tenth of a small start
    here = os.path.dirname(os.path.abspath(__file__))
    installed = os.path.join(here, "grammars")
    if os.path.isdir(installed):
        return installed
    root = os.path.realpath(__file__)
    for _ in range(4):  # abi, bindings, ecert_edi, then the checkout holding grammars/
        root = os.path.dirname(root)
    return os.path.join(root, "grammars")


_GRAMMARS = _grammars_dir()


def grammars_path(name: str) -> str:
    """The path of a file of the grammars folder."""
    return os.path.join(_GRAMMARS, name)


def __getattr__(name: str):
    # GRAMMARS_DIR, the folder as a Path, made when first asked for (see _grammars_dir)
    if name == "GRAMMARS_DIR":
        from pathlib import Path

        return Path(_GRAMMARS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check(layout: Layout) -> None:
    col = 1
    names: set[str] = set()
    for f in layout.fields:
        where = f"{layout.rid}.{f.name}"
        if f.pos != col:
            raise LayoutError(f"{where} starts at column {f.pos}, expected {col}")
        if f.length < 1:
            raise LayoutError(f"{where} has length {f.length}")
        if f.fmt not in FORMATS:
            raise LayoutError(f"{where} has unknown format {f.fmt!r}")
        if f.use not in USES:
            raise LayoutError(f"{where} has unknown use {f.use!r}")
        if f.fmt == "C" and not f.codes:
            raise LayoutError(f"{where} is a code field without codes")
        if f.fmt != "C" and f.codes:
            raise LayoutError(f"{where} lists codes but is not a code field")
        if f.count and f.fmt != "N":
            raise LayoutError(f"{where} is a count but not a numeric field")
        if f.name in names:
            raise LayoutError(f"{where} is defined twice")
        names.add(f.name)
        col += f.length
    if col - 1 != RECORD_LENGTH:
        raise LayoutError(f"{layout.rid} covers {col - 1} columns, not {RECORD_LENGTH}")
    ident = layout.fields[0]
    if ident.fmt != "ID" or ident.length != len(layout.rid):
        raise LayoutError(f"{layout.rid}: the first field must be the identifier")
    if layout.role not in ROLES:
        raise LayoutError(f"{layout.rid} has unknown role {layout.role!r}")
    if layout.direction not in DIRECTIONS:
        raise LayoutError(f"{layout.rid} has unknown direction {layout.direction!r}")


def load_layouts(path: str | os.PathLike | None = None) -> dict[str, Layout]:
    """Read and check a layout file; the result maps record identifier to layout."""
    path = path or grammars_path("layouts.toml")
    with open(path, "rb") as fh:
        raw = fh.read()
    inputs = _cache_inputs(raw)
    if inputs is not None:
        data = cache.load("layouts", inputs)
        if data is not None:
            try:
                return _layouts_of(data)
            except (LookupError, TypeError, ValueError, AttributeError):
                pass  # a cached value of another shape than the parser's: parse again
    import tomllib  # only when the cache cannot answer: parsing TOML is most of a cold start

    data = tomllib.loads(raw.decode("utf-8"))
    layouts = _layouts_of(data)
    if inputs is not None and json_safe(data):
        cache.store("layouts", inputs, data)
    return layouts


def _cache_inputs(raw: bytes) -> dict[str, str] | None:
    """What a cached parse of a layout file depends on: its text (None: not UTF-8, so not TOML)."""
    try:
        return {"layouts.toml": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return None


def json_safe(value) -> bool:
    """Whether JSON gives `value` back equal and of the same types (TOML dates and floats do not
    all survive; such a file is parsed every time rather than cached)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_safe(v) for k, v in value.items())
    if isinstance(value, list):
        return all(json_safe(v) for v in value)
    return value is None or isinstance(value, (str, int))  # bool is an int


def _layouts_of(data: dict) -> dict[str, Layout]:
    """The checked layouts of a parsed layout file."""
    layouts: dict[str, Layout] = {}
    for rid, rec in data["records"].items():
        fields = []
        for f in rec["fields"]:
            codes = f.get("codes")
            fields.append(
                Field(
                    name=f["name"],
                    pos=f["pos"],
                    length=f["len"],
                    fmt=f["fmt"],
                    use=f["use"],
                    codes=tuple(codes) if isinstance(codes, list) else codes,
                    actions=tuple(f["actions"]) if "actions" in f else None,
                    missing=f.get("missing", "005"),
                    min=f.get("min"),
                    echo=f.get("echo", False),
                    count=f.get("count", False),
                    note=f.get("note", ""),
                )
            )
        layout = Layout(
            rid=rid,
            title=rec["title"],
            role=rec["role"],
            direction=rec["direction"],
            applications=tuple(rec.get("application", "").split()),
            fields=tuple(fields),
        )
        if rid in layouts:  # pragma: no cover - tomllib already refuses duplicate keys
            raise LayoutError(f"record {rid} is defined twice")
        _check(layout)
        layouts[rid] = layout
    return layouts


# The project's layouts, loaded and checked once, at import.
LAYOUTS = load_layouts()
