"""The block reader yields exactly the lines a plain split would, for any block size."""

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from ecert_edi.bindings.abi import reader


def reference(data: bytes) -> list[tuple[int, str, int]]:
    """Lines split the simple way: LF or CR LF endings, empty lines counted but skipped."""
    out = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if raw:
            out.append((number, raw[: reader.LINE_LIMIT].decode("latin-1"), len(raw)))
    return out


lines = st.lists(
    st.one_of(
        st.binary(max_size=90),
        st.integers(reader.LINE_LIMIT - 2, reader.LINE_LIMIT * 2).map(lambda n: b"A" * n),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(lines, st.sampled_from([b"\n", b"\r\n"]), st.sampled_from([b"", b"\n", b"\r\n", b"\r"]),
       st.sampled_from([1, 2, 7, 80, 4096, 1 << 20]))
def test_block_reader_agrees_with_a_plain_split(parts, ending, final, block):
    data = ending.join(p.replace(b"\n", b" ") for p in parts) + final
    saved = reader.BLOCK
    reader.BLOCK = block
    try:
        got = list(reader.iter_lines(io.BytesIO(data)))
    finally:
        reader.BLOCK = saved
    assert got == reference(data)


def test_a_line_without_end_is_kept_only_to_the_limit():
    data = b"Z" * (reader.LINE_LIMIT * 50)
    [(number, text, length)] = list(reader.iter_lines(io.BytesIO(data)))
    assert (number, len(text), length) == (1, reader.LINE_LIMIT, reader.LINE_LIMIT * 50)
