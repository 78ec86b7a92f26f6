"""Rights per group per queue on the real stack: a desk with `groups:`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from temporalio.testing import WorkflowEnvironment

from tests.support.stack import SmtpSink, Stack, open_stack
from ticketflow.settings import Settings

MOVE_ONLY = ["move_into"]
GROUPS = [
    {
        "name": "first-line",
        "rights": {"Inbox": ["rw"]}
        | {q: MOVE_ONLY for q in ("Passwords", "Web", "Solvers", "Abuse", "Security")},
    },
    {
        "name": "passwords",
        "rights": {"Passwords": ["rw"], "Solvers": MOVE_ONLY, "Inbox": MOVE_ONLY},
    },
    {"name": "leads", "rights": {"Inbox": ["rw", "steal"]}},
]


@pytest.fixture
async def rights_stack(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path, smtp: tuple[SmtpSink, int]
) -> AsyncIterator[Stack]:
    desk = yaml.safe_load(Settings().desk_config.read_text())
    desk["groups"] = GROUPS
    path = tmp_path / "desk.yaml"
    path.write_text(yaml.safe_dump(desk, allow_unicode=True))
    async with open_stack(dev_env, database_url, tmp_path, smtp, desk_config=path) as opened:
        yield opened


async def test_rights_per_group_per_queue(rights_stack: Stack) -> None:
    stack = rights_stack
    number = await stack.open_ticket()
    ticket = f"/api/v1/tickets/{number}"
    # First line hands the ticket to Passwords, and then may no longer read it.
    moved = await stack.act(number, "move", agent="alice", queue="Passwords")
    assert moved.status_code == 200, moved.text
    unknown = await stack.http.get("/api/v1/tickets/0000000000", headers=stack.auth("alice"))
    hidden = await stack.http.get(ticket, headers=stack.auth("alice"))
    assert (hidden.status_code, hidden.json()["detail"]) == (404, f"no ticket {number}")
    assert unknown.status_code == 404
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
    for action, body in (("note", {"text": "x"}), ("take", {}), ("close", {"reason": "x"})):
        resp = await stack.act(number, action, agent="sam", **body)
        assert resp.status_code == 403, (action, resp.text)
        assert "right in this queue" in resp.json()["detail"]
    # Passwords works it.
    assert (await stack.act(number, "take", agent="bob")).status_code == 200


async def test_a_group_without_rights_sees_no_queue(rights_stack: Stack) -> None:
    me = await rights_stack.http.get("/api/v1/me", headers=rights_stack.auth("carol"))
    assert me.json()["queues"] == []


async def test_one_agent_per_ticket(stack: Stack) -> None:
    """The example desk: while alice owns a ticket, a supervisor may note but not answer,
    close or take it."""
    number = await stack.open_ticket()
    assert (await stack.act(number, "take", agent="alice")).status_code == 200
    for action, body in (("answer", {"text": "x"}), ("close", {"reason": "x"})):
        resp = await stack.act(number, action, agent="sam", **body)
        assert (resp.status_code, resp.json()["detail"]) == (409, "alice owns this ticket")
    taken = await stack.act(number, "take", agent="sam")
    assert taken.status_code == 409 and "needs the steal right" in taken.json()["detail"]
    assert (await stack.act(number, "note", agent="sam", text="FYI")).status_code == 200
    assert (await stack.act(number, "answer", agent="alice", text="Done.")).status_code == 200


async def test_a_steal_is_recorded_with_whom_it_was_taken_from(rights_stack: Stack) -> None:
    stack = rights_stack
    token = stack.components.agent_admin("test").add("lea", ["leads"])
    number = await stack.open_ticket()
    assert (await stack.act(number, "take", agent="alice")).status_code == 200
    stolen = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/take",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (stolen.status_code, stolen.json()["owner"]) == (200, "lea")
    detail = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
    takes = [e for e in detail.json()["history"] if e["action"] == "take"]
    assert [(e["actor"], e["detail"]) for e in takes] == [
        ("alice", None),
        ("lea", "taken from alice"),
    ]


async def test_macros_are_offered_and_run_only_with_every_step_s_right(rights_stack: Stack) -> None:
    stack = rights_stack
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
