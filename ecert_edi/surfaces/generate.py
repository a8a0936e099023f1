"""Synthetic, seeded eCERT 2.0 transmissions: certificates, entries and queries with a known outcome.

Everything is written through EnvelopeWriter (the one layout definition), streamed to disk: the
generator keeps one small record per certificate (its balance) and a bounded sample of active
entries for cancels and replaces, never the entries themselves.  It simulates the rules of spec
6.2 as it goes, so it knows which entries will be rejected (202 overuse, 201 wrong IOR) and which
will pass, and file names sort in the order the files must be processed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecert_edi.bindings.abi.emitter import EnvelopeWriter
from ecert_edi.domain.codes import check_digit

Records = list[tuple[str, dict[str, Any]]]

# Beef: HTS 0201 (fresh or chilled) and 0202 (frozen); textiles: chapters 52, 61 and 62.
BEEF_HTS = (
    "0201100500", "0201201000", "0201203000", "0201300200", "0201300400", "0201300600",
    "0202100500", "0202201000", "0202300200", "0202300400", "0202300600",
)
TEXTILE_HTS = (
    "5208390000", "5209420000", "5211420000", "5212130000", "6104620000", "6105100000",
    "6109100000", "6110200000", "6203424000", "6204624000", "6205200000", "6206300000",
)
PORTS = (1001, 1303, 1601, 2304, 2402, 2704, 2709, 3001, 5301, 1101)  # Schedule D codes
FILER_CODES = ("B2X", "K7M", "PQ1", "ZZ4", "A3F", "M9C", "T5R", "W2D")
FILER_WEIGHTS = (8, 5, 3, 2, 2, 1, 1, 1)  # a few large brokers and a tail of small ones
ENVIRONMENT = "T"  # synthetic data goes to the test environment


@dataclass(frozen=True)
class Profile:
    """How one exporting country's certificates look: program, unit, tariffs, sizes, numbering."""

    program: str
    unit: str
    hts: tuple[str, ...]
    line_units: tuple[int, int]  # whole units of one entry line, smallest and largest
    number: str  # certificate number pattern: {year}, {yy}, {seq}
    weight: int


PROFILES: dict[str, Profile] = {
    "AU": Profile("TRQ", "KG", BEEF_HTS, (500, 25_000), "{year}-{seq:06d}", 7),
    "NZ": Profile("TRQ", "KG", BEEF_HTS, (500, 20_000), "NZ{yy}{seq:07d}", 4),
    "UY": Profile("TRQ", "KG", BEEF_HTS, (1_000, 22_000), "UY/{year}/{seq:06d}", 3),
    "AR": Profile("TRQ", "KG", BEEF_HTS, (1_000, 22_000), "AR-{year}-{seq:06d}", 3),
    "MX": Profile("TPL", "SME", TEXTILE_HTS, (2_000, 60_000), "MX-TPL-{yy}-{seq:06d}", 3),
}
COUNTRIES = tuple(PROFILES)

CERT_DATE = dt.date(2026, 1, 2)  # transmission date of the certificate files
ENTRY_DAYS = (dt.date(2026, 1, 5), 10)  # entries are dated over these days, in file order
QUERY_DATE = dt.date(2026, 1, 15)


@dataclass(frozen=True)
class Mix:
    """Shares of entry transactions that are not plain valid adds."""

    cancel: float = 0.05
    replace: float = 0.02
    overuse: float = 0.03  # a line above the certificate's remaining balance: 202
    wrong_ior: float = 0.01  # a line on a certificate of another IOR: 201

    @classmethod
    def none(cls) -> Mix:
        return cls(0.0, 0.0, 0.0, 0.0)


@dataclass
class Summary:
    """What was written and what processing it should give."""

    files: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    written: Callable[[Path], None] = lambda path: None  # told of each file as it is done

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


