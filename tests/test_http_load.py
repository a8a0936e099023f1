"""A real `ecert serve` under 8 clients posting 200 transmissions: each answered once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from http_served import entry_file, running, served
from ledger_audit import ledger_problems

from ecert_edi import api

POSTS, CLIENTS = 200, 8
QUANTITY = 1_000  # 10.00 each


def test_concurrent_posts_are_each_answered_once_and_the_ledger_holds(tmp_path):
    site = served(tmp_path)
    bodies = [entry_file("B2X", f"B2X{10 + i:011d}", 10 + i, QUANTITY) for i in range(POSTS)]
    with running(site) as base:
        def client_run(share: list[bytes]) -> list[tuple[int, bytes, bytes]]:
            with httpx.Client(base_url=base, headers={**site.auth("FL:B2X"),
                                                      "content-type": "text/plain"},
                              timeout=120) as client:
                return [(r.status_code, body, r.content)
                        for body in share for r in [client.post("/v1/transmissions",
                                                                content=body)]]

        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = [a for part in pool.map(client_run, [bodies[i::CLIENTS]
                                                           for i in range(CLIENTS)])
                       for a in part]
    assert len(answers) == POSTS
    assert all(status == 200 for status, _, _ in answers)
    for _, body, response in answers:  # the response is to that transmission, and accepted
        control = body.splitlines()[0][27:41]
        assert response.splitlines()[0][27:41] == control
        assert b"R0AE0A" in response
    assert ledger_problems(site.db) == []
    cert = api.certificate(site.db, "AU", "AU2026-000123")
    assert cert.used == 100_000 + POSTS * QUANTITY
    assert cert.allowance - cert.used == cert.balance
    assert len(list(api.usage(site.db, "AU", "AU2026-000123"))) == POSTS + 1


def test_over_a_real_server_not_yours_and_absent_are_the_same_bytes(tmp_path):
    site = served(tmp_path)
    with running(site) as base, httpx.Client(base_url=base, headers=site.auth("CG:CA")) as c:
        hidden = c.get("/v1/certificates/AU/AU2026-000123")
        absent = c.get("/v1/certificates/AU/AU2026-999999")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.content == absent.content
    assert ({k: v for k, v in hidden.headers.items() if k != "date"}
            == {k: v for k, v in absent.headers.items() if k != "date"})
