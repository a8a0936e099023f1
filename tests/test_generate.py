"""The synthetic transmissions of `ecert generate`: valid, reproducible, and processed as planned."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from ecert_edi.surfaces.generate import generate, generate_parse_file, generate_usage_set, iter_files
from ecert_edi.bindings.abi.reading import iter_conditions
from ecert_edi.processing import process_file
from ecert_edi.domain.rules.static import static_conditions
from ecert_edi.store import SQLiteStore

CLOCK = dt.datetime(2026, 1, 15, 9, 30, 0)
SIZES = {"certificates": 40, "entries": 400, "queries": 15}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("set")
    return out, generate(out, seed=11, **SIZES)


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in iter_files(folder)}


def test_every_file_is_valid(generated):
    _out, summary = generated
    names = [p.name for p in summary.files]
    assert names == sorted(names)  # sorted order is processing order
    assert names[0].startswith("01-CR-") and names[-1].startswith("03-EC-")
    for path in summary.files:
        assert list(iter_conditions(path, extra=static_conditions)) == [], path.name


def test_same_seed_same_bytes_other_seed_other_bytes(generated, tmp_path):
    out, _ = generated
    generate(tmp_path / "again", seed=11, **SIZES)
    generate(tmp_path / "other", seed=12, **SIZES)
    first = _contents(out)
    assert _contents(tmp_path / "again") == first
    other = _contents(tmp_path / "other")
    assert other != first
    assert not set(first.values()) & set(other.values())


def test_processing_gives_the_planned_rejections(generated, tmp_path):
    _out, summary = generated
    with SQLiteStore(tmp_path / "ecert.db") as store:
        for path in summary.files:
            process_file(path, store, tmp_path / "resp", CLOCK)
        assert store.check_ledger() == []
    codes = Counter()
    for resp in (tmp_path / "resp").glob("*.resp"):
        for line in resp.read_text().splitlines():
            if line.startswith("R1"):
                codes[line[2:5]] += 1
    counts = summary.counts
    entries = SIZES["entries"]
    assert counts["overuse"] == round(entries * 0.03)  # the stated mix holds exactly
    assert counts["wrong_ior"] == round(entries * 0.01)
    assert codes["202"] == counts["overuse"]
    assert codes["201"] == counts["wrong_ior"]
    assert codes["300"] == counts.get("hidden_queries", 0)
    assert set(codes) <= {"201", "202", "300", "901"}  # nothing else is rejected
    assert counts["cancels"] == round(entries * 0.05)
    assert counts["replaces"] == round(entries * 0.02)


def test_parse_file_is_valid(tmp_path):
    path = tmp_path / "parse.txt"
    records = generate_parse_file(path, 3_000, seed=4, batch_size=50)
    assert 3_000 <= records < 3_100
    assert sum(1 for _ in path.open()) == records
    assert list(iter_conditions(path, extra=static_conditions)) == []


def test_usage_set_gives_one_row_per_entry(tmp_path):
    usage = generate_usage_set(tmp_path / "files", 120, queries=2, seed=1)
    with SQLiteStore(tmp_path / "ecert.db") as store:
        for path in [usage.certificates, usage.entries, *usage.queries]:
            process_file(path, store, tmp_path / "resp", CLOCK)
        assert store.counts()["activities"] == 120
    for query in usage.queries:
        lines = (tmp_path / "resp" / f"{query.name}.resp").read_text().splitlines()
        assert sum(1 for line in lines if line.startswith("S1")) == 120
