"""Drop-folder processing: claim complete inbound files, answer them, archive them (spec 8)."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import itertools
import logging
import os
import re
import secrets
import signal
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ecert_edi.bindings.abi.reader import Source, SourceError
from ecert_edi.bindings.x12.envelope import ISA_LENGTH, is_x12
from ecert_edi.domain.clock import CLOCK_FORMAT, processing_clock
from ecert_edi.ledger import Ledger
from ecert_edi.processing import process_file
from ecert_edi.processing.batch import batch
from ecert_edi.processing.environments import Routed
from ecert_edi.processing.files import (
    publish_held,
    remove_abandoned_in,
    sync_dir,
    write_atomically,
)
from ecert_edi.processing.interchange_file import InterchangeOutcome, X12Missing
from ecert_edi.store import LedgerStore, StoreBusy, StoreError, open_store
from ecert_edi.store.environments import PRODUCTION, Ledgers
from ecert_edi.surfaces.log import file_line, interchange_line

log = logging.getLogger("ecert.watch")

FOLDERS = ("inbox", "processing", "outbox", "archive", "failed")
POLL_SECONDS = 2.0  # a full rescan at least this often: notifications miss other hosts' writes
DEBOUNCE_MS = 300  # changes arriving together are answered by one rescan
MAX_NAME = 200  # leaves room for the claim suffix within the 255 bytes of a file name
CLAIM = ".claim-"  # processing/<name>.claim-<host>-<pid>-<random>, then .<n> once numbered
_CLAIMED = re.compile(r"^(?P<name>.+)\.claim-[A-Za-z0-9-]+(?:\.(?P<number>[0-9]+))?$")
TURN_LOCK = ".turn.lock"  # in processing/, held by the one watcher taking files now
TURN_RETRY = 0.2  # seconds between a waiting watcher's tries for its turn
# Small files are answered in batches, one commit and one sync of each folder a batch: a file of
# at most BATCH_FILE_BYTES joins the batch, which is answered at BATCH_FILES files or
# BATCH_BYTES bytes (about the commit group of one long file), and at the end of every pass.
BATCH_FILE_BYTES = 128 << 10
BATCH_FILES = 50
BATCH_BYTES = 1 << 20
# Errors that mean "this file system has no hard links": fall back to a checked rename.
_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}
# Log lines and .reason files: UTC, so hosts sharing a folder agree; the Z says so.
STAMP_FORMAT = f"{CLOCK_FORMAT}Z"


class WatchError(Exception):
    """An operational failure that stops the watcher: the database or the outbox is unusable."""


@dataclass(frozen=True)
class Folders:
    """The drop folder's layout under its root (each path made once: a file uses several)."""

    root: Path

    @cached_property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @cached_property
    def processing(self) -> Path:
        return self.root / "processing"

    @cached_property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @cached_property
    def archive(self) -> Path:
        return self.root / "archive"

    @cached_property
    def failed(self) -> Path:
        return self.root / "failed"

    def create(self) -> None:
        for name in FOLDERS:
            (self.root / name).mkdir(parents=True, exist_ok=True)


def being_written(name: str) -> bool:
    """Names a sender writes under before renaming: never picked up, never touched."""
    return name.startswith(".") or name.endswith(".tmp")


def refusal(name: str, st: os.stat_result, *, inbound: bool = True) -> str | None:
    """Why a directory entry is refused instead of processed, or None when it is an inbound file.

    `st` is the entry's own status (lstat: a link is judged as a link, never followed).  A hard
    link is refused only as it arrives (inbound): the watcher's own archive link of a claimed file
    must not make the file look foreign after a crash.
    """
    if any(sep in name for sep in {"/", "\\", os.sep, os.altsep} - {None}):
        return "the name holds a path separator"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        return "the name holds a control character"
    if len(os.fsencode(name)) > MAX_NAME:
        return f"the name is longer than {MAX_NAME} bytes"
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link (links are never followed)"
    if stat.S_ISDIR(mode):
        return "a directory, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file (device, FIFO or socket)"
    if inbound and st.st_nlink > 1:
        return "a hard link (its content is shared with a name elsewhere, possibly outside DIR)"
    return None


def claim_suffix() -> str:
    """A suffix no other claim uses: host and process for operators, random bits for uniqueness."""
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
    return f"{CLAIM}{host}-{os.getpid()}-{secrets.token_hex(4)}"


