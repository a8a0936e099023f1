"""The fuzz targets of tests/fuzz/ in the normal suite: hypothesis feeds them arbitrary bytes,
valid transmissions and mutated ones (the atheris harness runs the same targets for hours)."""

from __future__ import annotations

import json

import pytest
from fuzz.targets import SPEC, TARGETS, Processor, X12Processor, check_x12_validate, x12_seeds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import valid_transmissions

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


# --- X12: the atheris targets x12-validate and x12-process on their seeds (fixtures/x12/) -------

X12_SEEDS = x12_seeds()


@pytest.fixture(scope="module")
def x12_processor():
    p = X12Processor()
    yield p
    p.close()


def test_the_x12_targets_have_their_seeds():
    assert len(X12_SEEDS) >= 50  # oracle, pyx12-deviations, worked example


@pytest.mark.parametrize("seed", X12_SEEDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_x12_targets_hold_on_every_seed(x12_processor, seed):
    data = seed.read_bytes()
    check_x12_validate(data)
    x12_processor.check(data)
    x12_processor.check(data)  # the same interchange again: its first files, byte for byte
    # cut inside the ISA: the target puts a valid ISA before what is left
    check_x12_validate(data[50:])
    x12_processor.check(data[106:])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(X12_SEEDS), edits=st.lists(
    st.tuples(st.integers(0, 4000), st.binary(min_size=0, max_size=3), st.integers(0, 12)),
    min_size=1, max_size=4))
def test_x12_processing_answers_mutated_interchanges(x12_processor, seed, edits):
    data = bytearray(seed.read_bytes())
    for at, piece, cut in edits:
        at %= len(data) + 1
        data[at:at + cut] = piece
    check_x12_validate(bytes(data))
    x12_processor.check(bytes(data))
