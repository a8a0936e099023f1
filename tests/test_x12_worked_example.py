"""Section 9: the worked example, byte for byte, in 00501 and in its 00401 form."""

from __future__ import annotations

import datetime as dt

import pytest
from test_x12_build import EXAMPLE, INBOUND, RECORDS

from ecert_edi.bindings.x12 import (
    functional_ack,
    read_interchange,
    ta1,
    translate_to_x12,
    wrap_response,
)
from ecert_edi.processing.transmission import respond
from ecert_edi.store import open_store

SENT = dt.datetime(2026, 1, 15, 9, 30)
PROCESSED = dt.datetime(2026, 1, 15, 9, 31)
CERTIFICATE = EXAMPLE.parent.parent / "spec" / "certificate.txt"


def as_00401(text: str) -> str:
    """The spec's 00401 form of a section 9 file: ISA11 U, ISA12 00401, GS08 004010ECERT, ST
    without ST03 (9, last paragraph)."""
    return (text.replace("*^*00501*", "*U*00401*").replace("005010ECERT~\nST*996*0001*"
                                                            "005010ECERT~", "004010ECERT~\nST*996*0001~")
            .replace("X*005010ECERT", "X*004010ECERT"))


def expected(name: str, version: str) -> str:
    text = (EXAMPLE / name).read_text()
    return text if version == "00501" else as_00401(text)


def inbound(version: str) -> bytes:
    return expected("AU260115000001.x12", version).encode()


@pytest.mark.parametrize("version", ["00501", "00401"])
def test_translate_writes_the_inbound_file(version):
    option = {"00501": "005010", "00401": "004010"}[version]
    out = "".join(translate_to_x12(CERTIFICATE.read_bytes(), version=option, ta1=True, clock=SENT))
    assert out == expected("AU260115000001.x12", version)


@pytest.mark.parametrize("version", ["00501", "00401"])
def test_ta1_accepts_and_echoes(version):
    ix = read_interchange(inbound(version))
    assert ix.ta1_faults == [] and ix.wants_ta1()
    assert ta1(ix, PROCESSED, 1) == expected("AU260115000001.x12.ta1", version)


def test_999_of_the_example():
    ix = read_interchange(INBOUND)
    assert ix.wants_ack()
    assert functional_ack(ix, PROCESSED, 2) == (EXAMPLE / "AU260115000001.x12.999").read_text()


def test_997_of_the_00401_form():
    ix = read_interchange(inbound("00401"))
    ack = functional_ack(ix, PROCESSED, 2)
    body = ack.split("~\n")
    # the spec gives the set; the envelope is the 999's with 00401's ISA11/ISA12/GS08
    assert "~".join(body[2:8]) + "~" == "ST*997*0001~AK1*FT*1~AK2*996*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~"
    assert ack == as_00401((EXAMPLE / "AU260115000001.x12.999").read_text()).replace(
        "ST*999*0001*005010ECERT~\nAK1*FT*1*005010ECERT~\nAK2*996*0001*005010ECERT~\nIK5*A~",
        "ST*997*0001~\nAK1*FT*1~\nAK2*996*0001~\nAK5*A~")


def test_the_carried_transmission_is_the_abi_file_normalised():
    ix = read_interchange(INBOUND)
    (tset,) = ix.processable()
    assert tset.abi() == CERTIFICATE.read_bytes()
    assert tset.abi() == "".join(r.ljust(80) + "\n" for r in RECORDS).encode()


@pytest.mark.parametrize("version", ["00501", "00401"])
def test_business_response_through_processing(version, tmp_path):
    # The ABI response comes from the existing processing, on a fresh database.
    ix = read_interchange(inbound(version))
    store = open_store(tmp_path / "ecert.db")
    responses = [(s, list(respond(s.abi(), store, PROCESSED))) for s in ix.processable()]
    assert wrap_response(ix, responses, PROCESSED, 3).decode() == expected(
        "AU260115000001.x12.resp", version)


def test_identity_is_the_a_record_and_answers_echo_the_envelope(tmp_path):
    # 1: ISA06 ANYONE with an A record CG/AU is processed as from CG/AU, answered to ANYONE
    data = INBOUND.read_bytes().replace(b"*CGAU           *", b"*ANYONE         *")
    ix = read_interchange(data)
    (tset,) = ix.processable()
    store = open_store(tmp_path / "ecert.db")
    response = wrap_response(ix, [(tset, list(respond(tset.open_abi(), store, PROCESSED)))],
                             PROCESSED, 3).decode()
    assert "*ZZ*ANYONE         *" in ta1(ix, PROCESSED, 1)
    assert "*ZZ*ANYONE         *" in functional_ack(ix, PROCESSED, 2)
    assert response.startswith(expected("AU260115000001.x12.resp", "00501").split("\n")[0]
                               .replace("CGAU           ", "ANYONE         "))
    # the ABI response is CGAU's registration accepted: the sender came from the A record
    assert "K3*R0AC0AAU2026-000123       AU011526093100000~" in response


def test_business_response_from_given_bytes():
    # The same wrapping from the ABI response bytes alone (the K3 values of the spec's file).
    ix = read_interchange(INBOUND)
    resp = (EXAMPLE / "AU260115000001.x12.resp").read_text()
    k3 = [line[3:-1] for line in resp.splitlines() if line.startswith("K3*")]
    abi = "".join(v.ljust(80) + "\n" for v in k3).encode()
    (tset,) = ix.processable()
    assert wrap_response(ix, [(tset, abi)], PROCESSED, 3).decode() == resp