def original_name(claimed: str) -> str:
    """The inbound name of a file claimed into processing/ (a name without a claim suffix as is)."""
    m = _CLAIMED.match(claimed)
    return m.group("name") if m else claimed


def claimed_number(claimed: str) -> int | None:
    """The number a claimed file was given (see `numbered`), or None before it has one."""
    m = _CLAIMED.match(claimed)
    return int(m.group("number")) if m and m.group("number") is not None else None


def numbered(name: str, number: int) -> str:
    """The name a file is archived and answered under: `NAME` first, then `NAME.1`, `NAME.2`…"""
    return name if number == 0 else f"{name}.{number}"


@dataclass(order=True, frozen=True)
class Pending:
    """An inbox entry ready to be taken, ordered oldest first (then by name)."""

    mtime_ns: int
    name: str
    st: os.stat_result = field(compare=False)


def pending(inbox: Path) -> list[Pending]:
    """Entries of the inbox that are complete (not being written), oldest first."""
    out = []
    try:
        entries = list(os.scandir(inbox))
    except FileNotFoundError:
        return []
    for entry in entries:
        if being_written(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue  # taken by another watcher meanwhile
        out.append(Pending(st.st_mtime_ns, entry.name, st))
    out.sort()
    return out


@dataclass
class Tally:
    """What a watcher did, for its exit status."""

    processed: int = 0
    failed: int = 0
    busy: int = 0  # left in processing/ for the next pass: the database stayed locked


@dataclass(frozen=True)
class _Claimed:
    """A claimed, numbered file waiting in a batch, its lock held by `fd`."""

    fd: int
    path: Path
    name: str
    answer: str  # the name it is answered and archived under
    clock: dt.datetime
    data: bytes  # its whole content, read once from `fd` (empty for a file answered alone)


class _NotAnswered(Exception):
    """A file of a batch that could not be answered: the batch is undone and answered again
    without it."""

    def __init__(self, position: int, error: Exception) -> None:
        super().__init__(position, error)
        self.position = position
        self.error = error


class Watcher:
    """One worker on a drop folder: recover leftovers, take inbox files one at a time.

    Several watchers (processes or hosts) may share a folder; one at a time takes files (`turn`).
    A file is claimed by an atomic rename to a name no other claim uses, and worked on only under
    an exclusive lock, which the system releases when the process dies, so a crashed watcher's
    file is finished by whichever watcher next finds it unlocked.
    """

    def __init__(self, root: Path | str, store: LedgerStore | Ledgers, *,
                 clock: dt.datetime | None = None, stop: threading.Event | None = None) -> None:
        """`store`: the ledgers of both environments, each file answered on its own (spec
        4.5); or one store that answers every file (a caller's choice, as in tests)."""
        self.folders = Folders(Path(root))
        if isinstance(store, Ledgers):
            self.routed: Routed | None = Routed(store)
            one = store.store(PRODUCTION)  # both environments' ledgers are of one database
        else:
            self.routed = None
            self.store = one = store
            self.ledger = Ledger(store)  # kept across files, like the store
        # A batch is one transaction: where writers do not take turns, a clash with another
        # writer would undo every file of it, and batches holding many certificates' rows at
        # once wait for each other in turn; each file is then its own transaction, which a
        # clash runs again alone (processing/transmission.py).
        self._batching = one.writers_take_turns
        self.clock = clock
        self.stop = stop or threading.Event()
        self.tally = Tally()
        self.in_hand: str | None = None  # the inbound name being processed, for a Ctrl-C
        self._suffix = claim_suffix()
        self._batch: list[_Claimed] = []  # small files claimed, answered together
        self._batch_bytes = 0

    # -- passes ---------------------------------------------------------------------------------
    def recover(self) -> None:
        """Finish every file left in processing/ whose worker is gone (its lock is free)."""
        # the temporaries killed writers left in outbox/, cleared once a pass, not once a file
        remove_abandoned_in(self.folders.outbox)
        try:
            names = sorted(os.listdir(self.folders.processing))
        except FileNotFoundError:
            return
        try:
            for claimed in names:
                if self.stop.is_set():
                    return
                if being_written(claimed):  # a response being written elsewhere, never ours
                    continue
                self._work(self.folders.processing / claimed, original_name(claimed))
        finally:
            self._answer_batch()

    def sweep(self) -> int:
        """Take every inbox file complete at the time of listing, oldest first; how many."""
        done = 0
        try:
            for item in pending(self.folders.inbox):
                if self.stop.is_set():
                    break
                if self._take(item):
                    done += 1
        finally:
            self._answer_batch()
        return done

    def run(self, *, once: bool = False, poll: float = POLL_SECONDS,
            waiter: Callable[[float], None] | None = None) -> Tally:
        """Recover, then sweep; with `once` stop there, else wait for changes until stopped."""
        wait = waiter or ChangeWaiter(self.folders.inbox, self.stop).wait
        while not self.stop.is_set():
            self.folders.create()  # an operator may have removed one meanwhile
            with self.turn() as ours:
                if ours:
                    self.recover()
                    self.sweep()
            if once:
                break
            wait(poll)
        return self.tally

    @contextlib.contextmanager
    def turn(self) -> Iterator[bool]:
        """Wait until no other watcher of the folder is taking files; True once it is our turn.

        Files are applied in the order they arrived, whatever the number of watchers: a sender's
        cancel must not overtake the entry it cancels, nor an entry the certificate it draws on.
        So one watcher at a time takes files and the others stand by, ready for when it stops or
        dies (the system then drops its lock).  The turn is also what makes a file's number
        (`_number`) its own.  False when stopped while waiting.
        """
        path = self.folders.processing / TURN_LOCK
        while not self.stop.is_set():
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise WatchError(f"cannot lock {path}: {exc.strerror or exc}") from exc
            # a lock on a file its holder has just removed is no turn: try again on the new one
            if _lock(fd) and _same_file(fd, path):
                try:
                    yield True
                finally:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)  # before letting go, so no lock file is left behind
                    os.close(fd)
                return
            os.close(fd)
            self.stop.wait(TURN_RETRY)
        yield False

    # -- one file -------------------------------------------------------------------------------
    def _take(self, item: Pending) -> bool:
        """Lock an inbox file, claim it under its number, work on it; False when another watcher
        had it first.

        The lock is taken before the claiming rename, so a claimed file is locked from the moment
        it appears in processing/ and recovery never mistakes a live claim for a crash's leftover.
        """
        source = self.folders.inbox / item.name
        reason = refusal(item.name, item.st)
        if reason is not None:
            return self._fail(source, item.name, f"refused: {reason}")
        opened = self._open(source, item.name)
        if opened is None:
            return False
        fd, st = opened
        kept = False
        try:
            if not _lock(fd):
                return False  # another watcher is claiming it
            clock = self.clock or processing_clock()
            try:
                number = self._free_number(item.name, self._day(clock))
            except OSError as exc:
                raise WatchError(f"cannot name the response of {_printable(item.name)} in "
                                 f"{self.folders.processing}: {exc.strerror or exc}") from exc
            claimed = self.folders.processing / f"{item.name}{self._suffix}.{number}"
            try:
                os.rename(source, claimed)
            except FileNotFoundError:
                return False  # claimed and finished by another watcher
            except OSError as exc:
                raise WatchError(f"cannot claim {_printable(item.name)} into "
                                 f"{self.folders.processing}: {exc.strerror or exc}") from exc
            if not _same_file(fd, claimed, st):
                # the file we locked was finished meanwhile and a newer one of that name came:
                # we moved the newer one, unlocked, so it is worked on like any leftover
                return self._work(claimed, item.name, leftover=False)
            kept = self._handle(fd, st, claimed, item.name, clock)
            return True
        finally:
            if not kept:
                os.close(fd)  # releases the lock, after the file has left processing/

    def _work(self, claimed: Path, name: str, *, leftover: bool = True) -> bool:
        """Finish a file found in processing/ if no live watcher holds it; False otherwise."""
        try:
            st = os.lstat(claimed)
        except FileNotFoundError:
            return False
        reason = refusal(name, st, inbound=False)
        if reason is not None:
            return self._fail(claimed, name, f"refused: {reason}")
        opened = self._open(claimed, name)
        if opened is None:
            return False
        fd, st = opened
        kept = False
        try:
            if not _lock(fd):
                return False  # a live watcher is working on it
            if not _same_file(fd, claimed, st):
                return False  # finished and moved away before we locked
            if leftover:
                # its response is written again; the stopped watcher's temporary was cleared
                log.info("%s: finishing a file left in processing/ by a stopped watcher",
                         _printable(name))
            clock = self.clock or processing_clock()
            if claimed_number(claimed.name) is None:  # claimed by a watcher of an older release
                try:
                    number = self._free_number(name, self._day(clock))
                    target = claimed.with_name(f"{claimed.name}.{number}")
                    os.rename(claimed, target)  # ours to rename: we hold its lock
                except OSError as exc:
                    raise WatchError(f"cannot name the response of {_printable(name)} in "
                                     f"{self.folders.processing}: {exc.strerror or exc}"
                                     ) from exc
                claimed = target
            kept = self._handle(fd, st, claimed, name, clock)
            return True
        finally:
            if not kept:
                os.close(fd)

    def _open(self, path: Path, name: str) -> tuple[int, os.stat_result] | None:
        """A descriptor of a regular file and its status, never following a link nor blocking
        on a FIFO."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._fail(path, name, f"cannot be opened: {exc.strerror or exc}")
            return None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced since it was listed
            os.close(fd)
            return None
        return fd, st

    def _free_number(self, name: str, day: Path) -> int:
        """The number a file of this name is answered and archived under (see `numbered`).

        A name used again must not replace the response of the file that used it before, nor
        of one being processed now, so each file takes the first of `NAME`, `NAME.1`… that no
        response in outbox/, no file archived today and no other claim holds.  The choice is made
        in the watcher's turn (one watcher of the folder at a time) and kept in the claimed name,
        durably before any response is written, so a watcher finishing a stopped one's file
        answers under the number already chosen: a response written before the stop is
        re-written, not doubled.
        """
        prefix = name + CLAIM  # a plain test first: processing/ holds a batch of claims
        held = {claimed_number(other) for other in os.listdir(self.folders.processing)
                if other.startswith(prefix) and not being_written(other)
                and original_name(other) == name}
        for number in itertools.count():
            answer = numbered(name, number)
            if number in held or os.path.lexists(self.folders.outbox / f"{answer}.resp") \
                    or os.path.lexists(day / answer):
                continue
            return number
        raise AssertionError("unreachable")  # pragma: no cover

    def _handle(self, fd: int, st: os.stat_result, claimed: Path, name: str,
                clock: dt.datetime) -> bool:
        """Answer a claimed, numbered, locked file now, or add it to the batch being gathered;
        True when the batch keeps `fd` (and with it the lock) until the batch is answered."""
        data = _small_content(fd, st.st_size) if self._batching else None
        claim = _Claimed(fd, claimed, name, numbered(name, claimed_number(claimed.name) or 0),
                         clock, data or b"")
        if data is None or is_x12(data[:ISA_LENGTH]):
            # X12 interchanges (several answers each), long files and files that cannot be
            # read here are answered alone, in the order they came: the batch before them
            self._answer_batch()
            self._process(claim)
            return False
        self._batch.append(claim)
        self._batch_bytes += len(data)
        if len(self._batch) >= BATCH_FILES or self._batch_bytes >= BATCH_BYTES:
            self._answer_batch()
        return True

    def _process(self, claim: _Claimed) -> None:
        self.in_hand = claim.name
        try:
            self._answer(claim)
        finally:
            self.in_hand = None

    def _answer(self, claim: _Claimed) -> None:
        started = time.monotonic()
        claimed, name, answer, clock = claim.path, claim.name, claim.answer, claim.clock
        response = self.folders.outbox / f"{answer}.resp"
        interchange = None
        try:
            sync_dir(self.folders.processing)  # its number is durable before any response
            if self.routed is not None:
                # the outbox's abandoned temporaries are cleared once a pass (`recover`)
                outcome = self.routed.answer(claimed, self.folders.outbox, clock,
                                             response=response, base=self.folders.outbox / answer,
                                             clean=False)
                if isinstance(outcome, InterchangeOutcome):
                    interchange = outcome
            else:
                outcome = process_file(claimed, self.store, self.folders.outbox, clock,
                                       response=response, ledger=self.ledger, clean=False)
        except Exception as exc:  # noqa: BLE001 - sorted by _not_answered
            self._not_answered(claimed, name, exc)
            return
        try:
            archived = self._archive(claimed, answer, clock)
        except OSError as exc:
            raise WatchError(f"cannot archive {name}: {exc.strerror or exc}") from exc
        self._answered(name, outcome, interchange, time.monotonic() - started, archived)

    def _answer_batch(self) -> None:
        """Answer the files gathered (`_handle`): applied under one commit of each ledger, their
        responses put in place once it is durable, then archived; the folders synced once.

        A file that cannot be answered undoes the batch's work (a savepoint a file would cost
        every file of every batch); the others are answered again without it.
        """
        claims, self._batch, self._batch_bytes = self._batch, [], 0
        if not claims:
            return
        try:
            sync_dir(self.folders.processing)  # their numbers are durable before any response
            answered = self._stage(claims)
            while isinstance(answered, int):  # the position of a file that was not answered
                os.close(claims.pop(answered).fd)
                answered = self._stage(claims)
            publish_held([staged.file for _, staged, _ in answered])
            archived = [self._archive(claim.path, claim.answer, claim.clock, sync=False)
                        for claim, _, _ in answered]
            for day in sorted({where.parent for where in archived}):
                sync_dir(day)
            sync_dir(self.folders.processing)
        except StoreError as exc:
            raise WatchError(str(exc)) from exc
        except OSError as exc:
            raise WatchError(f"cannot answer {len(claims)} files in "
                             f"{self.folders.processing}: {exc.strerror or exc}") from exc
        finally:
            self.in_hand = None
            for claim in claims:
                os.close(claim.fd)
        for (claim, staged, seconds), where in zip(answered, archived, strict=True):
            self._answered(claim.name, staged.outcome, None, seconds, where)

    def _stage(self, claims: list[_Claimed]) -> list | int:
        """The batch applied and committed, each file's response staged: (claim, staged,
        seconds) in order; or, when a file could not be answered (it is in failed/ or left for
        the next pass), nothing committed and that file's position."""
        answered = []
        try:
            with batch(self._route) as gathered:
                for k, claim in enumerate(claims):
                    self.in_hand = claim.name
                    started = time.monotonic()
                    try:
                        staged = gathered.stage(
                            Source(claim.data, name=str(claim.path)), self.folders.outbox,
                            claim.clock,
                            response=self.folders.outbox / f"{claim.answer}.resp")
                    except Exception as exc:
                        raise _NotAnswered(k, exc) from exc
                    answered.append((claim, staged, time.monotonic() - started))
        except _NotAnswered as failed:  # the batch is undone: nothing committed or staged
            claim = claims[failed.position]
            self._not_answered(claim.path, claim.name, failed.error)
            return failed.position
        return answered

    def _route(self, source) -> tuple[LedgerStore, Ledger]:
        if self.routed is not None:
            return self.routed.route(source)
        return self.store, self.ledger

    def _not_answered(self, claimed: Path, name: str, exc: Exception) -> None:
        """A file its processing could not answer: failed/, left for the next pass, or (the
        database or the outbox unusable) the watcher stops."""
        if isinstance(exc, SourceError):
            self._fail(claimed, name, f"cannot be read: {exc.strerror or exc}", locked=True)
        elif isinstance(exc, X12Missing):
            self._fail(claimed, name, f"cannot be answered: {exc}", locked=True)
        elif isinstance(exc, StoreBusy):  # other writers held the database past our patience
            log.warning("%s: %s; left in processing/, tried again on the next pass",
                        _printable(name), exc)
            self.tally.busy += 1
        elif isinstance(exc, StoreError):
            raise WatchError(str(exc)) from exc
        elif isinstance(exc, OSError):
            raise WatchError(f"cannot write the response of {name}: {exc.strerror or exc}"
                             ) from exc
        else:  # one faulty file must not stop the folder
            self._fail(claimed, name, f"processing failed: {type(exc).__name__}: {exc}",
                       locked=True)

    def _answered(self, name: str, outcome, interchange: InterchangeOutcome | None,
                  seconds: float, archived: Path) -> None:
        self.tally.processed += 1
        ms = seconds * 1000
        where = archived.relative_to(self.folders.root)
        if interchange is not None:
            log.info("%s", interchange_line(_printable(name), interchange, ms, where))
        else:
            log.info("%s", file_line(_printable(name), outcome, ms, where))

    # -- moving files ---------------------------------------------------------------------------
    def _day(self, clock: dt.datetime) -> Path:
        return self.folders.archive / clock.strftime("%Y-%m-%d")

    def _archive(self, claimed: Path, name: str, clock: dt.datetime, *, sync: bool = True
                 ) -> Path:
        """The answered file into its day's archive folder; with `sync` both folders synced
        (a batch syncs each once, after its last file)."""
        day = self._day(clock)
        target = place(claimed, day, name, link=True)
        if sync:
            sync_dir(day)
            sync_dir(self.folders.processing)
        return target

    def _fail(self, path: Path, name: str, reason: str, *, locked: bool = False) -> bool:
        """Move an entry to failed/ with a .reason file beside it; False if another took it.

        An entry we hold no lock on moves by rename, which fails for all but one watcher.
        """
        shown = _printable(name)
        try:
            target = place(path, self.folders.failed, _safe_name(name), link=locked)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise WatchError(f"cannot move {shown} to {self.folders.failed}: "
                             f"{exc.strerror or exc}") from exc
        stamp = dt.datetime.now(dt.UTC).strftime(STAMP_FORMAT)
        # utf-8: a printable name may be any letter; mode None: as a plain new file would be
        write_atomically(target.with_name(f"{target.name}.reason"),
                         [f"{stamp} {shown}: {reason}\n"], None, encoding="utf-8")
        self.tally.failed += 1
        log.warning("%s: %s -> %s", shown, reason, target.relative_to(self.folders.root))
        return True


