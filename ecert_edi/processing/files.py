"""Writing files atomically and durably: a temporary file beside the target, renamed over it."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import secrets
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
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


class Staged:
    """A new file's content being written beside its target, in place only once published.

    `.<name>.<random>.tmp` under an exclusive `flock` for as long as it exists under its name, so
    `remove_abandoned` tells a live writer's temporary from the leftover of a killed one.  Readers
    of the target see the old file or the whole new one, never a part.
    """

    def __init__(self, target: Path | str, mode: int | None = RESPONSE_MODE, *,
                 encoding: str = "ascii", newline: str | None = "\n") -> None:
        self.target = Path(target)
        try:
            self.out, self._tmp = _open_beside(self.target, mode, encoding, newline)
        except FileNotFoundError:  # the folder first (looked for only when missing)
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.out, self._tmp = _open_beside(self.target, mode, encoding, newline)

    def publish(self, *, sync: bool = True) -> Path:
        """Flush, sync and rename the content over the target; with `sync`, the folder too."""
        with self.out:  # closing it drops the lock: only once its name is gone
            try:
                self.out.flush()
                os.fsync(self.out.fileno())
                os.replace(self._tmp, self.target)
            except BaseException:
                self._remove()
                raise
        if sync:
            sync_dir(self.target.parent)
        return self.target

    def discard(self) -> None:
        """Remove the temporary; the target is left as it was."""
        with self.out:
            self._remove()

    def _remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)


class Held:
    """A new file's whole content kept in memory, written beside its target only when published
    (`publish_held`): a response not yet answerable costs no file, and the files of a batch are
    created together, each as one write (no text layer a file)."""

    def __init__(self, target: Path | str, content: bytes) -> None:
        self.target = Path(target)
        self.content = content

    def publish(self, *, sync: bool = True) -> Path:
        """Written beside the target and renamed over it; with `sync`, the folder synced too."""
        publish_held([self], sync=sync)
        return self.target

    def discard(self) -> None:
        """Nothing was written: nothing to remove."""


def publish_held(files: Sequence[Held], mode: int | None = RESPONSE_MODE, *,
                 sync: bool = True) -> None:
    """Write held files (of one file system) beside their targets, as `Staged` files, and put
    them in place, their content synced once and, with `sync`, each folder once: where the
    system can (Linux `syncfs`), one flush of the file system costs what one `fsync` does, where
    a file each would cost a wait on the disk each.  On a failure the temporaries not yet in
    place are removed; those in place stay, as each is whole."""
    written: list[tuple[int, Path | None, Path]] = []  # descriptor, temporary until renamed
    try:
        for held in files:
            try:
                fd, tmp = _create_beside(held.target, mode)
            except FileNotFoundError:  # the folder first (looked for only when missing)
                held.target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = _create_beside(held.target, mode)
            written.append((fd, tmp, held.target))
            _write_all(fd, held.content)
        synced = bool(written) and _syncfs(written[0][0])
        for k, (fd, tmp, target) in enumerate(written):
            if not synced:
                os.fsync(fd)
            os.replace(tmp, target)
            written[k] = (fd, None, target)
    finally:
        for fd, tmp, _ in written:  # closing drops the lock: only once the name is gone
            if tmp is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
            os.close(fd)
    if sync:
        for folder in dict.fromkeys(held.target.parent for held in files):
            sync_dir(folder)


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view):]


def _syncfs(fd: int) -> bool:
    """Make everything written to the file system of `fd` durable; False where the system
    offers no such call (each file is then synced on its own)."""
    call = _syncfs_call()
    return call is not None and call(fd) == 0


@functools.cache
def _syncfs_call():
    """libc's syncfs, looked up once; None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # pragma: no cover - a libc without syncfs
        return None


@contextlib.contextmanager
def atomic_file(target: Path | str, mode: int | None = RESPONSE_MODE, *, encoding: str = "ascii",
                newline: str | None = "\n") -> Iterator[TextIO]:
    """A text file ("w+") beside the target (a `Staged` file) that replaces the target on
    success (flushed, synced, renamed, its folder synced) and is removed on failure, Ctrl-C
    included.  `mode` None leaves the permissions open() would give a new file (0o666 less
    the umask)."""
    staged = Staged(target, mode, encoding=encoding, newline=newline)
    try:
        yield staged.out
    except BaseException:
        staged.discard()
        raise
    staged.publish()


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
    return _remove_temporaries(target.parent, target.name)


def remove_abandoned_in(folder: Path | str) -> list[Path]:
    """Remove every temporary in `folder` that no live writer holds (see remove_abandoned): one
    listing for a folder of many responses, where one a response would cost a listing each."""
    return _remove_temporaries(Path(folder), None)


def _remove_temporaries(folder: Path, name: str | None) -> list[Path]:
    # `.<name>.<8 hex digits>.tmp`, told by plain string tests: a folder of many responses is
    # listed once, and each name costs a few comparisons, not a pattern match
    try:
        names = os.listdir(folder)
    except OSError:  # pragma: no cover - an unreadable folder: nothing can be told
        return []
    if name is None:
        found = [n for n in names if len(n) > 2 * _RANDOM + 6 and n.startswith(".")
                 and n.endswith(".tmp") and n[-5 - 2 * _RANDOM] == "."
                 and _is_random(n[-4 - 2 * _RANDOM:-4])]
    else:
        head, size = f".{name}.", len(name) + 2 + 2 * _RANDOM + 4
        found = [n for n in names if len(n) == size and n.startswith(head)
                 and n.endswith(".tmp") and _is_random(n[len(head):-4])]
    return [path for path in sorted(folder / n for n in found) if _remove_if_abandoned(path)]


_HEX = frozenset("0123456789abcdef")


def _is_random(text: str) -> bool:
    return len(text) == 2 * _RANDOM and _HEX.issuperset(text)


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
    fd, tmp = _create_beside(target, mode)
    try:
        return os.fdopen(fd, "w+", encoding=encoding, newline=newline), tmp
    except BaseException:
        os.unlink(tmp)
        os.close(fd)
        raise


def _create_beside(target: Path, mode: int | None) -> tuple[int, Path]:
    """A new temporary beside `target`, locked (see Staged): its descriptor and its path."""
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
        return fd, tmp
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
