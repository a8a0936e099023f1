"""Checks that need only the transaction and its sender, no stored state (also run by validate)."""

from __future__ import annotations

from ecert_edi.domain.codes import valid_entry_number, valid_ior
from ecert_edi.domain.conditions import Condition
from ecert_edi.domain.transactions import Sender, Transaction


def static_conditions(txn: Transaction, sender: Sender) -> list[Condition]:
    """Every database-independent rule condition of a transaction (not its field conditions)."""
    check = _CHECKS.get(txn.kind)
    if check is None:
        return []
    return check(txn, sender)


def certificate_conditions(txn: Transaction, sender: Sender) -> list[Condition]:
    """103, 105, 106, 111, 112 of a CR transaction."""
    c0 = txn.header
    out: list[Condition] = []
    country, own = c0.get("issuing_country"), sender.code
    if country is not None and own is not None and country != own:
        out.append(c0.fault("106", "issuing_country"))
    if not txn.reads_details:
        return out  # a void reads only its key
    ior = c0.get("ior_number")
    if ior is not None and not valid_ior(ior):
        out.append(c0.fault("103", "ior_number"))
    issue, expiry = c0.get("issue_date"), c0.get("expiry_date")
    if issue is not None and expiry is not None and expiry < issue:
        out.append(c0.fault("105", "expiry_date"))
    allowance = c0.get("allowance_quantity")
    if allowance is not None and allowance <= 0:
        out.append(c0.fault("112", "allowance_quantity"))
    seen: set[int] = set()
    for c1 in txn.details:
        hts = c1.get("hts_number")
        if hts is None:
            continue
        if hts in seen:
            out.append(c1.fault("111", "hts_number"))
        seen.add(hts)
    return out


def entry_conditions(txn: Transaction, sender: Sender) -> list[Condition]:
    """103, 211-216 of an EN transaction."""
    e0 = txn.header
    out: list[Condition] = []
    values = e0.values  # read directly: this runs for every entry of a file
    try:
        number, ior, action = values["entry_number"], values["ior_number"], values["action"]
    except KeyError:  # a header without its fields (no decoder makes one): as Record.get says
        number, ior, action = e0.get("entry_number"), e0.get("ior_number"), e0.get("action")
    if number is not None:
        if not valid_entry_number(number):
            out.append(e0.fault("211", "entry_number"))
        filer = sender.code
        if filer is not None and number[:3] != filer:
            out.append(e0.fault("212", "entry_number"))
    if ior is not None and not valid_ior(ior):
        out.append(e0.fault("103", "ior_number"))
    if not txn.reads_details:
        if txn.details:
            out.append(txn.details[0].fault("215", "record_identifier"))
        return out  # a cancel's lines are not checked
    if action in ("A", "R") and not txn.details:
        out.append(e0.fault("214"))
    seen: set[int] = set()
    for e1 in txn.details:
        values = e1.values  # read directly: this loop runs for every line of every entry
        line_number = values["line_number"]
        if line_number is not None:
            if line_number in seen:
                out.append(e1.fault("213", "line_number"))
            seen.add(line_number)
        quantity = values["quantity"]
        if quantity is not None and quantity <= 0:
            out.append(e1.fault("216", "quantity"))
    return out


def query_conditions(txn: Transaction, sender: Sender) -> list[Condition]:
    """103, 301, 302, 304 of an EC transaction (spec 6.3 table)."""
    q0 = txn.header
    out: list[Condition] = []
    qtype, stype = txn.action, sender.sender_type
    if qtype == "A" and stype == "FL":
        out.append(q0.fault("304", "query_type"))
    ior_required = qtype == "I" or (qtype == "C" and stype == "FL")
    if ior_required and q0.blank("ior_number"):
        out.append(q0.fault("301", "ior_number"))
    if qtype == "C":
        if q0.blank("certificate_number"):
            out.append(q0.fault("302", "certificate_number"))
        if stype == "FL" and q0.blank("issuing_country"):
            out.append(q0.fault("302", "issuing_country"))
    ior = q0.get("ior_number")
    # a query of all a country's certificates does not use the IOR field (spec 6.3)
    if ior is not None and qtype != "A" and not valid_ior(ior):
        out.append(q0.fault("103", "ior_number"))
    return out


_CHECKS = {
    "certificate": certificate_conditions,
    "entry": entry_conditions,
    "query": query_conditions,
}