def place(source: Path, folder: Path, name: str, *, link: bool = False) -> Path:
    """Move `source` into `folder` as `name`, or `name.1`, `name.2`… never replacing a file.

    With `link` (for a regular file the caller holds open), a hard link is the atomic "create
    only if absent" (then the source is removed); file systems without links, and entries that
    cannot be linked, get a checked rename.  A rename of a source that is gone fails
    (FileNotFoundError), so of several watchers moving one entry only one succeeds.  The folder
    is made when missing (looked for only then: a drop folder moves a file at a time).
    """
    try:
        return _place(source, folder, name, link)
    except FileNotFoundError:
        if folder.is_dir():
            raise  # the source is gone
    folder.mkdir(parents=True, exist_ok=True)
    return _place(source, folder, name, link)


def _place(source: Path, folder: Path, name: str, linkable: bool) -> Path:
    for target in _candidates(folder, name):
        if linkable:
            try:
                os.link(source, target, follow_symlinks=False)
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    raise
                linkable = False
            else:
                os.unlink(source)
                return target
        if os.path.lexists(target) or os.path.lexists(f"{target}.reason"):
            continue
        os.rename(source, target)
        return target
    raise AssertionError("unreachable")  # pragma: no cover


def _candidates(folder: Path, name: str) -> Iterator[Path]:
    yield folder / name
    n = 1
    while True:
        yield folder / f"{name}.{n}"
        n += 1


