"""A throwaway PostgreSQL server for the tests: Debian's initdb and pg_ctl, or $ECERT_TEST_POSTGRES."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _database_errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg
    except ImportError:
        return (sqlite3.IntegrityError,)
    return (sqlite3.IntegrityError, psycopg.IntegrityError)


URL_VARIABLE = "ECERT_TEST_POSTGRES"  # a server of the caller's: postgresql://user@host:port/db
REQUIRE_VARIABLE = "ECERT_REQUIRE_POSTGRES"  # "1": no server is a failure, not a skip
# durability is the server's own business, not what these tests look at: without the syncs a
# database is created in milliseconds
_FAST = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


# what either database raises when a row breaks a constraint or trigger of the ledger
INTEGRITY_ERRORS = _database_errors()


class Unavailable(Exception):
    """No PostgreSQL server can be had here (the reason, in one line)."""


def required() -> bool:
    return os.environ.get(REQUIRE_VARIABLE) == "1"


def _binaries() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not found:
        raise Unavailable("no PostgreSQL server here (Debian's postgresql package gives one)")
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A PostgreSQL server: a cluster of its own in a temporary folder, or the one at a URL."""

    def __init__(self, url: str, stop=None) -> None:
        self.url = url  # of a database to connect to when creating others
        self._stop = stop

    @classmethod
    def start(cls) -> Server:
        """$ECERT_TEST_POSTGRES's server, else a new cluster (as the postgres user when root)."""
        given = os.environ.get(URL_VARIABLE)
        if given:
            return cls(given)
        bin_dir = _binaries()
        as_root = os.geteuid() == 0
        folder = tempfile.mkdtemp(prefix="ecert-postgres-")
        data, sockets = os.path.join(folder, "data"), os.path.join(folder, "run")
        os.mkdir(sockets)
        if as_root:
            shutil.chown(folder, "postgres")
            shutil.chown(sockets, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"] if as_root else []

        def run(*args: str) -> None:
            done = subprocess.run([*prefix, *args], capture_output=True, text=True, cwd=folder,
                                  check=False)
            if done.returncode:
                raise Unavailable(f"{os.path.basename(args[0])} failed: "
                                  + (done.stderr.strip().splitlines() or ["?"])[-1])

        run(os.path.join(bin_dir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-locale", "--no-sync")
        port = _free_port()
        options = " ".join([f"-p {port}", "-h 127.0.0.1", f"-k {sockets}",
                            *(f"{a} {b}" for a, b in zip(_FAST[::2], _FAST[1::2], strict=True)),
                            "-c max_connections=200"])
        run(os.path.join(bin_dir, "pg_ctl"), "-D", data, "-l", os.path.join(folder, "log"),
            "-o", options, "-w", "-t", "60", "start")

        def stop() -> None:
            with suppress(Exception):
                run(os.path.join(bin_dir, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop")
            shutil.rmtree(folder, ignore_errors=True)

        return cls(f"postgresql://postgres@127.0.0.1:{port}/postgres", stop)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()

    def database(self, prefix: str = "ecert") -> str:
        """The URL of a new, empty database on the server."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}", query=""))


    def drop(self, url: str) -> None:
        """Drop a database `database` made (its sessions ended first)."""
        import psycopg

        name = urlsplit(url).path.lstrip("/")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def schema_url(database: str) -> str:
    """A ledger of its own in `database`: a schema no other test uses (cheaper than a database)."""
    return f"{database}?schema=t{uuid.uuid4().hex[:12]}"


def wait_until_ready(url: str, seconds: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def is_url(target) -> bool:
    return str(target).lower().startswith(("postgresql://", "postgres://"))


def _schema_of(url: str) -> tuple[str, str]:
    """(the URL without its schema parameter, the schema) — read here, not by the store's code."""
    parts = urlsplit(url)
    query = [p for p in parts.query.split("&") if p]
    schema = next((p.split("=", 1)[1] for p in query if p.startswith("schema=")), "ecert")
    rest = "&".join(p for p in query if not p.startswith("schema="))
    return urlunsplit(parts._replace(query=rest)), schema


def t_ledger(target):
    """Where the command line keeps the test (T) ledger of a target (spec 4.5): the file beside
    it (`ecert.db` → `ecert-test.db`), or the schema beside it (`ecert` → `ecert_test`)."""
    if not is_url(target):
        db = Path(target)
        head, dot, suffix = db.name.rpartition(".")
        return db.with_name(f"{head}-test.{suffix}" if dot and head else f"{db.name}-test")
    base, schema = _schema_of(target)
    return f"{base}{'&' if '?' in base else '?'}schema={schema}_test"


def exists(target) -> bool:
    """Whether a ledger is there: its file, or its schema."""
    if not is_url(target):
        return Path(target).exists()
    import psycopg

    base, schema = _schema_of(target)
    with psycopg.connect(base) as conn:
        return conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                            (schema,)).fetchone() is not None


@contextmanager
def raw(target):
    """A connection of the database's own driver to a ledger, for reading its tables with SQL
    (a file: sqlite3; a URL: psycopg with the ledger's schema first on the search path)."""
    if not is_url(target):
        conn = sqlite3.connect(target)
        try:
            yield conn
        finally:
            conn.close()
        return
    import psycopg

    base, schema = _schema_of(target)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {schema}")
        yield _Marks(conn)


class _Marks:
    """A psycopg connection taking sqlite3's `?` marks, so one test's SQL reads either ledger."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def execute(self, sql: str, params=()):
        return self.conn.execute(sql.replace("?", "%s"), params)

    def commit(self) -> None:
        """Nothing to do: each statement was its own transaction (autocommit)."""
