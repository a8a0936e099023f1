"""The fuzz targets of tests/fuzz/ in the normal suite: hypothesis feeds them arbitrary bytes,
valid transmissions and mutated ones (the atheris harness runs the same targets for hours)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import valid_transmissions

from fuzz.targets import SPEC, TARGETS, Processor

SEEDS = [(SPEC / name).read_bytes() for name in ("certificate.txt", "entry.txt", "query.txt")]
# bytes a careless or hostile sender puts in: controls, Latin-1 digits, CR, NUL, lower case
NASTY = st.sampled_from([b"\x00", b"\r", b"\n", b"\xb2", b"\xb3", b"\xb9", b"\xff", b"a", b" ",
                         b"9", b"0", b"-", b"\t", b"\r\n", b"\n\n"])


@st.composite
def mutated(draw) -> bytes:
    """A valid transmission (a spec file or a generated one) with a few bytes changed."""
    base = draw(st.sampled_from(SEEDS) | valid_transmissions().map(str.encode))
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        piece = draw(NASTY | st.binary(min_size=1, max_size=3))
        if kind == "replace" and at < len(data):
            data[at:at + len(piece)] = piece
        elif kind == "insert":
            data[at:at] = piece
        else:
            del data[at:at + draw(st.integers(1, 80))]
    return bytes(data)


inputs = st.binary(max_size=400) | mutated()
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("target", sorted(TARGETS))
@FUZZ
@given(data=inputs)
def test_no_exception_escapes_and_every_promise_holds(target, data):
    TARGETS[target](data)


@FUZZ
@given(doc=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                               max_size=6),
    max_leaves=30))
def test_any_json_document_is_written_or_refused_precisely(doc):
    TARGETS["json-to-abi"](json.dumps(doc).encode())


@pytest.fixture(scope="module")
def processor():
    p = Processor()
    yield p
    p.close()


@FUZZ
@given(data=inputs)
def test_processing_answers_every_input_and_keeps_the_ledger(processor, data):
    processor.check(data)
