"""What a server is started with: the ledger, the keys, the body limit, the session secret."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from ecert_edi.surfaces.http.keys import KeyStore, Verifier

MAX_BODY = 64 * 1024 * 1024  # bytes of a posted transmission, by default
SESSION_HOURS = 8


@dataclass
class Server:
    """One server's settings; the session secret is new each start (sessions end with it)."""

    db: str
    keys: KeyStore
    max_body: int = MAX_BODY
    session_hours: int = SESSION_HOURS
    clock: dt.datetime | None = None  # a fixed processing time (tests, replays); else now
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    verifier: Verifier = field(init=False)

    def __post_init__(self) -> None:
        self.verifier = Verifier(self.keys)
