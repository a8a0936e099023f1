"""Who may send what (spec 4.2): sender types, their identifiers, and the applications each sends."""

from __future__ import annotations

from ecert_edi.domain.codes import COUNTRIES, valid_filer_code

# Applications each sender type may send (condition 019).
ALLOWED_SENDERS = {"CR": ("CG",), "EN": ("FL",), "EC": ("CG", "FL")}
RESPONDER = "CB"  # the sender type of responses; never an inbound sender


def application_allowed(application: str, sender_type: str | None) -> bool:
    """Whether a sender type may send a batch of an application (an unreadable type may)."""
    return sender_type is None or sender_type in ALLOWED_SENDERS[application]


def valid_sender_id(sender_type: str | None, sender_id: str | None) -> bool:
    """A government's ID is its ISO country code, a filer's its 3-character filer code."""
    if sender_id is None:
        return True  # absence is the field's own condition
    if sender_type == "CG":
        return sender_id in COUNTRIES
    if sender_type == "FL":
        return valid_filer_code(sender_id)
    return True
