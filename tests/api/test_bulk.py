"""One action on many tickets (`POST /api/v1/bulk`): each ticket decided apart by its own
workflow, each with its own result; a refusal stops or undoes no other ticket."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.test_rights import add_agent
from tests.support.stack import Stack


async def open_tickets(stack: Stack, count: int) -> list[str]:
    """`count` new tickets, each from a customer of its own (no sender limit meets them)."""
    numbers = []
    for start in range(0, count, 20):
        numbers += await asyncio.gather(
            *(
                stack.open_ticket(sender=f"Customer {i} <customer{i}@example.org>")
                for i in range(start, min(start + 20, count))
            )
        )
    return numbers


async def bulk(stack: Stack, agent: str = "alice", **body: object) -> Any:
    resp = await stack.http.post("/api/v1/bulk", json=body, headers=stack.auth(agent), timeout=120)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def ticket(stack: Stack, number: str) -> Any:
    # Read by sam, who sees every queue (alice's moves take tickets out of hers).
    resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_a_bulk_move_moves_every_ticket_but_those_another_agent_owns(stack: Stack) -> None:
    add_agent(stack, "ada", ["mail/first-line"])
    numbers = await open_tickets(stack, 200)
    owned = set(numbers[::10])  # 20 of them, spread through the selection
    for number in owned:
        assert (await stack.act(number, "take", agent="ada")).status_code == 200
    answer = await bulk(stack, numbers=numbers, action="move", queue="Web")
    assert (answer["done"], answer["refused"]) == (180, 20)
    results = answer["results"]
    assert isinstance(results, list)
    assert [r["number"] for r in results] == numbers  # in the order given
    for r in results:
        if r["number"] in owned:
            assert (r["result"], r["code"]) == ("conflict", "owned")
            assert r["reason"] == "ada owns this ticket" and r["ticket"] is None
        else:
            assert r["result"] == "done" and r["ticket"]["queue"] == "Web"
    # Nothing half-done: a moved ticket has one move; a refused one none, still ada's.
    for number in numbers[:30]:
        detail = await ticket(stack, number)
        moves = [h for h in detail["history"] if h["action"] == "move"]
        if number in owned:
            assert (detail["queue"], detail["owner"], moves) == ("Inbox", "ada", [])
        else:
            assert (detail["queue"], len(moves)) == ("Web", 1)
            assert moves[0]["actor"] == "alice"


async def test_each_ticket_s_refusal_is_its_own(stack: Stack) -> None:
    numbers = await open_tickets(stack, 3)
    assert (await stack.act(numbers[1], "close", reason="done")).status_code == 200
    unknown = "2026010199999999"
    answer = await bulk(stack, numbers=[*numbers, unknown], action="close", reason="spam")
    outcome = {r["number"]: r for r in answer["results"]}
    assert (answer["done"], answer["refused"]) == (2, 2)
    assert outcome[numbers[0]]["ticket"]["state"] == "closed"
    assert outcome[numbers[1]]["result"] == "conflict"
    assert outcome[unknown] == {
        "number": unknown,
        "result": "unknown",
        "ticket": None,
        "code": "ticket-unknown",
        "reason": f"no ticket {unknown}",
    }
    # An agent without the right is refused on each ticket, and nothing changes.
    numbers = await open_tickets(stack, 2)
    answer = await bulk(stack, "sam", numbers=numbers, action="priority", priority=5)
    assert [r["result"] for r in answer["results"]] == ["refused", "refused"]
    assert [(await ticket(stack, n))["priority"] for n in numbers] == [3, 3]


async def test_a_bulk_request_is_checked_before_any_ticket_is_touched(stack: Stack) -> None:
    number = await stack.open_ticket()
    for body, words in [
        ({"numbers": [number], "action": "move"}, "move needs queue"),
        ({"numbers": [number], "action": "take", "queue": "Web"}, "take takes no queue"),
        ({"numbers": [number, number], "action": "take"}, "a ticket is named twice"),
        ({"numbers": [], "action": "take"}, "at least 1 item"),
        ({"numbers": [str(n) for n in range(501)], "action": "take"}, "at most 500 items"),
        ({"numbers": [number], "action": "answer"}, "'move', 'priority'"),
        ({"numbers": ["1; drop"], "action": "take"}, "pattern"),
    ]:
        resp = await stack.http.post("/api/v1/bulk", json=body, headers=stack.auth("alice"))
        assert resp.status_code == 422, body
        assert words in resp.text, (body, resp.text)
    assert (await ticket(stack, number))["owner"] is None
