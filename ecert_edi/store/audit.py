"""The ledger check (spec 6.4: allowance − Σ D + Σ I = balance ≥ 0) and SQLite's own check."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ecert_edi.domain.quantities import quantity_text
from ecert_edi.store.interface import Discrepancy

_TOTALS = """
SELECT c.country, c.number, c.allowance, c.balance, c.deducted, c.restored,
       COALESCE(u.in_use, 0)
FROM certificates c
LEFT JOIN (SELECT l.country, l.certificate, SUM(l.quantity) AS in_use
           FROM entry_lines l JOIN entries e ON e.entry_number = l.entry_number
           WHERE e.status = 'active'
           GROUP BY l.country, l.certificate) u
       ON u.country = c.country AND u.certificate = c.number
ORDER BY c.country, c.number
"""
# (the active lines are summed in one pass, grouped: entry_lines has no index by certificate,
# which would cost a write a line for this check alone)

# what the check reads of each ledger row, after its (country, certificate, id)
CHECKED = "activity, quantity, balance_after, allowance"
IN_CERTIFICATE_ORDER = (
    f"SELECT country, certificate, id, {CHECKED} FROM activities"
    " ORDER BY country, certificate, id"
)


def check_ledger(conn, ledger: Iterable[tuple]) -> list[Discrepancy]:
    """Every disagreement between a certificate's balance, its ledger and its active entry lines.

    `ledger` is every ledger row as (country, certificate, id, *CHECKED), by certificate then
    id (IN_CERTIFICATE_ORDER, or the store's own way of reading it), read once.

    For each certificate: allowance − Σ D + Σ I = balance ≥ 0; the totals kept beside the
    balance equal Σ D and Σ I (the row's CHECK holds the balance to those totals, this holds
    them to the ledger); allowance − Σ active lines = balance; and every ledger row's
    balance_after is the balance its history gives at that row (the allowance then in force −
    Σ D + Σ I so far), so the last row agrees with the balance once a later change of
    allowance is counted.
    """
    sums, running = _walk(ledger)
    out: list[Discrepancy] = []
    q = quantity_text
    for country, number, allowance, balance, kept_deducted, kept_restored, in_use in \
            conn.execute(_TOTALS):
        deducted, restored, last = sums.get((country, number), (0, 0, None))
        problems = []
        if kept_deducted != deducted:
            problems.append(
                f"deducted total {q(kept_deducted)} but the ledger's deductions are {q(deducted)}"
            )
        if kept_restored != restored:
            problems.append(
                f"restored total {q(kept_restored)} but the ledger's restorations are"
                f" {q(restored)}"
            )
        if balance < 0:
            problems.append(f"balance {q(balance)} is below zero")
        history = allowance - deducted + restored
        if history != balance:
            problems.append(
                f"balance {q(balance)} but allowance {q(allowance)} - deductions {q(deducted)}"
                f" + restorations {q(restored)} = {q(history)}"
            )
        if allowance - in_use != balance:
            problems.append(
                f"balance {q(balance)} but allowance {q(allowance)} - active entry lines"
                f" {q(in_use)} = {q(allowance - in_use)}"
            )
        if last is not None and last[0] + (allowance - last[1]) != balance:
            problems.append(f"balance {q(balance)} but the last ledger row leaves {q(last[0])}")
        out.extend(Discrepancy(country, number, p) for p in problems)
    out.extend(running)
    out.extend(_orphans(conn))
    return out


def _walk(ledger: Iterable[tuple]) -> tuple[dict, list[Discrepancy]]:
    """One pass over the ledger in certificate order: per certificate (Σ D, Σ I, its last row's
    (balance_after, allowance)), and the rows whose balance_after disagrees with the rows
    before them."""
    sums: dict[tuple[str, str], tuple[int, int, tuple[int, int]]] = {}
    out = []
    key = None
    deducted = restored = 0
    last = None
    for country, number, rid, activity, quantity, balance_after, allowance in ledger:
        if (country, number) != key:
            if key is not None:
                sums[key] = (deducted, restored, last)
            key, deducted, restored = (country, number), 0, 0
        if activity == "D":
            deducted += quantity
        else:
            restored += quantity
        last = (balance_after, allowance)
        net = deducted - restored
        if balance_after != allowance - net or balance_after < 0:
            out.append(
                Discrepancy(
                    country,
                    number,
                    f"ledger row {rid} says balance {quantity_text(balance_after)}"
                    f" where its history gives {quantity_text(allowance - net)}",
                )
            )
    if key is not None:
        sums[key] = (deducted, restored, last)
    return sums, out


def _orphans(conn: sqlite3.Connection) -> list[Discrepancy]:
    """Ledger rows or entry lines naming a certificate not on file."""
    rows = conn.execute(
        """
        SELECT u.country, u.certificate FROM (
            SELECT country, certificate FROM activities
            UNION SELECT country, certificate FROM entry_lines) AS u
        WHERE NOT EXISTS (SELECT 1 FROM certificates c
                          WHERE c.country = u.country AND c.number = u.certificate)
        ORDER BY u.country, u.certificate
        """
    )
    return [
        Discrepancy(c, n, "ledger rows or entry lines name it, but it is not on file")
        for c, n in rows
    ]


def check_database(conn: sqlite3.Connection) -> list[str]:
    """SQLite's findings about the file itself.

    `integrity_check`, not `quick_check`: only the full check compares every index with its
    table (an index that lost an entry answers lookups wrongly while every page reads well) and
    sees a UNIQUE index broken; it reads each index once per row, which an operator's check can
    afford. Then `foreign_key_check`: rows naming a row that is not on file.
    """
    found = [text for (text,) in conn.execute("PRAGMA integrity_check") if text != "ok"]
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
        # a table WITHOUT ROWID (entries, entry_lines) has no row number to give
        row = f"{table} row {rowid}" if rowid is not None else f"a {table} row"
        found.append(f"{row} names a {parent} row that is not on file")
    return found
