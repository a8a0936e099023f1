"""Who is asking: a Bearer key, or the session cookie the login form set for an operator."""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import Request

from ecert_edi.surfaces.http.config import Server
from ecert_edi.surfaces.http.keys import Principal
from ecert_edi.surfaces.http.problems import Problem, unauthorized

COOKIE = "ecert_session"


def server(request: Request) -> Server:
    return request.app.state.server


def caller(request: Request) -> Principal:
    """The principal of the request's key or session; 401 without a live one."""
    found = _from_header(request) or _from_cookie(request)
    if found is None:
        raise unauthorized()
    return found


def operator(request: Request) -> Principal:
    """An operator's principal; any other key is refused."""
    who = caller(request)
    if not who.operator:
        raise Problem(403, "only an operator's key reaches this")
    return who


def _from_header(request: Request) -> Principal | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise unauthorized("the Authorization header is not Bearer <key>")
    found = server(request).verifier.principal(key.strip())
    if found is None:
        raise unauthorized("this key is unknown or revoked")
    return found[1]


def _from_cookie(request: Request) -> Principal | None:
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    key_id = session_key(server(request), value)
    found = None if key_id is None else server(request).verifier.by_id(key_id)
    return None if found is None else found[1]


def _signature(srv: Server, text: str) -> str:
    return hmac.new(srv.secret, text.encode(), hashlib.sha256).hexdigest()


def new_session(srv: Server, key_id: str) -> str:
    """A cookie value naming a key until it expires, signed with the server's secret: the key
    itself never goes into a cookie, and a revoked key's sessions end with it."""
    text = f"{key_id}.{int(time.time()) + srv.session_hours * 3600}"
    return f"{text}.{_signature(srv, text)}"


def session_key(srv: Server, value: str) -> str | None:
    """The key id of a live, untampered session, else None."""
    text, _, signature = value.rpartition(".")
    key_id, _, expiry = text.partition(".")
    if not hmac.compare_digest(_signature(srv, text), signature):
        return None
    if not expiry.isdigit() or int(expiry) < time.time():
        return None
    return key_id
