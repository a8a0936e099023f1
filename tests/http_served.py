"""What the HTTP tests share: a small ledger, a key of each kind, the app, a running server."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from abi import batch, record, to_bytes, transmission
from fastapi.testclient import TestClient

from ecert_edi.domain.codes import check_digit
from ecert_edi.surfaces.http.app import create_app
from ecert_edi.surfaces.http.config import Server
from ecert_edi.surfaces.http.keyfile import SQLiteKeyStore
from ecert_edi.surfaces.http.keys import new_key, parse_principal

__all__ = ["TestClient"]

CLOCK = dt.datetime(2026, 1, 20, 12, 0, 0)
AU_IOR, CA_IOR = "12-3456789AB", "98-7654321CD"
SENDERS = ("CG:AU", "CG:CA", "FL:B2X", "FL:C3Y", "operator")


def entry_number(filer: str, serial: int) -> str:
    first10 = f"{filer}{serial:07d}"
    return f"{first10}{check_digit(first10)}"


def certificates_file(country: str, control: str, number: str, ior: str,
                      environment: str = "P") -> bytes:
    return to_bytes(transmission(
        batch("CR", record("C0", certificate_number=number, issuing_country=country,
                           ior_number=ior), record("C1")),
        header={"sender_type": "CG", "sender_id": country, "control_number": control,
                "environment": environment}))


def entry_file(filer: str, control: str, serial: int, quantity: int = 100_000,
               number: str = "AU2026-000123", ior: str = AU_IOR, country: str = "AU",
               environment: str = "P") -> bytes:
    return to_bytes(transmission(
        batch("EN", record("E0", entry_number=entry_number(filer, serial), ior_number=ior),
              record("E1", certificate_number=number, issuing_country=country,
                     quantity=quantity)),
        header={"sender_type": "FL", "sender_id": filer, "control_number": control,
                "environment": environment}))


def query_file(filer: str, control: str, number: str = "AU2026-000123", ior: str = AU_IOR
               ) -> bytes:
    return to_bytes(transmission(
        batch("EC", record("Q0", certificate_number=number, ior_number=ior)),
        header={"sender_type": "FL", "sender_id": filer, "control_number": control,
                "environment": "P"}))


@dataclass
class Served:
    """A server's settings and a key for each of SENDERS."""

    db: Path | str
    server: Server
    keys: dict[str, str]

    def app(self):
        return create_app(self.server)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}


def issue_keys(keys_file: Path) -> dict[str, str]:
    store = SQLiteKeyStore(str(keys_file))
    try:
        issued = {}
        for who in SENDERS:
            key, kept = new_key(parse_principal(who))
            store.add(kept)
            issued[who] = key
        return issued
    finally:
        store.close()


def served(folder: Path, *, max_body: int = 1 << 20, clock: dt.datetime | None = CLOCK,
           db: str | None = None) -> Served:
    """A ledger at `folder/ecert.db` (or the `db` given: a PostgreSQL URL) with AU2026-000123 (AU, AU_IOR), CA2026-000001 (CA,
    CA_IOR) and one B2X entry of 1,000.00 against the first, and the keys of SENDERS."""
    from ecert_edi import api

    db = folder / "ecert.db" if db is None else db
    api.process_bytes(certificates_file("AU", "AU260120000001", "AU2026-000123", AU_IOR), db,
                      clock=CLOCK)
    api.process_bytes(certificates_file("CA", "CA260120000001", "CA2026-000001", CA_IOR), db,
                      clock=CLOCK)
    api.process_bytes(entry_file("B2X", "B2X00000000001", 1), db, clock=CLOCK)
    keys = issue_keys(folder / "ecert-keys.db")
    server = Server(str(db), SQLiteKeyStore(str(folder / "ecert-keys.db")), max_body=max_body,
                    clock=clock)
    return Served(db, server, keys)


@contextlib.contextmanager
def running(site: Served, *, patience: float = 60.0) -> Iterator[str]:
    """`ecert serve` over the site's ledger and keys in a process of its own, on a free port;
    its base URL once it answers, the process stopped (and waited for) after."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(site.db.parent / "serve.log", "wb")  # noqa: SIM115 -- closed below
    args = [sys.executable, "-c", "from ecert_edi.surfaces.cli import main; main()", "serve",
            "--db", str(site.db), "--keys", str(site.db.parent / "ecert-keys.db"),
            "--port", str(port)]
    if site.server.clock is not None:
        args += ["--clock", site.server.clock.isoformat()]
    server = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + patience
        while True:  # ready when it answers; a server that died or never answers fails here
            if server.poll() is not None:
                said = (site.db.parent / "serve.log").read_text()
                raise RuntimeError(f"ecert serve ended: {said}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