def _safe_name(name: str) -> str:
    """A name that can stand in failed/: path separators and control characters replaced."""
    if len(os.fsencode(name)) > MAX_NAME:
        name = os.fsdecode(os.fsencode(name)[:MAX_NAME])
    return re.sub(r"[/\\\x00-\x1f\x7f]", "_", name)


def _printable(name: str) -> str:
    """A name as a log line shows it: one line, whatever bytes it holds."""
    return name if name.isprintable() else ascii(name)


def _lock(fd: int) -> bool:
    """An exclusive lock without waiting; the system drops it when the process dies."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _small_content(fd: int, size: int) -> bytes | None:
    """The whole content of a claimed file small enough for a batch, read from the descriptor
    its lock is held on (opening it again would cost an open and a read a file); None when it
    is longer, or cannot be read here (answered alone, it then fails as any unreadable file).

    `size` is the file's size by its status: a read that gives that much has read it whole, so
    a small file costs one read."""
    parts, offset = [], 0
    try:
        while part := os.pread(fd, BATCH_FILE_BYTES + 1 - offset, offset):
            parts.append(part)
            offset += len(part)
            if offset > BATCH_FILE_BYTES:
                return None
            if offset == size:
                break
    except OSError:
        return None
    return b"".join(parts)


def _same_file(fd: int, path: Path, mine: os.stat_result | None = None) -> bool:
    """Whether `path` names the regular file open as `fd` (`mine`: its status, when known)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    if mine is None:
        mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino) and stat.S_ISREG(mine.st_mode)


