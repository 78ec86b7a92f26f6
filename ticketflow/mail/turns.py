"""Turns at the mail readers, taken in rotation among senders: a sender with a hundred
messages waiting has one read, then every other sender waiting has one, then his next.
First come, first served would let one sender's flood hold everyone's mail behind it.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class FairTurns:
    """`slots` turns at once; who waits queues behind his own key, and a turn that ends
    passes to the next key in rotation. For one event loop's tasks."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        # Each waiting key's waiters, in first-come order; the keys in serving order.
        self._waiting: OrderedDict[Hashable, deque[asyncio.Future[None]]] = OrderedDict()

    @property
    def waiting(self) -> int:
        return sum(len(queue) for queue in self._waiting.values())

    @asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        await self._take(key)
        try:
            yield
        finally:
            self._pass_on()

    async def _take(self, key: Hashable) -> None:
        if self._free and not self._waiting:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, deque()).append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._pass_on()  # the turn came as the task was cancelled: pass it on
            else:
                self._forget(key, waiter)
            raise

    def _pass_on(self) -> None:
        while self._waiting:
            key, queue = next(iter(self._waiting.items()))
            waiter = queue.popleft()
            if queue:
                self._waiting.move_to_end(key)  # his next waits for everyone else's turn
            else:
                del self._waiting[key]
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    def _forget(self, key: Hashable, waiter: asyncio.Future[None]) -> None:
        queue = self._waiting.get(key)
        if queue is None:
            return
        try:
            queue.remove(waiter)
        except ValueError:
            return
        if not queue:
            del self._waiting[key]
