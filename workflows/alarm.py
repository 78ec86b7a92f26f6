"""The ticket workflow's alarm: one durable timer for the next moment something falls due.

Moved only when that moment moves: a timeout on every wait would add two history events to
each wait of every ticket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

# A due moment already past still waits this long: a timer of zero length is refused.
SHORTEST = timedelta(seconds=1)


class Alarm:
    def __init__(self) -> None:
        self._at: datetime | None = None
        self._timer: asyncio.Task[None] | None = None

    def set(self, at: datetime | None, summary: Callable[[datetime], str] | None = None) -> None:
        """Ring at `at` (None: never); the timer is replaced only when the moment changes.
        `summary` says what it rings for (the Temporal UI shows it on the timer)."""
        if at == self._at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._at, self._timer = at, None
        if at is not None:
            duration = max(at - workflow.now(), SHORTEST)
            said = summary(at) if summary else None
            self._timer = asyncio.create_task(workflow.sleep(duration, summary=said))

    @property
    def rung(self) -> bool:
        """True once the timer has fired, or when none is set."""
        return self._timer is None or self._timer.done()
