"""`ecert replay` and the fixture scenarios: clean replays, readable differences, full coverage."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecert_edi.surfaces.cli import main
from ecert_edi.domain.conditions import CATALOGUE
from ecert_edi.surfaces.replay import differences, find_scenarios, load_scenario, replay, summarize

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "fixtures" / "scenarios"
ALL = find_scenarios([SCENARIOS])


def run(*args):
    return CliRunner().invoke(main, list(args))


def copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(SCENARIOS / name, tmp_path / name))


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_every_scenario_replays_clean(path):
    scenario = load_scenario(path)
    assert scenario.description and scenario.balances
    assert set(scenario.expect) == {scenario.number(f) for f in scenario.files}
    result = replay(scenario)
    assert result.problems == []


def test_the_scenarios_cover_every_condition_code():
    """Every condition of spec 7, so every rule of section 6 and envelope error of 4.2, is the
    stated answer of some fixture file."""
    assert len(ALL) >= 12
    stated = set()
    for path in ALL:
        for summary in load_scenario(path).expect.values():
            stated.update(w for w in summary.replace(";", " ").split() if w.isdigit())
    assert set(CATALOGUE) - stated == set()


def test_the_committed_inbound_files_are_what_build_py_writes():
    spec = importlib.util.spec_from_file_location("scenario_build", SCENARIOS / "build.py")
    build = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = build  # its dataclasses look their module up
    try:
        spec.loader.exec_module(build)
    finally:
        del sys.modules[spec.name]
    written = build.outputs()
    assert {p.parent.name for p in written} == {p.name for p in ALL}
    differ = [str(p.relative_to(SCENARIOS)) for p, data in written.items()
              if p.read_bytes() != data]
    assert differ == [] and build.stale(written) == []


def test_the_first_files_are_the_spec_worked_example():
    folder = SCENARIOS / "01-australia-beef-trq"
    for number, name in (("01", "certificate"), ("02", "entry"), ("03", "query")):
        inbound = next(folder.glob(f"{number}-*.txt"))
        assert inbound.read_bytes() == (ROOT / "fixtures" / "spec" / f"{name}.txt").read_bytes()


def test_the_cli_replays_a_folder_of_scenarios():
    result = run("replay", str(SCENARIOS))
    assert result.exit_code == 0, result.output
    assert f"{len(ALL)} scenarios: {len(ALL)} clean" in result.stderr


def test_an_altered_expected_file_fails_naming_line_record_and_field(tmp_path):
    folder = copy("01-australia-beef-trq", tmp_path)
    expected = folder / "expected" / "02-b2x-entry.txt.resp"
    lines = expected.read_text().splitlines(keepends=True)
    assert lines[3].startswith("R2")
    lines[3] = lines[3][:40] + "000001400000" + lines[3][52:]  # balance after: 14,000.00
    expected.write_text("".join(lines))
    result = run("replay", str(folder))
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert ("line 4, R2 (entry line activity): balance_after, columns 41-52: "
            "expected '000001400000' (14,000.00), actual '000001500000' (15,000.00)"
            ) in result.output


def test_a_missing_line_and_another_record_are_shown(tmp_path):
    expected = "R0AE0AB2X00000015\nR2001D\nYEA\n"
    assert differences(expected, "R0AE0AB2X00000015\nYEA\n") == [
        "line 2: expected R2 (entry line activity) 'R2001D', missing from the response"]
    assert differences(expected, "R0AE0AB2X00000015\nR1202E\nYEA\n") == [
        ("line 2: expected R2 (entry line activity) 'R2001D', the response has "
         "R1 (condition) 'R1202E'")]


def test_update_rewrites_expected_and_the_replay_is_then_clean(tmp_path):
    folder = copy("02-new-zealand-replace-cancel", tmp_path)
    shutil.rmtree(folder / "expected")
    result = run("replay", str(folder))
    assert result.exit_code == 1 and "is missing (replay with --update)" in result.output
    (folder / "expected").mkdir()
    (folder / "expected" / "99-stale.txt.resp").write_text("old\n")
    result = run("replay", "--update", str(folder))
    assert result.exit_code == 0, result.output
    assert not (folder / "expected" / "99-stale.txt.resp").exists()
    for original in (SCENARIOS / folder.name / "expected").iterdir():
        assert (folder / "expected" / original.name).read_bytes() == original.read_bytes()
    assert run("replay", str(folder)).exit_code == 0


def test_a_response_contradicting_scenario_toml_fails_even_on_update(tmp_path):
    folder = copy("01-australia-beef-trq", tmp_path)
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text().replace('"05: A; R 202; A 901; A"', '"05: A; A; A 901; A"'))
    result = run("replay", "--update", str(folder))
    assert result.exit_code == 1
    assert ('05-b2x-entries.txt: scenario.toml expects "A; A; A 901; A", the response says '
            '"A; R 202; A 901; A"') in result.output


def test_a_wrong_balance_and_unequal_identical_responses_are_reported(tmp_path):
    folder = copy("11-resent-transmission", tmp_path)
    toml = folder / "scenario.toml"
    text = toml.read_text().replace('"20000.00"', '"16000.00"')
    toml.write_text(text.replace('["02", "04"]', '["02", "05"]'))
    result = replay(load_scenario(folder))
    assert ("certificate AU AU2026-001100: expected balance 16,000.00, the database holds "
            "20,000.00") in result.problems
    assert ("the responses to 02-b2x-entry.txt and 05-b2x-other-content.txt should be "
            "identical and are not") in result.problems


def test_summaries_name_rejected_batches_and_transmissions():
    text = (SCENARIOS / "13-envelope-batch-errors" / "expected" / "03-au-missing-trailer.txt.resp")
    assert summarize(text.read_text()) == "A; batch R 015; A"
    text = (SCENARIOS / "11-resent-transmission" / "expected" / "05-b2x-other-content.txt.resp")
    assert summarize(text.read_text()) == "transmission R 021"


def test_a_folder_without_scenarios_is_exit_status_1(tmp_path):
    result = run("replay", str(tmp_path))
    assert result.exit_code == 1 and "no scenario.toml" in result.stderr
    assert run("replay", str(tmp_path / "absent")).exit_code == 2


def test_a_malformed_scenario_is_reported(tmp_path):
    folder = copy("09-voids", tmp_path)
    (folder / "scenario.toml").write_text('clock = "yesterday"\n')
    result = run("replay", str(folder))
    assert result.exit_code == 1
    assert "clock must be YYYY-MM-DDTHH:MM:SS" in result.output
