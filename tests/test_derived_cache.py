"""The cache of what the ABI binding derives from its grammar files (bindings/abi/cache.py).

A cached value is used only for the very inputs it was built from; a damaged file is ignored and
built again; an unwritable cache only means building every time; and a start that finds the cache
(`ecert validate` of a small file) imports neither Lark nor TOML nor pycountry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecert_edi.bindings.abi import cache, grammar, layouts

INPUTS = {"grammar": "a: B\n", "lark": "1.0"}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A cache directory of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(cache.DISABLE, raising=False)
    return tmp_path / "ecert-edi"


def files(folder) -> list:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def test_a_value_comes_back_for_the_same_inputs_only(home):
    cache.store("thing", INPUTS, {"start": 1, "rows": [[1, 2], []]})
    assert cache.load("thing", dict(INPUTS)) == {"start": 1, "rows": [[1, 2], []]}
    assert cache.load("thing", {**INPUTS, "lark": "1.1"}) is None  # another Lark
    assert cache.load("thing", {**INPUTS, "grammar": "a: C\n"}) is None  # another grammar
    assert cache.load("other", INPUTS) is None


def test_inputs_that_share_a_file_name_are_still_told_apart(home, monkeypatch):
    """The file name is only a CRC of the inputs: what decides is the inputs stored inside."""
    monkeypatch.setattr(cache.zlib, "crc32", lambda data: 7)  # every input the same name
    cache.store("thing", INPUTS, [1])
    assert cache.load("thing", {**INPUTS, "lark": "2.0"}) is None
    assert cache.load("thing", INPUTS) == [1]


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],  # torn
    lambda data: b"",  # empty
    lambda data: data.replace(b'"value":[1', b'"value":[2'),  # a flipped digit: fails the CRC
    lambda data: b"zz\n" + data.partition(b"\n")[2],  # no CRC
    lambda data: b"%08x\n{not json" % cache.zlib.crc32(b"{not json"),  # CRC right, not JSON
    lambda data: b"\xff\xfe" * 40,  # not text
])
def test_a_damaged_file_is_ignored(home, damage):
    cache.store("thing", INPUTS, [1, 2, 3])
    [path] = files(home)
    path.write_bytes(damage(path.read_bytes()))
    assert cache.load("thing", INPUTS) is None
    cache.store("thing", INPUTS, [1, 2, 3])  # and built again over it
    assert cache.load("thing", INPUTS) == [1, 2, 3]


def test_a_well_formed_file_of_another_format_is_ignored(home):
    cache.store("thing", INPUTS, [1])
    [path] = files(home)
    body = json.dumps({"format": cache.FORMAT + 1, "inputs": INPUTS, "value": [1]}).encode()
    path.write_bytes(b"%08x\n%s" % (cache.zlib.crc32(body), body))
    assert cache.load("thing", INPUTS) is None


def test_an_unwritable_or_absent_cache_only_means_building(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # ecert-edi cannot be made under a file
    cache.store("thing", INPUTS, [1])
    assert cache.load("thing", INPUTS) is None
    monkeypatch.setenv(cache.DISABLE, "1")
    assert cache.cache_dir() is None
    monkeypatch.setenv(cache.DISABLE, "0")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as XDG says
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_dir() == os.path.join(str(tmp_path), ".cache", "ecert-edi")


def test_no_temporary_file_is_left_behind(home):
    for n in range(3):
        cache.store("thing", INPUTS, [n])
    assert [p.name.startswith(".") for p in home.iterdir()] == [False]


def test_a_changed_layout_file_is_parsed_again(home, tmp_path):
    original = layouts.grammars_path("layouts.toml")
    text = Path(original).read_text(encoding="utf-8")
    path = tmp_path / "layouts.toml"
    path.write_text(text, encoding="utf-8")
    first = layouts.load_layouts(path)
    assert first == layouts.load_layouts(path)  # the second from the cache, the same layouts
    assert list(first) == list(layouts.LAYOUTS)  # in the file's order
    path.write_text(text.replace('title = "Entry header"', 'title = "Entry head"'),
                    encoding="utf-8")
    assert layouts.load_layouts(path)["E0"].title == "Entry head"


def test_a_damaged_layout_cache_is_parsed_again(home, tmp_path):
    path = tmp_path / "layouts.toml"
    path.write_text(Path(layouts.grammars_path("layouts.toml")).read_text(encoding="utf-8"),
                    encoding="utf-8")
    expected = layouts.load_layouts(path)
    for cached in files(home):
        cached.write_bytes(b"0\n{}")
    assert layouts.load_layouts(path) == expected


def test_a_cached_table_of_the_wrong_shape_is_explored_again(home, monkeypatch):
    inputs = grammar._inputs("inbound")
    cache.store("transitions", inputs, {"start": 5, "table": [{}], "choices": [[]]})
    grammar.transitions.cache_clear()
    try:
        table = grammar.transitions("inbound")
        explored = grammar.Transitions("inbound").explore(grammar.token_types("inbound"))
        assert table.value() == explored.value()
        assert cache.load("transitions", inputs) == explored.value()  # and cached right
    finally:
        grammar.transitions.cache_clear()


@pytest.mark.parametrize("direction", ["inbound", "response"])
def test_the_table_answers_every_step_as_lark_does(direction):
    """The whole table, explored once, agrees with the remembered transitions stepped lazily."""
    table = grammar.transitions(direction)
    lazy = grammar.Transitions(direction)
    alphabet = sorted(grammar.token_types(direction) | {"R0", "C0", "NOT_A_TERMINAL"})
    seen, todo = {table.start: lazy.start}, [table.start]
    while todo:
        state = todo.pop()
        assert table.choices(state) == lazy.choices(seen[state])
        for t in alphabet:
            nxt, expected = table.step(state, t), lazy.step(seen[state], t)
            assert (nxt >= 0) == (expected >= 0), (state, t)
            if nxt >= 0 and nxt not in seen:
                seen[nxt] = expected
                todo.append(nxt)
    assert len(seen) == len(table.table)


def test_validate_of_a_small_file_imports_no_lark_toml_or_pycountry(tmp_path):
    transmission = tmp_path / "three.txt"
    query = Path(__file__).parent.parent / "fixtures" / "spec" / "query.txt"
    transmission.write_text("".join(query.read_text().splitlines(keepends=True)[:3]))
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop(cache.DISABLE, None)
    code = ("import sys\nfrom ecert_edi.surfaces.cli import main\n"
            f"try:\n    main(['validate', {str(transmission)!r}])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('lark', 'tomllib', 'pycountry')))")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env=env) for _ in range(2)]
    assert runs[0].stdout.splitlines()[:-1] == runs[1].stdout.splitlines()[:-1]  # same output
    assert "lark" in runs[0].stdout.splitlines()[-1]  # the first builds the table
    assert runs[1].stdout.splitlines()[-1] == "[]"  # the second finds it
