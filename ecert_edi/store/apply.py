"""Writing an accepted decision: certificate and entry rows, ledger rows and balances together."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from ecert_edi.domain.decision import Decision
from ecert_edi.domain.state import CertificateState, EntryState, Key
from ecert_edi.store.interface import StoreError
from ecert_edi.store.rows import iso


def write_certificate(
    conn: sqlite3.Connection, cert: CertificateState, stamp: str, with_tariffs: bool = True
) -> None:
    """Insert or replace a certificate (its C1 list too, unless a void only flags it)."""
    conn.execute(
        """
        INSERT INTO certificates (country, number, ior, issue_date, expiry_date, program,
                                  allowance, unit, status, balance, created, updated)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (country, number) DO UPDATE SET
            ior = excluded.ior, issue_date = excluded.issue_date,
            expiry_date = excluded.expiry_date, program = excluded.program,
            allowance = excluded.allowance, unit = excluded.unit, status = excluded.status,
            balance = excluded.balance, updated = excluded.updated
        """,
        (
            cert.country,
            cert.number,
            cert.ior,
            iso(cert.issue_date),
            iso(cert.expiry_date),
            cert.program,
            cert.allowance,
            cert.unit,
            "voided" if cert.voided else "active",
            cert.balance,
            stamp,
            stamp,
        ),
    )
    if with_tariffs:
        conn.execute("DELETE FROM certificate_tariffs WHERE country = ? AND number = ?", cert.key)
        conn.executemany(
            "INSERT INTO certificate_tariffs (country, number, hts) VALUES (?, ?, ?)",
            [(cert.country, cert.number, hts) for hts in sorted(cert.tariffs)],
        )


def write_entry(
    conn: sqlite3.Connection,
    entry: EntryState,
    stamp: str,
    with_lines: bool = True,
    new: bool = False,
) -> None:
    """Insert or replace an entry (its lines too, unless a cancel only flags it); a new entry has
    no old lines to remove."""
    conn.execute(
        """
        INSERT INTO entries (entry_number, filer, ior, entry_date, port, entry_type, status,
                             created, updated)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (entry_number) DO UPDATE SET
            ior = excluded.ior, entry_date = excluded.entry_date, port = excluded.port,
            entry_type = excluded.entry_type, status = excluded.status, updated = excluded.updated
        """,
        (
            entry.entry_number,
            entry.filer,
            entry.ior,
            iso(entry.entry_date),
            entry.port,
            entry.entry_type,
            "cancelled" if entry.cancelled else "active",
            stamp,
            stamp,
        ),
    )
    if with_lines and not new:
        conn.execute("DELETE FROM entry_lines WHERE entry_number = ?", (entry.entry_number,))
    if with_lines:
        conn.executemany(
            "INSERT INTO entry_lines (entry_number, line_number, country, certificate, hts,"
            " quantity, unit) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    entry.entry_number,
                    ln.line_number,
                    ln.country,
                    ln.certificate_number,
                    ln.hts_number,
                    ln.quantity,
                    ln.unit,
                )
                for ln in entry.lines
            ],
        )


def post_activities(
    conn: sqlite3.Connection,
    decision: Decision,
    certificates: Mapping[Key, CertificateState],
    stamp: str,
    transmission: int | None,
) -> None:
    """Append the ledger rows and move each certificate's balance with them, never without."""
    conn.executemany(
        "INSERT INTO activities (country, certificate, entry_number, line_number, activity,"
        " quantity, balance_after, allowance, unit, activity_date, entry_date, ior,"
        " transmission_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                a.country,
                a.certificate_number,
                a.entry_number,
                a.line_number,
                a.activity,
                a.quantity,
                a.balance_after,
                certificates[a.key].allowance,
                a.unit,
                iso(a.activity_date),
                iso(a.entry_date),
                a.ior,
                transmission,
            )
            for a in decision.activities
        ],
    )
    for key, balance in decision.balances.items():
        cur = conn.execute(
            "UPDATE certificates SET balance = ?, updated = ?"
            " WHERE country = ? AND number = ? AND balance = ?",
            (balance, stamp, key[0], key[1], certificates[key].balance),
        )
        if cur.rowcount != 1:  # the rule decided on a balance that is no longer the stored one
            raise StoreError(f"certificate {key[0]} {key[1]} changed while an entry was applied")
