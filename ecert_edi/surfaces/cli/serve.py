"""`ecert serve`: the HTTP API and the operators' web view (docs/http.md)."""

from __future__ import annotations

import click

from ecert_edi.surfaces.cli.keys import keys_option, opened_keys
from ecert_edi.surfaces.cli.options import clock_option, db_option, fail
from ecert_edi.surfaces.http.config import MAX_BODY


@click.command()
@db_option
@keys_option
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="The port to listen on.")
@click.option("--max-body", default=MAX_BODY, show_default=True, metavar="BYTES",
              type=click.IntRange(1), help="The largest transmission taken (413 past it).")
@clock_option
def serve(db_path, keys_path, host, port, max_body, clock):
    """Serve the HTTP API and the web view over the ledger, until stopped (Ctrl-C).

    Transmissions posted are processed as `ecert process` does them; keys come from `ecert
    keys`. Needs the serve extra: pip install 'ecert-edi[serve]'.
    """
    try:
        import uvicorn

        from ecert_edi.surfaces.http.app import create_app
        from ecert_edi.surfaces.http.config import Server
    except ImportError as exc:
        fail(f"serving needs the serve extra: pip install 'ecert-edi[serve]' ({exc})")
    from ecert_edi.store import StoreError, open_store
    from ecert_edi.store.environments import Ledgers

    try:
        Ledgers(db_path, open_store, create=True).close()  # reads need a ledger from the start
    except StoreError as exc:
        fail(str(exc))
    server = Server(db_path, opened_keys(db_path, keys_path), max_body=max_body, clock=clock)
    uvicorn.run(create_app(server), host=host, port=port, log_level="info")
