"""API keys: who a key speaks for, kept as a lookup id and an scrypt hash, never the key itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from ecert_edi.domain.senders import valid_sender_id
from ecert_edi.domain.transactions import Sender

OPERATOR = "operator"
PREFIX = "ecert"
# scrypt's cost: some 50 ms and 16 MiB a verification; a verified key is remembered in memory
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}


@dataclass(frozen=True, slots=True)
class Principal:
    """Whom a key speaks for: a government (`CG`, country), a filer (`FL`, filer code) or an
    operator (no code)."""

    kind: str  # "CG", "FL" or OPERATOR
    code: str | None = None

    @property
    def operator(self) -> bool:
        return self.kind == OPERATOR

    @property
    def sender(self) -> Sender:
        return Sender(self.kind, self.code)

    def __str__(self) -> str:
        return OPERATOR if self.operator else f"{self.kind}:{self.code}"


def parse_principal(text: str) -> Principal:
    """`CG:AU`, `FL:B2X` or `operator`; ValueError says why not."""
    if text.strip().lower() == OPERATOR:
        return Principal(OPERATOR)
    kind, colon, code = text.strip().upper().partition(":")
    if not colon or kind not in ("CG", "FL") or not code or not valid_sender_id(kind, code):
        raise ValueError(f"{text!r} is not a sender such as CG:AU or FL:B2X")
    return Principal(kind, code)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A key as stored: its lookup id, whom it speaks for, when made, whether revoked."""

    key_id: str
    principal: Principal
    created: str
    revoked: str | None
    salt: bytes
    digest: bytes


class KeyStore(Protocol):
    """Where keys are kept: by lookup id, with their hash; revoking keeps the row."""

    def add(self, record: KeyRecord) -> None: ...

    def get(self, key_id: str) -> KeyRecord | None: ...

    def all(self) -> Iterator[KeyRecord]: ...

    def revoke(self, key_id: str, when: str) -> bool: ...

    def close(self) -> None: ...


_NO_SALT = os.urandom(16)  # the salt of the verification an unknown key id is given


def _digest(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **SCRYPT)


def new_key(principal: Principal) -> tuple[str, KeyRecord]:
    """A fresh key (`ecert_<id>_<secret>`, shown once) and the record that keeps its hash."""
    key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), os.urandom(16)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    record = KeyRecord(key_id, principal, now, None, salt, _digest(secret, salt))
    return f"{PREFIX}_{key_id}_{secret}", record


def split_key(key: str) -> tuple[str, str] | None:
    """A presented key's lookup id and secret, None when it has not the shape of a key."""
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or len(key_id) != 16 or not secret:
        return None
    return key_id, secret


class Verifier:
    """Presented keys to principals: the row read each time (a revocation counts at once), the
    scrypt work done once a key and process."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store
        self._verified: dict[str, bytes] = {}  # key id -> sha256 of the secret that passed

    def principal(self, key: str) -> tuple[str, Principal] | None:
        parts = split_key(key)
        if parts is None:
            return None
        key_id, secret = parts
        return self.by_id(key_id, secret)

    def by_id(self, key_id: str, secret: str | None = None) -> tuple[str, Principal] | None:
        """The principal of a live key; with `secret`, only when it is that key's secret."""
        record = self.store.get(key_id)
        if record is None or record.revoked is not None:
            if secret is not None:
                # the work a wrong secret costs: an id that is unknown or revoked is not told
                # apart from a live one by the time its answer takes
                _digest(secret, _NO_SALT)
            return None
        if secret is not None and not self._matches(record, secret):
            return None
        return key_id, record.principal

    def _matches(self, record: KeyRecord, secret: str) -> bool:
        seen = hashlib.sha256(secret.encode()).digest()
        known = self._verified.get(record.key_id)
        if known is not None and hmac.compare_digest(known, seen):
            return True
        if not hmac.compare_digest(_digest(secret, record.salt), record.digest):
            return False
        self._verified[record.key_id] = seen
        return True
