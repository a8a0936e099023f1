"""A PostgreSQL ledger named by a URL: the server's database and the schema the ledger lives in."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ecert_edi.store.interface import StoreError

SCHEMES = ("postgresql", "postgres")
DEFAULT_SCHEMA = "ecert"
TEST_SUFFIX = "_test"  # the test environment's ledger: a schema of its own beside production's
# a plain name, so it is never quoted and never folds to another one
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")


def is_url(target: str | os.PathLike) -> bool:
    """Whether a `--db` value names a PostgreSQL database rather than a SQLite file."""
    if not isinstance(target, str):
        return False
    scheme, sep, _ = target.partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


@dataclass(frozen=True)
class Target:
    """What a URL names: how to connect (libpq's URL, without our `schema` parameter), the
    schema holding the ledger, and the URL as shown in messages (no password)."""

    conninfo: str
    schema: str
    shown: str


def parse(url: str) -> Target:
    """The target of a URL; `?schema=NAME` picks the schema (default `ecert`)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = DEFAULT_SCHEMA
    rest = []
    for key, value in query:
        if key == "schema":
            schema = value
        else:
            rest.append((key, value))
    if not _NAME.match(schema):
        raise StoreError(
            f"schema {schema!r} of {_shown(parts)}: a schema name is lower-case letters, digits"
            " and underscores, not starting with a digit"
        )
    conninfo = urlunsplit(parts._replace(query=urlencode(rest)))
    return Target(conninfo, schema, _shown(parts._replace(query=urlencode(query))))


def environment_url(url: str, test: bool) -> str:
    """The URL of an environment's ledger: production's is the URL itself; the test ledger is
    the schema beside it with `_test` after its name (`ecert` → `ecert_test`)."""
    if not test:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "schema"]
    schema = parse(url).schema + TEST_SUFFIX
    return urlunsplit(parts._replace(query=urlencode([*query, ("schema", schema)])))


def _shown(parts) -> str:
    netloc = parts.netloc
    if "@" in netloc:
        credentials, _, host = netloc.rpartition("@")
        user = credentials.partition(":")[0]
        netloc = f"{user}@{host}" if user else host
    return urlunsplit(parts._replace(netloc=netloc))
