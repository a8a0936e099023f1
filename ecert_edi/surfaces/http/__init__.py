"""`ecert serve`: the HTTP API and the operators' web view (FastAPI, the `serve` extra).

May import: everything below the surfaces. FastAPI and uvicorn only here (an optional extra).
"""
