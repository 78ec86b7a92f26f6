"""Reading inbound mail in worker processes, with a clock: parsing and classifying a
hostile message must not hold the API's event loop (or its GIL), and must end; and in two
lanes, so that ordinary mail never queues behind heavy messages.

Messages take turns in rotation among their senders (ticketflow.mail.turns), one per
process at a time, so one sender's flood delays his own mail, and a message's clock runs
from when a process takes it, never while it waits. Each reader process runs one message
under an interval timer; a message that runs past its time is refused with
MailUnreadable. When a pool breaks (a process killed by the message it read, or ended
because one overran), its messages are read again each in a process of its own, so that
only the one that kills it is refused. Processes come from a fork server, so none
inherits the API's threads or sockets.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ticketflow.mail.bounded import MailUnreadable, is_heavy
from ticketflow.mail.turns import FairTurns

T = TypeVar("T")
log = logging.getLogger("ticketflow.mail.reader")
# Past the reader's own timer: how long the parent waits before it kills the process
# (a regular expression or C code the timer cannot interrupt).
GRACE_SECONDS = 5.0
# Messages waiting per reader process before the pool counts as busy: what waits holds
# its bytes in memory, so a flood of large messages is kept unread instead (see busy).
WAITING_PER_PROCESS = 4


class _OutOfTime(BaseException):
    """Raised in a reader process by its timer (BaseException: no handler swallows it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _OutOfTime


def _timed(seconds: float, function: Callable[..., T], *args: Any) -> T:
    """Run in a reader process: `function(*args)`, refused past `seconds`."""
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args)
    except _OutOfTime:
        raise MailUnreadable(f"reading took longer than {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class MailReader:
    """A small pool of reader processes, started on first use."""

    def __init__(
        self,
        processes: int,
        seconds: float,
        preload: tuple[str, ...] = (),
        *,
        may_be_busy: bool = False,
    ) -> None:
        self._processes = processes
        self._may_be_busy = may_be_busy
        self._seconds = seconds
        # Modules the fork server imports once, so a new reader process starts warm.
        self._preload = list(preload)
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._in_flight = 0
        self._turns = FairTurns(processes)

    @property
    def busy(self) -> bool:
        """Enough messages in hand or waiting: a caller keeps the next one for later
        (only a pool made `may_be_busy`: one for large messages)."""
        return self._may_be_busy and self._in_flight >= self._processes * WAITING_PER_PROCESS

    async def run(self, function: Callable[..., T], *args: Any, sender: Hashable = "") -> T:
        """`function(*args)` in a reader process, in `sender`'s turn: its result, or the
        exception it raised."""
        self._in_flight += 1
        try:
            async with self._turns.turn(sender):
                return await self._run(function, args)
        finally:
            self._in_flight -= 1

    async def _run(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        pool, future = self._submit(function, args)
        try:
            return await self._wait(pool, future)
        except BrokenProcessPool:
            self._discard(pool, kill=False)
        except asyncio.CancelledError:
            # This message's call cancelled, not its task: the pool was shut down under
            # another message before a process took this one.
            if not future.cancelled() or _cancelling():
                raise
        # The pool broke under this message or under another one in it: read this one in
        # a process of its own, so that only the message that kills it is unreadable.
        alone = self._new_pool(1)
        try:
            return await self._wait(alone, alone.submit(_timed, self._seconds, function, *args))
        except BrokenProcessPool:
            raise self._lost(alone, "the mail reader crashed on this message") from None
        finally:
            alone.shutdown(wait=False)

    async def _wait(self, pool: ProcessPoolExecutor, future: Future[T]) -> T:
        try:
            return await asyncio.wait_for(
                asyncio.wrap_future(future), self._seconds + GRACE_SECONDS
            )
        except TimeoutError:
            future.cancel()
            raise self._lost(pool, "reading did not end: the reader was stopped") from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(
        self, function: Callable[..., T], args: tuple[Any, ...]
    ) -> tuple[ProcessPoolExecutor, Future[T]]:
        pool = self._executor()
        try:
            return pool, pool.submit(_timed, self._seconds, function, *args)
        except BrokenProcessPool:  # broken by another message since: start again
            self._discard(pool, kill=False)
            pool = self._executor()
            return pool, pool.submit(_timed, self._seconds, function, *args)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = self._new_pool(self._processes)
            return self._pool

    def _new_pool(self, processes: int) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(self._preload)
        return ProcessPoolExecutor(processes, mp_context=context)

    def _lost(self, pool: ProcessPoolExecutor, reason: str) -> MailUnreadable:
        self._discard(pool, kill=True)
        log.error("mail reader: %s", reason)
        return MailUnreadable(reason)

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        """Give `pool` up; the next message starts a new one (unless another already did)."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        if kill:
            # ProcessPoolExecutor cannot cancel a running call: end its processes.
            processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
            for process in list(processes.values()):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class ReaderLanes:
    """Two pools: heavy messages (large, or of many parts) in one, all others in the other,
    so a stream of bombs delays only other bombs."""

    def __init__(
        self, light: int, heavy: int, seconds: float, preload: tuple[str, ...] = ()
    ) -> None:
        self.light = MailReader(light, seconds, preload)
        self.heavy = MailReader(heavy, seconds, preload, may_be_busy=True)

    def lane(self, raw: bytes) -> MailReader:
        return self.heavy if is_heavy(raw) else self.light

    def close(self) -> None:
        self.light.close()
        self.heavy.close()
