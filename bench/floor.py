"""Figure (g): the write floor of an entry file, with the stdlib's sqlite3 and nothing else.

What any correct processor must at least do to apply entry transmissions durably, and nothing
more: no parsing (the entries come in as tuples, read untimed by bench/run.py's `load_entries`),
no rules beyond the balance and IOR checks that decide which entries are written, no response.

Per commit group of `GROUP` entries of a file, in one `BEGIN IMMEDIATE` ... `COMMIT`:

- one read of the stored state of the group's entries (`IN (...)`: existence, IOR, status, date)
  and of the lines of those it cancels or replaces; each certificate is read once for the run;
- the decisions in Python: an add whose number is taken, or a line whose certificate is unknown,
  of another IOR or short of balance, rejects the entry and writes nothing; a cancel or replace
  restores the old lines first (a replace that then does not fit writes nothing either);
- then one `executemany` per statement: entries inserted (new) or updated (cancelled, replaced),
  the old lines of replaced entries deleted (a cancelled entry keeps its lines, as the product's
  does), the new lines inserted, one ledger row
  a line (deductions and restores), and one conditional balance update a line,
  `UPDATE certificates SET balance = balance + ?d ... AND balance + ?d >= 0` (for a deduction
  `balance >= quantity`), whose row count is checked.

WAL and `synchronous = FULL`, as the product.  Stdlib only: importable without ecert_edi.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

GROUP = 1000  # entries a commit, as the product's COMMIT_EVERY

SCHEMA = """
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


