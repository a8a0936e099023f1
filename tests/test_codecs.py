"""One codec per field format: the fast paths agree with the generic ones, on every layout.

Decoding: `compile_fast` (straight-line code for records matching their layout's pattern) gives
the values and conditions of `Decoder._decode_faulty` (field by field through `fields.decode`),
and `Decoder.decode`, which picks between them, gives what the generic path gives for any text.
Encoding: `fields.encoder` (specialised per field) writes what `fields.encode` writes and refuses
what it refuses; the compiled formatters (`emitter.compile_formatter`, the R2 and S1 formatters
of `responses.py`) write the line their fallback (`format_record`, `responses._response`) writes,
and refuse what it refuses.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from strategies import AN_ALPHABET, DIGITS, field_values, records

from ecert_edi.bindings.abi import responses
from ecert_edi.bindings.abi.emitter import compile_formatter, format_record
from ecert_edi.bindings.abi.fields import FieldOverflow, codes_of, encode, encoder
from ecert_edi.bindings.abi.layouts import LAYOUTS, RECORD_LENGTH, Field
from ecert_edi.bindings.abi.records import DECODERS, Decoder, record_faults

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LINE = 7

PRINTABLE = "".join(chr(i) for i in range(0x20, 0x7F))
# every layout in each direction it is read in, as DECODERS holds them
DIRECTED = [(direction, rid) for direction in DECODERS for rid in DECODERS[direction]]
DIRECTED_IDS = [f"{direction}-{rid}" for direction, rid in DIRECTED]
FIELDS = [(rid, f) for rid, layout in LAYOUTS.items() for f in layout.fields]


def actions(decoder: Decoder) -> list[Any]:
    """Every action a record of the layout may be decoded for: none, its own, each code."""
    return [None, ..., *sorted(decoder.actions)]


def conditions(conds) -> list[tuple]:
    return [(c.line, c.column, c.code, c.severity, c.text, c.field) for c in conds]


# -- texts of fields and records -----------------------------------------------------------------
# Kinds of field text: hypothesis chooses a kind per field (and shrinks over the kinds); the
# characters come from a seeded random.Random, which keeps drawing a record cheap.
WELL_FORMED_KINDS = {
    "ID": ("id",),
    "F": ("blank", "printable"),
    "AN": ("blank", "valid", "an", "digits", "digits-spaces"),
    "C": ("blank", "valid", "an", "digits", "digits-spaces", "code-shifted", "other-code"),
    "N": ("blank", "valid", "digits", "edge"),
}
for _fmt in ("Q", "D", "T"):
    WELL_FORMED_KINDS[_fmt] = WELL_FORMED_KINDS["N"]
ANY_KINDS = {
    fmt: kinds + ("printable", "latin1") + (("an", "digits-spaces") if fmt in "NQDT" else ())
    for fmt, kinds in WELL_FORMED_KINDS.items()
}
ANY_KINDS["ID"] = ("id", "id", "printable")
NOT_PRINTABLE = [chr(i) for i in range(0x100) if not 0x20 <= i <= 0x7E]
ALL_CODES = sorted({c for rid, f in FIELDS if f.fmt == "C" for c in codes_of(f)})
FIRST_DAY = dt.date(2000, 1, 1)
EDGES = {
    "N": lambda f: ["0" * f.length, "9" * f.length, "1".zfill(f.length),
                    str(max((f.min or 0) - 1, 0)).zfill(f.length), str(f.min or 0).zfill(f.length)],
    "D": lambda f: ["000000", "010100", "123199", "022900", "022901", "022904", "023000", "130100",
                    "043100", "063099"],
    "T": lambda f: ["000000", "235959", "240000", "236000", "235960", "120000"],
}
EDGES["Q"] = EDGES["N"]


def _valid_value(f: Field, rnd: random.Random) -> Any:
    n = f.length
    if f.fmt == "AN":
        return "".join(rnd.choices(AN_ALPHABET, k=rnd.randint(1, n)))
    if f.fmt == "C":
        return rnd.choice(sorted(codes_of(f)))
    if f.fmt in ("N", "Q"):
        return rnd.randint(f.min or 0, 10**n - 1)
    if f.fmt == "D":
        return FIRST_DAY + dt.timedelta(days=rnd.randrange(36525))
    return dt.time(rnd.randrange(24), rnd.randrange(60), rnd.randrange(60))


def _latin1(n: int, rnd: random.Random) -> str:
    """Printable ASCII with a few Latin-1 bytes (controls, DEL, 0x80-0xFF) in it."""
    chars = rnd.choices(PRINTABLE, k=n)
    for _ in range(rnd.randint(1, min(3, n))):
        chars[rnd.randrange(n)] = rnd.choice(NOT_PRINTABLE)
    return "".join(chars)


def field_text(kind: str, rid: str, f: Field, rnd: random.Random) -> str:
    """The text of one field, of exactly its width, of one kind."""
    n = f.length
    if kind == "id":
        return rid
    if kind == "blank":
        return " " * n
    if kind == "valid":
        return encode(f, _valid_value(f, rnd), rid)
    if kind == "latin1":
        return _latin1(n, rnd)
    if kind == "code-shifted":  # an admitted code after a space (a short one fits whole)
        codes = sorted(codes_of(f))
        short = [c for c in codes if len(c) < n]
        return (" " + rnd.choice(short or codes))[:n].ljust(n)
    if kind == "edge":  # a number, date or time at the edge of what its field admits
        return rnd.choice(EDGES[f.fmt](f))
    if kind == "other-code":  # a code some field admits, maybe not this one
        return rnd.choice(ALL_CODES)[:n].ljust(n)
    alphabet = {"an": AN_ALPHABET, "digits": DIGITS, "digits-spaces": DIGITS + " ",
                "printable": PRINTABLE}[kind]
    return "".join(rnd.choices(alphabet, k=n))


@st.composite
def record_texts(draw, rid: str, well_formed: bool = False) -> str:
    """80 columns of a layout, field by field; valid records, from `tests/strategies.py`, too."""
    if draw(st.integers(0, 4), label="from strategies.records") == 0:
        return format_record(rid, draw(records(rid)))
    rnd = random.Random(draw(st.integers(0, 2**32), label="seed"))
    kinds = WELL_FORMED_KINDS if well_formed else ANY_KINDS
    return "".join(
        field_text(draw(st.sampled_from(kinds[f.fmt]), label=f.name), rid, f, rnd)
        for f in LAYOUTS[rid].fields
    )


@st.composite
def lines(draw, rid: str) -> str:
    """A physical line as the reader gives it: 80 columns, or cut short, or run on."""
    text = draw(record_texts(rid))
    shape = draw(st.sampled_from(["80", "80", "short", "long"]), label="shape")
    if shape == "short":
        text = text[: draw(st.integers(1, RECORD_LENGTH - 1))]
    elif shape == "long":
        rnd = random.Random(draw(st.integers(0, 2**32), label="seed"))
        more = rnd.randint(1, 25)
        text += "".join(rnd.choices(PRINTABLE, k=more)) if rnd.random() < 0.5 else _latin1(
            more, rnd)
    return text


# -- decoding ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("direction", "rid"), DIRECTED, ids=DIRECTED_IDS)
@SETTINGS
@given(data=st.data())
def test_fast_decoder_agrees_with_field_by_field_decoding(direction, rid, data):
    """On a record matching its layout's pattern, the generated decoder gives the values and the
    conditions (in order) of the generic decoder, for each action and for none."""
    decoder = DECODERS[direction][rid]
    text = data.draw(record_texts(rid, well_formed=True), label="text")
    assert decoder.well_formed(text) is not None
    for action in actions(decoder):
        if action is ...:
            action = decoder.action_of(text)
        fast_conds: list = []
        values = decoder.fast(text, LINE, fast_conds, action)
        record, slow_conds = decoder._decode_faulty(text, LINE, action, [])
        assert values == record.values, action
        assert conditions(fast_conds) == conditions(slow_conds), action


@pytest.mark.parametrize(("direction", "rid"), DIRECTED, ids=DIRECTED_IDS)
@SETTINGS
@given(data=st.data())
def test_decode_agrees_with_the_generic_path_on_any_line(direction, rid, data):
    """Whatever path `decode` takes, its record and conditions are those of the record-level
    checks followed by the field-by-field decoder."""
    decoder = DECODERS[direction][rid]
    text = data.draw(lines(rid), label="line")
    for action in actions(decoder):
        record, conds = decoder.decode(text, LINE, len(text), action)
        expected_conds: list = []
        padded = record_faults(text, LINE, len(text), expected_conds)
        expected, expected_conds = decoder._decode_faulty(padded, LINE, action, expected_conds)
        assert record == expected, action
        assert conditions(conds) == conditions(expected_conds), action


@pytest.mark.parametrize(("direction", "rid"), DIRECTED, ids=DIRECTED_IDS)
def test_the_lines_drawn_reach_both_decoding_paths(direction, rid):
    """The strategies above make, for every layout, lines `decode` takes to the generated
    decoder and lines it takes field by field (so the two tests above test something)."""
    decoder = DECODERS[direction][rid]
    once = settings(max_examples=200, deadline=None, database=None, phases=[Phase.generate])

    def fast(text):
        return len(text) == RECORD_LENGTH and decoder.well_formed(text) is not None

    find(lines(rid), fast, settings=once)
    find(lines(rid), lambda text: not fast(text), settings=once)


# -- encoding ----------------------------------------------------------------------------------
def _outcome(write, *args) -> tuple:
    """What a writer does with a value: the text it writes, or the kind of error it raises."""
    try:
        return ("text", write(*args))
    except FieldOverflow:
        return ("refused",)
    except Exception as e:  # noqa: BLE001 - any other error is a disagreement to show
        return ("error", type(e).__name__)


@cache
def invalid_values(f: Field) -> st.SearchStrategy[Any]:
    """Values a field does not take: wrong types, too wide, negative, dates out of 2000-2099,
    codes it does not admit, characters outside AN (and some it takes, by chance)."""
    n = f.length
    return st.one_of(
        st.booleans(),
        st.integers(-(10**n), -1),
        st.integers(10**n, 10 ** (n + 2)),
        st.integers(0, 10**n - 1),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.text(AN_ALPHABET, min_size=n + 1, max_size=n + 3),
        st.text(AN_ALPHABET, max_size=n),
        st.text(st.characters(max_codepoint=0xFF), min_size=1, max_size=n),
        st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=n),
        st.dates(),
        st.dates(max_value=dt.date(1999, 12, 31)) | st.dates(min_value=dt.date(2100, 1, 1)),
        st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)),
        st.times(),
        st.just(dt.time(23, 59, 59, 999999)),
        st.sampled_from(ALL_CODES),
    )


@cache
def valid_values(f: Field) -> st.SearchStrategy[Any]:
    return field_values(f)


@cache
def any_value(f: Field) -> st.SearchStrategy[Any]:
    if f.fmt in ("ID", "F"):
        return st.none() | invalid_values(f)
    return st.none() | valid_values(f) | invalid_values(f)


@pytest.mark.parametrize("rid", list(LAYOUTS))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_field_encoders_write_and_refuse_as_encode_does(rid, data):
    """`fields.encoder(field, rid)` is `fields.encode` specialised: for a valid value the same
    text, of the field's width, and FieldOverflow exactly when `encode` raises it."""
    for f in LAYOUTS[rid].fields:
        write = encoder(f, rid)
        if f.fmt not in ("ID", "F"):
            valid = data.draw(valid_values(f), label=f"{f.name} valid")
            assert write(valid) == encode(f, valid, rid)
            assert len(write(valid)) == f.length
        value = data.draw(any_value(f), label=f.name)
        assert _outcome(write, value) == _outcome(encode, f, value, rid), f.name


