"""Writing files atomically and durably: a temporary file beside the target, renamed over it."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

# Responses are read by a transport user other than the one writing them.
RESPONSE_MODE = 0o644
_CREATE = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)


@contextlib.contextmanager
def atomic_file(target: Path | str, mode: int | None = RESPONSE_MODE, *, encoding: str = "ascii",
                newline: str | None = "\n") -> Iterator[TextIO]:
    """A text file ("w+") beside the target, `.<name>.<random>.tmp`, that replaces the target on
    success (flushed, synced, renamed, its folder synced) and is removed on failure.

    `mode` None leaves the permissions open() would give a new file (0o666 less the umask).
    Readers of the target see the old file or the whole new one, never a part.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    out, tmp = _open_beside(target, mode, encoding, newline)
    try:
        with out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    sync_dir(target.parent)


def write_atomically(target: Path | str, parts: Iterable[str], mode: int | None = RESPONSE_MODE,
                     *, encoding: str = "ascii", newline: str | None = "\n") -> None:
    """Write the parts, in order, as the whole new content of target (see atomic_file)."""
    with atomic_file(target, mode, encoding=encoding, newline=newline) as out:
        for part in parts:
            out.write(part)


def sync_dir(path: Path | str) -> None:
    """Make a rename or a new name in the folder durable, where the platform can."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_beside(target: Path, mode: int | None, encoding: str, newline: str | None
                 ) -> tuple[TextIO, Path]:
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            # private until its mode is set, so no one opens it in between
            fd = os.open(tmp, _CREATE, 0o600 if mode is not None else 0o666)
        except FileExistsError:
            continue
        break
    try:
        if mode is not None:
            os.fchmod(fd, mode)  # whatever the umask: the mode is the reader's contract
        return os.fdopen(fd, "w+", encoding=encoding, newline=newline), tmp
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
