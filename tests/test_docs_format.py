"""docs/format.md is generated from the layouts and kept up to date."""

from __future__ import annotations

import re
from pathlib import Path

from ecert_edi.bindings.abi import docgen
from ecert_edi.bindings.abi.layouts import LAYOUTS

DOC = Path(__file__).resolve().parent.parent / "docs" / "format.md"


def test_docs_format_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == docgen.render(), (
        "docs/format.md is out of date: run python -m ecert_edi.bindings.abi.docgen"
    )
    assert docgen.main(["--check", "--out", str(DOC)]) == 0


def test_check_fails_on_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "format.md"
    stale.write_text(docgen.render().replace("| 53-64 | 12 |", "| 53-64 | 11 |"), encoding="utf-8")
    assert docgen.main(["--check", "--out", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert docgen.main(["--check", "--out", str(tmp_path / "absent.md")]) == 1
    assert docgen.main(["--out", str(stale)]) == 0
    assert docgen.main(["--check", "--out", str(stale)]) == 0


def test_every_field_of_every_layout_has_its_row():
    text = docgen.render()
    for rid, layout in LAYOUTS.items():
        section = text.split(f"## `{rid}` {layout.title}\n", 1)[1].split("\n## ", 1)[0]
        rows = re.findall(
            r"^\| ([0-9-]+) \| (\d+) \| `(\w+)` \| (\w+) \| ([^|]+) \|", section, re.MULTILINE
        )
        assert [(pos, int(n), name, fmt) for pos, n, name, fmt, _ in rows] == [
            (str(f.pos) if f.length == 1 else f"{f.pos}-{f.last}", f.length, f.name, f.fmt)
            for f in layout.fields
        ]
        for (*_, use), f in zip(rows, layout.fields, strict=True):
            assert use.split()[0] == f.use