def _formatters():
    """(name, rid, field names, compiled formatter, its fallback) for every layout, in layout
    order and in another order with some fields left out, and the two of responses.py."""
    out = []
    for rid, layout in LAYOUTS.items():
        names = tuple(f.name for f in layout.data_fields)
        some = tuple(reversed(names[::2]))
        out.append((f"{rid}-layout-order", rid, names, compile_formatter(rid, names),
                    format_record))
        out.append((f"{rid}-some-reversed", rid, some, compile_formatter(rid, some),
                    format_record))
    out.append(("responses-R2", "R2", tuple(f.name for f in LAYOUTS["R2"].data_fields),
                responses._R2, responses._response))
    out.append(("responses-S1", "S1", responses.S1_FIELDS, responses.s1_values,
                responses._response))
    return out


FORMATTERS = _formatters()


@pytest.mark.parametrize(("rid", "names", "formatter", "fallback"),
                         [f[1:] for f in FORMATTERS], ids=[f[0] for f in FORMATTERS])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_compiled_formatter_writes_the_line_format_record_writes(rid, names, formatter,
                                                                 fallback, data):
    """Valid values (mandatory ones present, others maybe): the compiled formatter's line is
    `format_record`'s (or `responses._response`'s, whose fallback it is)."""
    values = data.draw(records(rid), label="values")
    args = tuple(values.get(name) for name in names)
    expected = _outcome(fallback, rid, dict(zip(names, args)))
    assert _outcome(formatter, *args) == expected
    if fallback is format_record:
        assert expected[0] == "text" and len(expected[1]) == RECORD_LENGTH


@pytest.mark.parametrize(("rid", "names", "formatter", "fallback"),
                         [f[1:] for f in FORMATTERS], ids=[f[0] for f in FORMATTERS])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_compiled_formatter_refuses_what_format_record_refuses(rid, names, formatter,
                                                               fallback, data):
    """Valid values with one or two replaced by values their fields do not take: the compiled
    formatter writes what its fallback writes, and refuses (FieldOverflow) what it refuses."""
    layout = LAYOUTS[rid]
    rnd = random.Random(data.draw(st.integers(0, 2**32), label="seed"))
    values = {  # as strategies.records makes them, mandatory fields present, the others maybe
        f.name: _valid_value(f, rnd)
        for f in layout.data_fields
        if f.use in ("M", "M*") or rnd.random() < 0.5
    }
    for name in data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2),
                          label="replaced"):
        values[name] = data.draw(invalid_values(layout.field(name)), label=name)
    args = tuple(values.get(name) for name in names)
    assert _outcome(formatter, *args) == _outcome(fallback, rid, dict(zip(names, args)))
