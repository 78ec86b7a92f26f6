"""POST /api/v1/tickets/{number}/actions/undo: one's own action taken back within the
desk's window, as the workflow decides; nobody else's, never twice, never late."""

from __future__ import annotations

import asyncio

from tests.conftest import UNDO_WINDOW
from tests.support.stack import Stack


async def undo(
    stack: Stack, number: str, action_id: int, agent: str = "alice"
) -> tuple[int, dict[str, object]]:
    resp = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/undo",
        json={"action_id": action_id},
        headers=stack.auth(agent),
    )
    return resp.status_code, resp.json()


async def test_a_move_out_of_ones_queues_is_undone_by_its_agent_only(undo_stack: Stack) -> None:
    stack = undo_stack
    number = await stack.open_ticket()
    moved = await stack.act(number, "move", queue="Passwords")
    assert moved.status_code == 200, moved.text
    action_id = moved.json()["action_id"]
    assert action_id is not None and moved.json()["undo_until"]
    # She no longer reads it, yet her own action is hers to undo.
    assert (
        await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    ).status_code == 404
    # Another agent (bob works Passwords) may not, and learns nothing more than a 404.
    assert (await undo(stack, number, action_id, agent="bob"))[0] == 404
    assert (await undo(stack, number, action_id + 50))[0] == 404
    status, back = await undo(stack, number, action_id)
    assert status == 200, back
    assert (back["state"], back["queue"], back["owner"]) == ("first-line", "Inbox", None)
    assert (await undo(stack, number, action_id))[1]["queue"] == "Inbox"  # once: same answer
    history = (
        await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    ).json()["history"]
    assert [(h["action"], h["actor"]) for h in history][-2:] == [
        ("move", "alice"),
        ("undo", "alice"),
    ]


async def test_undo_is_refused_once_the_window_is_over_and_the_answer_went(
    undo_stack: Stack,
) -> None:
    stack = undo_stack
    number = await stack.open_ticket()
    answered = await stack.act(number, "answer", text="Done: try again now.")
    assert answered.status_code == 200, answered.text
    await asyncio.sleep(UNDO_WINDOW + 1)
    status, refused = await undo(stack, number, answered.json()["action_id"])
    assert status == 409
    assert refused["code"] in ("undo-late", "undo-sent")
    sent = await stack.smtp.wait_for(2)  # the automatic reply, then the answer: once
    assert "Done: try again now." in str(sent[1])