@dataclass(slots=True)
class _Cert:
    country: str
    number: str
    ior: str
    unit: str
    hts: tuple[int, ...]  # covered tariff numbers; empty covers any
    issue: dt.date
    expiry: dt.date | None
    allowance: int  # hundredths
    balance: int  # hundredths, as processing will leave it


@dataclass(slots=True)
class _Filed:
    """An accepted, active entry kept in the sample for a later cancel or replace."""

    number: str
    ior: str
    date: dt.date
    port: int
    entry_type: int
    lines: list[tuple[int, int, int]]  # (certificate index, HTS, quantity)


class _Transmission:
    """One file being written: A, batches of at most `batch_size` transactions, Z.

    The file is created on the first transaction, so a sender with nothing to send writes none.
    """

    def __init__(self, path: Path, header: dict[str, Any], batch_size: int):
        self.path = path
        self.header = header
        self.batch_size = batch_size
        self.fh = None
        self.writer: EnvelopeWriter | None = None
        self.application: str | None = None
        self.in_batch = 0
        self.records = 0

    def add(self, application: str, records: Records) -> None:
        if self.writer is None:
            # held open across calls, closed by close()
            self.fh = open(self.path, "w", encoding="ascii", newline="\n")  # noqa: SIM115
            self.writer = EnvelopeWriter(self.fh)
            self.writer.begin(self.header)
        if self.in_batch and (self.in_batch >= self.batch_size or application != self.application):
            self._close_batch()
        if not self.in_batch:
            self.writer.begin_batch(application)
            self.application = application
        for rid, values in records:
            self.writer.write(rid, values)
        self.in_batch += 1

    def _close_batch(self) -> None:
        self.writer.end_batch()
        self.in_batch = 0

    def close(self) -> bool:
        """Write Y and Z; whether the file exists."""
        if self.writer is None:
            return False
        if self.in_batch:
            self._close_batch()
        self.writer.end()
        self.records = self.writer.record_count
        self.fh.close()
        return True


