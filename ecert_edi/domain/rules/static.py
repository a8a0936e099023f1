"""Checks that need only the transaction and its sender, no stored state (also run by validate)."""

from __future__ import annotations

from ecert_edi.domain.codes import valid_entry_number, valid_ior
from ecert_edi.domain.conditions import Condition, condition
from ecert_edi.bindings.abi.layouts import LAYOUTS
from ecert_edi.domain.transactions import Record, Sender, Transaction


def static_conditions(txn: Transaction, sender: Sender) -> list[Condition]:
    """Every database-independent rule condition of a transaction (not its field conditions)."""
    check = _CHECKS.get(txn.kind)
    if check is None:
        return []
    return check(txn, sender)


def sender_id(sender: Sender) -> str | None:
    """The sender ID as compared with a country or filer code, None when unreadable."""
    value = (sender.sender_id or "").strip(" ")
    return value or None


def absent(rec: Record, name: str) -> bool:
    """Whether a field is blank in the record (a faulty, non-blank field is present)."""
    if rec.raw:
        sl = LAYOUTS[rec.rid].field(name).slice
        return rec.raw[sl].strip(" ") == ""
    return rec.get(name) is None


def certificate_conditions(txn: Transaction, sender: Sender) -> list[Condition]:
    """103, 105, 106, 111, 112 of a CR transaction."""
    c0 = txn.header
    out: list[Condition] = []
    country, own = c0.get("issuing_country"), sender_id(sender)
    if country is not None and own is not None and country != own:
        out.append(condition("106", c0.line, 24))
    if txn.action == "D":
        return out  # a void reads only its key
    ior = c0.get("ior_number")
    if ior is not None and not valid_ior(ior):
        out.append(condition("103", c0.line, 26))
    issue, expiry = c0.get("issue_date"), c0.get("expiry_date")
    if issue is not None and expiry is not None and expiry < issue:
        out.append(condition("105", c0.line, 44))
    allowance = c0.get("allowance_quantity")
    if allowance is not None and allowance <= 0:
        out.append(condition("112", c0.line, 53))
    seen: set[int] = set()
    for c1 in txn.details:
        hts = c1.get("hts_number")
        if hts is None:
            continue
        if hts in seen:
            out.append(condition("111", c1.line, 3))
        seen.add(hts)
    return out


def entry_conditions(txn: Transaction, sender: Sender) -> list[Condition]:
    """103, 211-216 of an EN transaction."""
    e0 = txn.header
    out: list[Condition] = []
    number = e0.values.get("entry_number")
    if number is not None:
        if not valid_entry_number(number):
            out.append(condition("211", e0.line, 4))
        filer = sender_id(sender)
        if filer is not None and number[:3] != filer:
            out.append(condition("212", e0.line, 4))
    ior = e0.values.get("ior_number")
    if ior is not None and not valid_ior(ior):
        out.append(condition("103", e0.line, 15))
    action = e0.values.get("action")
    if action == "C":
        if txn.details:
            out.append(condition("215", txn.details[0].line, 1))
        return out  # a cancel's lines are not checked
    if action in ("A", "R") and not txn.details:
        out.append(condition("214", e0.line, 0))
    seen: set[int] = set()
    for e1 in txn.details:
        values = e1.values  # read directly: this loop runs for every line of every entry
        line_number = values.get("line_number")
        if line_number is not None:
            if line_number in seen:
                out.append(condition("213", e1.line, 3))
            seen.add(line_number)
        quantity = values.get("quantity")
        if quantity is not None and quantity <= 0:
            out.append(condition("216", e1.line, 38))
    return out


def query_conditions(txn: Transaction, sender: Sender) -> list[Condition]:
    """103, 301, 302, 304 of an EC transaction (spec 6.3 table)."""
    q0 = txn.header
    out: list[Condition] = []
    qtype, stype = txn.action, sender.sender_type
    if qtype == "A" and stype == "FL":
        out.append(condition("304", q0.line, 3))
    ior_required = qtype == "I" or (qtype == "C" and stype == "FL")
    if ior_required and absent(q0, "ior_number"):
        out.append(condition("301", q0.line, 14))
    if qtype == "C":
        if absent(q0, "certificate_number"):
            out.append(condition("302", q0.line, 26))
        if stype == "FL" and absent(q0, "issuing_country"):
            out.append(condition("302", q0.line, 46))
    ior = q0.get("ior_number")
    # a query of all a country's certificates does not use the IOR field (spec 6.3)
    if ior is not None and qtype != "A" and not valid_ior(ior):
        out.append(condition("103", q0.line, 14))
    return out


_CHECKS = {
    "certificate": certificate_conditions,
    "entry": entry_conditions,
    "query": query_conditions,
}
