"""Certificate query (spec 6.3): which certificates a requester asks for and may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ecert_edi.domain.conditions import has_error
from ecert_edi.domain.transactions import Sender, Transaction
from ecert_edi.domain.decision import Decision, accepted, rejected
from ecert_edi.domain.state import CertificateState
from ecert_edi.domain.rules.static import static_conditions


@dataclass(frozen=True, slots=True)
class Selection:
    """The certificates a store loads as a query's candidates: by key, by IOR or by country."""

    by: str  # "key", "ior" or "country"
    country: str | None = None
    number: str | None = None
    ior: str | None = None


def query_selection(txn: Transaction, sender: Sender) -> Selection | None:
    """What to load for a query, None when a value the look-up needs is missing or faulty."""
    q0 = txn.header
    qtype, stype, own = txn.action, sender.sender_type, sender.code
    ior, number, country = (
        q0.get("ior_number"),
        q0.get("certificate_number"),
        q0.get("issuing_country"),
    )
    if stype == "FL":
        if qtype == "C" and None not in (ior, number, country):
            return Selection("key", country=country, number=number)
        if qtype == "I" and ior is not None:
            return Selection("ior", ior=ior)
        return None
    if stype == "CG" and own is not None:
        if qtype == "C" and number is not None:
            return Selection("key", country=country or own, number=number)
        if qtype == "I" and ior is not None:
            return Selection("ior", ior=ior)
        if qtype == "A":
            return Selection("country", country=own)
    return None


def visible(cert: CertificateState, txn: Transaction, sender: Sender) -> bool:
    """Whether the query asks for this certificate and the requester may see it."""
    q0 = txn.header
    qtype, own = txn.action, sender.code
    ior, number, country = (
        q0.get("ior_number"),
        q0.get("certificate_number"),
        q0.get("issuing_country"),
    )
    if sender.sender_type == "FL":
        if qtype == "C":
            return cert.key == (country, number) and cert.ior == ior
        return qtype == "I" and cert.ior == ior
    if sender.sender_type != "CG" or cert.country != own:
        return False  # a government never sees another country's certificate
    if qtype == "C":
        return (
            cert.number == number
            and (country is None or country == own)
            and (ior is None or cert.ior == ior)
        )
    if qtype == "I":
        return cert.ior == ior
    return qtype == "A"


def decide_query(
    txn: Transaction, sender: Sender, candidates: Iterable[CertificateState]
) -> Decision:
    """Answer a query from the candidates the store loaded for its selection.

    Nothing found and nothing the requester may see are the same condition 300.
    """
    conds = list(txn.conditions) + static_conditions(txn, sender)
    found = sorted({c.key for c in candidates if visible(c, txn, sender)})
    if not found and query_selection(txn, sender) is not None:
        conds.append(txn.header.fault("300"))
    if has_error(conds):
        return rejected(conds)
    return accepted(conds, found=found)