class ChangeWaiter:
    """Waits until the inbox changes, a poll interval passes, or the watcher is stopped.

    File notifications (watchfiles) answer a local sender at once; the timeout rescans anyway,
    since a sender on another host of a shared disk raises no local notification.  Where
    notifications cannot be had, plain polling takes over.
    """

    def __init__(self, inbox: Path, stop: threading.Event) -> None:
        self.inbox = inbox
        self.stop = stop
        self._changes: Iterator | None = None
        self._polling = False

    def wait(self, timeout: float) -> None:
        if not self._polling:
            try:
                if self._changes is None:
                    self._changes = self._watch(timeout)
                next(self._changes, None)
                return
            except Exception as exc:  # noqa: BLE001 - any notifier failure means: poll
                log.warning("file notifications unavailable (%s); polling every %g s", exc,
                            timeout)
                self._polling = True
        self.stop.wait(timeout)

    def _watch(self, timeout: float) -> Iterator:
        import watchfiles

        return watchfiles.watch(
            self.inbox,
            watch_filter=None,
            debounce=DEBOUNCE_MS,
            step=50,
            stop_event=self.stop,
            rust_timeout=max(1, int(timeout * 1000)),
            yield_on_timeout=True,
            recursive=False,
            raise_interrupt=False,
        )


