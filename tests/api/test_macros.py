"""Macros over the API: listed by what the ticket allows, run as one step, most used first."""

from __future__ import annotations

import httpx

from tests.support.mail import text_part
from tests.support.stack import Stack


async def macros(stack: Stack, number: str, agent: str = "alice") -> list[str]:
    resp = await stack.http.get(f"/api/v1/tickets/{number}/macros", headers=stack.auth(agent))
    assert resp.status_code == 200, resp.text
    return [m["name"] for m in resp.json()["macros"]]


async def run(stack: Stack, number: str, name: str, agent: str = "alice") -> httpx.Response:
    return await stack.http.post(
        f"/api/v1/tickets/{number}/macros/{name}", headers=stack.auth(agent)
    )


async def test_a_macro_answers_in_the_customer_language_in_one_step(stack: Stack) -> None:
    number = await stack.open_ticket(
        sender="Иван <ivan@example.ru>", subject="Пароль", body="Забыл пароль."
    )
    assert await macros(stack, number) == [
        "ask-for-details",
        "answer-password-reset",
        "close-as-spam",
        "to-passwords",
        "to-web",
        "to-solvers",
        "to-abuse",
        "to-security",
    ]
    resp = await run(stack, number, "answer-password-reset")
    assert resp.status_code == 200, resp.text
    assert (resp.json()["state"], resp.json()["owner"]) == ("closed", "alice")
    _, answer = await stack.smtp.wait_for(2)
    assert text_part(answer).startswith("Здравствуйте, Иван!")
    detail = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    steps = [(h["actor"], h["action"], h["detail"]) for h in detail.json()["history"]][-3:]
    assert steps == [
        ("alice", "macro", "answer-password-reset"),
        ("alice", "take", None),
        ("alice", "answer", None),
    ]
    # Closed: only what a closed ticket allows is offered (none of these macros).
    assert await macros(stack, number) == []
    resp = await run(stack, number, "close-as-spam")
    assert (resp.status_code, resp.json()["detail"]) == (
        409,
        "step 1 (priority): cannot priority a ticket that is closed",
    )


async def test_macros_are_listed_most_used_first_and_per_group(stack: Stack) -> None:
    first = await stack.open_ticket()
    assert (await run(stack, first, "to-web")).json()["queue"] == "Web"
    second = await stack.open_ticket()
    assert (await macros(stack, second))[0] == "to-web"
    # A supervisor reads the ticket and is offered nothing to run; the passwords group
    # does not see the Inbox: its ticket is as unknown to bob as a number never given.
    assert await macros(stack, second, agent="sam") == []
    resp = await run(stack, second, "to-abuse", agent="bob")
    assert resp.status_code == 404


async def test_close_as_spam_runs_every_step(stack: Stack) -> None:
    number = await stack.open_ticket()
    resp = await run(stack, number, "close-as-spam")
    assert resp.json() | {"number": None} == {
        "number": None,
        "state": "closed",
        "queue": "Inbox",
        "owner": None,
        "priority": 1,
        "action_id": 3,  # after the message and the route (the test desk has no undo)
        "undo_until": None,
    }
    detail = (await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))).json()
    notes = [a["body_text"] for a in detail["articles"] if a["direction"] == "note"]
    assert notes == ["Spam: closed without an answer."]
    assert [h["action"] for h in detail["history"]][-4:] == ["macro", "priority", "note", "close"]
