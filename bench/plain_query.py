"""Figure (f'): a plain script answering the usage rows of one certificate, standard library only.

What any program answering an EZ usage-detail query must at least do: select the certificate's
ledger rows, oldest first, from the ecert database with sqlite3 and format each as an 80-column
S1 record (grammars/layouts.toml; the record layout of `s1_values` in
ecert_edi/bindings/abi/responses.py) with f-strings, then write them to a file (no fsync, no
envelope, no transmission recorded).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SELECT = ("SELECT entry_number, line_number, activity, quantity, balance_after, activity_date,"
          " entry_date, ior FROM activities WHERE country = ? AND certificate = ? ORDER BY id")


def _mmddyy(iso: str | None) -> str:
    return f"{iso[5:7]}{iso[8:10]}{iso[2:4]}" if iso else "      "


def s1_records(conn: sqlite3.Connection, country: str, number: str) -> list[str]:
    """The S1 records of a certificate's ledger, each 80 columns and a newline."""
    mmddyy = _mmddyy
    return [f"S1{entry:<11}{line:03d}{activity}{quantity:012d}{after:012d}{mmddyy(day)}"
            f"{mmddyy(entry_day)}{ior:<12}{'':15}\n"
            for entry, line, activity, quantity, after, day, entry_day, ior
            in conn.execute(SELECT, (country, number))]


def answer(conn: sqlite3.Connection, country: str, number: str, out: Path) -> int:
    """Write the S1 records of a certificate to `out`; how many."""
    records = s1_records(conn, country, number)
    with open(out, "w", encoding="ascii", newline="\n") as fh:
        fh.writelines(records)
    return len(records)