class StopNow(KeyboardInterrupt):
    """A second Ctrl-C: stop where the watcher stands; the file in hand is finished on restart."""


def handle_signals(stop: threading.Event, in_hand: Callable[[], str | None] = lambda: None
                   ) -> Callable[[], None]:
    """SIGTERM and a first SIGINT set `stop` (the file in hand finishes); a second SIGINT raises
    StopNow.  Returns a function that restores the previous handlers."""
    previous = {}
    asked = []

    def on_term(signum, frame):
        stop.set()

    def on_interrupt(signum, frame):
        if asked:
            raise StopNow(in_hand())  # named now: unwinding clears what is in hand
        asked.append(signum)
        stop.set()
        name = in_hand()
        # os.write, not print: a handler may run in the middle of another write to stderr
        os.write(2, (f"ecert watch: finishing {_printable(name)}, then stopping; Ctrl-C again "
                     "stops now (safe: the file is finished when a watcher starts again)\n"
                     if name is not None else "ecert watch: stopping\n").encode())

    previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, on_term)
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, on_interrupt)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def serve(root: str, db: str, *, once: bool = False, clock: dt.datetime | None = None,
          poll: float = POLL_SECONDS) -> int:
    """Run one watcher until stopped (or, with `once`, until the inbox is swept); exit status.

    0 when every file was answered; 1 when a file could not be read (it is in failed/) or the
    database or folders cannot be used; 130 when stopped at once by a second Ctrl-C.
    """
    stop = threading.Event()
    watchers: list[Watcher] = []  # the one _serve makes, for the Ctrl-C message
    with logging_to_stderr():
        restore = handle_signals(stop, lambda: watchers[0].in_hand if watchers else None)
        try:
            return _serve(root, db, once, clock, poll, stop, watchers)
        except StopNow as exc:
            name = exc.args[0] if exc.args else None
            log.warning("stopped at once%s; start the watcher again to finish it",
                        f": {_printable(name)} is left in processing/" if name else "")
            return 130
        finally:
            restore()


