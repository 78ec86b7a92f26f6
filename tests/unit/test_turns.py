"""Turns at the mail readers go round the senders: one sender's flood waits behind its
own mail, never in front of anyone else's (pure asyncio, no I/O)."""

from __future__ import annotations

import asyncio

import pytest

from ticketflow.mail.turns import FairTurns


async def served_in_order(turns: FairTurns, arrivals: list[str]) -> list[str]:
    """Who had a turn, in order, when `arrivals` queue up behind a turn in progress."""
    served: list[str] = []
    release = asyncio.Event()

    async def read(key: str) -> None:
        async with turns.turn(key):
            served.append(key)
            await release.wait()

    first = asyncio.create_task(read("first"))
    await asyncio.sleep(0)
    waiting = []
    for key in arrivals:
        waiting.append(asyncio.create_task(read(key)))
        await asyncio.sleep(0)
    assert turns.waiting == len(arrivals)
    release.set()
    await asyncio.gather(first, *waiting)
    return served[1:]


async def test_a_flood_from_one_sender_takes_turns_with_everyone_else() -> None:
    arrivals = ["mallory"] * 5 + ["vera", "oleg", "vera"]
    order = await served_in_order(FairTurns(1), arrivals)
    assert order == ["mallory", "vera", "oleg", "mallory", "vera", "mallory", "mallory", "mallory"]


async def test_turns_are_first_come_first_served_for_one_sender() -> None:
    assert await served_in_order(FairTurns(1), ["a", "a", "a"]) == ["a", "a", "a"]


async def test_a_newcomer_does_not_overtake_those_waiting() -> None:
    turns, served = FairTurns(1), []
    gate = asyncio.Event()

    async def read(key: str) -> None:
        async with turns.turn(key):
            served.append(key)
            await gate.wait()

    holder = asyncio.create_task(read("holder"))
    await asyncio.sleep(0)
    queued = asyncio.create_task(read("queued"))
    await asyncio.sleep(0)
    gate.set()
    await holder  # its turn passes to `queued`, which has not run yet
    late = asyncio.create_task(read("late"))
    await asyncio.gather(queued, late)
    assert served == ["holder", "queued", "late"]


async def test_a_waiter_that_gives_up_leaves_no_hole() -> None:
    turns = FairTurns(1)
    release = asyncio.Event()

    async def hold() -> None:
        async with turns.turn("a"):
            await release.wait()

    async def quick(key: str) -> str:
        async with turns.turn(key):
            return key

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    gone = asyncio.create_task(quick("gone"))
    stays = asyncio.create_task(quick("stays"))
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    release.set()
    assert await asyncio.wait_for(stays, 5) == "stays"
    await holder
    assert turns.waiting == 0
    assert await quick("again") == "again"  # the turn came back


async def test_a_turn_given_to_a_waiter_that_gives_up_passes_on() -> None:
    turns = FairTurns(1)

    async def quick(key: str) -> str:
        async with turns.turn(key):
            return key

    held = turns.turn("a")
    await held.__aenter__()
    given_up = asyncio.create_task(quick("given-up"))
    stays = asyncio.create_task(quick("stays"))
    await asyncio.sleep(0)
    await held.__aexit__(None, None, None)  # the turn is given to `given-up`, not run since
    given_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        await given_up
    assert await asyncio.wait_for(stays, 5) == "stays"  # not stuck behind a lost turn
    assert turns.waiting == 0
