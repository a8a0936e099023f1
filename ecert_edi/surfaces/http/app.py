"""The application: the API, the web view and their errors, over one server's settings."""

from __future__ import annotations

from fastapi import FastAPI

from ecert_edi.surfaces.http import pages, problems, routes, signin
from ecert_edi.surfaces.http.config import Server


def create_app(server: Server) -> FastAPI:
    from importlib.metadata import version

    app = FastAPI(title="ecert-edi", version=version("ecert-edi"),
                  summary="eCERT 2.0 transmissions over HTTP, and the ledger's web view"
                          " (docs/http.md)",
                  docs_url=None, redoc_url=None)  # their pages load scripts from a CDN
    app.state.server = server
    problems.install(app)
    app.include_router(routes.router)
    app.include_router(signin.router)
    app.include_router(pages.router)
    return app
