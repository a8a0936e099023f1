"""Performance figures of ecert-edi, measured in one run and printed as a table.

See docs/performance.md for what each figure means and the recorded runs.

    python bench/run.py --quick            # small configuration, under two minutes
    python bench/run.py                    # full configuration
    python bench/run.py --quick --record   # also append the table to docs/performance.md

Run by hand, never from the test suite.  Each figure is the median of --repeat runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
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
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecert_edi.surfaces import generate as gen
from ecert_edi.bindings.abi.layouts import LAYOUTS

CLOCK = dt.datetime(2026, 1, 15, 9, 30, 0)
SEED = 20260115
DOC = ROOT / "docs" / "performance.md"


@dataclass(frozen=True)
class Config:
    """Sizes of one benchmark configuration."""

    name: str
    parse_records: int  # records of the file parsed for (a) and (b)
    certificates: int  # (c), (d)
    entries: int  # (c), (d)
    big_mb: int  # (e)
    usage_rows: int  # (f)
    query_repeat: int  # (f) timings, the median is reported


FULL = Config("full", 1_000_000, 10_000, 100_000, 1000, 10_000, 9)
QUICK = Config("quick", 100_000, 1_000, 5_000, 50, 10_000, 9)


# -- timing, logs, cached inputs -----------------------------------------------------------------
def median_time(fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None
                ) -> tuple[float, object]:
    """The median wall time of fn over `repeat` runs (setup untimed, before each), its result."""
    times, result = [], None
    for _ in range(repeat):
        arg = setup() if setup is not None else None
        started = time.perf_counter()
        result = fn(arg) if setup is not None else fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cached(folder: Path, key: dict, build: Callable[[Path], None]) -> Path:
    """A generated folder, rebuilt only when its parameters or the generator changed."""
    source = Path(gen.__file__).read_bytes()
    stamp = hashlib.sha256(repr(sorted(key.items())).encode() + source).hexdigest()
    marker = folder / ".stamp"
    if marker.exists() and marker.read_text() == stamp:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    build(folder)
    marker.write_text(stamp)
    return folder


# -- (a) floor ------------------------------------------------------------------------------------
def floor(path: Path) -> int:
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


# -- (d) plain sqlite3 ----------------------------------------------------------------------------
PLAIN_SCHEMA = """
CREATE TABLE certificates (country TEXT, number TEXT, ior TEXT, unit TEXT, allowance INTEGER,
                           balance INTEGER, PRIMARY KEY (country, number));
CREATE TABLE entries (entry_number TEXT PRIMARY KEY, ior TEXT, entry_date TEXT, port INTEGER,
                      entry_type INTEGER, status TEXT);
CREATE TABLE entry_lines (entry_number TEXT, line_number INTEGER, country TEXT, certificate TEXT,
                          hts INTEGER, quantity INTEGER, unit TEXT,
                          PRIMARY KEY (entry_number, line_number));
CREATE INDEX entry_lines_certificate ON entry_lines (country, certificate);
CREATE TABLE activities (id INTEGER PRIMARY KEY AUTOINCREMENT, country TEXT, certificate TEXT,
                         entry_number TEXT, line_number INTEGER, activity TEXT, quantity INTEGER,
                         balance_after INTEGER, activity_date TEXT, entry_date TEXT, ior TEXT);