def database(folder: Path, certificates: list[tuple], cache_kib: int | None = None
             ) -> sqlite3.Connection:
    """A new database in a new folder holding `certificates` (country, number, IOR, unit,
    allowance text), balance = allowance; WAL, full sync, the product's page cache size."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    if cache_kib:
        conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    conn.executescript(SCHEMA)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO certificates VALUES (?, ?, ?, ?, ?, ?)",
                     [(c, n, i, u, int(q), int(q)) for c, n, i, u, q in certificates])
    conn.execute("COMMIT")
    return conn


@dataclass
class Counts:
    accepted: int = 0
    rejected: int = 0
    commits: int = 0


def write(conn: sqlite3.Connection, files: list[list[tuple]], today: str,
          group: int = GROUP) -> Counts:
    """Apply the entries of each file in commit groups of `group`; what was accepted.

    An entry is (action, number, IOR, date, port, type, [(line, country, certificate, HTS,
    quantity, unit)]), quantities in hundredths, as bench/run.py's `load_entries` gives them.
    """
    certificates: dict[tuple[str, str], list] = {}  # key -> [balance, IOR, unit]; read once
    counts = Counts()
    for entries in files:
        for start in range(0, len(entries), group):
            _group(conn, entries[start:start + group], certificates, today, counts)
    return counts


def _group(conn, entries, certificates, today, counts) -> None:
    ex = conn.execute
    ex("BEGIN IMMEDIATE")
    numbers = list({e[1]: None for e in entries})
    marks = ",".join("?" * len(numbers))
    # (IOR, status, date) of each entry as stored before the group
    stored = {n: (i, s, d) for n, i, s, d in ex(
        "SELECT entry_number, ior, status, entry_date FROM entries"
        f" WHERE entry_number IN ({marks})",
        numbers)}
    old_lines: dict[str, list] = {}
    touched = [n for n in numbers if n in stored]
    if touched:
        for row in ex("SELECT entry_number, line_number, country, certificate, hts, quantity, unit"
                      f" FROM entry_lines WHERE entry_number IN ({','.join('?' * len(touched))})"
                      " ORDER BY entry_number, line_number", touched):
            old_lines.setdefault(row[0], []).append(row[1:])

    state: dict[str, list] = {}  # number -> [IOR, status, date, port, type, lines] after the group
    new: set[str] = set()  # added in this group
    cleared: set[str] = set()  # stored before the group; its stored lines are replaced
    deltas: list[tuple] = []  # (signed quantity, country, certificate), in order
    ledger: list[tuple] = []

    def current(number):
        if number in state:
            return state[number]
        if number in stored:
            ior, status, date = stored[number]
            return [ior, status, date, None, None, old_lines.get(number, [])]
        return None

    def certificate(key):
        found = certificates.get(key)
        if found is None:
            row = ex("SELECT balance, ior, unit FROM certificates WHERE country = ? AND number = ?",
                     key).fetchone()
            found = certificates[key] = list(row) if row is not None else None
        return found

    for action, number, ior, date, port, etype, lines in entries:
        entry = current(number)
        if action == "A":
            if entry is not None:
                counts.rejected += 1  # the number is taken
                continue
        elif entry is None or entry[1] != "active" or entry[0] != ior:
            counts.rejected += 1  # nothing to cancel or replace, or another importer's
            continue
        moved: dict[tuple, int] = {}  # tentative balances of this entry
        # (signed quantity, country, certificate, line, activity, balance after, entry date)
        rows: list[tuple] = []
        if action != "A":
            for line, country, cert, _hts, qty, _unit in entry[5]:
                key = (country, cert)
                after = moved.get(key, certificate(key)[0]) + qty
                moved[key] = after
                rows.append((qty, country, cert, line, "I", after, entry[2]))
        fits = True
        if action != "C":
            for line, country, cert, _hts, qty, unit in lines:
                key = (country, cert)
                found = certificate(key)
                if found is None or found[1] != ior or found[2] != unit:
                    fits = False
                    break
                left = moved.get(key, found[0])
                if qty > left:
                    fits = False
                    break
                moved[key] = left - qty
                rows.append((-qty, country, cert, line, "D", left - qty, date))
        if not fits:
            counts.rejected += 1
            continue
        counts.accepted += 1
        for key, balance in moved.items():
            certificates[key][0] = balance
        for delta, country, cert, line, activity, after, when in rows:
            deltas.append((delta, country, cert))
            ledger.append((country, cert, number, line, activity, abs(delta), after, today, when,
                           ior))
        if action == "A":
            new.add(number)
            state[number] = [ior, "active", date, port, etype,
                             [(ln, c, n, h, q, u) for ln, c, n, h, q, u in lines]]
            continue
        if action == "C":  # its lines stay, as what was cancelled; only the status changes
            state[number] = [entry[0], "cancelled", entry[2], entry[3], entry[4], entry[5]]
            continue
        if number not in new:
            cleared.add(number)
        state[number] = [ior, "active", date, port, etype,
                         [(ln, c, n, h, q, u) for ln, c, n, h, q, u in lines]]

    conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)",
                     [(n, s[0], s[2], s[3], s[4], s[1]) for n, s in state.items() if n in new])
    conn.executemany(
        "UPDATE entries SET ior = ?, entry_date = ?, port = coalesce(?, port),"
        " entry_type = coalesce(?, entry_type), status = ? WHERE entry_number = ?",
        [(s[0], s[2], s[3], s[4], s[1], n) for n, s in state.items() if n not in new])
    conn.executemany("DELETE FROM entry_lines WHERE entry_number = ?", [(n,) for n in cleared])
    conn.executemany("INSERT INTO entry_lines VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(n, *line) for n, s in state.items() if n in new or n in cleared
                      for line in s[5]])
    conn.executemany(
        "INSERT INTO activities (country, certificate, entry_number, line_number, activity,"
        " quantity, balance_after, activity_date, entry_date, ior)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ledger)
    cur = conn.executemany(
        "UPDATE certificates SET balance = balance + ?1"
        " WHERE country = ?2 AND number = ?3 AND balance + ?1 >= 0", deltas)
    if cur.rowcount != len(deltas):
        ex("ROLLBACK")
        raise RuntimeError(f"{len(deltas) - cur.rowcount} balance updates found a balance that"
                           " no longer covers them")
    ex("COMMIT")
    counts.commits += 1


def summary(conn: sqlite3.Connection) -> tuple[int, int, int, int]:
    """What a run left, to compare with the product's database (same table and column names):
    the sum of the balances, ledger rows, stored lines, active entries."""
    one = lambda sql: conn.execute(sql).fetchone()[0] or 0
    return (one("SELECT SUM(balance) FROM certificates"), one("SELECT COUNT(*) FROM activities"),
            one("SELECT COUNT(*) FROM entry_lines"),
            one("SELECT COUNT(*) FROM entries WHERE status = 'active'"))
