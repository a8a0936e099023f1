"""`ecert process` and `ecert watch` on X12 interchanges (x12-binding.md 5.3, 6, 7, 8.3)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner
from test_x12_build import EXAMPLE, INBOUND, group, interchange, set_segments

from ecert_edi.surfaces.cli import main

CLOCK = "2026-01-15T09:31:00"
NAME = INBOUND.name


def process(tmp_path: Path, path: Path, *, clock: str = CLOCK, out: str = "out"):
    result = CliRunner().invoke(main, ["process", "--db", str(tmp_path / "ecert.db"), "--out",
                                       str(tmp_path / out), "--clock", clock, str(path)])
    assert result.exit_code == 0, result.output
    return result


def written(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def drop(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def test_the_worked_example_byte_for_byte(tmp_path):
    process(tmp_path, INBOUND)
    out = written(tmp_path / "out")
    assert sorted(out) == [f"{NAME}.999", f"{NAME}.resp", f"{NAME}.ta1"]
    for suffix in (".ta1", ".999", ".resp"):
        assert out[NAME + suffix] == (EXAMPLE / f"{NAME}{suffix}").read_bytes(), suffix


def test_the_same_content_again_gets_the_first_files_and_changes_nothing(tmp_path):
    process(tmp_path, INBOUND)
    first = written(tmp_path / "out")
    # another name, another clock, other delimiters and line breaks: the same content (7)
    again = drop(tmp_path, "again.x12", interchange(sep="|", term="\x1c", comp=">", eol=""))
    result = process(tmp_path, again, clock="2026-03-01T10:00:00", out="out2")
    assert "repeated" in result.stderr
    second = written(tmp_path / "out2")
    assert {k.replace("again.x12", NAME): v for k, v in second.items()} == first
    ledger = sqlite3.connect(tmp_path / "ecert-test.db")
    assert ledger.execute("SELECT COUNT(*) FROM certificates").fetchone() == (1,)


def test_other_content_under_a_reserved_key_gets_only_a_ta1_r_025(tmp_path):
    process(tmp_path, INBOUND)
    other = drop(tmp_path, "other.x12", interchange(
        [group([set_segments(reference="AU260115000099")])]))  # same ISA13, other content
    process(tmp_path, other, out="out2")
    out = written(tmp_path / "out2")
    assert sorted(out) == ["other.x12.ta1"]
    assert b"TA1*000000001*260115*0930*R*025~" in out["other.x12.ta1"]
    assert b"*000000004*" in out["other.x12.ta1"]  # the counter went on: 1-3 were the first's


def test_control_numbers_count_per_usage_indicator(tmp_path):
    process(tmp_path, INBOUND)  # ISA15 T: numbers 1, 2, 3
    production = drop(tmp_path, "p.x12", interchange(usage="P", control="000000007"))
    process(tmp_path, production, out="out2")
    out = written(tmp_path / "out2")
    assert b"*000000001*0*P*" in out["p.x12.ta1"] and b"*000000002*0*P*" in out["p.x12.999"]


def test_an_interchange_of_acknowledgments_only_gets_no_file(tmp_path):
    acks = drop(tmp_path, "fa.x12", interchange([group([set_segments(st01="999")], gs01="FA")]))
    result = process(tmp_path, acks)
    assert not (tmp_path / "out").exists() or written(tmp_path / "out") == {}
    assert "acknowledgments only" in result.stderr


def test_the_drop_folder_answers_an_interchange_in_its_outbox(tmp_path):
    root = tmp_path / "drop"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / NAME).write_bytes(INBOUND.read_bytes())
    result = CliRunner().invoke(main, ["watch", str(root), "--db", str(tmp_path / "ecert.db"),
                                       "--once", "--clock", CLOCK])
    assert result.exit_code == 0, result.output
    out = written(root / "outbox")
    assert out == {f"{NAME}{s}": (EXAMPLE / f"{NAME}{s}").read_bytes()
                   for s in (".ta1", ".999", ".resp")}
    assert (root / "archive" / "2026-01-15" / NAME).exists()


def test_an_interrupted_interchange_is_finished_with_its_first_numbers_and_clock(tmp_path):
    from ecert_edi.store import open_store

    # the record made, then the run stopped before writing anything: a restart, another clock
    with open_store(tmp_path / "ecert-test.db") as store:
        from ecert_edi.bindings.x12 import read_interchange

        with read_interchange(INBOUND) as ix:
            import datetime as dt

            store.interchange(ix.digest, ix.reservation, "T", dt.datetime(2026, 1, 15, 9, 31),
                              ["ta1", "ack", "resp"])
    process(tmp_path, INBOUND, clock="2026-02-01T00:00:00")
    out = written(tmp_path / "out")
    for suffix in (".ta1", ".999", ".resp"):
        assert out[NAME + suffix] == (EXAMPLE / f"{NAME}{suffix}").read_bytes(), suffix
