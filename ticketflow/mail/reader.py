"""Reading inbound mail in worker processes, with a clock: parsing and classifying a
hostile message must not hold the API's event loop (or its GIL), and must end; and in two
lanes, so that ordinary mail never queues behind heavy messages.

Each reader process runs one message at a time under an interval timer; a message that
runs past its time, or kills its process, is refused with MailUnreadable and the pool
is made anew. Processes come from a fork server, so none inherits the API's threads
or sockets.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ticketflow.mail.bounded import MailUnreadable, is_heavy

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

    @property
    def busy(self) -> bool:
        """Enough messages in hand or waiting: a caller keeps the next one for later
        (only a pool made `may_be_busy`: one for large messages)."""
        return self._may_be_busy and self._in_flight >= self._processes * WAITING_PER_PROCESS

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a reader process: its result, or the exception it raised."""
        self._in_flight += 1
        try:
            return await self._run(function, args)
        finally:
            self._in_flight -= 1

    async def _run(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        future = self._submit(function, args)
        try:
            return await asyncio.wait_for(
                asyncio.wrap_future(future), self._seconds + GRACE_SECONDS
            )
        except TimeoutError:
            raise self._lost(future, "reading did not end: the reader was stopped") from None
        except BrokenProcessPool:
            raise self._lost(future, "the mail reader crashed on this message") from None

    def run_sync(self, function: Callable[..., T], *args: Any) -> T:
        """The same as `run`, for a caller in a thread of its own."""
        future = self._submit(function, args)
        try:
            return future.result(self._seconds + GRACE_SECONDS)
        except TimeoutError:
            raise self._lost(future, "reading did not end: the reader was stopped") from None
        except BrokenProcessPool:
            raise self._lost(future, "the mail reader crashed on this message") from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, function: Callable[..., T], args: tuple[Any, ...]) -> Future[T]:
        try:
            return self._executor().submit(_timed, self._seconds, function, *args)
        except BrokenProcessPool:  # broken by another message since: start again
            self._discard(kill=False)
            return self._executor().submit(_timed, self._seconds, function, *args)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(self._preload)
                self._pool = ProcessPoolExecutor(self._processes, mp_context=context)
            return self._pool

    def _lost(self, future: Future[Any], reason: str) -> MailUnreadable:
        future.cancel()
        # Other messages in flight in the same pool fail with BrokenProcessPool and are
        # kept as unreadable too; a retry reads them again.
        self._discard(kill=True)
        log.error("mail reader: %s", reason)
        return MailUnreadable(reason)

    def _discard(self, *, kill: bool) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        if kill:
            # ProcessPoolExecutor cannot cancel a running call: end its processes.
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)


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
