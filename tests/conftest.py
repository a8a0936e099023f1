"""Fixtures shared by the test modules: each ledger store, SQLite and a throwaway PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import postgres
import pytest

STORES = ("sqlite", "postgres")


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for the session (tests/postgres.py); skipped with the reason when
    there is none, a failure under ECERT_REQUIRE_POSTGRES=1."""
    try:
        import psycopg  # noqa: F401 - the postgres extra
    except ImportError:
        reason = "psycopg is not installed (pip install 'ecert-edi[postgres]')"
    else:
        try:
            server = postgres.Server.start()
        except postgres.Unavailable as exc:
            reason = str(exc)
        else:
            yield server
            server.stop()
            return
    if postgres.required():
        pytest.fail(f"{postgres.REQUIRE_VARIABLE}=1 and no PostgreSQL server: {reason}")
    pytest.skip(f"PostgreSQL: {reason}")


@pytest.fixture(scope="module")
def postgres_database(postgres_server):
    """A new database for the test module; each test's ledger is a schema of its own in it."""
    url = postgres_server.database()
    yield url
    postgres_server.drop(url)


@pytest.fixture(params=STORES)
def store_kind(request) -> str:
    return request.param


@pytest.fixture
def ledger_target(fresh_ledger, tmp_path) -> str:
    """Where a new, empty ledger of the store under test goes: a file path, or a URL."""
    return fresh_ledger(tmp_path)


def _fresh(kind: str, request):
    if kind == "sqlite":
        return lambda folder, name="ecert.db": str(Path(folder) / name)
    database = request.getfixturevalue("postgres_database")
    return lambda folder=None, name=None: postgres.schema_url(database)


@pytest.fixture
def fresh_ledger(store_kind, request):
    """`fresh_ledger(folder)`: the target of another new, empty ledger of the store under test
    (a file in `folder`, or a schema of its own)."""
    return _fresh(store_kind, request)


@pytest.fixture(scope="module", params=STORES)
def module_store_kind(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def module_fresh_ledger(module_store_kind, request):
    """`fresh_ledger` for a module-scoped fixture."""
    return _fresh(module_store_kind, request)
