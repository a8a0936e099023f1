"""A long answer read from the ledger in one thread of its own and sent as it is read."""

from __future__ import annotations

import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator

import anyio.to_thread

# A SQLite connection belongs to the thread that opened it, and a response's parts are asked for
# from whichever worker thread is free: so one thread opens, reads and closes, a few parts ahead
# of the sending at most.
AHEAD = 64  # chunks read before the client has taken them
CHUNK = 1 << 16  # characters handed over at once
_END = object()


async def in_one_thread(produce: Callable[[], Iterator[str]]) -> AsyncIterator[bytes]:
    parts: queue.Queue = queue.Queue(maxsize=AHEAD)
    stopped = threading.Event()

    def offer(item) -> bool:
        """Hand one item over unless the sending has stopped (a client gone)."""
        while not stopped.is_set():
            try:
                parts.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            # parts joined up to CHUNK characters: one hand-over between threads (and one send)
            # a chunk, not one a row of a long history
            held, size = [], 0
            for part in produce():
                held.append(part)
                size += len(part)
                if size >= CHUNK:
                    if not offer("".join(held)):
                        return
                    held, size = [], 0
            if held and not offer("".join(held)):
                return
            offer(_END)
        except BaseException as exc:  # noqa: BLE001 -- handed to the sending side, raised there
            offer(exc)

    threading.Thread(target=run, name="ecert-stream", daemon=True).start()
    try:
        while True:
            part = await anyio.to_thread.run_sync(parts.get)
            if part is _END:
                return
            if isinstance(part, BaseException):
                raise part
            yield part.encode()
    finally:
        stopped.set()
