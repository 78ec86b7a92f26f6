"""A new ticket's first step, taken by intake in its message's transaction: the ticket is
routed before its workflow runs, the run only sends the automatic reply, and a run
that starts otherwise (intake stopped, a reply came first) finds the step done."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from tests.support.stack import free_port, make_components
from tests.support.temporal import eventually, new_worker
from tests.support.tickets import ticket_row
from ticketflow.components import Components
from ticketflow.engine.inbound import accept_mail
from ticketflow.engine.redelivery import redeliver_stranded, start_routed
from ticketflow.engine.tickets import TemporalUnavailable
from ticketflow.store.models import Article, HistoryEvent, Ticket
from ticketflow.tickets.numbering import workflow_id


def history_of(components: Components, number: str) -> list[str]:
    ticket_id = ticket_row(components, number).id
    with components.sessions() as session:
        return list(
            session.scalars(
                select(HistoryEvent.action)
                .where(HistoryEvent.ticket_id == ticket_id)
                .order_by(HistoryEvent.seq)
            )
        )


def inbound_statuses(components: Components, number: str) -> list[str]:
    ticket_id = ticket_row(components, number).id
    with components.sessions() as session:
        return list(
            session.scalars(
                select(Article.status)
                .where(Article.ticket_id == ticket_id, Article.direction == "in")
                .order_by(Article.id)
            )
        )


def outbox(components: Components) -> list[Path]:
    folder = components.settings.outbox_dir / "new"
    return sorted(folder.iterdir()) if folder.exists() else []


async def replies_sent(components: Components, count: int) -> None:
    async def probe() -> list[Path]:
        return outbox(components)

    await eventually(probe, lambda files: len(files) == count)


async def stored_while_temporal_is_down(components: Components, raw: bytes) -> str:
    """Intake that stops after its transaction: the step is taken, no run is started."""
    dead = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    with pytest.raises(TemporalUnavailable):
        await accept_mail(components, dead, raw)
    return newest_number(components)


def newest_number(components: Components) -> str:
    with components.sessions() as session:
        return session.scalars(select(Ticket.number).order_by(Ticket.id.desc())).first() or ""


async def test_a_new_ticket_is_routed_by_intake_and_its_run_records_only_the_reply(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    components = make_components(tmp_path, database_url)
    client = dev_env.client
    made = await accept_mail(components, client, customer_mail())
    # Before any worker runs: routed, its first message taken in, in intake's transaction.
    row = ticket_row(components, made.ticket_number)
    assert (row.state, row.queue, row.version) == ("first-line", "Inbox", 2)
    assert history_of(components, made.ticket_number) == ["customer-message", "route"]
    # Started, with its automatic reply to send: that sending marks the message processed.
    assert inbound_statuses(components, made.ticket_number) == ["routed"]
    async with new_worker(client, components):
        await replies_sent(components, 1)
        assert inbound_statuses(components, made.ticket_number) == ["processed"]
        handle = client.get_workflow_handle(workflow_id(made.ticket_number))
        events = [e async for e in handle.fetch_history_events()]
    kinds = {e.event_type for e in events}
    # No patch markers, no TemporalChangeVersion or ticket attribute upserts: the run was
    # started showing the ticket, under the current rules.
    assert EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES not in kinds
    markers = [e.marker_recorded_event_attributes.marker_name for e in events]
    assert "core_patch" not in markers
    assert history_of(components, made.ticket_number) == ["customer-message", "route"]
    query = f'TicketNumber = "{made.ticket_number}" AND TicketQueue = "Inbox"'
    found = await eventually(
        lambda: _listed(client, query), lambda ids: ids == [workflow_id(made.ticket_number)]
    )
    assert found


async def test_a_new_ticket_with_no_reply_to_send_is_marked_by_intake(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    components = make_components(tmp_path, database_url)
    automatic = customer_mail().replace(b"Subject:", b"Auto-Submitted: auto-generated\nSubject:", 1)
    made = await accept_mail(components, dev_env.client, automatic)
    # No automatic reply to an automatic mail: nothing of the run's marks the message, so
    # intake does once the run has started.
    assert "auto-reply-skipped" in history_of(components, made.ticket_number)
    assert inbound_statuses(components, made.ticket_number) == ["processed"]


async def _listed(client: Client, query: str) -> list[str]:
    return [w.id async for w in client.list_workflows(query)]


async def test_a_ticket_whose_run_intake_never_started_is_started_by_the_sweep(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    components = make_components(tmp_path, database_url)
    number = await stored_while_temporal_is_down(components, customer_mail())
    assert ticket_row(components, number).state == "first-line"
    assert inbound_statuses(components, number) == ["routed"]
    client = dev_env.client
    async with new_worker(client, components):
        assert await redeliver_stranded(components, client, min_age=timedelta(0)) == 0
        assert await start_routed(components, client, min_age=timedelta(0)) == 1
        await replies_sent(components, 1)

        # The next sweep finds the run with the message and marks it; then none is left.
        async def swept() -> list[str]:
            await start_routed(components, client, min_age=timedelta(0))
            return inbound_statuses(components, number)

        await eventually(swept, lambda statuses: statuses == ["processed"])
        assert await start_routed(components, client, min_age=timedelta(0)) == 0
    assert len(outbox(components)) == 1
    assert history_of(components, number) == ["customer-message", "route"]


async def test_a_reply_whose_run_starts_first_finds_the_first_step_done(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    components = make_components(tmp_path, database_url)
    first = customer_mail(message_id="<first-of-two@example.org>")
    number = await stored_while_temporal_is_down(components, first)
    client = dev_env.client
    async with new_worker(client, components):
        reply = customer_mail(subject="More about it", in_reply_to="<first-of-two@example.org>")
        made = await accept_mail(components, client, reply)
        assert (made.ticket_number, made.created) == (number, False)
        # The reply's run loaded the ticket: the first message counts as taken in, and
        # its automatic reply goes out once.
        await replies_sent(components, 1)

        async def actions() -> list[str]:
            return history_of(components, number)

        await eventually(
            actions, lambda got: got == ["customer-message", "route", "customer-message"]
        )
        # The sweep finds a run there already, which has the first message: it is marked.
        assert await start_routed(components, client, min_age=timedelta(0)) == 0
        assert inbound_statuses(components, number) == ["processed", "processed"]
    assert len(outbox(components)) == 1
    assert history_of(components, number) == ["customer-message", "route", "customer-message"]
