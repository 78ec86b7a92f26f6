"""Rights per group per queue and one agent per ticket, on the real stack with the
example desk."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.mail import customer_mail
from tests.support.stack import Stack
from tests.support.temporal import eventually
from ticketflow.tickets.lifecycle import AGENT_ACTIONS

# Every agent action with a well-formed body, for "a read-only supervisor may do none".
BODIES: dict[str, dict[str, object]] = {
    "take": {},
    "note": {"text": "x"},
    "ask": {"text": "x"},
    "answer": {"text": "x"},
    "move": {"queue": "Web"},
    "close": {"reason": "x"},
    "reopen": {},
    "priority": {"priority": 5},
    "remind": {"at": "2099-01-01T10:00:00+03:00"},
    "release": {},
    "language": {"language": "en"},
    # Article 1 is the first ticket's first message here; a right is refused before that.
    "forward": {"article_id": 1, "to": "x@partner.example"},
    "verify": {},
    "restore": {"channel": "sms", "reason": "x"},
    "refuse": {"reason": "x"},
    "file-task": {"summary": "x"},
    "merge": {"into": "1"},
}


def test_every_action_is_tried_by_the_supervisor() -> None:
    # Claims have their own route, tried beside the actions.
    assert set(BODIES) == {a.value for a in AGENT_ACTIONS} - {"claims"}


def add_agent(stack: Stack, name: str, groups: list[str]) -> None:
    stack.tokens[name] = stack.components.agent_admin("test").add(name, groups)


async def test_rights_per_group_per_queue(stack: Stack) -> None:
    """The example desk's rights (ticketflow/desk/desk.example.yaml, `groups:`)."""
    number = await stack.open_ticket()
    ticket = f"/api/v1/tickets/{number}"
    # First line hands the ticket to Passwords, and then may no longer read it: the 404
    # of a number never given, on the ticket, its macros and its actions.
    moved = await stack.act(number, "move", agent="alice", queue="Passwords")
    assert moved.status_code == 200, moved.text
    for path in (ticket, f"{ticket}/macros"):
        hidden = await stack.http.get(path, headers=stack.auth("alice"))
        assert (hidden.status_code, hidden.json()["detail"]) == (404, f"no ticket {number}")
    note = await stack.act(number, "note", agent="alice", text="x")
    assert (note.status_code, note.json()["detail"]) == (404, f"no ticket {number}")
    # Passwords may not move into Web; a queue that does not exist is the workflow's 409.
    refused = await stack.act(number, "move", agent="bob", queue="Web")
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "no move_into right for queue 'Web'",
    )
    nowhere = await stack.act(number, "move", agent="bob", queue="Nowhere")
    assert nowhere.status_code == 409
    # A supervisor reads every queue, and may do nothing in it.
    assert (await stack.http.get(ticket, headers=stack.auth("sam"))).status_code == 200
    for action, body in BODIES.items():
        resp = await stack.act(number, action, agent="sam", **body)
        assert resp.status_code == 403, (action, resp.text)
        assert "right in this queue" in resp.json()["detail"]
    claims = {"items": {"phone": "+7 912 345 67 89"}}
    resp = await stack.http.post(f"{ticket}/claims", json=claims, headers=stack.auth("sam"))
    assert resp.status_code == 403 and "right in this queue" in resp.json()["detail"]
    # Passwords works it, and may hand it on to Solvers, whose agents then work it.
    assert (await stack.act(number, "take", agent="bob")).status_code == 200
    assert (await stack.act(number, "move", agent="bob", queue="Solvers")).status_code == 200
    assert (await stack.act(number, "take", agent="carol")).status_code == 200


async def test_an_agent_of_no_queue_sees_none(stack: Stack) -> None:
    me = await stack.http.get("/api/v1/me", headers=stack.auth("dana"))
    assert me.json()["queues"] == []


async def test_one_agent_per_ticket(stack: Stack) -> None:
    """While alice owns a ticket, another first-line agent may note but not answer, close
    or take it; alice releases it and he may."""
    add_agent(stack, "ada", ["mail/first-line"])
    number = await stack.open_ticket()
    assert (await stack.act(number, "take", agent="alice")).status_code == 200
    for action, body in (("answer", {"text": "x"}), ("close", {"reason": "x"})):
        resp = await stack.act(number, action, agent="ada", **body)
        assert (resp.status_code, resp.json()["detail"]) == (409, "alice owns this ticket")
    taken = await stack.act(number, "take", agent="ada")
    assert taken.status_code == 409 and "needs the steal right" in taken.json()["detail"]
    assert (await stack.act(number, "note", agent="ada", text="FYI")).status_code == 200
    released = await stack.act(number, "release", agent="alice")
    assert (released.status_code, released.json()["owner"]) == (200, None)
    assert (await stack.act(number, "answer", agent="ada", text="Done.")).status_code == 200


