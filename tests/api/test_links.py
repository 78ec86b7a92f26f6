"""Related tickets linked both ways (`/api/v1/tickets/{number}/links`): shown on both,
made once, taken back from either; both tickets must be the agent's to read and annotate."""

from __future__ import annotations

from typing import Any

from tests.support.stack import Stack


async def links(stack: Stack, number: str, agent: str = "alice") -> Any:
    resp = await stack.http.get(f"/api/v1/tickets/{number}/links", headers=stack.auth(agent))
    assert resp.status_code == 200, resp.text
    return [(t["number"], t["linked_by"]) for t in resp.json()["links"]]


async def link(stack: Stack, number: str, other: str, agent: str = "alice") -> Any:
    return await stack.http.post(
        f"/api/v1/tickets/{number}/links", json={"number": other}, headers=stack.auth(agent)
    )


async def test_two_tickets_linked_show_each_other_and_unlink_from_either(stack: Stack) -> None:
    first = await stack.open_ticket(subject="Cannot log in")
    second = await stack.open_ticket(subject="Still cannot log in")
    made = await link(stack, first, second)
    assert made.status_code == 200
    assert [t["number"] for t in made.json()["links"]] == [second]
    assert await links(stack, second) == [(first, "alice")]
    # Linking again, either way round, changes nothing.
    assert (await link(stack, second, first)).status_code == 200
    assert await links(stack, first) == [(second, "alice")]
    detail = await stack.http.get(f"/api/v1/tickets/{second}", headers=stack.auth("alice"))
    [shown] = detail.json()["links"]
    assert (shown["number"], shown["subject"], shown["state"]) == (
        first,
        "Cannot log in",
        "first-line",
    )
    # No step of either ticket: their histories are as they were.
    assert [h["action"] for h in detail.json()["history"]] == ["customer-message", "route"]

    gone = await stack.http.delete(
        f"/api/v1/tickets/{second}/links/{first}", headers=stack.auth("alice")
    )
    assert (gone.status_code, gone.json()) == (200, {"links": []})
    assert await links(stack, first) == []
    again = await stack.http.delete(
        f"/api/v1/tickets/{first}/links/{second}", headers=stack.auth("alice")
    )
    assert (again.status_code, again.json()["detail"]) == (
        404,
        f"ticket {first} is not linked with {second}",
    )


async def test_a_link_needs_both_tickets_and_the_right_to_annotate_them(stack: Stack) -> None:
    number = await stack.open_ticket()
    other = await stack.open_ticket(sender="Boris <boris@example.org>")
    unknown = "2026010199999999"
    resp = await link(stack, number, unknown)
    assert (resp.status_code, resp.json()["detail"]) == (404, f"no ticket {unknown}")
    resp = await link(stack, number, number)
    assert (resp.status_code, resp.json()["code"]) == (422, "link-self")
    # sam reads every queue but may not write notes: refused, and nothing is linked.
    resp = await link(stack, number, other, agent="sam")
    assert resp.status_code == 403, resp.text
    # bob may not read the Inbox: refused as if neither ticket existed.
    resp = await link(stack, number, other, agent="bob")
    assert (resp.status_code, resp.json()["detail"]) == (404, f"no ticket {number}")
    assert await links(stack, number) == []


async def test_a_linked_ticket_another_agent_may_not_read_is_not_shown_to_him(
    stack: Stack,
) -> None:
    inbox = await stack.open_ticket()
    moved = await stack.open_ticket(sender="Boris <boris@example.org>")
    assert (await link(stack, inbox, moved)).status_code == 200
    assert (await stack.act(moved, "move", queue="Web")).status_code == 200
    # alice (first line) no longer reads the Web ticket: her list leaves it out.
    assert await links(stack, inbox) == []
    assert await links(stack, inbox, agent="sam") == [(moved, "alice")]
