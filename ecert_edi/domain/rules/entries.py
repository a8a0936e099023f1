"""Certificate quota entry (spec 6.2): add, replace and cancel of an EN transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ecert_edi.domain.conditions import Condition, has_error
from ecert_edi.domain.transactions import Record, Sender, Transaction
from ecert_edi.domain.clock import as_date
from ecert_edi.domain.decision import Activity, Decision, accepted, rejected
from ecert_edi.domain.state import CertificateState, EntryLine, EntryState, Key
from ecert_edi.domain.rules.static import static_conditions


def decide_entry(
    txn: Transaction,
    sender: Sender,
    stored_entry: EntryState | None,
    certificates: Mapping[Key, CertificateState],
    clock: dt.datetime | dt.date | None,
) -> Decision:
    """Accept or reject an EN transaction against the stored entry and the certificates it names.

    `certificates` must hold every certificate on file that the transaction's lines or the stored
    entry's lines name; a key it lacks is a certificate not on file.
    """
    conds = list(txn.conditions) + static_conditions(txn, sender)
    action = txn.action
    today = as_date(clock)
    if action == "A":
        return _add(txn, stored_entry, certificates, today, conds)
    if action == "R":
        return _replace(txn, stored_entry, certificates, today, conds)
    if action == "C":
        return _cancel(txn, stored_entry, certificates, today, conds)
    return rejected(conds)  # an unreadable action code is already a field condition


def _add(txn, stored, certificates, today, conds: list[Condition]) -> Decision:
    e0 = txn.header
    repeat = False
    if stored is not None:
        if not stored.cancelled and _same_entry(stored, txn):
            repeat = True  # its lines were checked and deducted when it was first added
        else:
            conds.append(e0.fault("207", "entry_number"))
    if not repeat:
        conds.extend(line_conditions(txn, certificates, _balances(certificates), conds))
    new = _entry_of(txn)
    if has_error(conds) or new is None:
        return rejected(conds)
    if repeat:
        return accepted(conds + [e0.fault("900")], unchanged=True)
    balances = _balances(certificates)
    activities = _deduct(txn, new, balances, today)
    return accepted(conds + _exhausted(activities), activities=activities, entry=new)


def _replace(txn, stored, certificates, today, conds: list[Condition]) -> Decision:
    e0 = txn.header
    active = _check_stored(txn, stored, conds)
    available = _balances(certificates)
    if active:
        for line in stored.lines:  # the new lines are checked with the old ones already restored
            available[line.key] = available.get(line.key, 0) + line.quantity
    conds.extend(line_conditions(txn, certificates, available, conds))
    new = _entry_of(txn)
    if has_error(conds) or new is None or not active:
        return rejected(conds)
    balances = _balances(certificates)
    activities = _restore(stored, e0, balances, today)
    activities += _deduct(txn, new, balances, today)
    return accepted(conds + _exhausted(activities), activities=activities, entry=new)


def _cancel(txn, stored, certificates, today, conds: list[Condition]) -> Decision:
    active = _check_stored(txn, stored, conds)
    if has_error(conds) or not active:
        return rejected(conds)
    activities = _restore(stored, txn.header, _balances(certificates), today)
    return accepted(conds, activities=activities, entry=stored.with_changes(cancelled=True))


def _check_stored(txn: Transaction, stored: EntryState | None, conds: list[Condition]) -> bool:
    """208, 209, 210 of a replace or cancel; whether the stored entry is active."""
    e0 = txn.header
    if stored is None:
        conds.append(e0.fault("208", "entry_number"))
        return False
    if stored.cancelled:
        conds.append(e0.fault("209", "entry_number"))
        return False
    ior = e0.get("ior_number")
    if ior is not None and ior != stored.ior:
        conds.append(e0.fault("210", "ior_number"))
    return True


def line_conditions(
    txn: Transaction,
    certificates: Mapping[Key, CertificateState],
    available: dict[Key, int],
    earlier: list[Condition],
) -> list[Condition]:
    """200-206 of each line in file order; `available` is drawn down by every line that passes.

    A line passes when no error stands at its line, the field conditions in `earlier` included;
    a failing line reserves nothing, so a later line's 202 sees only the lines that passed.  A
    certificate of another IOR gets 201 alone, and one the entry names no readable IOR for gets
    nothing: what depends on a certificate (202-206) is told only to its IOR's filers (spec 6.2).
    """
    e0 = txn.header
    entry_ior, entry_date = e0.get("ior_number"), e0.get("entry_date")
    faulty_lines = {c.line for c in earlier if c.is_error}
    out: list[Condition] = []
    for e1 in txn.details:
        values = e1.values  # read directly: this loop runs for every line of every entry
        country, number = values["issuing_country"], values["certificate_number"]
        if country is None or number is None:
            continue
        key = (country, number)
        cert = certificates.get(key)
        if cert is None:
            out.append(e1.fault("200", "certificate_number"))
            continue
        if entry_ior != cert.ior:
            if entry_ior is not None:
                out.append(e1.fault("201", "certificate_number"))
            continue
        found: list[Condition] = []
        if cert.voided:
            found.append(e1.fault("206", "certificate_number"))
        unit = values["unit_of_measure"]
        if unit is not None and unit != cert.unit:
            found.append(e1.fault("203", "unit_of_measure"))
        hts = values["hts_number"]
        if hts is not None and cert.tariffs and hts not in cert.tariffs:
            found.append(e1.fault("204", "hts_number"))
        if entry_date is not None and not _valid_on(cert, entry_date):
            found.append(e1.fault("205", "certificate_number"))
        quantity = values["quantity"]
        if quantity is not None and quantity > available.get(key, 0):
            found.append(e1.fault("202", "quantity"))
        out.extend(found)
        if not found and quantity is not None and e1.line not in faulty_lines:
            available[key] = available.get(key, 0) - quantity
    return out


def _valid_on(cert: CertificateState, day: dt.date) -> bool:
    """Issue date <= day <= expiry date (no expiry: open-ended)."""
    if cert.issue_date is not None and day < cert.issue_date:
        return False
    return cert.expiry_date is None or day <= cert.expiry_date


def _balances(certificates: Mapping[Key, CertificateState]) -> dict[Key, int]:
    return {key: cert.balance for key, cert in certificates.items()}


def _same_entry(stored: EntryState, txn: Transaction) -> bool:
    """Whether an add repeats the stored entry: IOR, header fields, lines by line number."""
    e0 = txn.header
    header = (
        e0.get("ior_number"),
        e0.get("entry_date"),
        e0.get("port_of_entry"),
        e0.get("entry_type"),
    )
    if header != (stored.ior, stored.entry_date, stored.port, stored.entry_type):
        return False
    lines = _lines_of(txn)
    if lines is None:
        return False
    new = {line.line_number: line for _e1, line in lines}
    old = {line.line_number: line for line in stored.lines}
    return len(new) == len(lines) and new == old


def _lines_of(txn: Transaction) -> list[tuple[Record, EntryLine]] | None:
    """The transaction's E1 lines in file order, None while a value of one is missing."""
    out = []
    for e1 in txn.details:
        v = e1.values
        values = (
            v["line_number"],
            v["issuing_country"],
            v["certificate_number"],
            v["hts_number"],
            v["quantity"],
            v["unit_of_measure"],
        )
        if None in values:
            return None
        out.append((e1, EntryLine(*values)))
    return out


