"""The second line's tools in a ticket's workflow, on the time-skipping server: a
verification and a restore asked of the account directory, and a task filed in the
tracker that the ticket waits on for days, polled, until engineering closes it. Their
histories hold ids, verdict counts and task keys, never a claim or the agent's words."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from tests.api.test_passwords import MARKER, load_sample
from tests.api.test_solvers_tasks import tracker_desk
from tests.support.stack import Stack, make_components
from tests.support.temporal import eventually, keep_history, new_worker
from tests.support.tickets import act, new_ticket_in_inbox, ref, ticket_row
from tests.support.trackers import SECRET, TOKEN, Tracker, serving
from tests.workflows.test_ticket_workflow import history_actions, history_json
from ticketflow.components import Components
from ticketflow.engine.tickets import perform_action
from ticketflow.letters.answers import DECISIONS_DIR, Written
from ticketflow.payloads import ActionRequest
from ticketflow.store.claims import add_claims
from ticketflow.store.models import HistoryEvent
from ticketflow.tickets.numbering import workflow_id


async def test_a_verification_and_a_restore(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = time_skipping_env.client
    load_sample(Stack(None, components, time_skipping_env, None, {}))  # type: ignore[arg-type]
    async with new_worker(client, components):
        number = await new_ticket_in_inbox(client, components)
        await act(client, components, number, "move", queue="Passwords")
        sealer = components.accounts.sealer
        items = {"birth_date": "17.05.1990", "last_password": MARKER}
        ticket_id = ticket_row(components, number).id
        claims_id = add_claims(
            components.sessions,
            ticket_id,
            list(items),
            lambda bound: sealer.seal(items, bound),
            "bob",
        )
        await act(client, components, number, "claims", agent="bob", claims_id=claims_id)
        await act(client, components, number, "verify", agent="bob")
        restore = ActionRequest(action="restore", agent="bob", channel="sms", reason="ok")
        letter = Written(
            template="access_restored", values=(("channel", "sms"),), folder=DECISIONS_DIR
        )
        status = await perform_action(components, client, ref(components, number), restore, letter)
        assert status.ticket.state == "closed"
        assert history_actions(components, number)[-4:] == ["move", "claims", "verify", "restore"]
        text = await history_json(client, number)
        assert "1 match, 1 mismatch" in text and MARKER not in text and "17.05.1990" not in text
        await keep_history(client, workflow_id(number), "passwords-verify-restore")


async def test_a_task_waited_on_for_days_then_closed(
    own_time_skipping_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    time_skipping_env = own_time_skipping_env  # it skips days ahead: a server of its own
    monkeypatch.setenv("TICKETFLOW_TRACKER_TOKEN", TOKEN)
    monkeypatch.setenv("TICKETFLOW_TRACKER_WEBHOOK_SECRET", SECRET)
    client = time_skipping_env.client
    with serving(Tracker()) as tracker:
        desk = tracker_desk(tmp_path, tracker.url, poll_minutes=360)
        components = make_components(tmp_path, f"sqlite:///{tmp_path / 'tf.db'}", desk_config=desk)
        async with new_worker(client, components):
            number = await new_ticket_in_inbox(client, components)
            await act(client, components, number, "move", queue="Solvers")
            summary = "Sent folder loses mail\nsteps: send, reload"
            status = await act(client, components, number, "file-task", summary, agent="carol")
            assert status.ticket.state == "waiting"
            # Days pass (time skips); every poll finds it open; then engineering closes it.
            for _ in range(6):
                await time_skipping_env.sleep(12 * 3600)
            polls = [r for r in tracker.requests if r["method"] == "GET"]
            assert len(polls) >= 10  # every six hours
            tracker.close("1")
            await time_skipping_env.sleep(7 * 3600)

            async def state() -> str:
                return ticket_row(components, number).state

            assert await eventually(state, lambda s: s == "second-line")
        # Back on the second line the ticket's SLA clocks run again, and the server skips
        # time while nothing else is due: its escalation (a warning, a breach that raises
        # the priority) may come before this reads the history. The work is what counts.
        worked = [
            action
            for actor, action in history_by(components, number)
            if actor != "system" or action == "task-update"
        ]
        assert worked[-3:] == ["move", "file-task", "task-update"]
        text = await history_json(client, number)
        assert "Sent folder loses mail" not in text
        await keep_history(client, workflow_id(number), "task-filed-polled-closed")


def history_by(components: Components, number: str) -> list[tuple[str, str]]:
    """The ticket's history as (actor, action), in order."""
    with components.sessions() as session:
        rows = session.execute(
            select(HistoryEvent.actor, HistoryEvent.action)
            .where(HistoryEvent.ticket_id == ticket_row(components, number).id)
            .order_by(HistoryEvent.seq)
        ).all()
        return [(row.actor, row.action) for row in rows]
