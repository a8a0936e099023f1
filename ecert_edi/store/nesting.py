"""Transactions that join an open one, and savepoints: what both stores' transactions share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from ecert_edi.store.interface import StoreError


class Nesting:
    """`write()`, `read()` and `savepoint()` over a store's own way of beginning a transaction
    (`_transaction`), on one connection.

    A write or read asked for inside an open transaction joins it; a savepoint inside a
    savepoint joins it (the outer one already makes the unit atomic).  `generation` moves at
    every rollback; a store moves it too when another connection may have committed.
    """

    errors: tuple[type[Exception], ...] = ()  # the database driver's own errors
    WRITE = READ = ""  # how a write and a read transaction begin

    def __init__(self) -> None:
        self._savepoints = 0
        self.generation = 0
        self._before_commit: dict[Callable[[], None], None] = {}  # in the order first asked

    # -- what each store says its own way --------------------------------------------------------
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def execute(self, statement: str) -> object:
        raise NotImplementedError

    def failure(self, exc: Exception) -> StoreError:
        raise NotImplementedError

    def _transaction(self, begin: str) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _join(self, begin: str) -> None:
        """Called when a transaction of kind `begin` joins the open one."""

    # -- shared ----------------------------------------------------------------------------------
    def write(self) -> AbstractContextManager[None]:
        """A write transaction, rolled back on an exception; joins an open transaction."""
        return self._begun(self.WRITE)

    def read(self) -> AbstractContextManager[None]:
        """A read transaction: one consistent snapshot; joins an open transaction."""
        return self._begun(self.READ)

    def before_commit(self, action: Callable[[], None]) -> None:
        """Run `action` in the open transaction just before it commits: once, however often it
        is asked for, and not at all when the transaction is rolled back."""
        self._before_commit.setdefault(action, None)

    @contextmanager
    def _begun(self, begin: str) -> Iterator[None]:
        if self.in_transaction():
            self._join(begin)
            yield
            return
        with self._transaction(begin):
            try:
                yield
                for action in self._before_commit:
                    action()
            finally:
                self._before_commit.clear()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint inside the write transaction (begun when none is open), undone on error."""
        if self._savepoints:
            yield
            return
        with self.write():
            self._savepoints += 1
            name = f"unit_{self._savepoints}"
            try:
                self.execute(f"SAVEPOINT {name}")
                try:
                    yield
                except BaseException:
                    self.generation += 1
                    if self.in_transaction():
                        self.execute(f"ROLLBACK TO {name}")
                        self.execute(f"RELEASE {name}")
                    raise
                self.execute(f"RELEASE {name}")
            except self.errors as exc:
                raise self.failure(exc) from exc
            finally:
                self._savepoints -= 1
