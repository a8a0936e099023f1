"""Signing in to the web view: an operator's key exchanged for a session cookie, and out."""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ecert_edi.surfaces.http.auth import COOKIE, new_session, server
from ecert_edi.surfaces.http.markup import page
from ecert_edi.surfaces.http.problems import Problem

router = APIRouter(include_in_schema=False)
LONGEST_FORM = 4096  # bytes: a key and its field name, with room to spare


def _local(target: str) -> str:
    """Where to go after signing in: a path of this server only (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") else "/certificates"


@router.get("/login")
def login_form(error: str = "", next: str = "/certificates") -> HTMLResponse:
    message = '<p class="error">That is not a live operator\'s key.</p>' if error else ""
    form = (f'{message}<form method="post" action="/login?next={quote(_local(next))}">'
            '<label>Operator key<input name="key" type="password" autocomplete="off"'
            ' size="60"></label> <button type="submit">Sign in</button></form>')
    return HTMLResponse(page("Sign in", form, signed_in=False))


@router.post("/login")
async def login(request: Request, next: str = "/certificates") -> Response:
    """An operator's key exchanged for a session cookie (HttpOnly: no script reads it)."""
    body = b""
    async for chunk in request.stream():  # read no further than a form can be long
        body += chunk
        if len(body) > LONGEST_FORM:
            raise Problem(413, "a sign-in form is short")
    key = (parse_qs(body.decode("latin-1")).get("key") or [""])[0].strip()
    srv = server(request)
    found = await run_in_threadpool(srv.verifier.principal, key)  # scrypt: off the event loop
    if found is None or not found[1].operator:
        return RedirectResponse(f"/login?error=1&next={quote(next)}", status_code=303)
    answer = RedirectResponse(_local(next), status_code=303)
    answer.set_cookie(COOKIE, new_session(srv, found[0]), max_age=srv.session_hours * 3600,
                      httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return answer


@router.post("/logout")
def logout() -> Response:
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(COOKIE)
    return answer
