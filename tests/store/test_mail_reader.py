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


async def test_a_message_s_clock_runs_from_its_turn_not_while_it_waits() -> None:
    """Fourteen messages for one process, each within its clock: all read. (The wait was
    counted once, and past the clock and its grace the pool was killed under the
    message reading, the rest answered with CancelledError: a 500 for mail that was
    stored.)"""
    reader = MailReader(1, seconds=0.5)
    try:
        read = await asyncio.gather(*(reader.run(linger, 0.45) for _ in range(14)))
        assert read == ["read"] * 14
    finally:
        reader.close()


async def test_one_sender_s_flood_does_not_hold_anothers_mail() -> None:
    reader = MailReader(1, seconds=5)
    done: list[str] = []

    async def read(sender: str) -> None:
        await reader.run(linger, 0.2, sender=sender)
        done.append(sender)

    try:
        flood = [asyncio.create_task(read("mallory@attacker.example")) for _ in range(6)]
        await asyncio.sleep(0.05)
        await asyncio.gather(read("vera@example.org"), *flood)
        # One of Mallory's was being read, and his next had its turn first: then Vera's.
        assert done.index("vera@example.org") == 2, done
    finally:
        reader.close()
