"""Writing accepted decisions: certificate and entry rows, ledger rows and balances together."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from ecert_edi.domain.state import CertificateState, Key
from ecert_edi.store.interface import StoreConflict
from ecert_edi.store.rows import iso, stamp


def write_certificate(
    conn: sqlite3.Connection, cert: CertificateState, when: str, with_tariffs: bool = True
) -> None:
    """Insert or replace a certificate (its C1 list too, unless a void only flags it).

    The totals deducted and restored are the ledger's, never the filing's: a new certificate
    starts at 0 and 0 (balance = allowance), and a replace keeps them, so its new balance must
    be the new allowance − what is used, or the row's CHECK refuses it.
    """
    # an UPDATE, else an INSERT, not an upsert: SQLite checks the CHECK of an upsert's proposed
    # row (totals 0) before it finds the conflict, so a replace of a used certificate would fail
    values = (
        cert.ior,
        iso(cert.issue_date),
        iso(cert.expiry_date),
        cert.program,
        cert.allowance,
        cert.unit,
        "voided" if cert.voided else "active",
        cert.balance,
    )
    cur = conn.execute(
        "UPDATE certificates SET ior = ?, issue_date = ?, expiry_date = ?, program = ?,"
        " allowance = ?, unit = ?, status = ?, balance = ?, updated = ?"
        " WHERE country = ? AND number = ?",
        (*values, when, cert.country, cert.number),
    )
    if cur.rowcount == 0:
        conn.execute(
            "INSERT INTO certificates (country, number, ior, issue_date, expiry_date, program,"
            " allowance, unit, status, balance, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cert.country, cert.number, *values, when, when),
        )
    if with_tariffs:
        conn.execute("DELETE FROM certificate_tariffs WHERE country = ? AND number = ?", cert.key)
        conn.executemany(
            "INSERT INTO certificate_tariffs (country, number, hts) VALUES (?, ?, ?)",
            [(cert.country, cert.number, hts) for hts in sorted(cert.tariffs)],
        )


class EntryWrites(NamedTuple):
    """The rows a commit group's entry decisions leave, table by table, as SQLite writes them
    (dates as ISO text)."""

    entries: list[tuple]  # the UPSERT_ENTRY values of each entry's last state
    cleared: list[tuple]  # (entry number,) of entries on file whose lines are replaced
    lines: list[tuple]  # entry_lines rows
    activities: list[tuple]  # ledger rows, in order (the _INSERT_ACTIVITY values)
    moves: list[tuple]  # per certificate: (after, Σ D, Σ I, updated, country, number, before)


def plan_entries(changes: list) -> EntryWrites:
    """What a commit group's entry decisions, in file order, leave: what one-by-one writing
    would, each entry's last state, the lines of its last decision that writes lines, every
    ledger row in order, and per certificate one move from the balance the group's first
    decision read to the one its last leaves, with the totals the group moved."""
    entries, lines, stored, activities = {}, {}, set(), []
    moved: dict[Key, list[int]] = {}  # per certificate: [balance before, after, Σ D, Σ I]
    days: dict = {None: None}  # each date and clock as written, formatted once
    stamps: dict = {}

    def day(value):
        try:
            return days[value]
        except KeyError:
            text = days[value] = iso(value)
            return text

    for change in changes:
        decision, entry = change.decision, change.decision.entry
        if entry is not None:
            number = entry.entry_number
            if number not in entries and not change.new_entry:
                stored.add(number)  # on file before the group: its lines go before the group's
            entries[number] = (change, entry)
            if change.details:
                lines[number] = entry.lines
        when = stamps.get(change.clock)
        if when is None:
            when = stamps[change.clock] = stamp(change.clock)
        certificates = change.certificates
        for a in decision.activities:
            key = (a.country, a.certificate_number)
            activities.append((a.country, a.certificate_number, a.entry_number, a.line_number,
                               a.activity, a.quantity, a.balance_after,
                               certificates[key].allowance, a.unit, day(a.activity_date),
                               day(a.entry_date), a.ior, change.transmission))
            totals = moved.get(key)
            if totals is None:
                totals = moved[key] = [certificates[key].balance, 0, 0, 0, when]
            totals[1] = a.balance_after
            totals[2 if a.activity == "D" else 3] += a.quantity
            totals[4] = when
    return EntryWrites(
        [(e.entry_number, e.filer, e.ior, day(e.entry_date), e.port, e.entry_type,
          "cancelled" if e.cancelled else "active", stamps[c.clock], stamps[c.clock])
         for c, e in entries.values()],
        [(n,) for n in stored if n in lines],
        [(n, ln.line_number, ln.country, ln.certificate_number, ln.hts_number, ln.quantity,
          ln.unit) for n, entry_lines in lines.items() for ln in entry_lines],
        activities,
        [(after, deducted, restored, when, key[0], key[1], before)
         for key, (before, after, deducted, restored, when) in moved.items()],
    )


def write_entries(conn: sqlite3.Connection, changes: list) -> None:
    """A commit group's entry decisions (`plan_entries`) with one `executemany` per table; per
    certificate one conditional UPDATE from the balance the group was decided against."""
    plan = plan_entries(changes)
    conn.executemany(UPSERT_ENTRY, plan.entries)
    if plan.cleared:
        conn.executemany("DELETE FROM entry_lines WHERE entry_number = ?", plan.cleared)
    conn.executemany(
        "INSERT INTO entry_lines (entry_number, line_number, country, certificate, hts,"
        " quantity, unit) VALUES (?, ?, ?, ?, ?, ?, ?)", plan.lines)
    conn.executemany(_INSERT_ACTIVITY, plan.activities)
    cur = conn.executemany(
        "UPDATE certificates SET balance = ?, deducted = deducted + ?, restored = restored + ?,"
        " updated = ? WHERE country = ? AND number = ? AND balance = ?", plan.moves)
    if cur.rowcount != len(plan.moves):  # a rule decided on a balance no longer stored
        raise StoreConflict(MOVED)


MOVED = "a certificate changed while its entries were applied"

UPSERT_ENTRY = """
    INSERT INTO entries (entry_number, filer, ior, entry_date, port, entry_type, status,
                         created, updated)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (entry_number) DO UPDATE SET
        ior = excluded.ior, entry_date = excluded.entry_date, port = excluded.port,
        entry_type = excluded.entry_type, status = excluded.status, updated = excluded.updated
"""
_INSERT_ACTIVITY = (
    "INSERT INTO activities (country, certificate, entry_number, line_number, activity,"
    " quantity, balance_after, allowance, unit, activity_date, entry_date, ior,"
    " transmission_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
