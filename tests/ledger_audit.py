"""An audit of a database's ledger that shares no code with the store: nothing deducted twice."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from postgres import exists, raw
from postgres import t_ledger as _t_ledger


def t_ledger(db: Path | str) -> Path | str:
    """Where the command line keeps the test (T) ledger of `db` (spec 4.5): the generated and
    fixture transmissions are test transmissions."""
    return _t_ledger(db)


def ledger_problems(db: Path | str) -> list[str]:
    """The audit of every ledger of `db` present: its own and its test ledger's."""
    problems = []
    for where in (db, t_ledger(db)):
        if exists(where):
            name = Path(where).name if isinstance(where, Path) else str(where).rsplit("/", 1)[-1]
            problems += [f"{name}: {p}" for p in _ledger_problems(where)]
    return problems


def _ledger_problems(db: Path | str) -> list[str]:
    """Ledger rows against entries: per entry and certificate, deductions − restorations equal
    the entry's current lines while it is active (nothing once cancelled); no negative balance.
    So no unit is deducted twice or lost."""
    with raw(db) as conn:
        net: dict[tuple, int] = defaultdict(int)
        problems = []
        for number, country, cert, activity, quantity, after in conn.execute(
                "SELECT entry_number, country, certificate, activity, quantity, balance_after"
                " FROM activities ORDER BY id"):
            net[(number, country, cert)] += quantity if activity == "D" else -quantity
            if after < 0:
                problems.append(f"{number}: balance after {after}")
        held: dict[tuple, int] = defaultdict(int)
        for number, country, cert, quantity in conn.execute(
                "SELECT l.entry_number, l.country, l.certificate, l.quantity FROM entry_lines l"
                " JOIN entries e ON e.entry_number = l.entry_number WHERE e.status = 'active'"):
            held[(number, country, cert)] += quantity
    problems += [f"{key}: ledger {net.get(key, 0)}, lines {held.get(key, 0)}"
                 for key in sorted(set(net) | set(held)) if net.get(key, 0) != held.get(key, 0)]
    return problems
