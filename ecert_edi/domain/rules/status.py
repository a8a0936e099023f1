"""Certificate status as a query answers it (spec 6.3): voided, expired, exhausted or active."""

from __future__ import annotations

import datetime as dt

from ecert_edi.domain.clock import as_date
from ecert_edi.domain.state import CertificateState


def certificate_status(cert: CertificateState, clock: dt.datetime | dt.date | None) -> str:
    """`V` voided; else `X` expiry before the processing date; else `E` balance zero; else `A`."""
    today = as_date(clock)
    if cert.voided:
        return "V"
    if cert.expiry_date is not None and today is not None and cert.expiry_date < today:
        return "X"
    if cert.balance <= 0:
        return "E"
    return "A"
