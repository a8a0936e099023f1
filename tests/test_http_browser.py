"""The web view in Debian's chromium driven by playwright, its figures those of `ecert query`."""

# Each test signs in with an operator's key, walks the pages and keeps a screenshot of each in
# its own folder.

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REQUIRED = os.environ.get("ECERT_REQUIRE_BROWSER") == "1"  # CI: a missing browser fails
if REQUIRED:
    import playwright.sync_api as playwright
else:
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    playwright = pytest.importorskip("playwright.sync_api")

from http_served import AU_IOR, entry_file, entry_number, running, served

from ecert_edi import api

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

if not CHROMIUM.exists() and not REQUIRED:
    pytest.skip("no /usr/bin/chromium (apt-get install chromium; ECERT_REQUIRE_BROWSER=1"
                " makes this a failure)", allow_module_level=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    site = served(folder)
    for serial, quantity in ((2, 300_000), (3, 450_000)):  # three activities in all
        api.process_bytes(entry_file("B2X", f"B2X0000000000{serial}", serial, quantity),
                          site.db, clock=site.server.clock)
    return site


@pytest.fixture(scope="module")
def base(site):
    with running(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, base, site):
    context = browser.new_context(base_url=base)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                  else route.abort())  # no page may reach beyond the server
    tab = context.new_page()
    tab.goto("/certificates")
    assert "/login" in tab.url
    tab.fill("input[name=key]", site.keys["operator"])
    tab.click("button[type=submit]")
    assert tab.url.endswith("/certificates")
    yield tab
    context.close()


def _query(db: Path, *args: str) -> list[dict]:
    printed = subprocess.run(
        [sys.executable, "-c", "from ecert_edi.surfaces.cli import main; main()", "query",
         "--db", str(db), "--json", "--clock", "2026-01-20T12:00:00", *args],
        capture_output=True, text=True, check=True)
    return json.loads(printed.stdout)


def _figure(text: str) -> str:
    return text.replace(",", "")


def test_an_operator_filters_opens_a_certificate_and_sees_its_chart(page, site, tmp_path):
    page.screenshot(path=tmp_path / "certificates.png", full_page=True)
    rows = page.locator("#certificates tbody tr")
    assert rows.count() == 2
    page.fill("input[name=country]", "au")
    page.click("form.filters button[type=submit]")
    assert rows.count() == 1
    page.screenshot(path=tmp_path / "certificates-au.png", full_page=True)
    (expected,) = _query(site.db, "--certificate", "AU2026-000123", "--country", "AU",
                         "--usage")
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[:4] == ["AU", "AU2026-000123", AU_IOR, "TRQ"]
    assert [_figure(c) for c in cells[4:7]] == [expected["allowance"], expected["used"],
                                                expected["balance"]]
    assert rows.first.locator(".bar span").count() == 1

    page.click("text=AU2026-000123")
    assert page.url.endswith("/certificates/AU/AU2026-000123")
    page.screenshot(path=tmp_path / "certificate.png", full_page=True)
    chart = page.locator("svg.balance-chart")
    assert chart.count() == 1
    points = chart.locator("polyline").get_attribute("points").split()
    assert len(points) == 2 * len(expected["usage"]) + 1  # a step for each activity
    dots = chart.locator("circle.point")
    assert [int(d) for d in (dots.nth(i).get_attribute("data-balance")
                             for i in range(dots.count()))] == [
        round(float(v) * 100) for v in [expected["allowance"]]
        + [a["balance_after"] for a in expected["usage"]]]
    history = page.locator("#activities tbody tr")
    assert history.count() == len(expected["usage"])
    for i, activity in enumerate(expected["usage"]):
        row = history.nth(i).locator("td").all_inner_texts()
        assert (row[1], _figure(row[4]), _figure(row[5])) == (
            activity["entry_number"], activity["quantity"], activity["balance_after"])
    facts = page.locator("#certificate tbody td").all_inner_texts()
    assert _figure(facts[7]) == expected["balance"]


def test_the_entries_and_transmissions_pages(page, site, tmp_path):
    page.click("text=Entries")
    page.fill("input[name=number]", entry_number("B2X", 2).lower())
    page.click("form.filters button[type=submit]")
    assert page.url.endswith(f"/entries/{entry_number('B2X', 2)}")
    assert "3,000.00" in page.content()
    page.screenshot(path=tmp_path / "entry.png", full_page=True)
    page.click("text=Transmissions")
    rows = page.locator("#transmissions tbody tr")
    assert rows.count() == 5
    assert "B2X00000000003" in rows.last.inner_text()
    page.screenshot(path=tmp_path / "transmissions.png", full_page=True)


def test_without_javascript_the_pages_read_the_same(browser, base, site, tmp_path):
    context = browser.new_context(base_url=base, java_script_enabled=False)
    tab = context.new_page()
    tab.goto("/login")
    tab.fill("input[name=key]", site.keys["operator"])
    tab.click("button[type=submit]")
    tab.goto("/certificates/AU/AU2026-000123")
    assert tab.locator("svg.balance-chart polyline").count() == 1
    tab.screenshot(path=tmp_path / "certificate-no-script.png", full_page=True)
    context.close()


def test_a_senders_key_does_not_open_the_web_view(browser, base, site):
    context = browser.new_context(base_url=base)
    tab = context.new_page()
    tab.goto("/login")
    tab.fill("input[name=key]", site.keys["CG:AU"])
    tab.click("button[type=submit]")
    assert "/login" in tab.url and "not a live operator" in tab.content()
    cookies = context.cookies()
    assert not cookies
    context.close()


def test_the_session_cookie_is_httponly_and_holds_no_key(page, site):
    (cookie,) = page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert site.keys["operator"] not in cookie["value"]
    assert page.evaluate("document.cookie") == ""