CREATE INDEX activities_certificate ON activities (country, certificate, id);
"""


def read_fields(paths: list[Path], rid: str, names: tuple[str, ...]) -> list[tuple]:
    """Rows of raw field text of one record type, with a marker for the headers (untimed input)."""
    fields = {f.name: f.slice for f in LAYOUTS[rid].fields}
    out = []
    for path in paths:
        with open(path, encoding="latin-1") as fh:
            for line in fh:
                if line.startswith(rid):
                    out.append(tuple(line[fields[n]].rstrip() for n in names))
    return out


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
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    conn = sqlite3.connect(folder / "plain.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.executescript(PLAIN_SCHEMA)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO certificates VALUES (?, ?, ?, ?, ?, ?)",
                     [(c, n, i, u, int(q), int(q)) for c, n, i, u, q in certificates])
    conn.execute("COMMIT")
    return conn


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


# -- (e) peak RSS ---------------------------------------------------------------------------------
RSS_CHILD = (
    "import sys\n"
    "from ecert_edi.bindings.abi.reading import iter_conditions\n"
    "from ecert_edi.domain.rules.static import static_conditions\n"
    "n = sum(1 for _ in iter_conditions(sys.argv[1], extra=static_conditions))\n"
    "hwm = [ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')]\n"
    "print(n, *hwm)\n"
)
# Runs the validation and reports its peak RSS from RUSAGE_CHILDREN.  The bench itself may be
# large by then, and Linux carries the peak of the image a process replaces at exec into that
# process's ru_maxrss; started from this small launcher, the validation's figure is its own.
RSS_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def peak_rss(path: Path) -> tuple[float, float, int]:
    """Validate in a child process: its peak RSS in MB, its wall time, the conditions found."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RSS_LAUNCHER, sys.executable, "-c", RSS_CHILD,
                           str(path)], check=False, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"validation of {path} failed: {done.stderr.strip()[-500:]}")
    maxrss_kib = int(done.stderr.split()[-1])  # ru_maxrss is in KiB on Linux
    conditions, *hwm = done.stdout.split()
    if hwm:
        log(f"(e) ru_maxrss {maxrss_kib / 1024:.1f} MB, VmHWM {int(hwm[0]) / 1024:.1f} MB")
    return maxrss_kib / 1024, elapsed, int(conditions)


# -- the run --------------------------------------------------------------------------------------
@dataclass
class Figures:
    parse_records: int = 0
    floor: float = 0.0
    validate: float = 0.0
    parse: float = 0.0
    process: float = 0.0
    plain: float = 0.0
    accepted: int = 0
    rejected: int = 0
    big_mb: float = 0.0
    big_records: int = 0
    big_seconds: float = 0.0
    rss_mb: float = 0.0
    usage_rows: int = 0
    query_ms: float = 0.0
    errors: str = ""


def measure(cfg: Config, repeat: int, work: Path, only: set[str]) -> Figures:
    """Every figure asked for; one that fails is noted and the others still run."""
    fig = Figures()
    steps = [("ab", _measure_parse), ("c", _measure_process), ("d", _measure_plain),
             ("e", _measure_rss), ("f", _measure_query)]
    for letters, step in steps:
        if not only & set(letters):
            continue
        try:
            step(fig, cfg, repeat, work, only)
        except Exception as exc:  # noqa: BLE001 - a figure that cannot be measured is reported
            log(f"({letters}) failed: {exc!r}")
            fig.errors += f"({letters}) {type(exc).__name__}: {exc}; "
    return fig