def _entry_of(txn: Transaction) -> EntryState | None:
    """The entry an add or replace files, None while a value it needs is missing."""
    e0 = txn.header
    number, ior = e0.get("entry_number"), e0.get("ior_number")
    lines = _lines_of(txn)
    if number is None or ior is None or lines is None:
        return None
    return EntryState(
        entry_number=number,
        ior=ior,
        entry_date=e0.get("entry_date"),
        port=e0.get("port_of_entry"),
        entry_type=e0.get("entry_type"),
        lines=tuple(line for _e1, line in lines),
    )


def _deduct(txn: Transaction, entry: EntryState, balances: dict[Key, int], today) -> list[Activity]:
    """`D` rows of the new lines, in file order (the entry's lines are the E1s, in order)."""
    out = []
    for e1, line in zip(txn.details, entry.lines, strict=True):
        balances[line.key] -= line.quantity
        out.append(_activity(entry, line, e1, "D", balances[line.key], today))
    return out


def _restore(
    stored: EntryState, header: Record, balances: dict[Key, int], today
) -> list[Activity]:
    """`I` rows of the stored lines, by ascending line number, with the stored entry's date."""
    out = []
    for line in sorted(stored.lines, key=lambda ln: ln.line_number):
        if line.key not in balances:
            continue  # a certificate on file for every active line is a store invariant
        balances[line.key] += line.quantity
        out.append(_activity(stored, line, header, "I", balances[line.key], today))
    return out


def _activity(
    entry: EntryState, line: EntryLine, source: Record, kind: str, balance: int, today
):
    # positional, in Activity's field order (one a line of every accepted entry)
    return Activity(line.country, line.certificate_number, entry.entry_number, line.line_number,
                    source, kind, line.quantity, balance, line.unit, entry.entry_date, entry.ior,
                    today)


def _exhausted(activities: list[Activity]) -> list[Condition]:
    """901 for each certificate deducted from whose balance is then zero, at its last D row."""
    final = {a.key: a.balance_after for a in activities}
    last_deduction = {a.key: a for a in activities if a.activity == "D"}
    return [
        a.source.fault("901", "certificate_number")
        for key, a in last_deduction.items()
        if final[key] == 0
    ]
