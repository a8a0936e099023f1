"""The API over a PostgreSQL ledger: the same answers, the same visibility, as over SQLite."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

import postgres
from http_served import AU_IOR, TestClient, entry_file, served

AU_CERT = "/v1/certificates/AU/AU2026-000123"


def test_posts_and_reads_on_a_postgresql_ledger(tmp_path, postgres_database):
    site = served(tmp_path, db=postgres.schema_url(postgres_database))
    with TestClient(site.app()) as client:
        body = entry_file("B2X", "B2X00000000002", 2, quantity=250_000)
        headers = {**site.auth("FL:B2X"), "content-type": "text/plain"}
        first = client.post("/v1/transmissions", content=body, headers=headers)
        assert first.status_code == 200 and b"R0AE0A" in first.content
        assert client.post("/v1/transmissions", content=body, headers=headers
                           ).content == first.content
        got = client.get(AU_CERT, params={"ior": AU_IOR, "usage": 1},
                         headers=site.auth("FL:B2X")).json()
        assert (got["used"], len(got["usage"])) == ("3500.00", 2)
        hidden = client.get(AU_CERT, headers=site.auth("CG:CA"))
        absent = client.get("/v1/certificates/AU/NOSUCH", headers=site.auth("CG:CA"))
        assert hidden.status_code == 404
        assert (hidden.content, hidden.headers) == (absent.content, absent.headers)