async def test_a_steal_is_recorded_with_whom_it_was_taken_from(stack: Stack) -> None:
    add_agent(stack, "pia", ["passwords"])
    number = await stack.open_ticket()
    assert (await stack.act(number, "move", queue="Passwords")).status_code == 200
    assert (await stack.act(number, "take", agent="bob")).status_code == 200
    stolen = await stack.act(number, "take", agent="pia")
    assert (stolen.status_code, stolen.json()["owner"]) == (200, "pia")
    detail = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
    takes = [e for e in detail.json()["history"] if e["action"] == "take"]
    assert [(e["actor"], e["detail"]) for e in takes] == [
        ("bob", None),
        ("pia", "taken from bob"),
    ]


async def test_macros_are_offered_and_run_only_with_every_step_s_right(stack: Stack) -> None:
    number = await stack.open_ticket()
    macros = f"/api/v1/tickets/{number}/macros"

    async def offered(agent: str) -> list[str]:
        resp = await stack.http.get(macros, headers=stack.auth(agent))
        return [m["name"] for m in resp.json()["macros"]]

    assert "to-passwords" in await offered("alice")
    assert await offered("sam") == []  # a supervisor reads, and runs nothing
    run = await stack.http.post(f"{macros}/close-as-spam", headers=stack.auth("sam"))
    assert (run.status_code, run.json()["detail"]) == (
        403,
        "step 1: priority needs the priority right in this queue",
    )


async def test_a_reply_reopens_to_the_first_line_and_to_the_second_line_s_agent(
    stack: Stack,
) -> None:
    """`reopen_owner`: the Inbox releases its owner on a reopen, Passwords keeps him."""
    owners = {}
    for queue, agent in (("Inbox", "alice"), ("Passwords", "bob")):
        number = await stack.open_ticket(subject=f"About {queue}")
        if queue != "Inbox":
            assert (await stack.act(number, "move", queue=queue)).status_code == 200
        answered = await stack.act(number, "answer", agent=agent, text="Solved, I hope.")
        assert (answered.status_code, answered.json()["owner"]) == (200, agent)
        reply = customer_mail(subject=f"Re: [Ticket#{number}] About {queue}", body="Not yet.")
        assert (await stack.send_mail(reply)).status_code == 202

        async def detail(number: str = number) -> dict[str, Any]:
            resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
            return dict(resp.json())

        reopened = await eventually(detail, lambda t: t["state"] != "closed")
        owners[queue] = reopened["owner"]
        if queue == "Inbox":
            assert reopened["history"][-1]["action"] == "released"
    assert owners == {"Inbox": None, "Passwords": "bob"}


@pytest.mark.parametrize("action", ["answer", "ask"])
async def test_two_agents_racing_one_ticket_send_one_mail(stack: Stack, action: str) -> None:
    """Two first-line agents click at once: one mail goes out, the other agent gets 409."""
    add_agent(stack, "ada", ["mail/first-line"])
    number = await stack.open_ticket()
    await stack.smtp.wait_for(1)  # the automatic reply
    texts = {"alice": "Alice's words.", "ada": "Ada's words."}
    answers = await asyncio.gather(
        *(stack.act(number, action, agent=agent, text=text) for agent, text in texts.items())
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [r.text for r in answers]
    winner = next(a for a, r in zip(texts, answers, strict=True) if r.status_code == 200)
    loser = next(r for r in answers if r.status_code == 409)
    assert loser.json()["detail"] in (
        f"{winner} owns this ticket",
        f"cannot {action} a ticket that is closed",
    )
    sent = await stack.smtp.wait_for(2)
    await asyncio.sleep(1.0)  # time enough for a second mail, were one on its way
    bodies = [m.get_body(("plain",)).get_content() for m in stack.smtp.messages[1:]]  # type: ignore[union-attr]
    assert len(sent) == 2 and texts[winner] in bodies[0], bodies
    detail = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
    assert detail.json()["owner"] == winner
