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