def _header(sender_type: str, sender_id: str, control: str, day: dt.date, seconds: int) -> dict:
    return {
        "sender_type": sender_type,
        "sender_id": sender_id,
        "transmission_date": day,
        "transmission_time": dt.time(8 + seconds // 3600 % 12, seconds // 60 % 60, seconds % 60),
        "control_number": control,
        "environment": ENVIRONMENT,
    }


def entry_number(filer: str, serial: int) -> str:
    """Filer code, 7-digit serial and the check digit of spec 3.5."""
    first10 = f"{filer}{serial:07d}"
    return f"{first10}{check_digit(first10)}"


class World:
    """The certificates, importers and filers of one seeded run, and the simulated balances."""

    def __init__(self, seed: int, certificates: int, entries: int, *, filers: int = 4,
                 lines: tuple[int, int] = (1, 5), mix: Mix | None = None, sample: int = 512):
        self.rng = random.Random(seed)
        self.n_entries = entries
        self.lines = lines
        self.mix = mix or Mix()
        self.sample_size = sample
        self.filers = FILER_CODES[:max(1, min(filers, len(FILER_CODES)))]
        self.iors = self._iors(max(4, certificates // 25))
        self.certs: list[_Cert] = []
        self.by_ior: dict[str, list[int]] = {}
        self.by_holding: dict[tuple[str, str], list[int]] = {}  # (IOR, unit): one kind of goods
        self.by_country: dict[str, list[int]] = {}
        self._make_certificates(certificates)
        self.serials = {f: self.rng.randrange(1, 2_000_000) for f in self.filers}
        self.samples: dict[str, list[_Filed]] = {f: [] for f in self.filers}
        self.filed = 0  # entries written, for their dates
        shares = (("cancel", self.mix.cancel), ("replace", self.mix.replace),
                  ("overuse", self.mix.overuse), ("wrong_ior", self.mix.wrong_ior))
        self.planned = {kind: round(entries * share) for kind, share in shares}
        self.unplanned = entries  # entries still to write, of any kind

    # -- importers and certificates -----------------------------------------------------------
    def _iors(self, n: int) -> list[str]:
        rng, out, seen = self.rng, [], set()
        while len(out) < n:
            kind = rng.random()
            if kind < 0.7:  # IRS employer number, most with the usual 00 suffix
                suffix = "00" if rng.random() < 0.8 else rng.choice(("01", "AB", "0A", "12"))
                ior = f"{rng.randrange(10, 99)}-{rng.randrange(10**6, 10**7)}{suffix}"
            elif kind < 0.95:  # CBP-assigned number
                ior = f"{rng.randrange(20, 27):02d}{rng.randrange(1, 366):03d}{rng.randrange(10)}"
                ior += f"-{rng.randrange(1, 100_000):05d}"
            else:  # social security number
                ior = f"{rng.randrange(100, 900)}-{rng.randrange(10, 100)}-{rng.randrange(10**3, 10**4)}"
            if ior not in seen:
                seen.add(ior)
                out.append(ior)
        return out

    def _make_certificates(self, n: int) -> None:
        rng = self.rng
        weights = [p.weight for p in PROFILES.values()]
        ior_weights = [rng.paretovariate(1.5) for _ in self.iors]  # a few importers hold most
        seqs = {c: rng.randrange(100, 50_000) for c in COUNTRIES}
        # Allowances sized from the expected demand, so that a valid entry almost always finds a
        # balance.
        per_cert = self.n_entries * sum(self.lines) / 2 / max(n, 1)
        for _ in range(n):
            country = rng.choices(COUNTRIES, weights)[0]
            p = PROFILES[country]
            issue = dt.date(2025, 7, 1) + dt.timedelta(days=rng.randrange(184))
            expiry = rng.choice((None, dt.date(2026, 6, 30), dt.date(2026, 12, 31)))
            mean = sum(p.line_units) / 2
            # about one certificate in six is small and runs out during the run (901)
            share = rng.uniform(0.2, 0.6) if rng.random() < 0.16 else rng.uniform(1.0, 2.5)
            units = max(p.line_units[1] * 2, per_cert * mean * share)
            allowance = int(units // 1000 + 1) * 1000 * 100
            k = rng.choice((0, 1, 1, 2, 2, 3))
            hts = tuple(sorted(int(h) for h in rng.sample(p.hts, k)))
            seqs[country] += 1
            number = p.number.format(year=issue.year, yy=issue.year % 100, seq=seqs[country])
            ior = rng.choices(self.iors, ior_weights)[0]
            index = len(self.certs)
            self.certs.append(_Cert(country, number, ior, p.unit, hts, issue, expiry, allowance,
                                    allowance))
            self.by_ior.setdefault(ior, []).append(index)
            self.by_holding.setdefault((ior, p.unit), []).append(index)
            self.by_country.setdefault(country, []).append(index)

    def certificate_records(self, index: int) -> Records:
        c = self.certs[index]
        c0 = {
            "action": "A",
            "certificate_number": c.number,
            "issuing_country": c.country,
            "ior_number": c.ior,
            "issue_date": c.issue,
            "expiry_date": c.expiry,
            "quota_program": PROFILES[c.country].program,
            "allowance_quantity": c.allowance,
            "unit_of_measure": c.unit,
        }
        return [("C0", c0)] + [("C1", {"hts_number": h}) for h in c.hts]

    # -- entries ------------------------------------------------------------------------------
    def _quantity(self, index: int) -> int:
        lo, hi = PROFILES[self.certs[index].country].line_units
        cents = self.rng.choice((0, 0, 0, 0, 25, 50, 75))
        return self.rng.randrange(lo, hi + 1) * 100 + cents

    def _hts(self, index: int) -> int:
        c = self.certs[index]
        if c.hts:
            return self.rng.choice(c.hts)
        return int(self.rng.choice(PROFILES[c.country].hts))

    def _live_cert(self) -> int | None:
        """A certificate with some balance left, drawn at random (a scan when most are used)."""
        n = len(self.certs)
        for _ in range(24):
            i = self.rng.randrange(n)
            if self.certs[i].balance > 0:
                return i
        start = self.rng.randrange(n)
        for k in range(n):
            i = (start + k) % n
            if self.certs[i].balance > 0:
                return i
        return None

    def _valid_lines(self, first: int, avail: dict[int, int]) -> list[tuple[int, int, int]]:
        """1-5 lines on certificates of the first one's IOR and unit, each within what is left."""
        c = self.certs[first]
        pool = self.by_holding[(c.ior, c.unit)]
        out = []
        for k in range(self.rng.randint(*self.lines)):
            index = first if k == 0 else self.rng.choice(pool)
            left = avail.get(index, self.certs[index].balance)
            if left <= 0:
                continue
            quantity = min(self._quantity(index), left)
            avail[index] = left - quantity
            out.append((index, self._hts(index), quantity))
        return out

    def _lines_records(self, lines: list[tuple[int, int, int]]) -> Records:
        out = []
        for number, (index, hts, quantity) in enumerate(lines, 1):
            c = self.certs[index]
            out.append(("E1", {
                "line_number": number,
                "certificate_number": c.number,
                "issuing_country": c.country,
                "hts_number": hts,
                "quantity": quantity,
                "unit_of_measure": c.unit,
            }))
        return out

    def _e0(self, action: str, filed: _Filed) -> dict[str, Any]:
        e0 = {"action": action, "entry_number": filed.number, "ior_number": filed.ior}
        if action != "C":  # a cancel reads only its key and IOR
            e0.update(entry_date=filed.date, port_of_entry=filed.port, entry_type=filed.entry_type)
        return e0

    def _new_entry(self, filer: str, ior: str) -> _Filed:
        self.serials[filer] += 1
        day = ENTRY_DAYS[0] + dt.timedelta(days=self.filed * ENTRY_DAYS[1] // max(self.n_entries, 1))
        entry_type = 1 if self.rng.random() < 0.9 else 6  # consumption, some foreign-trade zone
        return _Filed(entry_number(filer, self.serials[filer]), ior, day,
                      self.rng.choice(PORTS), entry_type, [])

    def _deduct(self, lines, sign: int = -1) -> None:
        for index, _hts, quantity in lines:
            self.certs[index].balance += sign * quantity

    def _keep(self, filer: str, filed: _Filed) -> None:
        """Reservoir-style sample of active entries: bounded, however many are written."""
        sample = self.samples[filer]
        if len(sample) < self.sample_size:
            sample.append(filed)
        else:
            sample[self.rng.randrange(len(sample))] = filed

    def _kind(self, sample: list[_Filed]) -> str:
        """What the next entry is: drawn without replacement from the planned counts, so the
        shares hold exactly while their places are random (a cancel waits for an entry)."""
        left = self.planned
        r = self.rng.randrange(max(self.unplanned, 1))
        self.unplanned -= 1
        for kind, n in left.items():
            if r < n:
                if kind in ("cancel", "replace") and not sample:
                    return "add"
                left[kind] -= 1
                return kind
            r -= n
        return "add"

    def entry(self, filer: str, summary: Summary) -> Records:
        """The next entry transaction of a filer, its outcome simulated and counted."""
        self.filed += 1
        sample = self.samples[filer]
        kind = self._kind(sample)
        if kind == "cancel":
            filed = sample.pop(self.rng.randrange(len(sample)))
            self._deduct(filed.lines, +1)
            summary.add("cancels")
            return [("E0", self._e0("C", filed))]
        if kind == "replace":
            filed = sample[self.rng.randrange(len(sample))]
            self._deduct(filed.lines, +1)
            filed.lines = self._valid_lines(filed.lines[0][0], {})  # never empty: just restored
            self._deduct(filed.lines)
            summary.add("replaces")
            return [("E0", self._e0("R", filed))] + self._lines_records(filed.lines)
        first = self._live_cert()
        if first is None:
            raise RuntimeError("every certificate is used up; generate fewer entries")
        filed = self._new_entry(filer, self.certs[first].ior)
        avail: dict[int, int] = {}
        filed.lines = self._valid_lines(first, avail)
        if kind == "overuse":
            self._overuse(filed, avail)
        elif kind == "wrong_ior" and len(self.by_ior) > 1:
            self._wrong_ior(filed)
        else:
            kind = "add"
            self._deduct(filed.lines)
            self._keep(filer, filed)
        summary.add({"add": "adds"}.get(kind, kind))
        return [("E0", self._e0("A", filed))] + self._lines_records(filed.lines)

    def _overuse(self, filed: _Filed, avail: dict[int, int]) -> None:
        """One line above what its certificate has left after the earlier lines: 202."""
        index = filed.lines[-1][0] if filed.lines else self.by_ior[filed.ior][0]
        left = avail.get(index, self.certs[index].balance)
        quantity = left + self._quantity(index)
        filed.lines.append((index, self._hts(index), quantity))

    def _wrong_ior(self, filed: _Filed) -> None:
        """One line on a live certificate of another importer: 201."""
        for _ in range(64):
            index = self._live_cert()
            if index is not None and self.certs[index].ior != filed.ior:
                break
        else:
            index = next(i for i, c in enumerate(self.certs) if c.ior != filed.ior)
        quantity = min(self._quantity(index), max(self.certs[index].balance, 1))
        position = self.rng.randrange(len(filed.lines) + 1)
        filed.lines.insert(position, (index, self._hts(index), quantity))

    # -- queries ------------------------------------------------------------------------------
    def query(self, sender_type: str, sender_id: str, ref: str, summary: Summary) -> Records:
        """One EC query of a filer (about its importers) or a government (its own certificates)."""
        rng = self.rng
        if sender_type == "FL":
            index = rng.randrange(len(self.certs))
            c = self.certs[index]
            if rng.random() < 0.8:
                ior = c.ior
                if rng.random() < 0.05:  # an importer asking about another's certificate: 300
                    ior = rng.choice([i for i in self.iors if i != c.ior])
                    summary.add("hidden_queries")
                q0 = {"query_type": "C", "ior_number": ior, "certificate_number": c.number,
                      "issuing_country": c.country}
            else:
                q0 = {"query_type": "I", "ior_number": c.ior}
        else:
            own = self.by_country[sender_id]
            c = self.certs[rng.choice(own)]
            roll = rng.random()
            if roll < 0.75:
                q0 = {"query_type": "C", "certificate_number": c.number}
            elif roll < 0.95:
                q0 = {"query_type": "I", "ior_number": c.ior}
            else:
                q0 = {"query_type": "A"}
        detail = q0["query_type"] == "C" and rng.random() < 0.4
        q0.update(query_reference=ref, usage_detail="Y" if detail else "N")
        summary.add("queries")
        return [("Q0", q0)]


def _control(sender_id: str, day: dt.date, seq: int) -> str:
    """A control number of 14 characters, unique per sender and run (spec 4.3)."""
    if len(sender_id) == 2:  # a country: CC + YYMMDD + serial, as in spec 9
        return f"{sender_id}{day:%y%m%d}{seq % 10**6:06d}"
    return f"{sender_id}{seq % 10**11:011d}"


def generate(out_dir, certificates: int, entries: int, queries: int = 0, seed: int = 0, *,
             filers: int = 4, batch_size: int = 500, entries_per_file: int = 0,
             lines: tuple[int, int] = (1, 5), mix: Mix | None = None,
             written: Callable[[Path], None] | None = None) -> Summary:
    """Write a seeded set of transmissions into out_dir; names sort in processing order.

    01-CR-<country>.txt: each country's certificates; 02-EN-<nnnn>-<filer>.txt: entries, each
    filer's share in files of at most `entries_per_file` (0: one file a filer); 03-EC-…: queries.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = World(seed, certificates, entries, filers=filers, lines=lines, mix=mix)
    summary = Summary() if written is None else Summary(written=written)
    run = world.rng.randrange(1, 9_000) * 1000  # control numbers differ between seeds
    _write_certificates(world, out, batch_size, run, summary)
    _write_entries(world, out, entries, batch_size, entries_per_file, run, summary)
    _write_queries(world, out, queries, batch_size, run, summary)
    summary.counts["certificates"] = certificates
    summary.counts["entries"] = entries
    return summary


def _finish(tx: _Transmission, summary: Summary) -> None:
    if tx.close():
        summary.files.append(tx.path)
        summary.written(tx.path)
        summary.add("records", tx.records)


def _write_certificates(world: World, out: Path, batch_size: int, run: int,
                        summary: Summary) -> None:
    for k, country in enumerate(sorted(COUNTRIES)):
        header = _header("CG", country, _control(country, CERT_DATE, run + 1), CERT_DATE, k * 60)
        tx = _Transmission(out / f"01-CR-{country}.txt", header, batch_size)
        for index in world.by_country.get(country, ()):
            tx.add("CR", world.certificate_records(index))
        _finish(tx, summary)


def _entry_shares(world: World, entries: int) -> list[tuple[str, int]]:
    """Each filer's number of entries: a few large brokers, a tail of small ones."""
    weights = FILER_WEIGHTS[:len(world.filers)]
    shares = [entries * w // sum(weights) for w in weights]
    shares[0] += entries - sum(shares)
    return list(zip(world.filers, shares, strict=True))


def _write_entries(world: World, out: Path, entries: int, batch_size: int,
                   per_file: int, run: int, summary: Summary) -> None:
    day = ENTRY_DAYS[0] + dt.timedelta(days=ENTRY_DAYS[1] - 1)
    number = 0
    for filer, share in _entry_shares(world, entries):
        files = 0
        while share > 0:
            size = min(share, per_file) if per_file > 0 else share
            number += 1
            files += 1
            header = _header("FL", filer, _control(filer, day, run + files), day, number * 60)
            tx = _Transmission(out / f"02-EN-{number:04d}-{filer}.txt", header, batch_size)
            for _ in range(size):
                tx.add("EN", world.entry(filer, summary))
            _finish(tx, summary)
            share -= size


def _write_queries(world: World, out: Path, queries: int, batch_size: int, run: int,
                   summary: Summary) -> None:
    if queries <= 0 or not world.certs:
        return
    senders = [("FL", f) for f in world.filers] + [("CG", c) for c in world.by_country]
    weights = [7 * w for w in FILER_WEIGHTS[:len(world.filers)]] + [3] * len(world.by_country)
    plan = [world.rng.choices(senders, weights)[0] for _ in range(queries)]
    for k, (stype, sid) in enumerate(senders, 1):
        control = _control(sid, QUERY_DATE, run + 500_000)
        header = _header(stype, sid, control, QUERY_DATE, k * 60)
        tx = _Transmission(out / f"03-EC-{k:04d}-{sid}.txt", header, batch_size)
        for n, who in enumerate(plan, 1):
            if who == (stype, sid):
                tx.add("EC", world.query(stype, sid, f"Q{n:09d}", summary))
        _finish(tx, summary)


@dataclass
class UsageSet:
    """One certificate with many usage rows, and query files about it (for query latency)."""

    certificates: Path
    entries: Path
    queries: list[Path]
    usage_rows: int


def generate_usage_set(out_dir, usage_rows: int, queries: int = 5, seed: int = 0) -> UsageSet:
    """One certificate, `usage_rows` one-line entries against it, and `queries` files, each one
    C query with usage detail Y under its own control number (so none is a repeat)."""
    out = Path(out_dir)
    world = World(seed, 1, usage_rows, filers=1, lines=(1, 1), mix=Mix.none())
    summary = generate_into(world, out, usage_rows)
    c = world.certs[0]
    filer = world.filers[0]
    paths = []
    for k in range(1, queries + 1):
        header = _header("FL", filer, _control(filer, QUERY_DATE, 90_000 + k), QUERY_DATE, k)
        tx = _Transmission(out / f"03-EC-{k:04d}-{filer}.txt", header, 1)
        tx.add("EC", [("Q0", {"query_type": "C", "query_reference": f"U{k:09d}",
                              "ior_number": c.ior, "certificate_number": c.number,
                              "issuing_country": c.country, "usage_detail": "Y"})])
        tx.close()
        paths.append(tx.path)
    cert_file, entry_file = summary.files
    return UsageSet(cert_file, entry_file, paths, usage_rows)


def generate_into(world: World, out: Path, entries: int, batch_size: int = 500) -> Summary:
    """Certificates and entries of an already built world (no queries)."""
    out.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    _write_certificates(world, out, batch_size, 0, summary)
    _write_entries(world, out, entries, batch_size, 0, 0, summary)
    return summary


def generate_parse_file(path, records: int, seed: int = 0, batch_size: int = 500) -> int:
    """A valid FL transmission of about `records` records for parse benchmarks; its record count.

    EN batches (adds, replaces, cancels of 1-5 lines) with an EC batch of queries now and then;
    certificate numbers come from a pool that is never written, so only the file-level rules
    (the ones `ecert validate` checks) hold, not balances.
    """
    world = World(seed, 2_000, max(records // 3, 1), filers=1, mix=Mix.none())
    filer = world.filers[0]
    header = _header("FL", filer, _control(filer, QUERY_DATE, 1), QUERY_DATE, 0)
    tx = _Transmission(Path(path), header, batch_size)
    rng = world.rng
    written = 3  # A, and the first B and Y
    serial = 0
    while written < records:
        serial += 1
        if serial % (batch_size * 20) == 0:  # an EC batch among the EN ones
            for k in range(min(batch_size, 50)):
                txn = world.query("FL", filer, f"P{serial + k:09d}", Summary())
                tx.add("EC", txn)
                written += 1
            written += 2
            continue
        txn = _parse_entry(world, filer, serial, rng)
        tx.add("EN", txn)
        written += len(txn) + (2 if tx.in_batch == 1 else 0)
    tx.close()
    return tx.records


def _parse_entry(world: World, filer: str, serial: int, rng: random.Random) -> Records:
    """An entry of the parse file: statically valid, quantities not checked against balances."""
    n = len(world.certs)
    first = rng.randrange(n)
    filed = _Filed(entry_number(filer, serial % 10**7), world.certs[first].ior,
                   ENTRY_DAYS[0] + dt.timedelta(days=serial % ENTRY_DAYS[1]),
                   rng.choice(PORTS), 1, [])
    roll = rng.random()
    if roll < 0.05:
        return [("E0", world._e0("C", filed))]
    c = world.certs[first]
    pool = world.by_holding[(c.ior, c.unit)]
    for k in range(rng.randint(1, 5)):
        index = first if k == 0 else rng.choice(pool)
        filed.lines.append((index, world._hts(index), world._quantity(index)))
    action = "R" if roll < 0.07 else "A"
    return [("E0", world._e0(action, filed))] + world._lines_records(filed.lines)


def iter_files(out_dir) -> Iterator[Path]:
    """The generated files of a folder in processing order."""
    return iter(sorted(p for p in Path(out_dir).glob("*.txt") if p.name[:3] in ("01-", "02-",
                                                                               "03-")))
