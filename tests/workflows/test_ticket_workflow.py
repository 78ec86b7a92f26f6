"""TicketWorkflow on the time-skipping server, with real activities on SQLite."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from tests.support.stack import make_components
from tests.support.temporal import (
    decoded_history_text,
    describe_run,
    eventually,
    keep_history,
    new_worker,
)
from tests.support.tickets import act, new_ticket_in_inbox, ref, ticket_row, wait_state
from ticketflow.components import Components
from ticketflow.desk.macros import MacroConfig, MacroStep
from ticketflow.engine.inbound import accept_mail
from ticketflow.engine.tickets import TemporalUnavailable, perform_action, run_macro
from ticketflow.letters.answers import Written
from ticketflow.payloads import ActionRequest
from ticketflow.store.drafts import MailExtras
from ticketflow.store.forward_drafts import Forwarding
from ticketflow.store.models import Article, HistoryEvent
from ticketflow.tickets.lifecycle import InvalidTransition, State, Ticket
from ticketflow.tickets.numbering import workflow_id

FORWARDS = Path(__file__).parents[1] / "support" / "forwards"


async def test_new_ticket_routes_to_inbox_and_gets_auto_reply(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = time_skipping_env.client
    async with new_worker(client, components):
        result = await accept_mail(components, client, customer_mail())
        assert result.created and not result.duplicate
        await wait_state(components, result.ticket_number, "first-line", "Inbox")
        outbox = components.settings.outbox_dir / "new"
        files = await eventually(lambda: _list(outbox), lambda names: len(names) == 1, timeout=20)
        reply = (outbox / files[0]).read_text()
        assert f"[Ticket#{result.ticket_number}]" in reply
        assert "Auto-Submitted: auto-replied" in reply
        await keep_history(client, workflow_id(result.ticket_number), "new-ticket-auto-reply")


async def _list(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def history_json(client: Client, number: str) -> str:
    """The ticket's current run history with every payload decoded, as one text."""
    history = await client.get_workflow_handle(workflow_id(number)).fetch_history()
    return decoded_history_text(history.to_json_dict())


