"""Issue: one file was read twice.  `ecert process FILE` opened the path once per pass; a file
renamed over the path between the passes had its entries applied under the first file's content
hash and control number, and the first file, sent again, was "already processed" and never
applied.  Both passes now read the one file opened first."""

from __future__ import annotations

import datetime as dt
import os

from abi import FILER, batch, record, to_bytes, transmission
from txn_builders import entry_number

from ecert_edi.bindings.abi.binding import AbiBinding
from ecert_edi.bindings.abi.reading import parse_file
from ecert_edi.domain.transactions import Response
from ecert_edi.processing import process_file
from ecert_edi.store import SQLiteStore

CLOCK = dt.datetime(2026, 1, 15, 12, 0, 0)


def _certificates() -> bytes:
    return to_bytes(transmission(batch("CR", record("C0", certificate_number="AU2026-000123",
                                                    allowance_quantity=2_500_000))))


def _entry(control: str, serial: int, quantity: int) -> bytes:
    lines = [record("E0", entry_number=entry_number("B2X", serial)),
             record("E1", quantity=quantity)]
    return to_bytes(transmission(batch("EN", lines), header={**FILER, "control_number": control}))


class RenamesBetweenPasses(AbiBinding):
    """The ABI binding, with another transmission renamed over the path after the first pass."""

    def __init__(self, path, other):
        self.path, self.other = path, other

    def check_envelope(self, source):
        envelope = super().check_envelope(source)
        os.replace(self.other, self.path)
        return envelope


def _deducted(response_path) -> list[int]:
    found = [ev for ev in parse_file(response_path, direction="response").events
             if isinstance(ev, Response)]
    return [r.values["quantity"] for resp in found for r in resp.details if r.rid == "R2"]


def test_a_file_renamed_over_the_path_between_the_passes_changes_nothing(tmp_path):
    store = SQLiteStore(tmp_path / "ecert.db")
    try:
        certs = tmp_path / "cr.txt"
        certs.write_bytes(_certificates())
        process_file(certs, store, tmp_path / "out", CLOCK)
        first, second = tmp_path / "en.txt", tmp_path / "other.txt"
        first.write_bytes(_entry("B2X00000000001", 1, 100_000))
        second.write_bytes(_entry("B2X00000000002", 2, 700_000))
        kept = first.read_bytes()

        outcome = process_file(first, store, tmp_path / "out", CLOCK,
                               binding=RenamesBetweenPasses(first, second))
        assert outcome.accepted == 1
        assert _deducted(outcome.response) == [100_000]  # the first file's entry, not the other
        assert store.certificate("AU", "AU2026-000123").balance == 2_400_000

        # the file now at the path is the other transmission: applied under its own number
        again = process_file(first, store, tmp_path / "again", CLOCK)
        assert not again.repeated and _deducted(again.response) == [700_000]
        # the first transmission, sent again, is answered with its first response
        first.write_bytes(kept)
        resent = process_file(first, store, tmp_path / "resent", CLOCK)
        assert resent.repeated
        assert resent.response.read_bytes() == outcome.response.read_bytes()
        assert store.certificate("AU", "AU2026-000123").balance == 1_700_000
    finally:
        store.close()
