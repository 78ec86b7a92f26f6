"""Reader processes: a message that overruns its clock or kills its process is refused
with a reason; others in the same pool are read all the same; the pool comes back."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from ticketflow.mail.bounded import MailUnreadable
from ticketflow.mail.reader import MailReader


def crash(_: bytes) -> str:
    os._exit(1)  # as a segfault in a C extension would end the process


def linger(seconds: float) -> str:
    time.sleep(seconds)
    return "read"


def echo(raw: bytes) -> bytes:
    return raw


async def test_a_message_that_kills_its_reader_is_refused_and_others_are_read() -> None:
    reader = MailReader(2, seconds=5)
    try:
        innocent = asyncio.create_task(reader.run(linger, 0.5))
        await asyncio.sleep(0.2)
        with pytest.raises(MailUnreadable, match="crashed on this message"):
            await reader.run(crash, b"bomb")
        assert await innocent == "read"
        assert await reader.run(echo, b"next") == b"next"
    finally:
        reader.close()


async def test_a_message_past_its_clock_is_refused() -> None:
    reader = MailReader(1, seconds=0.3)
    try:
        with pytest.raises(MailUnreadable, match=r"longer than 0\.3 s"):
            await reader.run(linger, 5)
        assert await reader.run(echo, b"next") == b"next"
    finally:
        reader.close()
