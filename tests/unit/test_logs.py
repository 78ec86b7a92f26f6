"""Bounded logs: like warnings within a window are written once, then counted."""

from __future__ import annotations

import logging

from ticketflow.logs import RepeatFilter


def record(
    msg: str, level: int = logging.ERROR, error: type[BaseException] | None = None
) -> logging.LogRecord:
    exc_info = (error, error(), None) if error else None
    return logging.LogRecord("ticketflow.x", level, __file__, 1, msg, (), exc_info)


def test_like_errors_are_written_once_per_window_then_counted() -> None:
    now = [0.0]
    repeats = RepeatFilter(window=60, clock=lambda: now[0])
    passed = [repeats.filter(record("db down %s", error=ConnectionError)) for _ in range(1000)]
    assert passed.count(True) == 1
    # Another kind (another exception, another message) is not held back by the first.
    assert repeats.filter(record("db down %s", error=TimeoutError))
    assert repeats.filter(record("another thing"))
    assert repeats.filter(record("info line", level=logging.INFO))  # below WARNING: always
    now[0] = 61.0
    later = record("db down %s", error=ConnectionError)
    assert repeats.filter(later)
    assert "999 more like this in the last 60 s" in str(later.msg)
