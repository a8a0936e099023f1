"""The walker's shortcuts decode as `Decoder.decode` does.

The generated decoder reads a header's own action (its `...` default) as `Decoder.action_of`
does, and the walker's run of detail records (an entry's E1 lines, decoded without the general
path) gives the events and conditions a walk record by record gives.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_codecs import DIRECTED, DIRECTED_IDS, SETTINGS, conditions, record_texts

from ecert_edi.bindings.abi import structure
from ecert_edi.bindings.abi.reading import (
    check_envelope,
    iter_conditions,
    parse_events,
    read_whole,
)
from ecert_edi.bindings.abi.records import DECODERS
from ecert_edi.domain.rules.static import static_conditions


@pytest.mark.parametrize(("direction", "rid"), DIRECTED, ids=DIRECTED_IDS)
@SETTINGS
@given(data=st.data())
def test_the_decoder_reads_its_own_action_as_action_of_does(direction, rid, data):
    decoder = DECODERS[direction][rid]
    text = data.draw(record_texts(rid, well_formed=True), label="text")
    groups = decoder.well_formed(text).groups()
    own_conds: list = []
    given_conds: list = []
    own = decoder.fast_groups(groups, 7, own_conds)
    given_action = decoder.fast_groups(groups, 7, given_conds, decoder.action_of(text))
    assert own == given_action
    assert conditions(own_conds) == conditions(given_conds)


ENTRY = "E0AB2X00000015250857-69870010626300101".ljust(80)


def line(n: int) -> str:
    return f"E1{n:03d}UY/2025/048648      UY0201203000000001777275KG".ljust(80)


RECORDS = st.sampled_from([
    ENTRY, line(1), line(2), line(2), line(0), line(3), line(1).replace("KG", "XX"),
    line(3)[:60], line(4) + "X", "E1" + "?" * 78, "", "E0C" + ENTRY[3:],
    "C0" + " " * 78, "Q0", "Y", "BEN0000001".ljust(80), "YEN00000010000000000".ljust(80),
])
HEAD = "AFLB2X         011526080000B2X00000000001T".ljust(80) + "\n" + "BEN0000001".ljust(80)


@settings(max_examples=300, deadline=None)
@given(body=st.lists(RECORDS, max_size=25), crlf=st.booleans())
def test_runs_of_details_walk_as_record_by_record(body, crlf):
    """With runs switched off (no state ever starts one) the walk is record by record; the
    events, envelope and every condition are the same either way."""
    text = "\n".join([HEAD, *body, "Z"]) + "\n"
    data = text.replace("\n", "\r\n").encode() if crlf else text.encode()
    with_runs = _walk(data)
    saved = structure.Walker._run_from
    structure.Walker._run_from = lambda self, state: None
    try:
        without = _walk(data)
    finally:
        structure.Walker._run_from = saved
    assert with_runs == without


def _walk(data: bytes):
    walker = structure.Walker(data)  # no content hash: the walk that takes runs
    events = [repr(e) for e in walker.events()]
    found = list(iter_conditions(data, extra=static_conditions))
    return events, repr(walker.envelope), walker.state, walker.records, found


@settings(max_examples=300, deadline=None)
@given(body=st.lists(RECORDS, max_size=25), crlf=st.booleans())
def test_one_pass_gives_what_the_two_passes_give(body, crlf):
    """`read_whole` (a small transmission's one pass: runs taken, content hashed) gives the
    envelope of the envelope pass, content hash included, and the events of the second (as
    they stand once the walk is over: a batch's info is completed at its end)."""
    text = "\n".join([HEAD, *body, "Z"]) + "\n"
    data = text.replace("\n", "\r\n").encode() if crlf else text.encode()
    envelope, events = read_whole(data)
    assert repr(envelope) == repr(check_envelope(data))
    assert [repr(e) for e in events] == [repr(e) for e in list(parse_events(data))]
