"""What a supervisor sees of a ticket in the Temporal UI: the workflow's summary, its
current details, and a summary on each activity and timer of its history, none of which
holds a subject, a body or an address."""

from __future__ import annotations

import json
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata

from tests.support.mail import customer_mail
from tests.support.stack import Stack
from tests.support.temporal import eventually
from ticketflow.tickets.numbering import workflow_id

SUBJECT, BODY = "Locked out of my mailbox", "My password stopped working yesterday evening."
SUMMARISED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    EventType.EVENT_TYPE_MARKER_RECORDED,  # local activities
    EventType.EVENT_TYPE_TIMER_STARTED,
}


async def details(stack: Stack, number: str) -> Any:
    handle = stack.env.client.get_workflow_handle(workflow_id(number))
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return metadata.current_details


async def test_a_ticket_workflow_describes_itself_without_customer_data(stack: Stack) -> None:
    sent = await stack.send_mail(customer_mail(subject=SUBJECT, body=BODY))
    number = sent.json()["ticket"]
    await eventually(lambda: details(stack, number), lambda d: "Inbox" in d)
    assert (await stack.act(number, "take", agent="alice")).status_code == 200
    now = await details(stack, number)
    assert "**first-line** in **Inbox** · priority 3 · owner alice" in now
    assert "next SLA: first-response warning" in now and "→ notify" in now
    assert "customer last wrote 20" in now  # a date: the message came in this run
    assert (
        await stack.act(number, "answer", agent="alice", text="Reset it here.")
    ).status_code == 200
    closed = await eventually(lambda: details(stack, number), lambda d: "closed" in d)
    assert "next SLA: none running" in closed and "reopen window ends" in closed

    handle = stack.env.client.get_workflow_handle(workflow_id(number))
    described = await handle.describe()
    assert await described.static_summary() == f"Ticket {number} · mail · first queue Inbox"
    summaries = []
    async for event in handle.fetch_history_events():
        if event.event_type in SUMMARISED and event.user_metadata.HasField("summary"):
            summaries.append(json.loads(event.user_metadata.summary.data))
    assert "load the ticket" not in summaries  # intake handed the new ticket over: no load
    for expected in ("automatic reply", "agent's mail to the customer"):
        assert expected in summaries, summaries
    # Intake took the first step (taken in, routed): the run records only what follows.
    assert not any("customer-message" in s for s in summaries), summaries
    assert any(s.startswith("record: take") for s in summaries), summaries
    assert any(s.startswith("first-response warning ") for s in summaries), summaries
    assert any(s.startswith("record: answer") for s in summaries), summaries
    assert "reopen window ends" in summaries
    seen = " ".join([now, closed, *summaries])
    for secret in (SUBJECT, BODY, "Reset it here", "anna@example.org", "Anna Petrova"):
        assert secret not in seen
