"""Scenario replay: sample transmissions on a fresh database, responses compared byte for byte."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ecert_edi.bindings.abi import differ
from ecert_edi.domain.clock import CLOCK_FORMAT
from ecert_edi.domain.quantities import quantity_text
from ecert_edi.processing.environments import Routed
from ecert_edi.processing.files import write_atomically
from ecert_edi.processing.interchange_file import InterchangeOutcome
from ecert_edi.store import LedgerStore, open_store
from ecert_edi.store.environments import ENVIRONMENTS, Ledgers

SCENARIO_FILE = "scenario.toml"
EXPECTED_DIR = "expected"
INBOUND = re.compile(r"^(?P<number>\d+)-.+")
MAX_DIFFERENCES = 20  # differing lines shown per file; the rest are counted
SUBJECT_WORD = {"A ": "transmission", "B ": "batch"}


class ScenarioError(Exception):
    """A scenario folder that cannot be read: no scenario.toml, bad values, unreadable files."""


@dataclass
class Scenario:
    """A folder of numbered inbound files, their expected responses and what they must show."""

    path: Path
    description: str
    clock: dt.datetime
    files: list[Path]
    clocks: dict[int, dt.datetime] = field(default_factory=dict)  # by file number
    expect: dict[int, str] = field(default_factory=dict)  # file number -> response summary
    balances: dict[tuple[str, str], int] = field(default_factory=dict)  # hundredths
    identical: list[tuple[int, int]] = field(default_factory=list)
    # the ledger `balances` are of (spec 4.5): sample transmissions are test transmissions
    environment: str = "test"

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def expected_dir(self) -> Path:
        return self.path / EXPECTED_DIR

    def number(self, inbound: Path) -> int:
        return int(INBOUND.match(inbound.name).group("number"))

    def clock_of(self, inbound: Path) -> dt.datetime:
        return self.clocks.get(self.number(inbound), self.clock)


@dataclass
class Result:
    """The outcome of replaying one scenario: problems found (empty when clean), files written."""

    scenario: Scenario
    problems: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # --update: expected files changed

    @property
    def clean(self) -> bool:
        return not self.problems


# -- finding and reading scenarios ------------------------------------------------------------

def find_scenarios(paths) -> list[Path]:
    """Scenario folders: each path holding scenario.toml, or each subfolder of a path that does."""
    found: list[Path] = []
    for given in map(Path, paths):
        if (given / SCENARIO_FILE).is_file():
            found.append(given)
            continue
        subs = sorted(p for p in given.iterdir() if (p / SCENARIO_FILE).is_file()) \
            if given.is_dir() else []
        if not subs:
            raise ScenarioError(f"{given}: no {SCENARIO_FILE} in it or in its subfolders")
        found.extend(subs)
    return found


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    where = path / SCENARIO_FILE
    try:
        with open(where, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ScenarioError(f"{where}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: {exc}") from exc
    files = sorted((p for p in path.iterdir() if p.is_file() and INBOUND.match(p.name)),
                   key=lambda p: (int(INBOUND.match(p.name).group("number")), p.name))
    if not files:
        raise ScenarioError(f"{path}: no numbered inbound file (01-*.txt, 02-*.txt, ...)")
    numbers = [int(INBOUND.match(p.name).group("number")) for p in files]
    if len(set(numbers)) != len(numbers):
        raise ScenarioError(f"{path}: two inbound files share a number")
    scenario = Scenario(
        path=path,
        description=str(data.get("description", "")).strip(),
        clock=_clock(data.get("clock"), where, "clock"),
        files=files,
    )
    for key, value in dict(data.get("clocks", {})).items():
        scenario.clocks[_file_number(key, where)] = _clock(value, where, f"clocks.{key}")
    for item in data.get("expect", []):
        number, sep, summary = str(item).partition(":")
        if not sep:
            raise ScenarioError(f"{where}: expect {item!r} is not 'NN: summary'")
        scenario.expect[_file_number(number, where)] = normal_summary(summary)
    for key, value in dict(data.get("balances", {})).items():
        country, _, number = key.strip().partition(" ")
        scenario.balances[(country, number.strip())] = _hundredths(value, where, key)
    environment = data.get("environment", "test")
    if environment not in ENVIRONMENTS:
        raise ScenarioError(f"{where}: environment is test or production, not {environment!r}")
    scenario.environment = environment
    for pair in data.get("identical", []):
        if len(pair) != 2:
            raise ScenarioError(f"{where}: identical holds pairs of file numbers, not {pair!r}")
        scenario.identical.append((_file_number(pair[0], where), _file_number(pair[1], where)))
    return scenario


def _clock(value, where: Path, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    try:
        # not processing_clock: an empty value must be refused, not read as "now"
        return dt.datetime.strptime(str(value), CLOCK_FORMAT)
    except ValueError:
        raise ScenarioError(f"{where}: {name} must be YYYY-MM-DDTHH:MM:SS, not {value!r}") from None


def _file_number(text, where: Path) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise ScenarioError(f"{where}: {text!r} is not a file number") from None


def _hundredths(value, where: Path, key: str) -> int:
    try:
        amount = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise ScenarioError(f"{where}: balance of {key} is not a number: {value!r}") from None
    return int(amount * 100)


# -- what a response says ----------------------------------------------------------------------

def normal_summary(text: str) -> str:
    """A summary with its spacing made canonical: units joined by '; ', words by one space."""
    units = [" ".join(unit.split()) for unit in text.split(";")]
    return "; ".join(unit for unit in units if unit)


def summarize(response: str) -> str:
    """What a response answers, one unit per R0: `[batch|transmission] A|R code code…`.

    For example "A; R 202; A 901" (three transactions) or "transmission R 012 014".
    """
    units: list[list[str]] = []
    for line in response.splitlines():
        if line.startswith("R0"):
            subject = line[3:5]
            word = SUBJECT_WORD.get(subject)
            units.append(([word] if word else []) + [line[2]])
        elif line.startswith("R1") and units:
            units[-1].append(line[2:5])
    return "; ".join(" ".join(unit) for unit in units)


# -- replay ------------------------------------------------------------------------------------

def replay(scenario: Scenario, update: bool = False) -> Result:
    """Process the scenario's files in order on a fresh database; compare, or rewrite expected/."""
    result = Result(scenario)
    with tempfile.TemporaryDirectory(prefix="ecert-replay-") as tmp:
        out = Path(tmp) / "responses"
        with Ledgers(Path(tmp) / "replay.db", open_store) as ledgers:
            routed = Routed(ledgers)  # each file on its environment's ledger, as `process` does
            produced = {}
            for inbound in scenario.files:
                produced[inbound] = _answer(routed, inbound, out, scenario.clock_of(inbound))
            store = ledgers.store(ENVIRONMENTS[scenario.environment])
            result.problems.extend(_check_balances(scenario, store))
    if update:
        result.written = _write_expected(scenario, produced)
    else:
        result.problems[:0] = _compare(scenario, produced)
    result.problems.extend(_check_expectations(scenario, produced))
    return result


