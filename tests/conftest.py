"""Fixtures shared by the test modules: each ledger store, SQLite and a throwaway PostgreSQL."""

from __future__ import annotations

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
def ledger_target(store_kind, request, tmp_path) -> str:
    """Where a new, empty ledger of the store under test goes: a file path, or a URL."""
    if store_kind == "sqlite":
        return str(tmp_path / "ecert.db")
    return postgres.schema_url(request.getfixturevalue("postgres_database"))