def _serve(root, db, once, clock, poll, stop, watchers: list) -> int:
    try:
        Folders(Path(root)).create()
    except OSError as exc:
        log.error("cannot use drop folder %s: %s", root, exc.strerror or exc)
        return 1
    try:
        store = Ledgers(db, open_store, create=True)
    except StoreError as exc:
        log.error("%s", exc)
        return 1
    with store:
        watcher = Watcher(root, store, clock=clock, stop=stop)
        watchers.append(watcher)
        log.info("watcher started on %s (database %s%s)", root, db, ", once" if once else "")
        try:
            tally = watcher.run(once=once, poll=poll)
        except WatchError as exc:
            log.error("stopping: %s", exc)
            return 1
        log.info("watcher stopped: %d processed, %d failed%s", tally.processed, tally.failed,
                 f", {tally.busy} left for a busy database" if tally.busy else "")
        return 1 if tally.failed or tally.busy else 0


class _UTCFormatter(logging.Formatter):
    converter = time.gmtime


@contextlib.contextmanager
def logging_to_stderr() -> Iterator[None]:
    """Log lines on standard error while serving: UTC time, the process id, the message."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_UTCFormatter("%(asctime)s ecert watch[%(process)d] %(message)s",
                                       datefmt=STAMP_FORMAT))
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
