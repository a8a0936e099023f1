"""Writing files atomically and durably: a temporary file beside the target, renamed over it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

# Responses hold personal data (SSN-form IORs): a new one gets what any new file of the process
# gets, 0o666 less the umask; the operator sets the umask (`--umask`) to share them or not.
RESPONSE_MODE: int | None = None
_CREATE = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_LOOK = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_RANDOM = 4  # bytes of the temporary's random part: 8 hex digits


@contextlib.contextmanager
def atomic_file(target: Path | str, mode: int | None = RESPONSE_MODE, *, encoding: str = "ascii",
                newline: str | None = "\n") -> Iterator[TextIO]:
    """A text file ("w+") beside the target, `.<name>.<random>.tmp`, that replaces the target on
    success (flushed, synced, renamed, its folder synced) and is removed on failure, Ctrl-C
    included.

    The temporary is under an exclusive `flock` for as long as it exists under its name, so
    `remove_abandoned` tells a live writer's temporary from the leftover of a killed one.
    `mode` None leaves the permissions open() would give a new file (0o666 less the umask).
    Readers of the target see the old file or the whole new one, never a part.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    out, tmp = _open_beside(target, mode, encoding, newline)
    with out:  # closing it drops the lock: only once its name is gone (renamed or removed)
        try:
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


def remove_abandoned(target: Path | str) -> list[Path]:
    """Remove the temporaries of `target` that no live writer holds; the paths removed.

    A killed writer leaves its temporary behind, but the system drops its lock, so a temporary
    this call can lock without waiting has no writer: it is removed.  One another process is
    still writing stays.  Safe to call at any time, from any number of processes.
    """
    target = Path(target)
    # `.<name>.<8 hex digits>.tmp`, told by plain string tests: a folder of many responses is
    # listed once a response, and each name costs a few comparisons, not a pattern match
    head, size = f".{target.name}.", len(target.name) + 2 + 2 * _RANDOM + 4
    try:
        names = os.listdir(target.parent)
    except OSError:  # pragma: no cover - an unreadable folder: nothing can be told
        return []
    found = sorted(target.parent / n for n in names
                   if len(n) == size and n.startswith(head) and n.endswith(".tmp")
                   and _is_random(n[len(head):-4]))
    return [path for path in found if _remove_if_abandoned(path)]


_HEX = frozenset("0123456789abcdef")


def _is_random(text: str) -> bool:
    return len(text) == 2 * _RANDOM and _HEX.issuperset(text)


@contextlib.contextmanager
def exclusive(path: Path | str) -> Iterator[None]:
    """Hold an exclusive lock named by `path`, waiting for it; the file exists only while held.

    The holder removes the file before it lets go, so no lock file is left; a waiter that wakes
    holding a file already removed takes the lock again under a new file.
    """
    path = Path(path)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _names(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


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
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(_RANDOM)}.tmp")
        try:
            # private until its mode is set, so no one opens it in between
            fd = os.open(tmp, _CREATE, 0o600 if mode is not None else 0o666)
        except FileExistsError:
            continue
        try:
            if _lock_new(fd, tmp):
                break
        except BaseException:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        os.close(fd)  # a clean-up took it between its creation and our lock: another name
    try:
        if mode is not None:
            os.fchmod(fd, mode)  # whatever the umask: the mode is the reader's contract
        return os.fdopen(fd, "w+", encoding=encoding, newline=newline), tmp
    except BaseException:
        os.unlink(tmp)
        os.close(fd)
        raise


def _lock_new(fd: int, tmp: Path) -> bool:
    """Lock a temporary just created; False when a clean-up holds or removed it meanwhile.

    A new file is unlocked for an instant; a clean-up that saw it then has it locked (and will
    remove it) or has removed it already, and either way this one must take another name.
    """
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # the clean-up removes it
    except OSError:
        return True  # no locks on this file system: a clean-up cannot lock it either
    return _names(fd, tmp)


def _remove_if_abandoned(path: Path) -> bool:
    try:
        fd = os.open(path, _LOOK)
    except OSError:  # gone, a link, or not ours to open: left alone
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a live writer holds it, or the file system cannot say: left alone
            return False
        # under our lock no writer can rename it; it may have been renamed into place, or
        # removed and its name taken anew, before we locked
        if not _names(fd, path):
            return False
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False
    finally:
        os.close(fd)


def _names(fd: int, path: Path) -> bool:
    """Whether `path` still names the open file `fd`."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)
