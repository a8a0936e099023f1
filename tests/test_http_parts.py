"""The HTTP surface's parts alone: the chart, the keys and their hashes, the sessions."""

from __future__ import annotations

import datetime as dt
import re

import pytest

pytest.importorskip("fastapi")

from ecert_edi.surfaces.http.auth import new_session, session_key
from ecert_edi.surfaces.http.charts import MARKED, MOST, balance_chart
from ecert_edi.surfaces.http.config import Server
from ecert_edi.surfaces.http.keyfile import SQLiteKeyStore
from ecert_edi.surfaces.http.keys import (
    Verifier,
    new_key,
    parse_principal,
    split_key,
)

DAY = dt.date(2026, 1, 2)


def _points(svg: str) -> list[tuple[float, float]]:
    (points,) = re.findall(r'<polyline[^>]* points="([^"]*)"', svg)
    return [tuple(map(float, p.split(","))) for p in points.split()]


def test_the_chart_steps_down_with_each_activity_and_marks_each():
    svg = balance_chart(1_000, [(DAY, 700), (DAY, 200), (DAY, 500)], DAY)
    steps = _points(svg)
    assert len(steps) == 1 + 2 * 3
    heights = [y for _, y in steps[::2]]
    assert heights[0] < heights[1] < heights[2] > heights[3]  # down, down, up (y grows down)
    assert re.findall(r'data-balance="(\d+)"', svg) == ["1000", "700", "200", "500"]


def test_a_long_history_is_drawn_in_a_bounded_number_of_points():
    history = [(DAY, 100_000 - i) for i in range(1, 20_001)]
    svg = balance_chart(100_000, history, DAY)
    drawn = int(re.search(r'data-points="(\d+)"', svg).group(1))
    assert drawn <= MOST + 1
    assert len(_points(svg)) == 2 * drawn - 1
    assert _points(svg)[-1][1] == pytest.approx(_points(balance_chart(
        100_000, [history[-1]], DAY))[-1][1])  # ends at the last balance
    assert "circle" not in svg and drawn > MARKED


def test_a_key_is_kept_only_as_its_hash_and_verified(tmp_path):
    store = SQLiteKeyStore(str(tmp_path / "keys.db"))
    key, record = new_key(parse_principal("fl:b2x"))
    store.add(record)
    # the whole secret (which may itself hold an underscore), never a fragment of it
    assert split_key(key)[1].encode() not in (tmp_path / "keys.db").read_bytes()
    verifier = Verifier(store)
    assert verifier.principal(key) == (record.key_id, parse_principal("FL:B2X"))
    assert verifier.principal(key) is not None  # the second time from memory
    assert verifier.principal(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert verifier.principal("ecert_short_x") is None and split_key("bearer") is None
    store.revoke(record.key_id, "now")
    assert verifier.principal(key) is None
    store.close()


def test_an_unknown_or_revoked_key_id_costs_the_verification_a_wrong_secret_costs(
        tmp_path, monkeypatch):
    """Work, not time, is what is compared: every refused key of the right shape runs scrypt
    once, so its answer's time does not say whether its id exists."""
    import ecert_edi.surfaces.http.keys as keys_module

    store = SQLiteKeyStore(str(tmp_path / "keys.db"))
    key, record = new_key(parse_principal("FL:B2X"))
    store.add(record)
    verifier = Verifier(store)
    runs = []
    real = keys_module._digest
    monkeypatch.setattr(keys_module, "_digest", lambda *a: runs.append(1) or real(*a))
    wrong_secret = key[:-1] + ("A" if key[-1] != "A" else "B")
    unknown_id = "_".join([key.split("_")[0], "0" * 16, key.split("_")[2]])
    for presented in (wrong_secret, unknown_id):
        runs.clear()
        assert verifier.principal(presented) is None
        assert runs == [1], presented
    store.revoke(record.key_id, "now")
    runs.clear()
    assert verifier.principal(key) is None and runs == [1]
    store.close()


@pytest.mark.parametrize("text", ["CG:XX", "FL:AB", "XX:AU", "AU", "CG:"])
def test_a_principal_is_a_real_sender(text):
    with pytest.raises(ValueError):
        parse_principal(text)


def test_a_session_names_its_key_until_it_expires_and_cannot_be_forged(tmp_path):
    server = Server("ecert.db", SQLiteKeyStore(":memory:"))
    value = new_session(server, "0123456789abcdef")
    assert session_key(server, value) == "0123456789abcdef"
    key_id, expiry, signature = value.split(".")
    assert session_key(server, f"fedcba9876543210.{expiry}.{signature}") is None
    assert session_key(server, f"{key_id}.{int(expiry) + 1}.{signature}") is None
    assert session_key(Server("ecert.db", SQLiteKeyStore(":memory:")), value) is None
    server.session_hours = -1
    assert session_key(server, new_session(server, key_id)) is None
