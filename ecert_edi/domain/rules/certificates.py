"""Certificate registration (spec 6.1): add, replace and void of a CR transaction."""

from __future__ import annotations

from ecert_edi.domain.conditions import Condition, has_error
from ecert_edi.domain.transactions import Sender, Transaction
from ecert_edi.domain.decision import Decision, accepted, rejected
from ecert_edi.domain.state import CertificateState
from ecert_edi.domain.rules.static import static_conditions


def decide_certificate(
    txn: Transaction, sender: Sender, stored: CertificateState | None, used: int
) -> Decision:
    """Accept or reject a CR transaction against the stored certificate and its quantity in use."""
    conds = list(txn.conditions) + static_conditions(txn, sender)
    action = txn.action
    if action == "A":
        return _add(txn, stored, conds)
    if action == "R":
        return _replace(txn, stored, used, conds)
    if action == "D":
        return _void(txn, stored, used, conds)
    return rejected(conds)  # an unreadable action code is already a field condition


def registered(txn: Transaction, balance: int, voided: bool = False) -> CertificateState | None:
    """The certificate a CR add or replace registers, None while a value it needs is missing."""
    c0 = txn.header
    values = (
        c0.get("issuing_country"),
        c0.get("certificate_number"),
        c0.get("ior_number"),
        c0.get("issue_date"),
        c0.get("quota_program"),
        c0.get("allowance_quantity"),
        c0.get("unit_of_measure"),
    )
    if any(v is None for v in values):
        return None
    country, number, ior, issue, program, allowance, unit = values
    return CertificateState(
        country=country,
        number=number,
        ior=ior,
        issue_date=issue,
        expiry_date=c0.get("expiry_date"),
        program=program,
        allowance=allowance,
        unit=unit,
        balance=balance,
        voided=voided,
        tariffs=frozenset(h for c1 in txn.details if (h := c1.get("hts_number")) is not None),
    )


def _same_content(stored: CertificateState, new: CertificateState | None) -> bool:
    if new is None:
        return False
    return (
        stored.ior == new.ior
        and stored.issue_date == new.issue_date
        and stored.expiry_date == new.expiry_date
        and stored.program == new.program
        and stored.allowance == new.allowance
        and stored.unit == new.unit
        and stored.tariffs == new.tariffs
    )


def _add(txn: Transaction, stored: CertificateState | None, conds: list[Condition]) -> Decision:
    c0 = txn.header
    new = registered(txn, balance=c0.get("allowance_quantity") or 0)
    repeat = False
    if stored is not None:
        if stored.voided:
            conds.append(c0.fault("109", "certificate_number"))
        elif _same_content(stored, new):
            repeat = True
        else:
            conds.append(c0.fault("101", "certificate_number"))
    if has_error(conds) or new is None:
        return rejected(conds)
    if repeat:
        return accepted(conds + [c0.fault("900")], unchanged=True)
    return accepted(conds, certificate=new)


def _replace(
    txn: Transaction, stored: CertificateState | None, used: int, conds: list[Condition]
) -> Decision:
    c0 = txn.header
    if stored is None:
        conds.append(c0.fault("102", "certificate_number"))
    elif stored.voided:
        conds.append(c0.fault("109", "certificate_number"))
    else:
        allowance = c0.get("allowance_quantity")
        if allowance is not None and allowance < used:
            conds.append(c0.fault("104", "allowance_quantity"))
        ior, unit = c0.get("ior_number"), c0.get("unit_of_measure")
        if used > 0 and ior is not None and ior != stored.ior:
            conds.append(c0.fault("107", "ior_number"))
        if used > 0 and unit is not None and unit != stored.unit:
            conds.append(c0.fault("110", "unit_of_measure"))
    allowance = c0.get("allowance_quantity") or 0
    new = registered(txn, balance=allowance - used)
    if has_error(conds) or new is None:
        return rejected(conds)
    return accepted(conds, certificate=new)


def _void(
    txn: Transaction, stored: CertificateState | None, used: int, conds: list[Condition]
) -> Decision:
    c0 = txn.header
    repeat = False
    if stored is None:
        conds.append(c0.fault("102", "certificate_number"))
    elif stored.voided:
        repeat = True
    elif used > 0:
        conds.append(c0.fault("108", "certificate_number"))
    if has_error(conds) or stored is None:
        return rejected(conds)
    if repeat:
        return accepted(conds + [c0.fault("900")], unchanged=True)
    return accepted(conds, certificate=stored.with_changes(voided=True))
