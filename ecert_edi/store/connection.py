"""Opening the SQLite file (read before any write; a new one built aside), pragmas, transactions."""

from __future__ import annotations

import errno
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ecert_edi.store.interface import StoreBusy, StoreError
from ecert_edi.store.nesting import Nesting

DEFAULT_TIMEOUT = 30.0  # seconds a writer waits for another process's write lock
CACHE_KIB = 65536  # SQLite page cache: the certificates and ledger pages a batch touches
# WAL pages before a commit copies them into the database file (SQLite's default is 1,000):
# a page that many commit groups change (a certificate's, an index's) is copied and synced
# once for many groups, not once a group.  Durability is the commit's WAL sync, as before.
CHECKPOINT_PAGES = 10_000
MEMORY = ":memory:"
SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file

# another connection holds the lock past the busy timeout
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
# os.link failing for these means the file system has no hard links (not that the name is taken)
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS}


def connect(path: str, timeout: float = DEFAULT_TIMEOUT, *, new: bool = False
            ) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly) that has written
    nothing: an existing file is opened as it is (`mode=rw` never creates one, even if the file
    vanished since it was looked at), a new one only when `new`."""
    target = path
    if path != MEMORY:
        target = Path(path).absolute().as_uri() + ("?mode=rwc" if new else "?mode=rw")
    try:
        conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"cannot use database {path}: {exc}") from exc
    return conn


def configure(conn: sqlite3.Connection, path: str) -> None:
    """WAL, full sync, foreign keys: only for a database known to be ecert's (WAL mode is written
    into the file)."""
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # a savepoint's statement journal in memory, not in a temporary file (one per unit)
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot use database {path}: {exc}") from exc


def file_problem(path: str) -> str | None:
    """Why an existing path cannot be a SQLite database, from its first bytes alone; None when it
    may be one. (A 0-byte file would be taken by SQLite as a new, empty database.)"""
    if os.path.isdir(path):
        return "is a directory"
    try:
        with open(path, "rb") as f:
            head = f.read(100)  # the database header
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not head:
        return "is an empty file (0 bytes), not an ecert database"
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        return "is not a SQLite database, so not an ecert database"
    return None


def create(path: str, build: Callable[[sqlite3.Connection], None],
           timeout: float = DEFAULT_TIMEOUT) -> None:
    """Create the database at a path that does not exist: built complete (`build`) in a
    temporary file beside it, then hard-linked to the path, which fails if the path appeared
    meanwhile (another process created it first: that one is kept). So a database path is never
    seen empty or half built, and an existing file is never replaced."""
    folder, name = os.path.split(os.path.abspath(path))
    temp = os.path.join(folder, f".{name}.{os.getpid()}-{secrets.token_hex(4)}.new")
    try:
        conn = connect(temp, timeout, new=True)
        try:
            configure(conn, temp)
            build(conn)
        finally:
            conn.close()  # the last connection: the WAL is checkpointed into the file and removed
        try:
            os.link(temp, path)
        except FileExistsError:
            return
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            # no hard links here: a rename, which could replace a database another process
            # created in the instant since this one looked (documented in docs/processing.md)
            if os.path.exists(path):
                return
            os.rename(temp, path)
        _sync_folder(folder)
    except StoreError as exc:
        raise StoreError(f"cannot create database {path}: {exc.__cause__ or exc}") from exc
    except OSError as exc:
        raise StoreError(f"cannot create database {path}: {exc.strerror or exc}") from exc
    finally:
        for leftover in (temp, temp + "-wal", temp + "-shm", temp + "-journal"):
            with suppress(FileNotFoundError):
                os.unlink(leftover)


def _sync_folder(folder: str) -> None:
    """Make the new name durable: a database written through a name a power loss takes away
    would be lost with it."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Transactions(Nesting):
    """Explicit write transactions and savepoints over one connection."""

    errors = (sqlite3.Error,)
    WRITE = "BEGIN IMMEDIATE"
    READ = "BEGIN DEFERRED"

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        super().__init__()
        self.conn = conn
        self.path = path
        # Changes when another connection has committed since this one last looked, and at every
        # rollback: what this connection read (and wrote) under one generation is still what is
        # stored (no other process writes while BEGIN IMMEDIATE holds the lock).
        self._data_version: int | None = None

    def failure(self, exc: sqlite3.Error) -> StoreError:
        if getattr(exc, "sqlite_errorcode", None) in _BUSY or "database is locked" in str(exc):
            return StoreBusy(f"database {self.path}: {exc}")
        return StoreError(f"database {self.path}: {exc}")

    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def execute(self, statement: str) -> sqlite3.Cursor:
        return self.conn.execute(statement)

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[None]:
        try:
            self.conn.execute(begin)
            # read inside the transaction, so no commit can slip in between look and use
            (version,) = self.conn.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error as exc:
            self.generation += 1
            raise self.failure(exc) from exc
        if version != self._data_version:
            self._data_version = version
            self.generation += 1
        try:
            yield
        except BaseException as exc:
            self.generation += 1
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self.failure(exc) from exc
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self.generation += 1
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise self.failure(exc) from exc
