"""Bounded logs: during an outage every request and every retried activity fails the same
way, and a log of thousands of identical tracebacks hides what matters. The first of a
run of like warnings or errors is written; the rest of the window is counted and said
with the next one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

WINDOW_SECONDS = 60.0
MAX_KINDS = 1000  # distinct kinds remembered: a flood of new ones cannot grow it unbounded


class RepeatFilter(logging.Filter):
    """Passes one record per kind (logger, message template, exception class) and window."""

    def __init__(
        self, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._window = window
        self._clock = clock
        self._seen: dict[tuple[str, str, str], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        kind = (record.name, str(record.msg), error)
        now = self._clock()
        seen = self._seen.get(kind)
        if seen is not None and now - seen[0] < self._window:
            seen[1] += 1
            return False
        if seen is not None and seen[1]:
            held = int(seen[1])
            record.msg = f"{record.msg} [{held} more like this in the last {self._window:g} s]"
        if seen is None and len(self._seen) >= MAX_KINDS:
            self._seen.pop(next(iter(self._seen)))
        self._seen[kind] = [now, 0]
        return True


def stderr_handler(format: str) -> logging.Handler:
    """The commands' log handler: standard error, like warnings bounded."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(format))
    handler.addFilter(RepeatFilter())
    return handler
