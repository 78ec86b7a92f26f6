"""Undo on the time-skipping server: an agent's mail waits out the desk's window on a
durable timer; an undo within it puts the ticket back and the mail never goes, exactly
once, across a worker's restart too."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.support.stack import example_desk, make_components
from tests.support.temporal import eventually, keep_history, new_worker
from tests.support.tickets import act, new_ticket_in_inbox, ref, ticket_row
from ticketflow.components import Components
from ticketflow.engine.tickets import undo_action
from ticketflow.payloads import TicketStatus
from ticketflow.store.models import Article, HistoryEvent
from ticketflow.tickets.lifecycle import InvalidTransition
from ticketflow.tickets.numbering import workflow_id

WINDOW = 30  # seconds: long enough that the test acts well within it in real time


@pytest.fixture
def components(tmp_path: Path) -> Components:
    desk = example_desk(tmp_path, undo_seconds=WINDOW)
    return make_components(tmp_path, f"sqlite:///{tmp_path / 'tf.db'}", desk_config=desk)


def outbox(components: Components) -> list[Path]:
    folder = components.settings.outbox_dir / "new"
    return sorted(folder.iterdir()) if folder.exists() else []


def agent_mail(components: Components) -> list[Article]:
    with components.sessions() as session:
        return list(session.scalars(select(Article).where(Article.author == "alice")))


async def auto_reply_sent(components: Components) -> None:
    await eventually(lambda: _count(components), lambda n: n == 1, timeout=20)


async def _count(components: Components) -> int:
    return len(outbox(components))


async def test_an_undone_answer_never_reaches_the_customer_and_the_ticket_is_back(
    own_time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = own_time_skipping_env.client
    async with new_worker(client, components):
        number = await new_ticket_in_inbox(client, components)
        await auto_reply_sent(components)
        status = await act(client, components, number, "answer", "Try the reset link.")
        assert status.ticket.state == "closed" and status.action_id is not None
        assert status.undo_until is not None
        [answer] = agent_mail(components)
        assert answer.status == "queued"  # accepted and shown, held for the window

        target = ref(components, number)
        with pytest.raises(InvalidTransition, match="only alice may undo"):
            await undo_action(components, client, target, "bob", status.action_id)
        undone = await undo_action(components, client, target, "alice", status.action_id)
        assert (undone.ticket.state, undone.ticket.queue, undone.ticket.owner) == (
            "first-line",
            "Inbox",
            None,
        )
        # Asked again (a double click, a retried request): the same answer, undone once.
        again = await undo_action(components, client, target, "alice", status.action_id)
        assert again.ticket == undone.ticket

        await own_time_skipping_env.sleep(WINDOW * 3)  # the held send's timer fires
        row = ticket_row(components, number)
        assert (row.state, row.queue, row.owner) == ("first-line", "Inbox", None)
        [answer] = agent_mail(components)
        assert answer.status == "withdrawn"
        assert len(outbox(components)) == 1  # the automatic reply only
        with components.sessions() as session:
            undo_rows = session.scalars(
                select(HistoryEvent).where(HistoryEvent.action == "undo")
            ).all()
        assert [(e.actor, e.detail) for e in undo_rows] == [
            ("alice", f"answer #{status.action_id}-{status.action_id}")
        ]
        await keep_history(client, workflow_id(number), "answer-undone")


def components_with_window(tmp_path: Path, seconds: int) -> Components:
    desk = example_desk(tmp_path, undo_seconds=seconds)
    return make_components(tmp_path, f"sqlite:///{tmp_path / 'tf.db'}", desk_config=desk)


# A worker's restart on the dev server, in real time: the time-skipping server hands a
# restarted worker no task while the stopped one's sticky queue holds it.


async def acted_before_a_restart(
    client: Client, components: Components, action: str, text: str
) -> tuple[str, TicketStatus, int]:
    """A new ticket and an agent's mailing action on it, by a worker that then stops with
    the mail held."""
    async with new_worker(client, components):
        number = await new_ticket_in_inbox(client, components)
        await auto_reply_sent(components)
        status = await act(client, components, number, action, text)
        assert status.action_id is not None
        assert len(outbox(components)) == 1  # held: the automatic reply only
    return number, status, status.action_id


async def test_held_mail_goes_once_after_the_window_across_a_worker_restart(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    components = components_with_window(tmp_path, 4)
    client = dev_env.client
    number, status, action_id = await acted_before_a_restart(
        client, components, "ask", "Which browser?"
    )
    assert status.ticket.state == "waiting"
    # A new worker sends it once the window is over, not twice.
    async with new_worker(client, components):
        await eventually(lambda: _count(components), lambda n: n == 2, timeout=30)
        with pytest.raises(InvalidTransition, match="too late to undo"):
            target = ref(components, number)
            await undo_action(components, client, target, "alice", action_id)
        [asked] = agent_mail(components)
        assert asked.status == "sent"
    assert len(outbox(components)) == 2


async def test_a_worker_restart_inside_the_window_keeps_the_undo(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    components = components_with_window(tmp_path, 60)
    client = dev_env.client
    number, _, action_id = await acted_before_a_restart(client, components, "answer", "Fixed.")
    async with new_worker(client, components):
        target = ref(components, number)
        undone = await undo_action(components, client, target, "alice", action_id)
        assert (undone.ticket.state, undone.ticket.queue) == ("first-line", "Inbox")
        row = ticket_row(components, number)
        assert (row.state, row.queue) == ("first-line", "Inbox")
        [answer] = agent_mail(components)
        assert answer.status == "withdrawn"