Produced = dict[Path, dict[str, bytes]]  # inbound file -> the files written for it, by name


def _answer(routed: Routed, inbound: Path, out: Path, clock: dt.datetime) -> dict[str, bytes]:
    """The files written for one inbound file: NAME.resp, or an interchange's (x12 6)."""
    outcome = routed.answer(inbound, out, clock)
    written = outcome.files if isinstance(outcome, InterchangeOutcome) else [outcome.response]
    return {f.name: f.read_bytes() for f in written}


def _each(produced: Produced):
    for inbound, files in produced.items():
        for name, data in files.items():
            yield inbound, name, data


def _compare(scenario: Scenario, produced: Produced) -> list[str]:
    problems = []
    names = set()
    for inbound, name, actual in _each(produced):
        expected_path = scenario.expected_dir / name
        names.add(expected_path.name)
        try:
            expected = expected_path.read_bytes()
        except FileNotFoundError:
            problems.append(f"{_rel(expected_path, scenario)} is missing (replay with --update)")
            continue
        if expected != actual:
            problems.append(
                f"{inbound.name}: the response differs from {_rel(expected_path, scenario)}\n"
                + "\n".join(f"  {d}" for d in differences(expected.decode("latin-1"),
                                                          actual.decode("latin-1")))
            )
    if scenario.expected_dir.is_dir():
        for stale in sorted(scenario.expected_dir.iterdir()):
            if stale.name not in names:
                problems.append(f"{_rel(stale, scenario)} answers no inbound file")
    return problems


