"""A database's own errors turned into StoreError at the store's methods (generators too)."""

from __future__ import annotations

import functools


def guarded(method):
    """A store method whose driver errors (`self.tx.errors`) become `self.tx.failure(exc)`,
    a generator's as it is consumed."""
    if method.__code__.co_flags & 0x20:  # CO_GENERATOR

        @functools.wraps(method)
        def gen_wrapper(self, *args, **kwargs):
            try:
                yield from method(self, *args, **kwargs)
            except self.tx.errors as exc:
                raise self.tx.failure(exc) from exc

        return gen_wrapper

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except self.tx.errors as exc:
            raise self.tx.failure(exc) from exc

    return wrapper
