"""What a key may see: a sender's reads are EC queries (spec 6.3); an operator sees everything."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ecert_edi.bindings.abi.layouts import LAYOUTS
from ecert_edi.domain.rules import CertificateState, certificate_status
from ecert_edi.domain.transactions import Query, Record
from ecert_edi.ledger import Ledger
from ecert_edi.store import LedgerStore
from ecert_edi.surfaces.http.keys import Principal
from ecert_edi.surfaces.http.problems import Problem, not_found

# The reads answer by the ledger service exactly as a Q0 in a file is answered: the policy of
# spec 6.3 is written once (domain/rules/queries.py).
_COLUMNS = {f.name: f.pos for f in LAYOUTS["Q0"].fields}
NOTHING_FOUND = "300"  # nothing found, or nothing the requester may see: one condition (6.3)


def as_query(query_type: str, *, ior: str | None = None, number: str | None = None,
             country: str | None = None) -> Query:
    """The Q0 a request stands for, its values as the binding would read them."""
    values = {"record_identifier": "Q0", "query_type": query_type, "query_reference": "HTTP",
              "ior_number": ior, "certificate_number": number, "issuing_country": country,
              "usage_detail": "N", "filler": None}
    return Query(header=Record("Q0", 0, values, columns=_COLUMNS))


def shown(store: LedgerStore, who: Principal, query: Query, clock: dt.datetime
          ) -> list[tuple[CertificateState, str]]:
    """The certificates a query finds that `who` may see, each with its status, in key order.

    Read as stored (with its tariffs); a query a sender may not make (301, 302, 304) is 400.
    """
    if who.operator:
        found = _everything(store, query)
    else:
        answer = Ledger(store).answer_query(query, who.sender, clock)
        refused = [c for c in answer.decision.conditions
                   if c.is_error and c.code != NOTHING_FOUND]
        if refused:
            raise Problem(400, "; ".join(c.text.strip() for c in refused))
        found = [view.certificate for view in answer.certificates]
    with store.read():  # with their tariff lists, read together
        stored = store.certificates([cert.key for cert in found])
    full = [stored.get(cert.key, cert) for cert in found]
    return [(cert, certificate_status(cert, clock)) for cert in sorted(full, key=_key)]


def one(store: LedgerStore, who: Principal, query: Query, clock: dt.datetime
        ) -> tuple[CertificateState, str]:
    """The one certificate a `C` query names, or the 404 that absence and not-yours share
    (a query refused for what it lacks is 400: that depends on the request alone)."""
    found = shown(store, who, query, clock)
    if not found:
        raise not_found()
    return found[0]


def _everything(store: LedgerStore, query: Query) -> Iterable[CertificateState]:
    q0 = query.header
    with store.read():
        if query.action == "C":
            cert = store.certificate(q0.get("issuing_country") or "", q0.get("certificate_number"))
            ior = q0.get("ior_number")
            return [cert] if cert is not None and ior in (None, cert.ior) else []
        if q0.get("ior_number") is not None:
            return list(store.certificates_by_ior(q0.get("ior_number")))
        if q0.get("issuing_country") is not None:
            return list(store.certificates_of_country(q0.get("issuing_country")))
        return list(store.all_certificates())


def _key(cert: CertificateState) -> tuple[str, str]:
    return cert.key
