"""`ecert serve`'s API through TestClient: endpoints, visibility, errors, idempotency, bytes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from http_served import (
    AU_IOR,
    CA_IOR,
    CLOCK,
    TestClient,
    entry_file,
    entry_number,
    query_file,
    served,
)

from ecert_edi import api

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
AU_CERT = "/v1/certificates/AU/AU2026-000123"
ABI = {"content-type": "text/plain"}


@pytest.fixture
def site(tmp_path):
    return served(tmp_path)


@pytest.fixture
def client(site):
    with TestClient(site.app()) as c:
        yield c


def ecert(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from ecert_edi.surfaces.cli import main; main()",
                           *args], capture_output=True, text=True, check=False)


def post(client, site, who, body, media=ABI):
    return client.post("/v1/transmissions", content=body, headers={**site.auth(who), **media})


def test_a_government_reads_its_own_certificate_and_its_usage(client, site):
    got = client.get(AU_CERT, headers=site.auth("CG:AU"))
    assert got.status_code == 200
    assert got.json()["balance"] == "24000.00" and got.json()["status"] == "A"
    detail = client.get(AU_CERT, params={"usage": 1}, headers=site.auth("CG:AU")).json()
    assert [(a["activity"], a["quantity"], a["balance_after"]) for a in detail["usage"]] == [
        ("D", "1000.00", "24000.00")]
    assert {k: v for k, v in detail.items() if k != "usage"} == got.json()


def test_the_answers_are_what_ecert_query_json_prints(client, site):
    printed = ecert("query", "--db", str(site.db), "--certificate", "AU2026-000123", "--country",
                    "AU", "--usage", "--json", "--clock", "2026-01-20T12:00:00")
    (expected,) = json.loads(printed.stdout)
    got = client.get(AU_CERT, params={"usage": "1"}, headers=site.auth("operator")).json()
    assert got == expected


@pytest.mark.parametrize("who", ["CG:CA", "FL:C3Y"])
def test_a_certificate_not_yours_is_answered_exactly_like_one_that_does_not_exist(
        client, site, who):
    params = {"ior": CA_IOR} if who.startswith("FL") else {}  # another IOR than its own
    hidden = client.get(AU_CERT, params=params, headers=site.auth(who))
    absent = client.get("/v1/certificates/AU/AU2026-999999", params=params,
                        headers=site.auth(who))
    assert hidden.status_code == absent.status_code == 404
    assert hidden.content == absent.content
    assert hidden.headers == absent.headers
    assert hidden.headers["content-type"] == "application/problem+json"
    body = hidden.json()
    assert body["status"] == 404 and body["title"] == "Not Found"


def test_a_filer_sees_a_certificate_whose_ior_it_names(client, site):
    named = client.get(AU_CERT, params={"ior": AU_IOR}, headers=site.auth("FL:C3Y"))
    assert named.status_code == 200
    wrong = client.get(AU_CERT, params={"ior": CA_IOR}, headers=site.auth("FL:C3Y"))
    absent = client.get("/v1/certificates/AU/NOSUCH", params={"ior": CA_IOR},
                        headers=site.auth("FL:C3Y"))
    assert wrong.status_code == 404 and wrong.content == absent.content
    assert wrong.headers == absent.headers


def test_a_filer_naming_no_ior_is_told_so_whatever_the_certificate(client, site):
    present = client.get(AU_CERT, headers=site.auth("FL:B2X"))
    absent = client.get("/v1/certificates/AU/NOSUCH", headers=site.auth("FL:B2X"))
    assert present.status_code == absent.status_code == 400
    assert present.content == absent.content
    assert "IOR" in present.json()["detail"]


def test_certificate_lists_follow_the_ec_query(client, site):
    def numbers(who, **params):
        got = client.get("/v1/certificates", params=params, headers=site.auth(who))
        assert got.status_code == 200, got.text
        return [c["certificate_number"] for c in got.json()]

    assert numbers("CG:AU") == ["AU2026-000123"]           # A: the whole country
    assert numbers("CG:AU", ior=CA_IOR) == []               # I: only its own country's
    assert numbers("CG:CA", ior=CA_IOR) == ["CA2026-000001"]
    assert numbers("FL:C3Y", ior=CA_IOR) == ["CA2026-000001"]
    assert numbers("operator") == ["AU2026-000123", "CA2026-000001"]
    assert numbers("operator", country="ca") == ["CA2026-000001"]
    detailed = client.get("/v1/certificates", params={"usage": 1, "ior": AU_IOR},
                          headers=site.auth("FL:C3Y")).json()
    assert [(c["certificate_number"], len(c["usage"])) for c in detailed] == [
        ("AU2026-000123", 1)]
    assert client.get("/v1/certificates", params={"usage": 1, "ior": "55-5555555ZZ"},
                      headers=site.auth("FL:C3Y")).json() == []
    refused = client.get("/v1/certificates", headers=site.auth("FL:B2X"))
    assert refused.status_code == 400  # a filer may not ask for a whole country (304)


def test_an_entry_is_its_filers(client, site):
    path = f"/v1/entries/{entry_number('B2X', 1)}"
    mine = client.get(path, headers=site.auth("FL:B2X"))
    assert mine.status_code == 200
    assert mine.json()["lines"][0]["quantity"] == "1000.00"
    assert client.get(path, headers=site.auth("operator")).status_code == 200
    for who in ("FL:C3Y", "CG:AU"):
        hidden = client.get(path, headers=site.auth(who))
        absent = client.get(f"/v1/entries/{entry_number('B2X', 9)}", headers=site.auth(who))
        assert hidden.status_code == 404
        assert (hidden.content, hidden.headers) == (absent.content, absent.headers)


def test_transmissions_are_listed_for_their_sender(client, site):
    def senders(who):
        got = client.get("/v1/transmissions", headers=site.auth(who))
        assert got.status_code == 200
        return [(t["sender"], t["control_number"]) for t in got.json()]

    assert senders("FL:B2X") == [("FL:B2X", "B2X00000000001")]
    assert senders("FL:C3Y") == []
    assert senders("CG:AU") == [("CG:AU", "AU260120000001")]
    assert len(senders("operator")) == 3


def test_a_posted_transmission_is_processed_once(client, site):
    body = entry_file("B2X", "B2X00000000002", 2, quantity=250_000)
    first = post(client, site, "FL:B2X", body)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/plain")
    assert first.content.startswith(b"ACBECERT")
    again = post(client, site, "FL:B2X", body)
    assert again.content == first.content
    got = client.get(AU_CERT, headers=site.auth("CG:AU")).json()
    assert got["used"] == "3500.00"  # 1,000.00 + 2,500.00, once


def test_another_senders_transmission_is_refused_and_recorded_nowhere(client, site):
    body = entry_file("B2X", "B2X00000000002", 2)
    for who in ("FL:C3Y", "CG:AU"):
        refused = post(client, site, who, body)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    assert [t.control_number for t in _transmissions(site.db)] == [
        "AU260120000001", "CA260120000001", "B2X00000000001"]
    assert client.get(AU_CERT, headers=site.auth("CG:AU")).json()["used"] == "1000.00"


def _transmissions(db):
    from ecert_edi.store import open_store

    with open_store(db, create=False) as store, store.read():
        return list(store.transmissions())


def test_the_answer_is_the_bytes_ecert_process_writes(client, site, tmp_path):
    files = {"entry.txt": entry_file("B2X", "B2X00000000002", 2),
             "query.txt": query_file("B2X", "B2X00000000003")}
    copy = tmp_path / "copy.db"
    copy.write_bytes(site.db.read_bytes())
    out = tmp_path / "out"
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    assert ecert("process", "--db", str(copy), "--out", str(out), "--clock",
                 "2026-01-20T12:00:00", *(str(tmp_path / n) for n in files)).returncode == 0
    for name, body in files.items():
        assert post(client, site, "FL:B2X", body).content == (out / f"{name}.resp").read_bytes()


def test_a_test_transmission_works_on_the_test_ledger(client, site):
    cert = (FIXTURES / "spec" / "certificate.txt").read_bytes()  # environment T
    assert post(client, site, "CG:AU", cert).status_code == 200
    test = client.get("/v1/certificates/AU/AU2026-000123", params={"environment": "test"},
                      headers=site.auth("CG:AU")).json()
    assert test["used"] == "0.00"
    production = client.get(AU_CERT, headers=site.auth("CG:AU")).json()
    assert production["used"] == "1000.00"
    assert client.get("/v1/transmissions", params={"environment": "test"},
                      headers=site.auth("CG:AU")).json()[0]["control_number"] == "AU260115000001"


def test_an_x12_interchange_is_answered_with_its_files_by_name(client, site):
    pytest.importorskip("pyx12")
    example = FIXTURES / "x12" / "worked-example"
    body = (example / "AU260115000001.x12").read_bytes()
    got = post(client, site, "CG:AU", body, {"content-type": "application/edi-x12"})
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/json"
    files = got.json()
    assert set(files) <= {"ta1", "999", "997", "resp"}
    assert files["resp"].startswith("ISA")
    assert post(client, site, "CG:AU", body, {"content-type": "application/edi-x12"}
                ).json() == files
    refused = post(client, site, "CG:CA", body, {"content-type": "application/edi-x12"})
    assert refused.status_code == 403


def test_the_x12_answer_is_the_files_ecert_process_writes(client, site, tmp_path):
    pytest.importorskip("pyx12")
    source = FIXTURES / "x12" / "worked-example" / "AU260115000001.x12"
    copy = tmp_path / "copy.db"
    copy.write_bytes(site.db.read_bytes())
    out = tmp_path / "out"
    assert ecert("process", "--db", str(copy), "--out", str(out), "--clock",
                 "2026-01-20T12:00:00", str(source)).returncode == 0
    got = post(client, site, "CG:AU", source.read_bytes(),
               {"content-type": "application/edi-x12"}).json()
    written = {p.suffix.lstrip("."): p.read_text("latin-1") for p in sorted(out.iterdir())}
    assert got == written


def test_no_key_an_unknown_key_or_a_revoked_key_is_401(client, site):
    assert client.get(AU_CERT).status_code == 401
    assert client.get(AU_CERT).headers["www-authenticate"].startswith("Bearer")
    bad = client.get(AU_CERT, headers={"Authorization": "Bearer ecert_0000000000000000_x"})
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"
    assert client.get(AU_CERT, headers={"Authorization": "Basic abc"}).status_code == 401
    from ecert_edi.surfaces.http.keys import split_key

    key_id, _ = split_key(site.keys["CG:AU"])
    assert client.get(AU_CERT, headers=site.auth("CG:AU")).status_code == 200
    site.server.keys.revoke(key_id, "2026-01-20T12:00:00+00:00")
    assert client.get(AU_CERT, headers=site.auth("CG:AU")).status_code == 401


def test_a_body_past_the_limit_is_413_and_recorded_nowhere(tmp_path):
    site = served(tmp_path, max_body=2_000)
    with TestClient(site.app()) as client:
        body = entry_file("B2X", "B2X00000000002", 2)
        padded = body + b"\n" * 2_000
        assert post(client, site, "FL:B2X", padded).status_code == 413

        def chunks():
            yield padded

        streamed = client.post("/v1/transmissions", content=chunks(),
                               headers={**site.auth("FL:B2X"), **ABI})
        assert streamed.status_code == 413
        assert streamed.headers["content-type"] == "application/problem+json"
        assert len(_transmissions(site.db)) == 3
        assert post(client, site, "FL:B2X", body).status_code == 200


def test_other_media_and_empty_bodies_are_problems(client, site):
    wrong = post(client, site, "FL:B2X", b"{}", {"content-type": "application/json"})
    assert wrong.status_code == 415
    empty = post(client, site, "FL:B2X", b"")
    assert empty.status_code == 200 and b"023" in empty.content  # as `ecert process` answers
    # told by its first bytes, as `ecert process` tells it: ABI whatever the label
    labelled = post(client, site, "FL:B2X", entry_file("B2X", "B2X00000000002", 2),
                    {"content-type": "application/edi-x12"})
    assert labelled.status_code == 200 and labelled.content.startswith(b"ACBECERT")
    bad = client.get(AU_CERT, params={"environment": "staging"}, headers=site.auth("CG:AU"))
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_a_malformed_transmission_is_answered_as_ecert_process_answers_it(client, site):
    got = post(client, site, "FL:B2X", b"not a transmission\n")
    assert got.status_code == 200
    assert got.content == api.process_bytes(b"not a transmission\n", site.db, clock=CLOCK)


def test_keys_are_added_listed_and_revoked_from_the_command_line(tmp_path):
    def keys(*args):
        return ecert("keys", *args, "--db", str(tmp_path / "ecert.db"))

    made = keys("add", "--sender", "fl:b2x")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("ecert_")
    assert (tmp_path / "ecert-keys.db").exists()
    assert key.encode() not in (tmp_path / "ecert-keys.db").read_bytes()
    listed = keys("list", "--json")
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["for"] == "FL:B2X" and row["revoked"] is None
    assert keys("revoke", row["id"]).returncode == 0
    assert keys("revoke", row["id"]).returncode == 1
    assert json.loads(keys("list", "--json").stdout)["revoked"]
    assert keys("add", "--sender", "XX:1").returncode == 2
    assert keys("add").returncode == 2
    assert keys("add", "--operator").stdout.startswith("ecert_")
