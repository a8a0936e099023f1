"""The operators' web view: certificates, a certificate's chart, entries, transmissions."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecert_edi.domain.clock import processing_clock
from ecert_edi.domain.quantities import quantity_text
from ecert_edi.domain.rules import certificate_status
from ecert_edi.surfaces.cli.transmissions import transmission_row
from ecert_edi.surfaces.http.auth import caller, server
from ecert_edi.surfaces.http.charts import balance_chart
from ecert_edi.surfaces.http.keys import Principal
from ecert_edi.surfaces.http.ledgers import Environment, reading
from ecert_edi.surfaces.http.markup import field, link, page, table
from ecert_edi.surfaces.http.problems import Problem

router = APIRouter(include_in_schema=False)  # pages for people, each readable without a script
SHOWN = 1_000  # rows of the certificates table; the filters narrow a longer list
ACTIVITIES = {"D": "deducted", "I": "restored"}
STATUSES = {"A": "active", "E": "exhausted", "X": "expired", "V": "voided"}
CERTIFICATE_COLUMNS = ("Country", "Number", "IOR", "Program", "Allowance", "Used", "Balance",
                       "Status", "Utilisation")
ACTIVITY_COLUMNS = ("Date", "Entry", "Line", "Activity", "Quantity", "Balance after", "IOR")
NUMBERS = frozenset({"Allowance", "Used", "Balance", "Quantity", "Balance after", "Line"})


def _viewer(request: Request) -> Principal | Response:
    """The operator looking, or the answer to give instead: the login page, or 403."""
    try:
        who = caller(request)
    except Problem:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if not who.operator:
        return HTMLResponse(page("Not an operator", "<p>Only an operator's key opens the web"
                                 " view.</p>", signed_in=False), status_code=403)
    return who


def _environment(request: Request) -> Environment:
    value = request.query_params.get("environment", "production")
    if value not in Environment.__members__:
        raise Problem(400, "environment is production or test")
    return Environment(value)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/certificates", status_code=303)


@router.get("/certificates", response_class=HTMLResponse)
def certificates_page(request: Request) -> Response:
    who = _viewer(request)
    if isinstance(who, Response):
        return who
    environment, params = _environment(request), request.query_params
    wanted = {k: (params.get(k) or "").strip().upper() for k in ("country", "ior", "program")}
    status = params.get("status", "")
    clock = processing_clock()
    rows, more = [], False
    with reading(server(request).db, environment) as store, store.read():
        for cert in store.all_certificates():
            state = certificate_status(cert, clock)
            if any(v and getattr(cert, k) != v for k, v in wanted.items()) or (
                    status and STATUSES.get(state) != status):
                continue
            if len(rows) == SHOWN:
                more = True
                break
            href = f"/certificates/{quote(cert.country)}/{quote(cert.number)}" + (
                "?environment=test" if environment is Environment.test else "")
            rows.append((cert.country, link(href, cert.number), cert.ior, cert.program,
                         quantity_text(cert.allowance), quantity_text(cert.used),
                         quantity_text(cert.balance), STATUSES[state],
                         _bar(cert.used, cert.allowance)))
    filters = ('<form class="filters" method="get" action="/certificates">'
               + field("country", "Country", wanted["country"])
               + field("ior", "IOR", wanted["ior"])
               + field("program", "Program", wanted["program"], ["", "TRQ", "TPL"])
               + field("status", "Status", status, ["", *STATUSES.values()])
               + field("environment", "Ledger", environment.value, ["production", "test"])
               + '<button type="submit">Filter</button></form>')
    shown = table(CERTIFICATE_COLUMNS, rows, numeric=NUMBERS, raw=frozenset({"Number",
                  "Utilisation"}), table_id="certificates") if rows else "<p>No certificate.</p>"
    note = f"<p>The first {SHOWN} shown: narrow the filters.</p>" if more else ""
    return HTMLResponse(page("Certificates", filters + shown + note))


def _bar(used: int, allowance: int) -> str:
    share = min(max(used / allowance, 0.0), 1.0) if allowance > 0 else 0.0
    cls = ' class="high"' if share >= 0.9 else ""
    return (f'<span class="bar" title="{share:.0%} used"><span{cls}'
            f' style="width:{share * 100:.1f}%"></span></span> {share:.0%}')


@router.get("/certificates/{country}/{number}", response_class=HTMLResponse)
def certificate_page(request: Request, country: str, number: str) -> Response:
    who = _viewer(request)
    if isinstance(who, Response):
        return who
    environment = _environment(request)
    with reading(server(request).db, environment) as store, store.read():
        cert = store.certificate(country.upper(), number.upper())
        if cert is None:
            return HTMLResponse(page("Not found", "<p>No such certificate.</p>"),
                                status_code=404)
        history = list(store.ledger(*cert.key))
    state = STATUSES[certificate_status(cert, processing_clock())]
    facts = table(("Country", "Number", "IOR", "Program", "Unit", "Allowance", "Used",
                   "Balance", "Status", "Issued", "Expires"),
                  [(cert.country, cert.number, cert.ior, cert.program, cert.unit,
                    quantity_text(cert.allowance), quantity_text(cert.used),
                    quantity_text(cert.balance), state, cert.issue_date.isoformat(),
                    cert.expiry_date.isoformat() if cert.expiry_date else "-")],
                  numeric=NUMBERS, table_id="certificate")
    chart = balance_chart(cert.allowance, [(r.activity_date, r.balance_after) for r in history],
                          cert.issue_date)
    rows = [(r.activity_date.isoformat(), link(f"/entries/{quote(r.entry_number)}",
                                              r.entry_number),
             f"{r.line_number:03d}", ACTIVITIES[r.activity],
             quantity_text(r.quantity), quantity_text(r.balance_after), r.ior) for r in history]
    activities = table(ACTIVITY_COLUMNS, rows, numeric=NUMBERS, raw=frozenset({"Entry"}),
                       table_id="activities") if rows else "<p>No activity.</p>"
    body = (facts + "<h2>Balance after each activity</h2>" + chart + "<h2>Activities</h2>"
            + activities)
    return HTMLResponse(page(f"Certificate {cert.country} {cert.number}", body))


@router.get("/entries", response_class=HTMLResponse)
def entries_page(request: Request, number: str = "") -> Response:
    who = _viewer(request)
    if isinstance(who, Response):
        return who
    if number.strip():
        return RedirectResponse(f"/entries/{quote(number.strip().upper())}", status_code=303)
    form = ('<form class="filters" method="get" action="/entries">'
            + field("number", "Entry number", "") + '<button type="submit">Open</button></form>')
    return HTMLResponse(page("Entries", form))


@router.get("/entries/{number}", response_class=HTMLResponse)
def entry_page(request: Request, number: str) -> Response:
    who = _viewer(request)
    if isinstance(who, Response):
        return who
    with reading(server(request).db, _environment(request)) as store, store.read():
        found = store.entry(number.upper())
        if found is None:
            return HTMLResponse(page("Not found", "<p>No such entry.</p>"), status_code=404)
        history = list(store.entry_ledger(found.entry_number))
    head = table(("Entry", "Filer", "IOR", "Entry date", "Port", "Type", "Status"),
                 [(found.entry_number, found.filer, found.ior,
                   found.entry_date.isoformat() if found.entry_date else "-",
                   f"{found.port:04d}" if found.port is not None else "-",
                   f"{found.entry_type:02d}" if found.entry_type is not None else "-",
                   "cancelled" if found.cancelled else "active")], table_id="entry")
    lines = table(("Line", "Country", "Certificate", "HTS", "Quantity", "Unit"),
                  [(f"{ln.line_number:03d}", ln.country,
                    link(f"/certificates/{quote(ln.country)}/{quote(ln.certificate_number)}",
                         ln.certificate_number),
                    f"{ln.hts_number:010d}", quantity_text(ln.quantity), ln.unit)
                   for ln in found.lines],
                  numeric=NUMBERS, raw=frozenset({"Certificate"}), table_id="lines")
    acts = table(("Date", "Line", "Activity", "Quantity", "Balance after"),
                 [(r.activity_date.isoformat(), f"{r.line_number:03d}", ACTIVITIES[r.activity],
                   quantity_text(r.quantity), quantity_text(r.balance_after)) for r in history],
                 numeric=NUMBERS, table_id="activities")
    return HTMLResponse(page(f"Entry {found.entry_number}", head + "<h2>Lines</h2>" + lines
                             + "<h2>Activities</h2>" + acts))


@router.get("/transmissions", response_class=HTMLResponse)
def transmissions_page(request: Request) -> Response:
    who = _viewer(request)
    if isinstance(who, Response):
        return who
    environment = _environment(request)
    with reading(server(request).db, environment) as store, store.read():
        rows = [tuple("-" if v is None else str(v) for v in transmission_row(store, t))
                for t in store.transmissions()]
    choose = ('<form class="filters" method="get" action="/transmissions">'
              + field("environment", "Ledger", environment.value, ["production", "test"])
              + '<button type="submit">Show</button></form>')
    shown = table(("Sender", "Control number", "Received", "Status", "Accepted", "Rejected"),
                  rows, numeric=frozenset({"Accepted", "Rejected"}),
                  table_id="transmissions") if rows else "<p>No transmission.</p>"
    return HTMLResponse(page("Transmissions", choose + shown))
