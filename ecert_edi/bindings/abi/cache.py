"""A cache of what the binding derives from its grammar files, so a start need not derive it again.

What is derived from `layouts.toml` and `transmission.lark` (the parsed layouts, the LALR walk
table) takes longer to build than a small file takes to check.  It is kept as JSON in the user's
cache directory (`$XDG_CACHE_HOME/ecert-edi`, else `~/.cache/ecert-edi`).

A cached value is used only for exactly the inputs it was built from: the file holds those inputs
(the grammar files' text, the versions that matter) and they are compared whole, so a changed
layout is never answered from an old build.  The file's body carries a CRC-32, checked before it
is read, so a torn or damaged file is ignored and rebuilt.  It is written to a temporary file and
renamed over the old one, so a reader sees an old file or a new one, never half of one.  Nothing
here may fail a run: an unreadable or unwritable directory only means building every time.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Any

FORMAT = 1  # of the file itself; a file of another format is rebuilt
DISABLE = "ECERT_EDI_NO_CACHE"  # set (to anything but "" or "0") to build every time


def cache_dir() -> str | None:
    """The directory of the cache, or None when caching is off or there is no home to put it."""
    if os.environ.get(DISABLE, "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "ecert-edi")


def _path(name: str, inputs: dict[str, str]) -> str | None:
    folder = cache_dir()
    if folder is None:
        return None
    # the name tells the inputs apart cheaply (two checkouts do not overwrite each other's file);
    # what decides is the whole comparison of the inputs in `load`
    digest = zlib.crc32(_dumps(inputs).encode("utf-8"))
    return os.path.join(folder, f"{name}-{digest:08x}.json")


def _dumps(value: Any, sort_keys: bool = True) -> str:
    return json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=True)


def load(name: str, inputs: dict[str, str]) -> Any:
    """The value stored under `name` for exactly these inputs, or None (none, damaged, other)."""
    path = _path(name, inputs)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    head, newline, body = data.partition(b"\n")
    try:
        if not newline or int(head, 16) != zlib.crc32(body):
            return None
        document = json.loads(body)
    except (ValueError, RecursionError):  # not hexadecimal, not JSON, not UTF-8, too deep
        return None
    if (not isinstance(document, dict) or document.get("format") != FORMAT
            or document.get("inputs") != inputs):
        return None
    return document.get("value")


def store(name: str, inputs: dict[str, str], value: Any) -> None:
    """Keep `value` for these inputs; silently nothing when the cache cannot be written."""
    path = _path(name, inputs)
    if path is None:
        return
    # the value's own order is kept: the order of records and fields is part of the layouts
    document = {"format": FORMAT, "inputs": inputs, "value": value}
    body = _dumps(document, sort_keys=False).encode("ascii")
    data = b"%08x\n%s" % (zlib.crc32(body), body)
    import tempfile  # only when writing: most starts read the cache

    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # no fsync: a file lost or torn by a crash fails its CRC and is built again
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