async def test_answered_ticket_reopens_in_the_answering_queue(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = time_skipping_env.client
    body = "My secret recovery phrase is purple-otter-42."
    async with new_worker(client, components):
        first = await accept_mail(components, client, customer_mail(body=body))
        number = first.ticket_number
        await wait_state(components, number, "first-line", "Inbox")

        status = await act(client, components, number, "move", queue="Passwords")
        assert (status.ticket.state, status.ticket.queue) == ("second-line", "Passwords")
        status = await act(client, components, number, "take", agent="bob")
        assert status.ticket.owner == "bob"
        answer = "Your access is restored; the reset link is valid for a day."
        status = await act(client, components, number, "answer", answer, agent="bob")
        assert (status.ticket.state, status.ticket.queue) == ("closed", "Passwords")

        with components.sessions() as session:
            sent = session.scalars(
                select(Article).where(Article.direction == "out", Article.author == "bob")
            ).one()
        reply = customer_mail(
            subject="Re: still broken", in_reply_to=sent.message_id, body="Thanks, but no."
        )
        second = await accept_mail(components, client, reply)
        assert (second.ticket_number, second.created) == (number, False)
        row = await wait_state(components, number, "second-line", "Passwords")
        assert row.owner == "bob"

        assert history_actions(components, number) == [
            "customer-message",
            "route",
            "move",
            "take",
            "answer",
            "customer-message",
        ]
        text = await history_json(client, number)
        assert number in text
        for secret in (body, answer, "Thanks, but no.", "anna@example.org"):
            assert secret not in text
        await keep_history(client, workflow_id(number), "answered-then-reopened")


async def test_refused_action_changes_nothing_and_leaves_no_draft(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = time_skipping_env.client
    async with new_worker(client, components):
        number = await new_ticket_in_inbox(client, components)
        await act(client, components, number, "close", reason="spam")
        with pytest.raises(InvalidTransition, match="cannot answer a ticket that is closed"):
            await act(client, components, number, "answer", "too late")
        await act(client, components, number, "reopen")
        with pytest.raises(InvalidTransition, match="unknown queue 'Nowhere'"):
            await act(client, components, number, "move", queue="Nowhere")
        with components.sessions() as session:
            bodies = session.scalars(select(Article.body_text)).all()
        assert "too late" not in bodies
        history = await history_json(client, number)
        assert "Nowhere" not in history
        row = ticket_row(components, number)
        assert (row.state, row.queue) == ("first-line", "Inbox")


async def test_reply_after_reopen_window_starts_a_new_run_of_the_same_ticket(
    own_time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = own_time_skipping_env.client
    async with new_worker(client, components):
        number = await new_ticket_in_inbox(client, components)
        await act(client, components, number, "move", queue="Web")
        await act(client, components, number, "answer", "Use IMAP port 993.")
        wid = workflow_id(number)
        first_run = (await describe_run(client, wid)).run_id
        await own_time_skipping_env.sleep(timedelta(days=13))
        assert (await describe_run(client, wid)).status == WorkflowExecutionStatus.RUNNING
        await own_time_skipping_env.sleep(timedelta(days=2))
        described = await eventually(
            lambda: describe_run(client, wid),
            lambda d: d.status == WorkflowExecutionStatus.COMPLETED,
        )
        assert described.run_id == first_run

        # An agent's action on the completed ticket starts a new run (update-with-start).
        status = await act(client, components, number, "note", "customer called, see CRM")
        assert (status.ticket.state, status.ticket.queue) == ("closed", "Web")
        second_run = (await describe_run(client, wid)).run_id
        assert second_run != first_run

        reply = customer_mail(subject=f"Re: [Ticket#{number}] Cannot log in", body="Again")
        result = await accept_mail(components, client, reply)
        assert (result.ticket_number, result.created) == (number, False)
        row = await wait_state(components, number, "second-line", "Web")
        assert (await describe_run(client, wid)).run_id == second_run
        with components.sessions() as session:
            seqs = session.scalars(
                select(HistoryEvent.seq).where(HistoryEvent.ticket_id == row.id)
            ).all()
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        await keep_history(client, wid, "reopen-window-ends", run_id=first_run)
        await keep_history(client, wid, "reopen-after-window", run_id=second_run)


async def delivered(components: Components, client: Client, raw: bytes) -> None:
    """A message delivered as a provider delivers it: again after a 503 (the message is
    kept; the same bytes again hand it over). The time-skipping test server's
    continue-as-new is not atomic (temporalio/sdk-java#1538): a signal-with-start that lands
    in between is refused as sent to a completed workflow, which Temporal's own server never
    does."""
    for _ in range(5):
        try:
            await accept_mail(components, client, raw)
            return
        except TemporalUnavailable:
            await asyncio.sleep(0.2)
    await accept_mail(components, client, raw)


async def test_long_ticket_continues_as_new_and_keeps_every_message(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    # How many events 500 messages make depends on how signals batch into workflow
    # tasks; a threshold well below that makes the test certain to cross it.
    components = make_components(
        tmp_path, f"sqlite:///{tmp_path / 'tf.db'}", max_history_events=400
    )
    client = time_skipping_env.client
    async with new_worker(client, components):
        number = await new_ticket_in_inbox(client, components)
        first_run = (await client.get_workflow_handle(workflow_id(number)).describe()).run_id
        subject = f"Re: [Ticket#{number}] more"
        for i in range(499):
            await delivered(components, client, customer_mail(subject=subject, body=f"#{i}"))

        def processed() -> int:
            with components.sessions() as session:
                return len(
                    session.scalars(
                        select(Article.id).where(
                            Article.direction == "in", Article.status == "processed"
                        )
                    ).all()
                )

        async def probe() -> int:
            return processed()

        await eventually(probe, lambda n: n == 500, timeout=120)
        row = ticket_row(components, number)
        assert (row.state, row.queue) == ("first-line", "Inbox")
        first = client.get_workflow_handle(workflow_id(number), run_id=first_run)
        assert (await first.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW
        # Past the threshold the run does no more work (no projections, no mail): it settles
        # and hands the rest over. Signals still land in it until Temporal accepts the
        # handover, which it refuses while unseen signals exist.
        events = (await first.fetch_history()).events
        late_work = [
            e
            for e in events[400:]
            if e.event_type
            in (EventType.EVENT_TYPE_MARKER_RECORDED, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        ]
        assert len(late_work) <= 3
        with components.sessions() as session:
            seqs = session.scalars(
                select(HistoryEvent.seq).where(HistoryEvent.ticket_id == row.id)
            ).all()
        # Every message once, in order: 500 customer messages and the routing.
        assert sorted(seqs) == list(range(1, 502))
        await keep_history(client, workflow_id(number), "continue-as-new", run_id=first_run)
        await keep_history(client, workflow_id(number), "continued-run")


async def test_a_macro_with_an_invalid_step_changes_nothing(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = time_skipping_env.client
    broken = MacroConfig(
        name="broken",
        steps=[
            MacroStep(action="priority", priority=5),
            MacroStep(action="note", text="escalating"),
            MacroStep(action="ask", text="Which browser?"),
            MacroStep(action="move", queue="Inbox"),  # already there: refused
        ],
    )
    async with new_worker(client, components):
        number = await new_ticket_in_inbox(client, components)
        before = history_actions(components, number)
        with pytest.raises(InvalidTransition, match=r"step 4 \(move\): the ticket is already"):
            await run_macro(components, client, ref(components, number), "alice", broken)
        row = ticket_row(components, number)
        assert (row.state, row.priority) == ("first-line", 3)
        assert history_actions(components, number) == before
        with components.sessions() as session:
            by_alice = session.scalars(
                select(Article.id).where(Article.ticket_id == row.id, Article.author == "alice")
            ).all()
        assert by_alice == []  # the note's and the question's drafts are gone


async def test_a_macro_applies_every_step_as_one_change(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = time_skipping_env.client
    chain = MacroConfig(
        name="triage",
        steps=[
            MacroStep(action="take"),
            MacroStep(action="note", text="Logins from two countries."),
            MacroStep(action="priority", priority=4),
            MacroStep(action="move", queue="Passwords"),
        ],
    )
    async with new_worker(client, components):
        number = await new_ticket_in_inbox(client, components)
        status = await run_macro(components, client, ref(components, number), "alice", chain)
        assert status.ticket == Ticket(State.SECOND_LINE, "Passwords", priority=4)
        assert history_actions(components, number)[2:] == [
            "macro",
            "take",
            "note",
            "priority",
            "move",
        ]
        await keep_history(client, workflow_id(number), "macro")


def history_actions(components: Components, number: str) -> list[str]:
    with components.sessions() as session:
        return list(
            session.scalars(
                select(HistoryEvent.action)
                .where(HistoryEvent.ticket_id == ticket_row(components, number).id)
                .order_by(HistoryEvent.seq)
            )
        )


async def test_a_colleague_s_forward_then_an_agent_s_forward_out(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    """The customer's ticket from a colleague's forward (named in the history), and an
    agent's forward of her mail to another desk: a mail sent, the ticket unchanged. The
    ticket's history names the colleague; the workflow's carries ids, never the
    customer's words or her address."""
    client = time_skipping_env.client
    raw = (FORWARDS / "gmail-en.eml").read_bytes()
    async with new_worker(client, components):
        made = await accept_mail(components, client, raw)
        number = made.ticket_number
        row = await wait_state(components, number, "first-line", "Inbox")
        assert row.customer == "anna.petrova@example.org"
        with components.sessions() as session:
            first = session.scalars(
                select(Article).where(Article.ticket_id == row.id).order_by(Article.id)
            ).first()
        assert first is not None
        request = ActionRequest(action="forward", agent="alice")
        extras = MailExtras(forward=Forwarding(first.id, "abuse@partner.example"))
        status = await perform_action(
            components, client, ref(components, number), request, Written(text="FYI"), extras
        )
        assert (status.ticket.state, status.ticket.queue) == ("first-line", "Inbox")
        outbox = components.settings.outbox_dir / "new"
        files = await eventually(lambda: _list(outbox), lambda names: len(names) == 2, timeout=20)
        mails = [(outbox / f).read_text() for f in files]
        assert any("X-Envelope-To: abuse@partner.example" in m for m in mails)
        actions = history_actions(components, number)
        assert actions == ["customer-message", "forwarded", "route", "forward"]
        with components.sessions() as session:
            said = session.scalar(
                select(HistoryEvent.detail).where(
                    HistoryEvent.ticket_id == row.id, HistoryEvent.action == "forwarded"
                )
            )
        assert said is not None and "ivan@staff.ticketflow.localhost" in said
        text = await history_json(client, number)
        for private in ("anna.petrova@example.org", "I cannot sign in", "FYI"):
            assert private not in text
        await keep_history(client, workflow_id(number), "staff-forward-and-forward-out")


async def test_a_ticket_merged_into_another_moves_its_mail_and_its_run_ends(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    """The merged ticket closes and its run ends at once (no reopen window); the other's
    run records the merge; both histories carry numbers and ids, never the mail."""
    client = time_skipping_env.client
    async with new_worker(client, components):
        first = await accept_mail(components, client, customer_mail(subject="Cannot log in"))
        again = customer_mail(subject="Cannot log in (again)", body="Second try, still broken.")
        second = await accept_mail(components, client, again)
        target, source = first.ticket_number, second.ticket_number
        await wait_state(components, target, "first-line", "Inbox")
        await wait_state(components, source, "first-line", "Inbox")
        status = await act(client, components, source, "merge", into=target)
        assert (status.ticket.state, status.undo_until) == (State.CLOSED, None)
        await client.get_workflow_handle(workflow_id(source)).result()  # its run has ended

        async def target_actions() -> list[str]:
            return history_actions(components, target)

        actions = await eventually(target_actions, lambda a: a[-1] == "merged-in")
        assert actions == ["customer-message", "route", "merged-in"]
        assert history_actions(components, source) == ["customer-message", "route", "merge"]
        with components.sessions() as session:
            moved = session.scalars(
                select(Article.ticket_id).where(Article.id == second.article_id)
            ).one()
        assert moved == ticket_row(components, target).id
        for number in (source, target):
            text = await history_json(client, number)
            assert "Second try" not in text and "anna@example.org" not in text
        await keep_history(client, workflow_id(source), "merged-into-another")
        await keep_history(client, workflow_id(target), "another-merged-in")