def _measure_parse(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    folder = cached(work / "parse", {"records": cfg.parse_records, "seed": SEED},
                    lambda d: gen.generate_parse_file(d / "parse.txt", cfg.parse_records, SEED))
    path = folder / "parse.txt"
    log(f"(a) floor over {path}")
    t, fig.parse_records = median_time(lambda: floor(path), repeat)
    fig.floor = fig.parse_records / t
    if "b" not in only:
        return
    validate(ROOT / "fixtures" / "spec" / "entry.txt")  # warm-up: grammar tables, caches
    log("(b) validate")
    t, _ = median_time(lambda: validate(path), repeat)
    fig.validate = fig.parse_records / t
    log("(b) parse_events")
    t, _ = median_time(lambda: parse_only(path), repeat)
    fig.parse = fig.parse_records / t


def entry_set(cfg: Config, work: Path) -> tuple[list[Path], list[Path], int]:
    """The certificate files, the entry files and their number of entries, for (c) and (d)."""
    sets = cached(work / "set", {"c": cfg.certificates, "e": cfg.entries, "seed": SEED},
                  lambda d: gen.generate(d, cfg.certificates, cfg.entries, 0, SEED))
    entries = files_of(sets, "02-")
    return files_of(sets, "01-"), entries, sum(p.read_text().count("\nE0") for p in entries)


def _measure_plain(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    certs, entries, count = entry_set(cfg, work)
    log("(d) plain sqlite3 ledger writes")
    cert_rows = read_fields(certs, "C0", ("issuing_country", "certificate_number", "ior_number",
                                          "unit_of_measure", "allowance_quantity"))
    loaded = load_entries(entries)
    today = CLOCK.date().isoformat()
    t, _ = median_time(lambda conn: plain_ledger(conn, loaded, today), repeat,
                       setup=lambda: plain_db(work / "plain", cert_rows))
    fig.plain = count / t


def _measure_rss(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    records = cfg.big_mb * 1_000_000 // 81
    big = cached(work / f"big-{cfg.big_mb}", {"records": records, "seed": SEED},
                 lambda d: gen.generate_parse_file(d / "big.txt", records, SEED))
    path = big / "big.txt"
    fig.big_mb = path.stat().st_size / 1_000_000
    fig.big_records = records
    log(f"(e) peak RSS validating {fig.big_mb:.0f} MB")
    fig.rss_mb, fig.big_seconds, _ = peak_rss(path)


def _measure_process(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    certs, entries, count = entry_set(cfg, work)
    log(f"(c) process {count} entries against {cfg.certificates} certificates")

    def setup():
        store = fresh_store(work / "db")
        process(certs, store, work / "db" / "out")
        return store

    def run(store):
        try:
            return process(entries, store, work / "db" / "out")
        finally:
            store.close()

    t, outcomes = median_time(run, repeat, setup=setup)
    fig.process = count / t
    fig.accepted = sum(o.accepted for o in outcomes)
    fig.rejected = sum(o.rejected for o in outcomes)


def _measure_query(fig: Figures, cfg: Config, repeat: int, work: Path, only: set[str]) -> None:
    usage = work / "usage"
    key = {"rows": cfg.usage_rows, "q": cfg.query_repeat, "seed": SEED}
    folder = cached(usage / "files", key,
                    lambda d: gen.generate_usage_set(d, cfg.usage_rows, cfg.query_repeat, SEED))
    log(f"(f) building a certificate with {cfg.usage_rows} usage rows")
    store = fresh_store(usage / "db")
    try:
        process(files_of(folder, "01-") + files_of(folder, "02-"), store, usage / "db" / "out")
        fig.usage_rows = store.conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0]
        times = []
        for q in files_of(folder, "03-"):  # each its own control number: never a repeat
            started = time.perf_counter()
            process([q], store, usage / "db" / "out")
            times.append(time.perf_counter() - started)
        fig.query_ms = statistics.median(times) * 1000
    finally:
        store.close()


# -- the table ------------------------------------------------------------------------------------
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


def _status(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "**missed**")


def table(cfg: Config, fig: Figures, repeat: int, started: dt.datetime, seconds: float) -> str:
    def rate(x: float) -> str:
        return f"{x:,.0f}" if x else "-"

    ab = fig.validate / fig.floor if fig.floor and fig.validate else None
    ab_parse = fig.parse / fig.floor if fig.floor and fig.parse else None
    cd = fig.process / fig.plain if fig.plain and fig.process else None
    issue3 = cfg.entries == 100_000 and cfg.certificates == 10_000
    rss_label = (f"(e) peak RSS validating {fig.big_mb or cfg.big_mb:,.0f} MB"
                 f" ({fig.big_records or cfg.big_mb * 1_000_000 // 81:,} records)")
    query_label = (f"(f) EZ query, one certificate with {fig.usage_rows or cfg.usage_rows:,}"
                   " usage rows, detail Y")
    rows = [
        ("(a) floor: read + slice every field", f"{rate(fig.floor)} records/s", "", None),
        ("(b) validate: `iter_conditions` + static rules", f"{rate(fig.validate)} records/s", "",
         None),
        ("(b') `parse_events` alone", f"{rate(fig.parse)} records/s", "", None),
        ("(b)/(a)", f"{ab:.3f}" if ab else "-", "≥ 0.25 (issue 2: ≥ 0.2)",
         ab >= 0.25 if ab else None),
        ("(b')/(a)", f"{ab_parse:.3f}" if ab_parse else "-", "", None),
        (f"(c) `process_file`, {cfg.entries:,} entries / {cfg.certificates:,} certificates",
         f"{rate(fig.process)} entries/s", "", None),
        ("(d) plain sqlite3 ledger writes, same entries", f"{rate(fig.plain)} entries/s", "",
         None),
        ("(c)/(d)", f"{cd:.3f}" if cd else "-",
         "≥ 0.5" + ("; issue 3 (100k entries / 10k certificates): ≥ 0.3" if issue3 else ""),
         cd >= 0.5 if cd else None),
        (rss_label,
         f"{fig.rss_mb:.1f} MB" if fig.rss_mb else "-", "< 100 MB",
         fig.rss_mb < 100 if fig.rss_mb else None),
        ("(e) that validation's wall time",
         f"{fig.big_seconds:.1f} s ({rate(fig.big_records / fig.big_seconds)} records/s)"
         if fig.big_seconds else "-", "", None),
        (query_label,
         f"{fig.query_ms:.1f} ms" if fig.query_ms else "-", "< 50 ms",
         fig.query_ms < 50 if fig.query_ms else None),
    ]
    if issue3 and cd:
        rows.insert(8, ("issue 3: (c)/(d) at 100k entries / 10k certificates", f"{cd:.3f}",
                        "≥ 0.3", cd >= 0.3))
    when = (f"- date: {started:%Y-%m-%d %H:%M} UTC, configuration `{cfg.name}`, median of"
            f" {repeat} (query: of {cfg.query_repeat}), whole run {seconds:.0f} s")
    machine = (f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, Python"
               f" {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    lines = [
        when,
        machine,
        f"- commit: {git_commit()}",
        f"- process outcome: {fig.accepted:,} transactions accepted, {fig.rejected:,} rejected"
        if fig.accepted else "- process: not measured",
    ]
    if fig.errors:
        lines.append(f"- not measured: {fig.errors}")
    lines += ["", "| Figure | Measured | Target | |", "|---|---:|---|---|"]
    lines += [f"| {a} | {b} | {c} | {_status(d)} |" for a, b, c, d in rows]
    return "\n".join(lines) + "\n"


def record(text: str, cfg: Config, started: dt.datetime) -> None:
    with open(DOC, "a", encoding="utf-8") as fh:
        fh.write(f"\n### {started:%Y-%m-%d %H:%M} UTC — {cfg.name} run\n\n{text}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small configuration (< 2 minutes)")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions per figure (median)")
    ap.add_argument("--big-mb", type=int, help="size of the file for peak RSS (e)")
    ap.add_argument("--record", action="store_true", help="append the table to docs/performance.md")
    ap.add_argument("--workdir", type=Path, help="generated files and databases (kept, reused)")
    ap.add_argument("--only", default="abcdef", help="figures to measure, e.g. 'ab' or 'cd'")
    args = ap.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    if args.big_mb:
        cfg = Config(**{**asdict(cfg), "big_mb": args.big_mb})
    work = args.workdir or Path(tempfile.gettempdir()) / f"ecert-bench-{cfg.name}"
    work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    fig = measure(cfg, args.repeat, work, set(args.only))
    text = table(cfg, fig, args.repeat, started, time.perf_counter() - t0)
    print(text)
    if args.record:
        record(text, cfg, started)
        log(f"recorded in {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