def _write_expected(scenario: Scenario, produced: Produced) -> list[str]:
    scenario.expected_dir.mkdir(exist_ok=True)
    written, keep = [], set()
    for _inbound, name, data in _each(produced):
        target = scenario.expected_dir / name
        keep.add(target.name)
        if target.exists() and target.read_bytes() == data:
            continue
        # latin-1 carries every byte through a text file unchanged; mode None: as write_bytes did
        write_atomically(target, [data.decode("latin-1")], None, encoding="latin-1")
        written.append(target.name)
    for stale in sorted(scenario.expected_dir.iterdir()):
        if stale.name not in keep:
            stale.unlink()
            written.append(f"{stale.name} (removed)")
    return written


def _check_expectations(scenario: Scenario, produced: Produced) -> list[str]:
    """The responses against the dispositions and conditions scenario.toml says they must hold."""
    problems = []
    by_number = {scenario.number(p): (p, _business(p, files)) for p, files in produced.items()}
    if scenario.expect:
        for number, (inbound, data) in by_number.items():
            want = scenario.expect.get(number)
            got = _said(data)
            if want is None:
                problems.append(f"{inbound.name}: scenario.toml has no expect entry for it "
                                f"(the response says \"{number:02d}: {got}\")")
            elif want != got:
                problems.append(f"{inbound.name}: scenario.toml expects \"{want}\", "
                                f"the response says \"{got}\"")
        for number in sorted(set(scenario.expect) - set(by_number)):
            problems.append(f"scenario.toml expects file {number:02d}, which does not exist")
    for first, second in scenario.identical:
        if first not in by_number or second not in by_number:
            problems.append(f"identical names file {first:02d} or {second:02d}, which does not "
                            "exist")
        elif by_number[first][1] != by_number[second][1]:
            problems.append(f"the responses to {by_number[first][0].name} and "
                            f"{by_number[second][0].name} should be identical and are not")
    return problems


def _business(inbound: Path, files: dict[str, bytes]) -> bytes | None:
    """The business response among the files written for an inbound file (NAME.resp)."""
    return files.get(f"{inbound.name}.resp")


def _said(data: bytes | None) -> str:
    """A response's summary; of an X12 response, each carried ABI response's, ` / ` between."""
    if data is None:
        return "no response"
    text = data.decode("latin-1")
    if not text.startswith("ISA"):
        return summarize(text)
    sets, current = [], []
    for segment in text.split("~"):
        segment = segment.strip("\r\n")
        if segment.startswith("ST*"):
            current = []
        elif segment.startswith("K3*"):
            current.append(segment[3:])
        elif segment.startswith("SE*"):
            sets.append(summarize("\n".join(current) + "\n"))
    return " / ".join(sets)


def _check_balances(scenario: Scenario, store: LedgerStore) -> list[str]:
    problems = []
    for (country, number), want in scenario.balances.items():
        cert = store.certificate(country, number)
        if cert is None:
            problems.append(f"certificate {country} {number} is not on file "
                            f"(expected balance {quantity_text(want)})")
        elif cert.balance != want:
            problems.append(f"certificate {country} {number}: expected balance "
                            f"{quantity_text(want)}, the database holds {quantity_text(cert.balance)}")
    return problems


def _rel(path: Path, scenario: Scenario) -> str:
    return str(path.relative_to(scenario.path.parent))


# -- readable differences ----------------------------------------------------------------------

def differences(expected: str, actual: str) -> list[str]:
    """Where two response files differ: per line, the record and each differing field."""
    out: list[str] = []
    shown = 0
    for note in differ.differences(expected.splitlines(), actual.splitlines()):
        if shown < MAX_DIFFERENCES:
            out.append(note)
        shown += 1
    if shown > MAX_DIFFERENCES:
        out.append(f"... and {shown - MAX_DIFFERENCES} more differences")
    if not out and expected != actual:
        out.append("the files differ in line endings or the final line ending")
    return out
